/* The host session: LGMP attach/detach, frame and cursor threads; see session.h. */
#include "session.h"

#include "lg/framebuffer.h"
#include "lg/kvmfr_frame.h"
#include "lg/log.h"
#include "lg/thread.h"
#include "lg/time.h"
#include "lgmp/client.h"
#include "lgmp/host.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FIRST_INIT_DELAY_MS 200u        /* C1 -> first C2 (spec §2.5) */
#define INIT_RETRY_MS 1000u             /* C2 retry and KVMFR mismatch retry */
#define VALID_POLL_MS 100u              /* C3 poll */
#define EMPTY_POLL_NS 500000ull         /* empty queue poll (B7: 1000 us) */
#define SUBSCRIBE_TRIES 1000u           /* NO_SUCH_QUEUE retried every 1 ms */
#define WP_TIMEOUT_NS 250000000ull      /* longest wait for the host to finish writing a frame */
#define SHAPE_CAP (24u + 1024u * 2048u) /* largest shape accepted (B7 shapes: <= 1 MiB) */
#define ALERTS 8u
#define ALERT_LEN 160u
#define ALERT_MIN_GAP_MS 1000u

struct session {
  const struct region *region;
  void (*wake)(void *opaque);
  void *opaque;
  struct lg_thread *thread;
  struct lg_event *stop_ev;
  atomic_bool stop;

  pthread_mutex_t lock;
  pthread_cond_t cond;
  struct session_info info; /* under lock */

  /* one attached session */
  struct lgmp_client *client;
  struct lgmp_client_queue *fq, *cq;
  struct lg_thread *fthread, *cthread;
  atomic_bool detach;
  atomic_int lost; /* enum lgmp_status that ended the session, 0 while fine */
  atomic_uint features;
  atomic_bool attached;

  /* frame thread state */
  bool have_format, format_pending, need_full;
  struct session_format fmt;
  uint32_t format_ver, last_serial;

  /* frame mailbox (under lock) */
  bool fr_posted, fr_taken, fr_released, fr_ok;
  struct session_frame fr;
  struct frame_damage_rect damage[KVMFR_MAX_DAMAGE_RECTS];

  /* cursor (under lock) */
  uint8_t *shape;
  bool cur_changed, shape_changed, pos_valid, visible;
  uint32_t cur_type, cur_w, cur_h, cur_pitch;
  int32_t hot_x, hot_y, cur_x, cur_y;
  uint8_t *shape_out; /* the render thread's copy */
  bool pos_req;
  int32_t req_x, req_y;

  /* alerts (under lock) */
  char alerts[ALERTS][ALERT_LEN];
  uint32_t alert_head, alert_count, alerts_suppressed;
  uint64_t last_alert_ms;
  const char *last_alert_fmt;

  atomic_uint_fast64_t frames, bad;
};

