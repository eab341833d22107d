/* Wayland input: the seat, wl_pointer (motion, buttons, wheel), wl_keyboard with an
 * xkbcommon keymap (key codes are evdev codes already), relative pointer motion, pointer
 * lock/confine, keyboard-shortcuts inhibit and a small built-in cursor. */
#include "wl_priv.h"

#include "lg/log.h"

#include <linux/input-event-codes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CURSOR_SIZE 16
/* smooth-scroll distance (surface units) that counts as one wheel click */
#define SMOOTH_STEP 10.0

/* ---- cursor -------------------------------------------------------------------------- */

/* Draws a 16x16 ARGB arrow: a white triangle with a black edge, transparent elsewhere. */
static void draw_arrow(uint32_t *px)
{
  for (int y = 0; y < CURSOR_SIZE; ++y)
    for (int x = 0; x < CURSOR_SIZE; ++x) {
      const int right = (y * 2) / 3; /* the slanted edge */
      uint32_t c = 0;
      if (y < 12 && x <= right)
        c = (x == 0 || x == right || y == 11) ? 0xff000000u : 0xffffffffu;
      px[y * CURSOR_SIZE + x] = c;
    }
}

/* Creates the cursor surface and its shm buffer once; false without wl_shm. */
static bool make_cursor(struct wl_ds *w)
{
  struct wlds_input *in = &w->input;
  if (in->cursor_buffer)
    return true;
  if (!w->shm)
    return false;
  const size_t size = CURSOR_SIZE * CURSOR_SIZE * 4;
  int fd = memfd_create("lg-cursor", MFD_CLOEXEC);
  if (fd < 0)
    return false;
  if (ftruncate(fd, (off_t)size) < 0) {
    close(fd);
    return false;
  }
  void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) {
    close(fd);
    return false;
  }
  draw_arrow(map);
  munmap(map, size);
  struct wl_shm_pool *pool = wl_shm_create_pool(w->shm, fd, (int32_t)size);
  in->cursor_buffer = wl_shm_pool_create_buffer(pool, 0, CURSOR_SIZE, CURSOR_SIZE, CURSOR_SIZE * 4,
                                                WL_SHM_FORMAT_ARGB8888);
  wl_shm_pool_destroy(pool);
  close(fd);
  in->cursor_surface = wl_compositor_create_surface(w->compositor);
  wl_surface_attach(in->cursor_surface, in->cursor_buffer, 0, 0);
  wl_surface_damage(in->cursor_surface, 0, 0, CURSOR_SIZE, CURSOR_SIZE);
  wl_surface_commit(in->cursor_surface);
  return true;
}

/* Sets the pointer image for the current enter serial. */
static void apply_cursor(struct wl_ds *w)
{
  struct wlds_input *in = &w->input;
  if (!in->pointer || !in->pointer_inside)
    return;
  if (in->cursor_hidden || !make_cursor(w))
    wl_pointer_set_cursor(in->pointer, in->pointer_serial, NULL, 0, 0);
  else
    wl_pointer_set_cursor(in->pointer, in->pointer_serial, in->cursor_surface, 0, 0);
}

void wlds_input_set_cursor_visible(struct wl_ds *w, bool visible)
{
  w->input.cursor_hidden = !visible;
  apply_cursor(w);
  wl_display_flush(w->display);
}

/* ---- pointer ------------------------------------------------------------------------- */

static void report_motion(struct wl_ds *w, wl_fixed_t sx, wl_fixed_t sy)
{
  if (!w->base.cb.motion)
    return;
  const double s = wlds_scale(w);
  w->base.cb.motion(w->base.cb.opaque, wl_fixed_to_double(sx) * s, wl_fixed_to_double(sy) * s);
}

static void pointer_enter(void *data, struct wl_pointer *p, uint32_t serial,
                          struct wl_surface *surface, wl_fixed_t sx, wl_fixed_t sy)
{
  struct wl_ds *w = data;
  if (surface != w->surface)
    return;
  w->input.pointer_serial = serial;
  w->input.last_serial = serial;
  w->input.pointer_inside = true;
  apply_cursor(w);
  if (w->base.cb.enter)
    w->base.cb.enter(w->base.cb.opaque, true);
  report_motion(w, sx, sy);
}

