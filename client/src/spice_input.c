/* The client's SPICE link; see spice_input.h. */
#include "spice_input.h"

#include "lg/log.h"
#include "lg/option.h"

#include <stddef.h>

#if defined(LGC_HAVE_UI) && defined(LGC_HAVE_SPICE)

#include "displayserver.h"
#include "lg/thread.h"
#include "lgspice/client.h"
#include "overlay/widgets.h"

#include <linux/input-event-codes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BACKOFF_MIN_MS 1000u
#define BACKOFF_MAX_MS 10000u
#define CLIP_POLL_MS 500u
#define CLIP_MAX (256u * 1024u) /* longest clipboard text synced, bytes */
#define PASSWORD_MAX 60u

enum link_state {
  LINK_CONNECTING, /* a session is running and not ready yet */
  LINK_READY,      /* main + inputs linked */
  LINK_WAITING,    /* closed; the next attempt starts at retry_at_ms */
};

struct spice_input {
  struct lg_ds *ds;
  char host[256];
  char password[PASSWORD_MAX + 1];
  uint16_t port;
  bool input_on, clip_on, clip_usable;

  /* UI thread only. */
  struct spice_session *sess;
  enum link_state state;
  uint64_t retry_at_ms;
  uint32_t backoff_ms;
  enum spice_error last_err; /* last failure logged, SPICE_OK: none yet */
  bool was_ready;            /* the current session reached READY */
  bool captured;
  uint8_t keys_down[(KEY_CNT + 7) / 8];
  uint32_t buttons_down; /* bit per enum spice_button */
  double acc_x, acc_y;
  uint64_t keys_sent, motions_sent, buttons_sent; /* this capture period, for the log */
  uint64_t clip_poll_ms;
  char *clip_buf;     /* CLIP_MAX + 1 scratch for the display server's text */
  char *clip_last;    /* last text seen or set on our side (NULL: none) */
  bool agent_seen;

  /* Set by the worker-thread callbacks; the flags are taken by the UI thread. */
  atomic_bool ev_ready, ev_closed, ev_guest_grab;
  _Atomic int ev_err;
  atomic_bool agent;
  struct lg_mutex *lock; /* guards the fields below; never held across a spice_* call */
  struct spice_session *cb_sess;
  char *guest_text; /* text the guest sent, waiting for the UI thread */
  size_t guest_len;
  char *host_text; /* our clipboard text, given to the guest on request */
  size_t host_len;
};

static bool key_bit(const struct spice_input *si, uint32_t k)
{
  return (si->keys_down[k / 8] >> (k % 8)) & 1u;
}

static void key_set(struct spice_input *si, uint32_t k, bool on)
{
  if (on)
    si->keys_down[k / 8] |= (uint8_t)(1u << (k % 8));
  else
    si->keys_down[k / 8] &= (uint8_t) ~(1u << (k % 8));
}

/* ---- worker-thread callbacks ---------------------------------------------------------- */

static void cb_ready(void *opaque)
{
  struct spice_input *si = opaque;
  atomic_store(&si->ev_ready, true);
}

static void cb_closed(void *opaque, enum spice_error err)
{
  struct spice_input *si = opaque;
  atomic_store(&si->ev_err, (int)err);
  atomic_store(&si->ev_closed, true);
}

static void cb_agent(void *opaque, bool connected)
{
  struct spice_input *si = opaque;
  atomic_store(&si->agent, connected);
}

static void cb_clip_grab(void *opaque)
{
  struct spice_input *si = opaque;
  atomic_store(&si->ev_guest_grab, true);
}

static void cb_clip_request(void *opaque)
{
  struct spice_input *si = opaque;
  lg_mutex_lock(si->lock);
  struct spice_session *s = si->cb_sess;
  char *copy = si->host_text && si->host_len ? malloc(si->host_len) : NULL;
  size_t len = copy ? si->host_len : 0;
  if (copy)
    memcpy(copy, si->host_text, len);
  lg_mutex_unlock(si->lock);
  if (s && copy)
    spice_clipboard_data(s, copy, len);
  free(copy);
}

