/* Session life cycle: the worker thread, its poll loop and the public state API. */
#include "spice_internal.h"

#include "lg/log.h"

#include <errno.h>
#include <poll.h>
#include <spice/enums.h>
#include <spice/protocol.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

const char *spice_error_str(enum spice_error err)
{
  switch (err) {
  case SPICE_OK:
    return "ok";
  case SPICE_ERR_INVALID:
    return "invalid argument";
  case SPICE_ERR_NOMEM:
    return "out of memory";
  case SPICE_ERR_CONNECT_REFUSED:
    return "connection refused (is the SPICE server running?)";
  case SPICE_ERR_CONNECT:
    return "cannot connect";
  case SPICE_ERR_TIMEOUT:
    return "timed out";
  case SPICE_ERR_PROTOCOL:
    return "protocol error (not a SPICE server or corrupt data)";
  case SPICE_ERR_VERSION:
    return "SPICE protocol version mismatch";
  case SPICE_ERR_PERMISSION_DENIED:
    return "permission denied (wrong password)";
  case SPICE_ERR_LINK:
    return "the server refused the channel link";
  case SPICE_ERR_NO_INPUTS:
    return "the server has no inputs channel";
  case SPICE_ERR_DISCONNECTED:
    return "disconnected by the server";
  }
  return "unknown error";
}

static bool session_init_common(struct spice_session *s)
{
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
  int r = pthread_mutex_init(&s->lock, &attr);
  pthread_mutexattr_destroy(&attr);
  if (r != 0)
    return false;
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  r = pthread_cond_init(&s->cond, &ca);
  pthread_condattr_destroy(&ca);
  if (r != 0) {
    pthread_mutex_destroy(&s->lock);
    return false;
  }
  s->wake_fd = -1;
  atomic_init(&s->stop, false);
  spice_chan_init(&s->main, SPICE_CHANNEL_MAIN, 0);
  spice_chan_init(&s->inputs, SPICE_CHANNEL_INPUTS, 0);
  s->agent = spice_agent_new();
  if (!s->agent) {
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
    return false;
  }
  return true;
}

static void session_free(struct spice_session *s)
{
  spice_chan_close(&s->main);
  spice_chan_close(&s->inputs);
  spice_agent_free(s->agent);
  if (s->wake_fd >= 0)
    close(s->wake_fd);
  pthread_cond_destroy(&s->cond);
  pthread_mutex_destroy(&s->lock);
  free(s->host);
  free(s->unix_path);
  memset(s->password, 0, sizeof(s->password));
  free(s);
}

struct spice_session *spice_session_new_offline(const struct spice_callbacks *cb)
{
  struct spice_session *s = calloc(1, sizeof(*s));
  if (!s || !session_init_common(s)) {
    free(s);
    return NULL;
  }
  if (cb)
    s->cfg.cb = *cb;
  s->cfg.client_mouse = true;
  s->main.linked = s->inputs.linked = true;
  s->state = SPICE_STATE_READY;
  return s;
}

void spice_session_free_offline(struct spice_session *s)
{
  if (s)
    session_free(s);
}

void spice_session_wake(struct spice_session *s)
{
  if (s->wake_fd >= 0) {
    uint64_t one = 1;
    ssize_t r = write(s->wake_fd, &one, sizeof(one));
    (void)r;
  }
}

static enum spice_error link_channel(struct spice_session *s, struct spice_chan *c,
                                     uint32_t conn_id)
{
  enum spice_error e;
  uint32_t timeout = s->cfg.timeout_ms ? s->cfg.timeout_ms : 5000;
  int fd = spice_sock_connect(s->host, s->cfg.port, s->unix_path, timeout, &e);
  if (fd < 0)
    return e;
  uint32_t caps = c->type == SPICE_CHANNEL_MAIN ? (1u << SPICE_MAIN_CAP_AGENT_CONNECTED_TOKENS)
                                                : (1u << SPICE_INPUTS_CAP_KEY_SCANCODE);
  bool mini = false;
  uint32_t remote = 0;
  e = spice_link_handshake(fd, conn_id, c->type, c->id, caps, s->password, timeout, &mini, &remote);
  if (e != SPICE_OK) {
    close(fd);
    return e;
  }
  pthread_mutex_lock(&s->lock);
  c->fd = fd;
  c->mini = mini;
  c->remote_caps = remote;
  c->linked = true;
  pthread_mutex_unlock(&s->lock);
  LG_INFO("spice: channel %u linked (%s header)", c->type, mini ? "mini" : "full");
  return SPICE_OK;
}

