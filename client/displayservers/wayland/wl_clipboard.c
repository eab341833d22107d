/* Wayland clipboard: a wl_data_source for the text we offer, and the current selection
 * wl_data_offer (with its mime types) read through a pipe with a bounded wait. */
/* pipe2 and sigtimedwait need _GNU_SOURCE, which the build defines */
#include "wl_priv.h"

#include "lg/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MIME_UTF8 "text/plain;charset=utf-8"
#define MIME_UTF8_STRING "UTF8_STRING"
#define MIME_TEXT "text/plain"
#define WRITE_TIMEOUT_MS 1000

/* The text mime types an offer has (bit per type, best first). */
enum { HAS_UTF8 = 1, HAS_UTF8_STRING = 2, HAS_TEXT = 4 };

struct wlds_clip {
  struct wl_data_device *device;
  struct wl_data_source *source; /* ours, while it is the selection */
  char *text;
  size_t len;
  struct wl_data_offer *selection; /* the current selection offer (user data: mime bits) */
  struct wl_data_offer *dnd;       /* a drag offer: not used, destroyed on leave */
};

static uint64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- offers ----------------------------------------------------------------------------- */

static void offer_offer(void *data, struct wl_data_offer *offer, const char *mime)
{
  uintptr_t bits = (uintptr_t)wl_data_offer_get_user_data(offer);
  if (strcmp(mime, MIME_UTF8) == 0)
    bits |= HAS_UTF8;
  else if (strcmp(mime, MIME_UTF8_STRING) == 0)
    bits |= HAS_UTF8_STRING;
  else if (strcmp(mime, MIME_TEXT) == 0)
    bits |= HAS_TEXT;
  wl_data_offer_set_user_data(offer, (void *)bits);
}

static void offer_source_actions(void *data, struct wl_data_offer *o, uint32_t actions) {}
static void offer_action(void *data, struct wl_data_offer *o, uint32_t action) {}

static const struct wl_data_offer_listener offer_listener = {
    .offer = offer_offer,
    .source_actions = offer_source_actions,
    .action = offer_action,
};

/* ---- data device ------------------------------------------------------------------------- */

static void device_data_offer(void *data, struct wl_data_device *d, struct wl_data_offer *offer)
{
  wl_data_offer_set_user_data(offer, NULL);
  wl_data_offer_add_listener(offer, &offer_listener, NULL);
}

static void device_enter(void *data, struct wl_data_device *d, uint32_t serial,
                         struct wl_surface *surface, wl_fixed_t x, wl_fixed_t y,
                         struct wl_data_offer *offer)
{
  struct wlds_clip *c = data;
  if (c->dnd && c->dnd != offer)
    wl_data_offer_destroy(c->dnd);
  c->dnd = offer;
}

static void drop_dnd(struct wlds_clip *c)
{
  if (c->dnd)
    wl_data_offer_destroy(c->dnd);
  c->dnd = NULL;
}

static void device_leave(void *data, struct wl_data_device *d) { drop_dnd(data); }
static void device_motion(void *data, struct wl_data_device *d, uint32_t t, wl_fixed_t x,
                          wl_fixed_t y)
{
}
static void device_drop(void *data, struct wl_data_device *d) { drop_dnd(data); }

static void device_selection(void *data, struct wl_data_device *d, struct wl_data_offer *offer)
{
  struct wlds_clip *c = data;
  if (c->selection && c->selection != offer)
    wl_data_offer_destroy(c->selection);
  c->selection = offer;
}

static const struct wl_data_device_listener device_listener = {
    .data_offer = device_data_offer,
    .enter = device_enter,
    .leave = device_leave,
    .motion = device_motion,
    .drop = device_drop,
    .selection = device_selection,
};

/* ---- our source -------------------------------------------------------------------------- */

/* Writes all of buf to fd (blocking or not, bounded); SIGPIPE from a reader that went away
 * is blocked and consumed instead of ending the process. */