static void set_state(struct session *s, enum session_state state, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_state(struct session *s, enum session_state state, const char *fmt, ...)
{
  char msg[sizeof(s->info.message)];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  pthread_mutex_lock(&s->lock);
  bool changed = s->info.state != state || strcmp(s->info.message, msg) != 0;
  if (changed) {
    s->info.state = state;
    memcpy(s->info.message, msg, sizeof(msg));
    s->info.serial++;
  }
  pthread_mutex_unlock(&s->lock);
  if (changed) {
    LG_INFO("%s", msg);
    s->wake(s->opaque);
  }
}

static void alert(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void alert(struct session *s, const char *fmt, ...)
{
  uint64_t now = lg_time_ms();
  pthread_mutex_lock(&s->lock);
  /* the same kind of alert (same format) at most once a second */
  if (s->last_alert_fmt == fmt && now - s->last_alert_ms < ALERT_MIN_GAP_MS) {
    s->alerts_suppressed++;
    pthread_mutex_unlock(&s->lock);
    return;
  }
  s->last_alert_ms = now;
  s->last_alert_fmt = fmt;
  uint32_t slot = (s->alert_head + s->alert_count) % ALERTS;
  if (s->alert_count == ALERTS)
    s->alert_head = (s->alert_head + 1) % ALERTS;
  else
    s->alert_count++;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->alerts[slot], ALERT_LEN, fmt, ap);
  va_end(ap);
  pthread_mutex_unlock(&s->lock);
  s->wake(s->opaque);
}

/* ---- frame thread ------------------------------------------------------------------- */

static void format_from_view(const struct lg_frame_view *v, struct session_format *f)
{
  memset(f, 0, sizeof(*f));
  f->type = v->header.type;
  f->width = v->header.frame_width;
  f->height = v->header.frame_height;
  f->data_height = v->header.data_height;
  f->stride = v->header.stride;
  f->pitch = v->header.pitch;
  f->rotation = v->rotation;
  f->screen_width = v->header.screen_width;
  f->screen_height = v->header.screen_height;
}

/* Posts the frame to the render thread and waits until it is released; false if it was
 * refused or the session is going away. */
static bool hand_over(struct session *s, const struct lg_frame_view *v, const uint8_t *data,
                      bool full)
{
  pthread_mutex_lock(&s->lock);
  /* after a re-attach the render thread may still hold the last session's frame */
  while (s->fr_taken && !s->fr_released && !atomic_load(&s->detach) && !atomic_load(&s->stop))
    pthread_cond_wait(&s->cond, &s->lock);
  s->fr.format_changed = s->format_pending;
  s->fr.format = s->fmt;
  s->fr.data = data;
  s->fr.frame_pos = v->msg_offset;
  s->fr.data_pos = v->data_offset;
  s->fr.serial = v->header.frame_serial;
  s->fr.flags = v->header.flags;
  s->fr.damage_count = full ? 0 : v->damage_count;
  if (s->fr.damage_count)
    memcpy(s->damage, v->damage, sizeof(s->damage[0]) * s->fr.damage_count);
  s->fr.damage = s->damage;
  s->fr_posted = true;
  s->fr_taken = false;
  s->fr_released = false;
  pthread_mutex_unlock(&s->lock);
  s->wake(s->opaque);

  pthread_mutex_lock(&s->lock);
  while (!s->fr_released && !atomic_load(&s->detach) && !atomic_load(&s->stop)) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 20000000;
    if (ts.tv_nsec >= 1000000000) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000;
    }
    pthread_cond_timedwait(&s->cond, &s->lock, &ts);
  }
  bool ok = s->fr_released && s->fr_ok;
  if (!s->fr_released && !s->fr_taken) /* never picked up: withdraw it */
    s->fr_posted = false;
  pthread_mutex_unlock(&s->lock);
  return ok;
}