static void cb_clip_data(void *opaque, const char *text, size_t len)
{
  struct spice_input *si = opaque;
  if (len > CLIP_MAX)
    len = CLIP_MAX;
  char *copy = malloc(len + 1);
  if (!copy)
    return;
  memcpy(copy, text, len);
  copy[len] = '\0';
  lg_mutex_lock(si->lock);
  free(si->guest_text);
  si->guest_text = copy;
  si->guest_len = len;
  lg_mutex_unlock(si->lock);
}

/* ---- connection ----------------------------------------------------------------------- */

static void alert(struct overlay_alerts *alerts, bool *pushed, uint64_t now, const char *text)
{
  if (alerts) {
    overlay_alerts_push(alerts, text, now);
    *pushed = true;
  }
}

static const char *where(const struct spice_input *si, char *buf, size_t cap)
{
  if (si->port == 0)
    snprintf(buf, cap, "unix:%s", si->host);
  else
    snprintf(buf, cap, "%s:%u", si->host, (unsigned)si->port);
  return buf;
}

static void start_session(struct spice_input *si)
{
  struct spice_config cfg = {0};
  cfg.host = si->host;
  cfg.port = si->port;
  cfg.unix_path = si->port == 0 ? si->host : NULL;
  cfg.password = si->password;
  cfg.client_mouse = false; /* raw relative motion only (server mouse mode) */
  cfg.cb.opaque = si;
  cfg.cb.on_ready = cb_ready;
  cfg.cb.on_closed = cb_closed;
  cfg.cb.on_agent = cb_agent;
  if (si->clip_on && si->clip_usable) {
    cfg.cb.on_clipboard_grab = cb_clip_grab;
    cfg.cb.on_clipboard_request = cb_clip_request;
    cfg.cb.on_clipboard_data = cb_clip_data;
  }
  atomic_store(&si->ev_ready, false);
  atomic_store(&si->ev_closed, false);
  atomic_store(&si->ev_guest_grab, false);
  atomic_store(&si->agent, false);
  si->agent_seen = false;
  si->was_ready = false;
  si->sess = spice_connect(&cfg);
  lg_mutex_lock(si->lock);
  si->cb_sess = si->sess;
  lg_mutex_unlock(si->lock);
  if (!si->sess) {
    LG_ERROR("SPICE: cannot start a session (out of memory?)");
    si->state = LINK_WAITING;
    return;
  }
  si->state = LINK_CONNECTING;
}

static void stop_session(struct spice_input *si)
{
  lg_mutex_lock(si->lock);
  si->cb_sess = NULL;
  lg_mutex_unlock(si->lock);
  spice_disconnect(si->sess);
  si->sess = NULL;
  memset(si->keys_down, 0, sizeof(si->keys_down));
  si->buttons_down = 0;
}

static void on_session_closed(struct spice_input *si, enum spice_error err,
                              struct overlay_alerts *alerts, bool *pushed, uint64_t now)
{
  char w[300];
  where(si, w, sizeof(w));
  const bool was_ready = si->was_ready;
  stop_session(si);
  if (was_ready) {
    si->backoff_ms = BACKOFF_MIN_MS;
    LG_WARN("SPICE: connection to %s lost (%s); reconnecting", w, spice_error_str(err));
    alert(alerts, pushed, now, "SPICE disconnected");
    si->last_err = SPICE_OK;
  } else if (err != si->last_err) {
    if (err == SPICE_ERR_PERMISSION_DENIED) {
      LG_ERROR("SPICE: bad password: %s refused the ticket (check spice:password); "
               "retrying every %u s",
               w, BACKOFF_MAX_MS / 1000u);
      alert(alerts, pushed, now, "SPICE: bad password");
    } else {
      LG_WARN("SPICE: cannot connect to %s: %s; retrying every %u s at most", w,
              spice_error_str(err), BACKOFF_MAX_MS / 1000u);
      alert(alerts, pushed, now, "SPICE: cannot connect");
    }
    si->last_err = err;
  } else {
    LG_DEBUG("SPICE: %s: %s again", w, spice_error_str(err));
  }
  si->state = LINK_WAITING;
  si->retry_at_ms = now + si->backoff_ms;
  si->backoff_ms = si->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : si->backoff_ms * 2;
}