static void pointer_leave(void *data, struct wl_pointer *p, uint32_t serial,
                          struct wl_surface *surface)
{
  struct wl_ds *w = data;
  if (!w->input.pointer_inside)
    return;
  w->input.pointer_inside = false;
  if (w->base.cb.enter)
    w->base.cb.enter(w->base.cb.opaque, false);
}

static void pointer_motion(void *data, struct wl_pointer *p, uint32_t time, wl_fixed_t sx,
                           wl_fixed_t sy)
{
  struct wl_ds *w = data;
  if (w->input.pointer_inside)
    report_motion(w, sx, sy);
}

static void pointer_button(void *data, struct wl_pointer *p, uint32_t serial, uint32_t time,
                           uint32_t button, uint32_t state)
{
  struct wl_ds *w = data;
  w->input.last_serial = serial;
  enum lg_ds_button b;
  switch (button) {
  case BTN_LEFT:
    b = LG_DS_BUTTON_LEFT;
    break;
  case BTN_MIDDLE:
    b = LG_DS_BUTTON_MIDDLE;
    break;
  case BTN_RIGHT:
    b = LG_DS_BUTTON_RIGHT;
    break;
  case BTN_SIDE:
    b = LG_DS_BUTTON_SIDE;
    break;
  case BTN_EXTRA:
    b = LG_DS_BUTTON_EXTRA;
    break;
  default:
    return;
  }
  if (w->base.cb.button)
    w->base.cb.button(w->base.cb.opaque, b, state == WL_POINTER_BUTTON_STATE_PRESSED);
}

/* One wheel click per step: down/up pairs, as X11 reports buttons 4 and 5. */
static void wheel_clicks(struct wl_ds *w, int32_t steps)
{
  if (!w->base.cb.button)
    return;
  enum lg_ds_button b = steps > 0 ? LG_DS_BUTTON_WHEEL_DOWN : LG_DS_BUTTON_WHEEL_UP;
  int32_t n = steps > 0 ? steps : -steps;
  for (int32_t i = 0; i < n && i < 32; ++i) {
    w->base.cb.button(w->base.cb.opaque, b, true);
    w->base.cb.button(w->base.cb.opaque, b, false);
  }
}

static void pointer_axis(void *data, struct wl_pointer *p, uint32_t time, uint32_t axis,
                         wl_fixed_t value)
{
  struct wl_ds *w = data;
  if (axis != WL_POINTER_AXIS_VERTICAL_SCROLL || w->input.discrete_seen)
    return;
  w->input.smooth_accum += wl_fixed_to_double(value);
  int32_t steps = (int32_t)(w->input.smooth_accum / SMOOTH_STEP);
  if (steps) {
    w->input.smooth_accum -= steps * SMOOTH_STEP;
    wheel_clicks(w, steps);
  }
}

static void pointer_frame(void *data, struct wl_pointer *p)
{
  struct wl_ds *w = data;
  if (w->input.discrete_seen && w->input.discrete_steps)
    wheel_clicks(w, w->input.discrete_steps);
  w->input.discrete_seen = false;
  w->input.discrete_steps = 0;
}

static void pointer_axis_source(void *data, struct wl_pointer *p, uint32_t source) {}

static void pointer_axis_stop(void *data, struct wl_pointer *p, uint32_t time, uint32_t axis)
{
  struct wl_ds *w = data;
  if (axis == WL_POINTER_AXIS_VERTICAL_SCROLL)
    w->input.smooth_accum = 0;
}

static void pointer_axis_discrete(void *data, struct wl_pointer *p, uint32_t axis, int32_t discrete)
{
  struct wl_ds *w = data;
  if (axis != WL_POINTER_AXIS_VERTICAL_SCROLL)
    return;
  w->input.discrete_seen = true;
  w->input.discrete_steps += discrete;
}