/* Sends what is queued on `c` without blocking. Lock held. */
static enum spice_error flush_out(struct spice_chan *c)
{
  while (c->fd >= 0 && c->out.len) {
    ssize_t n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL);
    if (n > 0) {
      spice_buf_consume(&c->out, (size_t)n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
      return SPICE_OK;
    return SPICE_ERR_DISCONNECTED;
  }
  return SPICE_OK;
}

/* Reads what is available on `c` and dispatches it. */
static enum spice_error read_in(struct spice_session *s, struct spice_chan *c)
{
  uint8_t buf[65536];
  for (;;) {
    ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
    if (n > 0) {
      pthread_mutex_lock(&s->lock);
      enum spice_error e = spice_chan_feed(s, c, buf, (size_t)n);
      pthread_mutex_unlock(&s->lock);
      if (e != SPICE_OK)
        return e;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return SPICE_OK;
    if (n < 0 && errno == EINTR)
      continue;
    LG_INFO("spice: channel %u closed by the server", c->type);
    return SPICE_ERR_DISCONNECTED;
  }
}

static void set_state(struct spice_session *s, enum spice_state st, enum spice_error e)
{
  pthread_mutex_lock(&s->lock);
  s->state = st;
  s->err = e;
  pthread_cond_broadcast(&s->cond);
  pthread_mutex_unlock(&s->lock);
}

static enum spice_error run_loop(struct spice_session *s)
{
  while (!atomic_load(&s->stop)) {
    pthread_mutex_lock(&s->lock);
    bool want = s->inputs_wanted && !s->inputs.linked;
    pthread_mutex_unlock(&s->lock);
    if (want) {
      enum spice_error e = link_channel(s, &s->inputs, s->info.session_id);
      if (e != SPICE_OK)
        return e;
      set_state(s, SPICE_STATE_READY, SPICE_OK);
      if (s->cfg.cb.on_ready)
        s->cfg.cb.on_ready(s->cfg.cb.opaque);
    }

    struct pollfd pfd[3] = {{.fd = s->wake_fd, .events = POLLIN}};
    struct spice_chan *chans[2] = {&s->main, &s->inputs};
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < 2; ++i) {
      enum spice_error e = flush_out(chans[i]);
      if (e != SPICE_OK) {
        pthread_mutex_unlock(&s->lock);
        return e;
      }
      pfd[i + 1].fd = chans[i]->fd;
      pfd[i + 1].events = (short)(POLLIN | (chans[i]->out.len ? POLLOUT : 0));
    }
    pthread_mutex_unlock(&s->lock);

    if (poll(pfd, 3, 1000) < 0) {
      if (errno == EINTR)
        continue;
      return SPICE_ERR_CONNECT;
    }
    if (pfd[0].revents & POLLIN) {
      uint64_t v;
      ssize_t r = read(s->wake_fd, &v, sizeof(v));
      (void)r;
    }
    for (int i = 0; i < 2; ++i) {
      if (pfd[i + 1].fd < 0)
        continue;
      if (pfd[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) {
        enum spice_error e = read_in(s, chans[i]);
        if (e != SPICE_OK)
          return e;
      }
    }
  }
  return SPICE_OK;
}

static void *worker(void *arg)
{
  struct spice_session *s = arg;
  enum spice_error e = link_channel(s, &s->main, 0);
  if (e == SPICE_OK)
    e = run_loop(s);
  if (atomic_load(&s->stop) && e == SPICE_OK)
    e = SPICE_ERR_DISCONNECTED;
  if (e != SPICE_OK && !atomic_load(&s->stop))
    LG_DEBUG("spice: session ended: %s (reported to the caller through on_closed)", spice_error_str(e));
  set_state(s, SPICE_STATE_CLOSED, e);
  if (s->cfg.cb.on_closed && !atomic_load(&s->stop))
    s->cfg.cb.on_closed(s->cfg.cb.opaque, e);
  return NULL;
}

struct spice_session *spice_connect(const struct spice_config *cfg)
{
  if (!cfg || (!cfg->unix_path && (!cfg->host || cfg->port == 0)))
    return NULL;
  if (cfg->password && strlen(cfg->password) > SPICE_MAX_PASSWORD_LENGTH) {
    LG_ERROR("spice: password longer than %d bytes", SPICE_MAX_PASSWORD_LENGTH);
    return NULL;
  }
  struct spice_session *s = calloc(1, sizeof(*s));
  if (!s)
    return NULL;
  if (!session_init_common(s)) {
    free(s);
    return NULL;
  }
  s->cfg = *cfg;
  s->host = cfg->host ? strdup(cfg->host) : NULL;
  s->unix_path = cfg->unix_path ? strdup(cfg->unix_path) : NULL;
  s->cfg.host = s->host;
  s->cfg.unix_path = s->unix_path;
  s->cfg.password = NULL;
  if (cfg->password)
    strcpy(s->password, cfg->password);
  s->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if ((cfg->host && !s->host) || (cfg->unix_path && !s->unix_path) || s->wake_fd < 0) {
    session_free(s);
    return NULL;
  }
  if (pthread_create(&s->thread, NULL, worker, s) != 0) {
    session_free(s);
    return NULL;
  }
  s->thread_started = true;
  return s;
}

enum spice_error spice_wait_ready(struct spice_session *s, uint32_t timeout_ms)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  ts.tv_sec += timeout_ms / 1000;
  ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  enum spice_error e = SPICE_OK;
  pthread_mutex_lock(&s->lock);
  while (s->state == SPICE_STATE_CONNECTING) {
    if (pthread_cond_timedwait(&s->cond, &s->lock, &ts) == ETIMEDOUT) {
      e = SPICE_ERR_TIMEOUT;
      break;
    }
  }
  if (s->state == SPICE_STATE_CLOSED)
    e = s->err;
  pthread_mutex_unlock(&s->lock);
  return e;
}

enum spice_state spice_get_state(struct spice_session *s, enum spice_error *err)
{
  pthread_mutex_lock(&s->lock);
  enum spice_state st = s->state;
  if (err)
    *err = s->err;
  pthread_mutex_unlock(&s->lock);
  return st;
}

void spice_get_info(struct spice_session *s, struct spice_info *out)
{
  pthread_mutex_lock(&s->lock);
  *out = s->info;
  pthread_mutex_unlock(&s->lock);
}

void spice_disconnect(struct spice_session *s)
{
  if (!s)
    return;
  if (s->thread_started) {
    atomic_store(&s->stop, true);
    spice_session_wake(s);
    pthread_join(s->thread, NULL);
  }
  session_free(s);
}