/* ---- clipboard (UI thread) ------------------------------------------------------------ */

static void set_host_text(struct spice_input *si, const char *text, size_t len)
{
  char *copy = malloc(len + 1);
  if (!copy)
    return;
  memcpy(copy, text, len);
  copy[len] = '\0';
  lg_mutex_lock(si->lock);
  free(si->host_text);
  si->host_text = copy;
  si->host_len = len;
  lg_mutex_unlock(si->lock);
}

static void remember(struct spice_input *si, const char *text)
{
  free(si->clip_last);
  si->clip_last = strdup(text);
}

static void poll_clipboard(struct spice_input *si, uint64_t now)
{
  const struct lg_ds_impl *d = si->ds->impl;
  if (atomic_exchange(&si->ev_guest_grab, false))
    spice_clipboard_request(si->sess);

  lg_mutex_lock(si->lock);
  char *guest = si->guest_text;
  si->guest_text = NULL;
  size_t glen = si->guest_len;
  lg_mutex_unlock(si->lock);
  if (guest) {
    if (d->clipboard_set_text(si->ds, guest, glen))
      remember(si, guest); /* so the next poll does not offer it back */
    else
      LG_WARN_RL("SPICE: cannot set the clipboard text");
    free(guest);
  }

  const bool agent = atomic_load(&si->agent);
  if (agent && !si->agent_seen && si->clip_last) {
    /* the agent (re)appeared: offer what we already hold */
    set_host_text(si, si->clip_last, strlen(si->clip_last));
    spice_clipboard_grab(si->sess);
  }
  si->agent_seen = agent;
  if (!agent || now < si->clip_poll_ms)
    return;
  si->clip_poll_ms = now + CLIP_POLL_MS;
  if (!d->clipboard_get_text(si->ds, si->clip_buf, CLIP_MAX + 1))
    return;
  if (si->clip_last && strcmp(si->clip_last, si->clip_buf) == 0)
    return;
  remember(si, si->clip_buf);
  set_host_text(si, si->clip_buf, strlen(si->clip_buf));
  spice_clipboard_grab(si->sess);
}

/* True when the display server really syncs text: either it holds text now, or it accepts
 * an empty text (harmless: the clipboard was empty). X11/Wayland return false for both. */
static bool probe_clipboard(struct spice_input *si)
{
  const struct lg_ds_impl *d = si->ds->impl;
  if (!d->clipboard_get_text || !d->clipboard_set_text)
    return false;
  if (d->clipboard_get_text(si->ds, si->clip_buf, CLIP_MAX + 1)) {
    remember(si, si->clip_buf);
    return true;
  }
  return d->clipboard_set_text(si->ds, "", 0);
}

/* ---- public API ----------------------------------------------------------------------- */

struct spice_input *spice_input_create(const struct lg_options *opts, struct lg_ds *ds)
{
  if (!lg_option_get_bool(opts, "spice", "enable"))
    return NULL;
  const char *host = lg_option_get_string(opts, "spice", "host");
  const char *pass = lg_option_get_string(opts, "spice", "password");
  const int port = lg_option_get_int(opts, "spice", "port");
  if (!host || !host[0] || strlen(host) >= 256 || port < 0 || port > 65535) {
    LG_ERROR("SPICE: bad spice:host/spice:port; SPICE is off");
    return NULL;
  }
  if (pass && strlen(pass) > PASSWORD_MAX) {
    LG_ERROR("SPICE: spice:password is longer than %u bytes; SPICE is off", PASSWORD_MAX);
    return NULL;
  }
  struct spice_input *si = calloc(1, sizeof(*si));
  if (!si)
    return NULL;
  si->ds = ds;
  snprintf(si->host, sizeof(si->host), "%s", host);
  snprintf(si->password, sizeof(si->password), "%s", pass ? pass : "");
  si->port = (uint16_t)port;
  si->input_on = lg_option_get_bool(opts, "spice", "input");
  si->clip_on = lg_option_get_bool(opts, "spice", "clipboard");
  si->backoff_ms = BACKOFF_MIN_MS;
  si->lock = lg_mutex_new();
  si->clip_buf = malloc(CLIP_MAX + 1);
  if (!si->lock || !si->clip_buf) {
    spice_input_destroy(si);
    return NULL;
  }
  if (si->clip_on) {
    si->clip_usable = probe_clipboard(si);
    if (!si->clip_usable)
      LG_INFO("SPICE: clipboard sync is unavailable with the %s display server", ds->impl->name);
  }
  char w[300];
  LG_INFO("SPICE: connecting to %s (input %s, clipboard %s)", where(si, w, sizeof(w)),
          si->input_on ? "on" : "off", si->clip_on && si->clip_usable ? "on" : "off");
  start_session(si);
  return si;
}