static void handle_frame(struct session *s, const struct lgmp_message *msg)
{
  const struct region *r = s->region;
  struct lg_frame_view v;
  char why[160];
  enum lg_frame_error err =
      lg_frame_validate(r->mem, r->size, msg->offset, msg->size, &v, why, sizeof(why));
  if (err != LG_FRAME_OK) {
    atomic_fetch_add(&s->bad, 1);
    s->need_full = true;
    LG_WARN_RL("skipping a bad frame from the host: %s", why);
    alert(s, "Skipped a bad frame: %s", why);
    return;
  }
  struct session_format fmt;
  format_from_view(&v, &fmt);
  bool changed = !s->have_format || v.header.format_ver != s->format_ver ||
                 memcmp(&fmt, &s->fmt, sizeof(fmt)) != 0;
  /* a repost of a frame we already have (spec §3.7 item 2) */
  if (!changed && !s->format_pending && !lg_serial_newer(v.header.frame_serial, s->last_serial))
    return;
  if (changed) {
    LG_INFO("frame format: %s %ux%u (data %ux%u), pitch %u, rotation %u, formatVer %u",
            lg_frame_type_name(fmt.type), fmt.width, fmt.height, v.header.data_width,
            fmt.data_height, fmt.pitch, fmt.rotation * 90, v.header.format_ver);
    if (v.header.flags & FRAME_FLAG_TRUNCATED) {
      /* spec §3.7 frame sizing item 5: the region size that would hold the frame */
      uint64_t need = (uint64_t)v.header.screen_height * v.header.pitch * 2 / 1048576 + 10;
      uint64_t mib = 1;
      while (mib < need)
        mib <<= 1;
      LG_WARN("the region is too small for %ux%u: the host cut the frame to %u rows; use a "
              "region of %llu MiB",
              fmt.width, fmt.height, fmt.data_height, (unsigned long long)mib);
      alert(s, "Region too small: the image is cut; use %llu MiB", (unsigned long long)mib);
    }
    s->fmt = fmt;
    s->format_ver = v.header.format_ver;
    s->have_format = true;
    s->format_pending = true;
    s->need_full = true;
  }

  const uint8_t *data;
  const uint32_t *wp;
  if (!lg_frame_pointers(r->mem, r->size, &v, &data, &wp)) {
    atomic_fetch_add(&s->bad, 1);
    s->need_full = true;
    alert(s, "Skipped a frame whose data lies outside the region");
    return;
  }
  /* The renderer reads the whole frame in one go, so follow wp to the end first. */
  if (!lg_fb_wait((const struct lg_framebuffer *)(const void *)wp, v.data_size, WP_TIMEOUT_NS)) {
    atomic_fetch_add(&s->bad, 1);
    s->need_full = true;
    LG_WARN_RL("the host did not finish writing frame %u (wp %u of %llu bytes)",
               v.header.frame_serial, lg_frame_load_wp(wp), (unsigned long long)v.data_size);
    alert(s, "Skipped an unfinished frame (the host stopped writing it)");
    return;
  }
  bool full = s->need_full || s->format_pending;
  if (hand_over(s, &v, data, full)) {
    atomic_fetch_add(&s->frames, 1);
    s->format_pending = false;
    s->need_full = false;
    s->last_serial = v.header.frame_serial;
  } else {
    s->need_full = true;
    s->format_pending = true;
  }
}

static bool queue_failed(struct session *s, enum lgmp_status st, const char *what)
{
  if (st == LGMP_OK)
    return false;
  int expected = 0;
  if (atomic_compare_exchange_strong(&s->lost, &expected, (int)st))
    LG_INFO("%s queue: %s", what, lgmp_status_string(st));
  return true;
}

static int frame_thread(void *opaque)
{
  struct session *s = opaque;
  while (!atomic_load(&s->detach)) {
    struct lgmp_message msg;
    enum lgmp_status st = lgmp_client_process(s->fq, &msg);
    if (st == LGMP_ERR_QUEUE_EMPTY) {
      lg_sleep_ns(EMPTY_POLL_NS);
      continue;
    }
    if (queue_failed(s, st, "frame"))
      break;
    handle_frame(s, &msg);
    if (queue_failed(s, lgmp_client_message_done(s->fq), "frame"))
      break;
  }
  return 0;
}

/* ---- cursor thread ------------------------------------------------------------------ */

static void handle_cursor(struct session *s, const struct lgmp_message *msg)
{
  const struct region *r = s->region;
  struct lg_cursor_view v;
  char why[160];
  enum lg_cursor_error err =
      lg_cursor_validate(r->mem, r->size, msg->offset, msg->size, msg->udata, &v, why, sizeof(why));
  if (err != LG_CURSOR_OK) {
    atomic_fetch_add(&s->bad, 1);
    LG_WARN_RL("skipping a bad cursor message: %s", why);
    alert(s, "Skipped a bad cursor: %s", why);
    return;
  }
  pthread_mutex_lock(&s->lock);
  if (v.has_shape) {
    if (v.shape_size > SHAPE_CAP || v.shape_offset + v.shape_size > r->size) {
      pthread_mutex_unlock(&s->lock);
      alert(s, "Skipped a cursor shape of %llu bytes", (unsigned long long)v.shape_size);
      return;
    }
    memcpy(s->shape, (const uint8_t *)r->mem + v.shape_offset, (size_t)v.shape_size);
    s->cur_type = v.header.type;
    s->cur_w = v.header.width;
    s->cur_h = v.header.height;
    s->cur_pitch = v.header.pitch;
    s->hot_x = v.header.hx;
    s->hot_y = v.header.hy;
    s->shape_changed = true;
  }
  if (v.flags & CURSOR_FLAG_POSITION) {
    s->cur_x = v.header.x;
    s->cur_y = v.header.y;
    s->pos_valid = true;
  }
  s->visible = (v.flags & CURSOR_FLAG_VISIBLE) != 0;
  s->cur_changed = true;
  pthread_mutex_unlock(&s->lock);
  s->wake(s->opaque);
}