static const struct wl_pointer_listener pointer_listener = {
    .enter = pointer_enter,
    .leave = pointer_leave,
    .motion = pointer_motion,
    .button = pointer_button,
    .axis = pointer_axis,
    .frame = pointer_frame,
    .axis_source = pointer_axis_source,
    .axis_stop = pointer_axis_stop,
    .axis_discrete = pointer_axis_discrete,
};

/* ---- keyboard ------------------------------------------------------------------------ */

static void keyboard_keymap(void *data, struct wl_keyboard *k, uint32_t format, int32_t fd,
                            uint32_t size)
{
  struct wl_ds *w = data;
  struct wlds_input *in = &w->input;
  if (format != WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1 || !in->xkb || size == 0) {
    close(fd);
    return;
  }
  char *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (map == MAP_FAILED) {
    LG_WARN("wayland: cannot map the keymap");
    return;
  }
  /* the keymap text is NUL-terminated within size; strnlen guards a bad compositor */
  struct xkb_keymap *km = xkb_keymap_new_from_buffer(
      in->xkb, map, strnlen(map, size), XKB_KEYMAP_FORMAT_TEXT_V1, XKB_KEYMAP_COMPILE_NO_FLAGS);
  munmap(map, size);
  if (!km) {
    LG_WARN("wayland: the compositor's keymap does not compile");
    return;
  }
  struct xkb_state *st = xkb_state_new(km);
  if (!st) {
    xkb_keymap_unref(km);
    return;
  }
  xkb_state_unref(in->xkb_state);
  xkb_keymap_unref(in->keymap);
  in->keymap = km;
  in->xkb_state = st;
}

static void keyboard_enter(void *data, struct wl_keyboard *k, uint32_t serial,
                           struct wl_surface *surface, struct wl_array *keys)
{
  struct wl_ds *w = data;
  w->input.last_serial = serial;
  if (surface == w->surface && w->base.cb.focus)
    w->base.cb.focus(w->base.cb.opaque, true);
}

static void keyboard_leave(void *data, struct wl_keyboard *k, uint32_t serial,
                           struct wl_surface *surface)
{
  struct wl_ds *w = data;
  if (surface == w->surface && w->base.cb.focus)
    w->base.cb.focus(w->base.cb.opaque, false);
}

static void keyboard_key(void *data, struct wl_keyboard *k, uint32_t serial, uint32_t time,
                         uint32_t key, uint32_t state)
{
  struct wl_ds *w = data;
  w->input.last_serial = serial;
  if (w->base.cb.key)
    w->base.cb.key(w->base.cb.opaque, key, state == WL_KEYBOARD_KEY_STATE_PRESSED);
}

static void keyboard_modifiers(void *data, struct wl_keyboard *k, uint32_t serial,
                               uint32_t depressed, uint32_t latched, uint32_t locked,
                               uint32_t group)
{
  struct wl_ds *w = data;
  if (w->input.xkb_state)
    xkb_state_update_mask(w->input.xkb_state, depressed, latched, locked, 0, 0, group);
}

static void keyboard_repeat(void *data, struct wl_keyboard *k, int32_t rate, int32_t delay) {}

static const struct wl_keyboard_listener keyboard_listener = {
    .keymap = keyboard_keymap,
    .enter = keyboard_enter,
    .leave = keyboard_leave,
    .key = keyboard_key,
    .modifiers = keyboard_modifiers,
    .repeat_info = keyboard_repeat,
};

/* ---- relative pointer and constraints -------------------------------------------------- */

#ifdef LG_WL_HAVE_RELATIVE_POINTER_UNSTABLE_V1
static void relative_motion(void *data, struct zwp_relative_pointer_v1 *r, uint32_t hi, uint32_t lo,
                            wl_fixed_t dx, wl_fixed_t dy, wl_fixed_t dx_unaccel,
                            wl_fixed_t dy_unaccel)
{
  struct wl_ds *w = data;
  if (w->input.raw_motion && w->base.cb.raw_motion)
    w->base.cb.raw_motion(w->base.cb.opaque, wl_fixed_to_double(dx_unaccel),
                          wl_fixed_to_double(dy_unaccel));
}