void spice_input_destroy(struct spice_input *si)
{
  if (!si)
    return;
  if (si->sess && si->lock)
    stop_session(si);
  if (si->lock)
    lg_mutex_free(si->lock);
  free(si->guest_text);
  free(si->host_text);
  free(si->clip_buf);
  free(si->clip_last);
  free(si);
}

bool spice_input_poll(struct spice_input *si, struct overlay_alerts *alerts, uint64_t now_ms)
{
  if (!si)
    return false;
  bool pushed = false;
  switch (si->state) {
  case LINK_CONNECTING:
  case LINK_READY:
    if (atomic_exchange(&si->ev_ready, false) && si->state == LINK_CONNECTING) {
      char w[300];
      LG_INFO("SPICE: connected to %s (main and inputs channels)", where(si, w, sizeof(w)));
      alert(alerts, &pushed, now_ms, "SPICE connected");
      si->state = LINK_READY;
      si->was_ready = true;
      si->backoff_ms = BACKOFF_MIN_MS;
      si->last_err = SPICE_OK;
    }
    if (atomic_load(&si->ev_closed)) {
      on_session_closed(si, (enum spice_error)atomic_load(&si->ev_err), alerts, &pushed,
                        now_ms);
      break;
    }
    if (si->state == LINK_READY && si->clip_on && si->clip_usable)
      poll_clipboard(si, now_ms);
    break;
  case LINK_WAITING:
    if (now_ms >= si->retry_at_ms) {
      LG_DEBUG("SPICE: reconnecting");
      start_session(si);
      if (!si->sess)
        si->retry_at_ms = now_ms + BACKOFF_MAX_MS;
    }
    break;
  }
  return pushed;
}

static bool can_send(const struct spice_input *si)
{
  return si && si->input_on && si->captured && si->state == LINK_READY && si->sess;
}

static void release_all(struct spice_input *si)
{
  if (si->state == LINK_READY && si->sess) {
    for (uint32_t k = 0; k < KEY_CNT; ++k)
      if (key_bit(si, k))
        spice_key_up(si->sess, k);
    for (uint32_t b = SPICE_BUTTON_LEFT; b <= SPICE_BUTTON_EXTRA; ++b)
      if (si->buttons_down & (1u << b))
        spice_mouse_release(si->sess, (enum spice_button)b);
  }
  memset(si->keys_down, 0, sizeof(si->keys_down));
  si->buttons_down = 0;
  si->acc_x = si->acc_y = 0;
}

void spice_input_set_capture(struct spice_input *si, bool captured)
{
  if (!si || si->captured == captured)
    return;
  if (!captured) {
    release_all(si);
    LG_INFO("SPICE: input capture off (%llu key presses, %llu motions, %llu button events "
            "sent)",
            (unsigned long long)si->keys_sent, (unsigned long long)si->motions_sent,
            (unsigned long long)si->buttons_sent);
  } else {
    si->keys_sent = si->motions_sent = si->buttons_sent = 0;
    LG_INFO("SPICE: input capture on: %s", !si->input_on ? "input is off (spice:input=no)"
                                           : si->state == LINK_READY
                                               ? "keys and mouse go to the guest"
                                               : "not connected, nothing is sent");
  }
  si->captured = captured;
}