static void send_pos_request(struct session *s)
{
  pthread_mutex_lock(&s->lock);
  bool req = s->pos_req;
  int32_t x = s->req_x, y = s->req_y;
  s->pos_req = false;
  pthread_mutex_unlock(&s->lock);
  if (!req)
    return;
  struct kvmfr_msg_pos {
    uint32_t type;
    int32_t x, y;
  } m = {KVMFR_MESSAGE_SETCURSORPOS, x, y};
  uint32_t serial;
  enum lgmp_status st = lgmp_client_send_data(s->cq, &m, sizeof(m), &serial);
  if (st != LGMP_OK)
    LG_WARN_RL("SETCURSORPOS not sent: %s", lgmp_status_string(st));
}

static int cursor_thread(void *opaque)
{
  struct session *s = opaque;
  while (!atomic_load(&s->detach)) {
    send_pos_request(s);
    struct lgmp_message msg;
    enum lgmp_status st = lgmp_client_process(s->cq, &msg);
    if (st == LGMP_ERR_QUEUE_EMPTY) {
      lg_sleep_ns(EMPTY_POLL_NS * 2);
      continue;
    }
    if (queue_failed(s, st, "pointer"))
      break;
    handle_cursor(s, &msg);
    if (queue_failed(s, lgmp_client_message_done(s->cq), "pointer"))
      break;
  }
  return 0;
}

/* ---- session thread ----------------------------------------------------------------- */

static enum lgmp_status subscribe(struct session *s, uint32_t id, struct lgmp_client_queue **q)
{
  enum lgmp_status st = LGMP_ERR_NO_SUCH_QUEUE;
  for (uint32_t i = 0; i < SUBSCRIBE_TRIES && !atomic_load(&s->stop); ++i) {
    st = lgmp_client_subscribe(s->client, id, q);
    if (st != LGMP_ERR_NO_SUCH_QUEUE)
      break;
    lg_sleep_ms(1);
  }
  return st;
}

static void not_attached(struct session *s, enum lgmp_status st)
{
  const struct region *r = s->region;
  switch (st) {
  case LGMP_ERR_INVALID_MAGIC:
    if (region_is_zero(r, 5760))
      set_state(s, SESSION_NOT_LG,
                "Region %s is not initialised yet (all zero): waiting for the host to start",
                r->path);
    else
      set_state(s, SESSION_NOT_LG,
                "Region %s is not a Looking Glass region (no LGMP header): waiting for the host",
                r->path);
    break;
  case LGMP_ERR_INVALID_VERSION: {
    uint32_t ver;
    memcpy(&ver, (const uint8_t *)r->mem + 4, sizeof(ver));
    set_state(s, SESSION_INCOMPATIBLE, "Incompatible host: LGMP version %u, need 6", ver);
    break;
  }
  case LGMP_ERR_INVALID_SESSION:
    set_state(s, SESSION_WAITING, "Waiting for the host...");
    break;
  default:
    set_state(s, SESSION_WAITING, "Waiting for the host (%s)...", lgmp_status_string(st));
    break;
  }
}