static const struct zwp_relative_pointer_v1_listener relative_listener = {
    .relative_motion = relative_motion,
};
#endif

static void drop_relative(struct wlds_input *in)
{
#ifdef LG_WL_HAVE_RELATIVE_POINTER_UNSTABLE_V1
  if (in->relative)
    zwp_relative_pointer_v1_destroy(in->relative);
#endif
  in->relative = NULL;
}

static void drop_constraint(struct wlds_input *in)
{
#ifdef LG_WL_HAVE_POINTER_CONSTRAINTS_UNSTABLE_V1
  if (in->locked)
    zwp_locked_pointer_v1_destroy(in->locked);
  if (in->confined)
    zwp_confined_pointer_v1_destroy(in->confined);
#endif
  in->locked = NULL;
  in->confined = NULL;
}

/* Makes the relative pointer and the constraint match what the app asked for, given the
 * pointer we have now (it comes and goes with the seat's capabilities). */
static bool sync_pointer_state(struct wl_ds *w)
{
  struct wlds_input *in = &w->input;
  bool ok = true;
#ifdef LG_WL_HAVE_RELATIVE_POINTER_UNSTABLE_V1
  if (in->raw_motion && in->pointer && w->rel_mgr && !in->relative) {
    in->relative = zwp_relative_pointer_manager_v1_get_relative_pointer(w->rel_mgr, in->pointer);
    zwp_relative_pointer_v1_add_listener(in->relative, &relative_listener, w);
  } else if (!in->raw_motion && in->relative)
    drop_relative(in);
  if (in->raw_motion && !in->relative)
    ok = false;
#else
  if (in->raw_motion)
    ok = false;
#endif

#ifdef LG_WL_HAVE_POINTER_CONSTRAINTS_UNSTABLE_V1
  bool want_lock = in->grab_pointer && !in->grab_confine;
  bool want_confine = in->grab_pointer && in->grab_confine;
  if ((in->locked && !want_lock) || (in->confined && !want_confine))
    drop_constraint(in);
  if (in->pointer && w->constraints) {
    const uint32_t life = ZWP_POINTER_CONSTRAINTS_V1_LIFETIME_PERSISTENT;
    if (want_lock && !in->locked)
      in->locked = zwp_pointer_constraints_v1_lock_pointer(w->constraints, w->surface, in->pointer,
                                                           NULL, life);
    if (want_confine && !in->confined)
      in->confined = zwp_pointer_constraints_v1_confine_pointer(w->constraints, w->surface,
                                                                in->pointer, NULL, life);
  }
  if (in->grab_pointer && !in->locked && !in->confined)
    ok = false;
#else
  if (in->grab_pointer)
    ok = false;
#endif
  wl_display_flush(w->display);
  return ok;
}

bool wlds_input_grab_pointer(struct wl_ds *w, bool grab, bool confine)
{
  w->input.grab_pointer = grab;
  w->input.grab_confine = confine;
  bool ok = sync_pointer_state(w);
  if (grab && !ok)
    LG_WARN("wayland: pointer %s not available", confine ? "confinement" : "lock");
  return grab ? ok : true;
}

bool wlds_input_set_raw_motion(struct wl_ds *w, bool enable)
{
  w->input.raw_motion = enable;
  bool ok = sync_pointer_state(w);
  if (enable && !ok) {
    w->input.raw_motion = false;
    LG_WARN("wayland: relative pointer motion not available");
    return false;
  }
  return true;
}

void wlds_input_warp(struct wl_ds *w, int32_t x, int32_t y)
{
#ifdef LG_WL_HAVE_POINTER_CONSTRAINTS_UNSTABLE_V1
  if (w->input.locked) {
    const double s = wlds_scale(w);
    zwp_locked_pointer_v1_set_cursor_position_hint(w->input.locked, wl_fixed_from_double(x / s),
                                                   wl_fixed_from_double(y / s));
    wl_surface_commit(w->surface);
    wl_display_flush(w->display);
    return;
  }
#endif
  LG_DEBUG("wayland: clients cannot warp the pointer");
}