void spice_input_key(struct spice_input *si, uint32_t evdev, bool down)
{
  if (!si || evdev >= KEY_CNT)
    return;
  if (down) {
    if (can_send(si) && spice_key_down(si->sess, evdev)) {
      key_set(si, evdev, true);
      si->keys_sent++;
    }
  } else if (key_bit(si, evdev)) { /* only keys we sent down: no stray releases */
    key_set(si, evdev, false);
    if (si->state == LINK_READY && si->sess)
      spice_key_up(si->sess, evdev);
  }
}

void spice_input_raw_motion(struct spice_input *si, double dx, double dy)
{
  if (!can_send(si))
    return;
  si->acc_x += dx;
  si->acc_y += dy;
  const double lim = 1e6; /* absurd deltas are clamped, never cast out of range */
  if (si->acc_x > lim || si->acc_x < -lim || si->acc_x != si->acc_x)
    si->acc_x = 0;
  if (si->acc_y > lim || si->acc_y < -lim || si->acc_y != si->acc_y)
    si->acc_y = 0;
  const int32_t ix = (int32_t)si->acc_x, iy = (int32_t)si->acc_y;
  if (!ix && !iy)
    return;
  si->acc_x -= ix;
  si->acc_y -= iy;
  if (spice_mouse_motion(si->sess, ix, iy))
    si->motions_sent++;
}

void spice_input_button(struct spice_input *si, int button, bool down)
{
  if (!si)
    return;
  enum spice_button b;
  switch (button) {
  case LG_DS_BUTTON_LEFT: b = SPICE_BUTTON_LEFT; break;
  case LG_DS_BUTTON_MIDDLE: b = SPICE_BUTTON_MIDDLE; break;
  case LG_DS_BUTTON_RIGHT: b = SPICE_BUTTON_RIGHT; break;
  case LG_DS_BUTTON_SIDE: b = SPICE_BUTTON_SIDE; break;
  case LG_DS_BUTTON_EXTRA: b = SPICE_BUTTON_EXTRA; break;
  case LG_DS_BUTTON_WHEEL_UP:
  case LG_DS_BUTTON_WHEEL_DOWN:
    if (down && can_send(si) &&
        spice_mouse_wheel(si->sess, button == LG_DS_BUTTON_WHEEL_UP ? 1 : -1))
      si->buttons_sent++;
    return;
  default: return;
  }
  const uint32_t bit = 1u << (uint32_t)b;
  if (down) {
    if (can_send(si) && spice_mouse_press(si->sess, b)) {
      si->buttons_down |= bit;
      si->buttons_sent++;
    }
  } else if (si->buttons_down & bit) {
    si->buttons_down &= ~bit;
    if (si->state == LINK_READY && si->sess)
      spice_mouse_release(si->sess, b);
  }
}

bool spice_input_connected(const struct spice_input *si)
{
  return si && si->state == LINK_READY;
}

#else /* no display server or no lgspice: SPICE is unavailable */

struct spice_input *spice_input_create(const struct lg_options *opts, struct lg_ds *ds)
{
  (void)ds;
  if (lg_option_get_bool(opts, "spice", "enable"))
    LG_WARN("SPICE: this client was built without lgspice (needs spice-protocol, nettle, "
            "gmp); input and clipboard sync are off");
  return NULL;
}

void spice_input_destroy(struct spice_input *si) { (void)si; }

bool spice_input_poll(struct spice_input *si, struct overlay_alerts *alerts, uint64_t now_ms)
{
  (void)si;
  (void)alerts;
  (void)now_ms;
  return false;
}

void spice_input_set_capture(struct spice_input *si, bool captured)
{
  (void)si;
  (void)captured;
}

void spice_input_key(struct spice_input *si, uint32_t evdev, bool down)
{
  (void)si;
  (void)evdev;
  (void)down;
}

void spice_input_raw_motion(struct spice_input *si, double dx, double dy)
{
  (void)si;
  (void)dx;
  (void)dy;
}

void spice_input_button(struct spice_input *si, int button, bool down)
{
  (void)si;
  (void)button;
  (void)down;
}

bool spice_input_connected(const struct spice_input *si)
{
  (void)si;
  return false;
}

#endif