static bool attach(struct session *s)
{
  const uint8_t *udata;
  uint32_t usize;
  enum lgmp_status st = lgmp_client_session_init(s->client, &udata, &usize);
  if (st != LGMP_OK) {
    not_attached(s, st);
    return false;
  }
  struct lg_kvmfr_udata *u = malloc(sizeof(*u)); /* per attach, not per frame */
  if (!u)
    return false;
  char why[200];
  enum lg_kvmfr_udata_error uerr = lg_kvmfr_udata_decode(udata, usize, u, why, sizeof(why));
  if (uerr != LG_KVMFR_UDATA_OK) {
    if (uerr == LG_KVMFR_UDATA_BAD_VERSION)
      set_state(s, SESSION_INCOMPATIBLE,
                "Incompatible host: KVMFR version %u, need %u (host version \"%s\")", u->version,
                KVMFR_VERSION, u->hostver);
    else
      set_state(s, SESSION_INCOMPATIBLE, "Incompatible host: %s", why);
    free(u);
    return false;
  }
  for (uint32_t i = 0; i < u->warning_count; ++i)
    LG_WARN("host udata: %s", u->warnings[i]);

  st = subscribe(s, LGMP_Q_FRAME, &s->fq);
  if (st == LGMP_OK)
    st = subscribe(s, LGMP_Q_POINTER, &s->cq);
  if (st != LGMP_OK) {
    if (s->fq)
      lgmp_client_unsubscribe(&s->fq);
    set_state(s, SESSION_WAITING, "Waiting for the host (subscribe: %s)...",
              lgmp_status_string(st));
    free(u);
    return false;
  }
  atomic_store(&s->features, u->features);
  atomic_store(&s->lost, 0);
  atomic_store(&s->detach, false);
  s->have_format = false;
  s->format_pending = true;
  s->need_full = true;

  pthread_mutex_lock(&s->lock);
  s->info.have_udata = true;
  s->info.udata = *u;
  s->info.sessions++;
  s->info.serial++;
  s->pos_req = false;
  pthread_mutex_unlock(&s->lock);

  s->fthread = lg_thread_create("lg-frame", frame_thread, s);
  s->cthread = lg_thread_create("lg-cursor", cursor_thread, s);
  atomic_store(&s->attached, true);
  set_state(s, SESSION_RUNNING, "Connected to host %s (session %08x)", u->hostver,
            lgmp_client_session_id(s->client));
  free(u);
  return true;
}

static void detach(struct session *s)
{
  atomic_store(&s->attached, false);
  atomic_store(&s->detach, true);
  pthread_mutex_lock(&s->lock);
  pthread_cond_broadcast(&s->cond);
  pthread_mutex_unlock(&s->lock);
  if (s->fthread)
    lg_thread_join(s->fthread, NULL);
  if (s->cthread)
    lg_thread_join(s->cthread, NULL);
  s->fthread = s->cthread = NULL;
  if (s->fq)
    lgmp_client_unsubscribe(&s->fq);
  if (s->cq)
    lgmp_client_unsubscribe(&s->cq);
}

static bool wait_stop(struct session *s, uint32_t ms)
{
  if (atomic_load(&s->stop))
    return true;
  lg_event_wait(s->stop_ev, ms);
  return atomic_load(&s->stop);
}

static int session_thread(void *opaque)
{
  struct session *s = opaque;
  const struct region *r = s->region;
  enum lgmp_status st = lgmp_client_init(r->mem, (uint32_t)r->size, &s->client);
  if (st != LGMP_OK) {
    set_state(s, SESSION_NOT_LG, "Cannot use region %s: %s", r->path, lgmp_status_string(st));
    while (!wait_stop(s, 1000)) {
    }
    return 1;
  }
  set_state(s, SESSION_WAITING, "Waiting for the host...");
  uint32_t delay = FIRST_INIT_DELAY_MS;
  while (!wait_stop(s, delay)) {
    delay = INIT_RETRY_MS;
    if (!attach(s))
      continue;
    while (!wait_stop(s, VALID_POLL_MS)) {
      if (atomic_load(&s->lost) != 0 || !lgmp_client_session_valid(s->client))
        break;
    }
    detach(s);
    if (atomic_load(&s->stop))
      break;
    set_state(s, SESSION_WAITING, "The host went away: waiting for it to restart...");
    delay = 10; /* a new session may already be there (host re-init) */
  }
  lgmp_client_free(&s->client);
  return 0;
}

/* ---- public ------------------------------------------------------------------------- */