static void write_all(int fd, const char *buf, size_t len)
{
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  uint64_t deadline = now_ms() + WRITE_TIMEOUT_MS;
  size_t done = 0;
  while (done < len) {
    ssize_t n = write(fd, buf + done, len - done);
    if (n > 0) {
      done += (size_t)n;
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    uint64_t now = now_ms();
    if (n < 0 && errno == EAGAIN && now < deadline) {
      struct pollfd pfd = {.fd = fd, .events = POLLOUT};
      poll(&pfd, 1, (int)(deadline - now));
      continue;
    }
    LG_WARN_RL("wayland: clipboard write stopped after %zu of %zu bytes (%s)", done, len,
               n < 0 ? strerror(errno) : "timeout");
    break;
  }
  if (!sigismember(&old, SIGPIPE)) {
    struct timespec zero = {0, 0};
    while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void source_target(void *data, struct wl_data_source *s, const char *mime) {}

static void source_send(void *data, struct wl_data_source *s, const char *mime, int32_t fd)
{
  struct wlds_clip *c = data;
  if (s == c->source && c->text)
    write_all(fd, c->text, c->len);
  close(fd);
}

static void drop_source(struct wlds_clip *c)
{
  if (c->source)
    wl_data_source_destroy(c->source);
  c->source = NULL;
  free(c->text);
  c->text = NULL;
  c->len = 0;
}

static void source_cancelled(void *data, struct wl_data_source *s)
{
  struct wlds_clip *c = data;
  if (s == c->source)
    drop_source(c);
  else
    wl_data_source_destroy(s);
}

static void source_dnd_drop_performed(void *data, struct wl_data_source *s) {}
static void source_dnd_finished(void *data, struct wl_data_source *s) {}
static void source_action(void *data, struct wl_data_source *s, uint32_t action) {}

static const struct wl_data_source_listener source_listener = {
    .target = source_target,
    .send = source_send,
    .cancelled = source_cancelled,
    .dnd_drop_performed = source_dnd_drop_performed,
    .dnd_finished = source_dnd_finished,
    .action = source_action,
};

/* ---- seam ----------------------------------------------------------------------------- */

void wlds_clip_init(struct wl_ds *w)
{
  if (!w->data_mgr || !w->input.seat || w->clip)
    return;
  struct wlds_clip *c = calloc(1, sizeof(*c));
  if (!c)
    return;
  c->device = wl_data_device_manager_get_data_device(w->data_mgr, w->input.seat);
  wl_data_device_add_listener(c->device, &device_listener, c);
  w->clip = c;
}

void wlds_clip_destroy(struct wl_ds *w)
{
  struct wlds_clip *c = w->clip;
  if (c) {
    drop_source(c);
    drop_dnd(c);
    if (c->selection)
      wl_data_offer_destroy(c->selection);
    if (c->device) {
      if (wl_data_device_get_version(c->device) >= WL_DATA_DEVICE_RELEASE_SINCE_VERSION)
        wl_data_device_release(c->device);
      else
        wl_data_device_destroy(c->device);
    }
    free(c);
    w->clip = NULL;
  }
  if (w->data_mgr)
    wl_data_device_manager_destroy(w->data_mgr);
  w->data_mgr = NULL;
}

bool wlds_clip_set_text(struct wl_ds *w, const char *text, size_t len)
{
  struct wlds_clip *c = w->clip;
  if (!c || !text)
    return false;
  char *copy = malloc(len + 1);
  if (!copy)
    return false;
  memcpy(copy, text, len);
  copy[len] = '\0';
  drop_source(c);
  c->text = copy;
  c->len = len;
  c->source = wl_data_device_manager_create_data_source(w->data_mgr);
  wl_data_source_add_listener(c->source, &source_listener, c);
  wl_data_source_offer(c->source, MIME_UTF8);
  wl_data_source_offer(c->source, MIME_UTF8_STRING);
  wl_data_source_offer(c->source, MIME_TEXT);
  wl_data_device_set_selection(c->device, c->source, w->input.last_serial);
  wl_display_flush(w->display);
  return true;
}

/* Reads the receiving end until EOF, `size` - 1 bytes or the deadline. */
static bool read_pipe(struct wl_ds *w, int fd, char *buf, size_t size, uint32_t timeout_ms)
{
  uint64_t deadline = now_ms() + timeout_ms;
  size_t got = 0;
  for (;;) {
    uint64_t now = now_ms();
    if (now >= deadline) {
      LG_WARN_RL("wayland: clipboard owner did not finish within %u ms", timeout_ms);
      break;
    }
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int r = poll(&pfd, 1, (int)(deadline - now));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      continue;
    char tmp[4096];
    ssize_t n = read(fd, tmp, sizeof(tmp));
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (n <= 0) {
      buf[got] = '\0';
      return n == 0 && got > 0;
    }
    size_t take = (size_t)n < size - 1 - got ? (size_t)n : size - 1 - got;
    memcpy(buf + got, tmp, take);
    got += take; /* the rest is read and dropped: the owner may not block on us */
  }
  (void)w;
  buf[got] = '\0';
  return false;
}

bool wlds_clip_get_text(struct wl_ds *w, char *buf, size_t size, uint32_t timeout_ms)
{
  struct wlds_clip *c = w->clip;
  if (!c || !buf || size == 0)
    return false;
  if (c->source && c->text) {
    if (c->len == 0)
      return false;
    size_t n = c->len < size - 1 ? c->len : size - 1;
    memcpy(buf, c->text, n);
    buf[n] = '\0';
    return true;
  }
  if (!c->selection)
    return false;
  uintptr_t bits = (uintptr_t)wl_data_offer_get_user_data(c->selection);
  const char *mime = (bits & HAS_UTF8)          ? MIME_UTF8
                     : (bits & HAS_UTF8_STRING) ? MIME_UTF8_STRING
                     : (bits & HAS_TEXT)        ? MIME_TEXT
                                                : NULL;
  if (!mime)
    return false;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    LG_WARN_RL("wayland: clipboard pipe failed: %s", strerror(errno));
    return false;
  }
  wl_data_offer_receive(c->selection, mime, fds[1]);
  wl_display_flush(w->display);
  close(fds[1]);
  bool ok = read_pipe(w, fds[0], buf, size, timeout_ms);
  close(fds[0]);
  return ok;
}