bool wlds_input_grab_keyboard(struct wl_ds *w, bool grab)
{
#ifdef LG_WL_HAVE_KEYBOARD_SHORTCUTS_INHIBIT_UNSTABLE_V1
  struct wlds_input *in = &w->input;
  w->input.grab_keyboard = grab;
  if (!grab) {
    if (in->kb_inhibit)
      zwp_keyboard_shortcuts_inhibitor_v1_destroy(in->kb_inhibit);
    in->kb_inhibit = NULL;
    wl_display_flush(w->display);
    return true;
  }
  if (!w->ksi_mgr || !in->seat) {
    LG_WARN("wayland: keyboard-shortcuts-inhibit not available");
    return false;
  }
  if (!in->kb_inhibit)
    in->kb_inhibit = zwp_keyboard_shortcuts_inhibit_manager_v1_inhibit_shortcuts(
        w->ksi_mgr, w->surface, in->seat);
  wl_display_flush(w->display);
  return true;
#else
  if (grab)
    LG_WARN("wayland: built without keyboard-shortcuts-inhibit");
  return !grab;
#endif
}

/* ---- seat ---------------------------------------------------------------------------- */

static void seat_capabilities(void *data, struct wl_seat *seat, uint32_t caps)
{
  struct wl_ds *w = data;
  struct wlds_input *in = &w->input;
  bool has_pointer = caps & WL_SEAT_CAPABILITY_POINTER;
  bool has_keyboard = caps & WL_SEAT_CAPABILITY_KEYBOARD;
  if (has_pointer && !in->pointer) {
    in->pointer = wl_seat_get_pointer(seat);
    wl_pointer_add_listener(in->pointer, &pointer_listener, w);
  } else if (!has_pointer && in->pointer) {
    drop_relative(in);
    drop_constraint(in);
    wl_pointer_release(in->pointer);
    in->pointer = NULL;
    in->pointer_inside = false;
  }
  if (has_keyboard && !in->keyboard) {
    in->keyboard = wl_seat_get_keyboard(seat);
    wl_keyboard_add_listener(in->keyboard, &keyboard_listener, w);
  } else if (!has_keyboard && in->keyboard) {
    wl_keyboard_release(in->keyboard);
    in->keyboard = NULL;
  }
  in->caps = caps;
  if (w->surface)
    sync_pointer_state(w);
}

static void seat_name(void *data, struct wl_seat *seat, const char *name)
{
  LG_DEBUG("wayland: seat '%s'", name);
}

static const struct wl_seat_listener seat_listener = {
    .capabilities = seat_capabilities,
    .name = seat_name,
};

void wlds_input_bind_seat(struct wl_ds *w, uint32_t name, uint32_t version)
{
  /* version 5: wl_pointer.frame/axis_discrete and the release requests */
  if (version < 5) {
    LG_WARN("wayland: wl_seat version %u is too old (need 5)", version);
    return;
  }
  w->input.xkb = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
  w->input.seat = wl_registry_bind(w->registry, name, &wl_seat_interface, 5);
  wl_seat_add_listener(w->input.seat, &seat_listener, w);
}

void wlds_input_destroy(struct wl_ds *w)
{
  struct wlds_input *in = &w->input;
  drop_relative(in);
  drop_constraint(in);
#ifdef LG_WL_HAVE_KEYBOARD_SHORTCUTS_INHIBIT_UNSTABLE_V1
  if (in->kb_inhibit)
    zwp_keyboard_shortcuts_inhibitor_v1_destroy(in->kb_inhibit);
#endif
  in->kb_inhibit = NULL;
  if (in->pointer)
    wl_pointer_release(in->pointer);
  if (in->keyboard)
    wl_keyboard_release(in->keyboard);
  if (in->seat)
    wl_seat_release(in->seat);
  if (in->cursor_surface)
    wl_surface_destroy(in->cursor_surface);
  if (in->cursor_buffer)
    wl_buffer_destroy(in->cursor_buffer);
  xkb_state_unref(in->xkb_state);
  xkb_keymap_unref(in->keymap);
  xkb_context_unref(in->xkb);
  memset(in, 0, sizeof(*in));
}