struct session *session_start(const struct region *region, void (*wake)(void *opaque), void *opaque)
{
  struct session *s = calloc(1, sizeof(*s));
  if (!s)
    return NULL;
  s->region = region;
  s->wake = wake;
  s->opaque = opaque;
  s->shape = malloc(SHAPE_CAP);
  s->shape_out = malloc(SHAPE_CAP);
  s->stop_ev = lg_event_new(false);
  pthread_mutex_init(&s->lock, NULL);
  pthread_cond_init(&s->cond, NULL);
  if (!s->shape || !s->shape_out || !s->stop_ev)
    goto fail;
  s->thread = lg_thread_create("lg-session", session_thread, s);
  if (!s->thread)
    goto fail;
  return s;
fail:
  if (s->stop_ev)
    lg_event_free(s->stop_ev);
  free(s->shape);
  free(s->shape_out);
  pthread_mutex_destroy(&s->lock);
  pthread_cond_destroy(&s->cond);
  free(s);
  return NULL;
}

void session_stop(struct session *s)
{
  if (!s)
    return;
  atomic_store(&s->stop, true);
  lg_event_signal(s->stop_ev);
  pthread_mutex_lock(&s->lock);
  pthread_cond_broadcast(&s->cond);
  pthread_mutex_unlock(&s->lock);
  lg_thread_join(s->thread, NULL);
  lg_event_free(s->stop_ev);
  free(s->shape);
  free(s->shape_out);
  pthread_mutex_destroy(&s->lock);
  pthread_cond_destroy(&s->cond);
  free(s);
}

bool session_info_get(struct session *s, struct session_info *out, uint64_t *seen)
{
  pthread_mutex_lock(&s->lock);
  bool changed = s->info.serial != *seen;
  if (changed) {
    *out = s->info;
    *seen = s->info.serial;
  }
  pthread_mutex_unlock(&s->lock);
  return changed;
}

bool session_frame_take(struct session *s, struct session_frame *out)
{
  pthread_mutex_lock(&s->lock);
  bool ok = s->fr_posted && !s->fr_taken;
  if (ok) {
    *out = s->fr;
    s->fr_taken = true;
  }
  pthread_mutex_unlock(&s->lock);
  return ok;
}

void session_frame_release(struct session *s, bool ok)
{
  pthread_mutex_lock(&s->lock);
  s->fr_posted = false;
  s->fr_released = true;
  s->fr_ok = ok;
  pthread_cond_broadcast(&s->cond);
  pthread_mutex_unlock(&s->lock);
}

bool session_cursor_take(struct session *s, struct session_cursor *out)
{
  pthread_mutex_lock(&s->lock);
  bool changed = s->cur_changed;
  if (changed) {
    memset(out, 0, sizeof(*out));
    out->shape_changed = s->shape_changed;
    if (s->shape_changed) {
      size_t n = (size_t)s->cur_h * s->cur_pitch;
      memcpy(s->shape_out, s->shape, n);
      out->type = s->cur_type;
      out->width = s->cur_w;
      out->height = s->cur_h;
      out->pitch = s->cur_pitch;
      out->hot_x = s->hot_x;
      out->hot_y = s->hot_y;
      out->shape = s->shape_out;
    }
    out->pos_valid = s->pos_valid;
    out->x = s->cur_x;
    out->y = s->cur_y;
    out->visible = s->visible;
    s->cur_changed = false;
    s->shape_changed = false;
  }
  pthread_mutex_unlock(&s->lock);
  return changed;
}

bool session_set_cursor_pos(struct session *s, int32_t x, int32_t y)
{
  if (!atomic_load(&s->attached) || !(atomic_load(&s->features) & KVMFR_FEATURE_SETCURSORPOS))
    return false;
  pthread_mutex_lock(&s->lock);
  s->pos_req = true;
  s->req_x = x;
  s->req_y = y;
  pthread_mutex_unlock(&s->lock);
  return true;
}

bool session_alert_take(struct session *s, char *buf, size_t cap)
{
  pthread_mutex_lock(&s->lock);
  bool any = s->alert_count > 0;
  if (any) {
    snprintf(buf, cap, "%s", s->alerts[s->alert_head]);
    s->alert_head = (s->alert_head + 1) % ALERTS;
    s->alert_count--;
  }
  pthread_mutex_unlock(&s->lock);
  return any;
}

void session_counters(struct session *s, uint64_t *frames, uint64_t *bad)
{
  *frames = atomic_load(&s->frames);
  *bad = atomic_load(&s->bad);
}
