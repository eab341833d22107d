/* The wayland display server against a fake compositor (fake_compositor.c, in-process, output
 * scale 2): window setup, keyboard and pointer events reaching the app callbacks in the
 * documented units, relative motion, pointer lock/confine, shortcut and idle inhibitors,
 * cursor hiding, fractional scale + viewport, close and compositor-driven fullscreen. No renderer,
 * no real seat needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "displayserver.h"
#include "fake_compositor.h"

#include <linux/input-event-codes.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SCALE 2
#define WIN_W 640u /* pixels: 320x240 surface units at scale 2 */
#define WIN_H 480u
#define WAIT_MS 2000u

struct rec {
  uint32_t resize_w, resize_h, resizes;
  uint32_t closes;
  uint32_t last_key, keys_down, keys_up;
  double mx, my;
  uint32_t motions;
  double raw_dx, raw_dy;
  uint32_t raws;
  uint32_t buttons_down[10], buttons_up[10];
  bool focused;
  uint32_t focus_events;
  bool entered;
  uint32_t enter_events;
  bool fullscreen;
  uint32_t fs_events;
};

struct test_state {
  struct fake_comp *fc;
  struct lg_ds *ds;
  struct rec rec;
};

static void on_resize(void *o, uint32_t w, uint32_t h)
{
  struct rec *r = o;
  r->resize_w = w;
  r->resize_h = h;
  r->resizes++;
}

static void on_close(void *o) { ((struct rec *)o)->closes++; }

static void on_key(void *o, uint32_t evdev, bool down)
{
  struct rec *r = o;
  r->last_key = evdev;
  if (down)
    r->keys_down++;
  else
    r->keys_up++;
}

static void on_motion(void *o, double x, double y)
{
  struct rec *r = o;
  r->mx = x;
  r->my = y;
  r->motions++;
}

static void on_raw(void *o, double dx, double dy)
{
  struct rec *r = o;
  r->raw_dx += dx;
  r->raw_dy += dy;
  r->raws++;
}

static void on_button(void *o, enum lg_ds_button b, bool down)
{
  struct rec *r = o;
  if ((unsigned)b < 10) {
    if (down)
      r->buttons_down[b]++;
    else
      r->buttons_up[b]++;
  }
}

static void on_focus(void *o, bool f)
{
  struct rec *r = o;
  r->focused = f;
  r->focus_events++;
}

static void on_enter(void *o, bool e)
{
  struct rec *r = o;
  r->entered = e;
  r->enter_events++;
}

static void on_fullscreen(void *o, bool fs)
{
  struct rec *r = o;
  r->fullscreen = fs;
  r->fs_events++;
}

static uint64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Sends a command, then pumps the display server until `*counter` reaches `want`. */
static bool cmd_and_wait(struct test_state *s, enum fake_cmd cmd, int32_t a, int32_t b,
                         const uint32_t *counter, uint32_t want)
{
  fake_comp_cmd(s->fc, cmd, a, b);
  const uint64_t end = now_ms() + WAIT_MS;
  while (*counter < want) {
    if (now_ms() >= end || !s->ds->impl->pump(s->ds, 10))
      return false;
  }
  return true;
}

/* Pumps (so requests are flushed) until the compositor's state satisfies `pred`. */
static bool wait_state(struct test_state *s, bool (*pred)(const struct fake_state *),
                       struct fake_state *out)
{
  const uint64_t end = now_ms() + WAIT_MS;
  for (;;) {
    fake_comp_state(s->fc, out);
    if (pred(out))
      return true;
    if (now_ms() >= end || !s->ds->impl->pump(s->ds, 5))
      return false;
  }
}

/* Pumps for a while and checks nothing arrives (for "must not be delivered" checks). */
static void settle(struct test_state *s)
{
  for (int i = 0; i < 10; ++i)
    assert_true(s->ds->impl->pump(s->ds, 5));
}

static int setup(void **state)
{
  struct test_state *s = calloc(1, sizeof(*s));
  if (!s)
    return -1;
  *state = s;
  s->fc = fake_comp_start(SCALE);
  if (!s->fc)
    return -1;
  struct lg_ds_callbacks cb = {.opaque = &s->rec,
                               .resize = on_resize,
                               .close = on_close,
                               .key = on_key,
                               .motion = on_motion,
                               .raw_motion = on_raw,
                               .button = on_button,
                               .focus = on_focus,
                               .enter = on_enter,
                               .fullscreen = on_fullscreen};
  struct lg_ds_window_params wp = {.title = "input test",
                                   .app_id = "lg-input-test",
                                   .width = WIN_W,
                                   .height = WIN_H,
                                   .resizable = true};
  if (!lg_ds_wayland_impl.probe())
    return -1;
  s->ds = lg_ds_wayland_impl.create(&wp, &cb);
  return s->ds ? 0 : -1;
}

static int teardown(void **state)
{
  struct test_state *s = *state;
  if (!s)
    return 0;
  if (s->ds)
    s->ds->impl->destroy(s->ds);
  fake_comp_stop(s->fc);
  free(s);
  return 0;
}

static bool acked(const struct fake_state *st) { return st->acks >= 1 && st->buffer_scale == 2; }

/* The window: title and app id set, configure acked, drawable in pixels at buffer scale 2. */
static void test_window(void **state)
{
  struct test_state *s = *state;
  struct fake_state st;
  assert_true(wait_state(s, acked, &st));
  assert_string_equal(st.title, "input test");
  assert_string_equal(st.app_id, "lg-input-test");
  uint32_t w, h;
  s->ds->impl->get_size(s->ds, &w, &h);
  assert_int_equal(w, WIN_W);
  assert_int_equal(h, WIN_H);
  assert_int_equal(s->rec.resize_w, WIN_W);
  assert_int_equal(s->rec.resize_h, WIN_H);
  struct lg_ds_egl_target t;
  assert_true(s->ds->impl->egl_target(s->ds, &t));
  assert_int_equal(t.platform, LG_DS_EGL_WAYLAND);
  assert_non_null(t.native_display);
  assert_non_null(t.native_window);
}

/* Keys arrive as the evdev codes the compositor sent; focus follows enter/leave. */
static void test_keyboard(void **state)
{
  struct test_state *s = *state;
  struct rec *r = &s->rec;
  assert_true(cmd_and_wait(s, FAKE_KB_ENTER, 0, 0, &r->focus_events, 1));
  assert_true(r->focused);
  assert_true(cmd_and_wait(s, FAKE_KEY, KEY_A, 1, &r->keys_down, 1));
  assert_int_equal(r->last_key, KEY_A);
  assert_true(cmd_and_wait(s, FAKE_KEY, KEY_A, 0, &r->keys_up, 1));
  assert_true(cmd_and_wait(s, FAKE_KEY, KEY_RIGHTCTRL, 1, &r->keys_down, 2));
  assert_int_equal(r->last_key, KEY_RIGHTCTRL);
  assert_true(cmd_and_wait(s, FAKE_KB_LEAVE, 0, 0, &r->focus_events, 2));
  assert_false(r->focused);
}

/* Pointer positions are reported in pixels (surface units x scale 2). */
static void test_pointer_motion(void **state)
{
  struct test_state *s = *state;
  struct rec *r = &s->rec;
  assert_true(cmd_and_wait(s, FAKE_PTR_ENTER, 10 * 256 + 128, 20 * 256, &r->enter_events, 1));
  assert_true(r->entered);
  assert_true(r->motions >= 1);
  assert_true(r->mx == 21.0 && r->my == 40.0);
  uint32_t m = r->motions;
  assert_true(cmd_and_wait(s, FAKE_PTR_MOTION, 100 * 256, 50 * 256 + 64, &r->motions, m + 1));
  assert_true(r->mx == 200.0 && r->my == 100.5);
  assert_true(cmd_and_wait(s, FAKE_PTR_LEAVE, 0, 0, &r->enter_events, 2));
  assert_false(r->entered);
  /* motion outside the window is not reported */
  m = r->motions;
  fake_comp_cmd(s->fc, FAKE_PTR_MOTION, 5 * 256, 5 * 256);
  settle(s);
  assert_int_equal(r->motions, m);
  assert_true(cmd_and_wait(s, FAKE_PTR_ENTER, 0, 0, &r->enter_events, 3));
}

/* Buttons map from BTN_* codes; wheel steps become press/release pairs of 4 / 5. */
static void test_buttons_and_wheel(void **state)
{
  struct test_state *s = *state;
  struct rec *r = &s->rec;
  assert_true(cmd_and_wait(s, FAKE_BUTTON, BTN_LEFT, 1, &r->buttons_down[LG_DS_BUTTON_LEFT], 1));
  assert_true(cmd_and_wait(s, FAKE_BUTTON, BTN_LEFT, 0, &r->buttons_up[LG_DS_BUTTON_LEFT], 1));
  assert_true(cmd_and_wait(s, FAKE_BUTTON, BTN_RIGHT, 1, &r->buttons_down[LG_DS_BUTTON_RIGHT], 1));
  assert_true(
      cmd_and_wait(s, FAKE_BUTTON, BTN_MIDDLE, 1, &r->buttons_down[LG_DS_BUTTON_MIDDLE], 1));
  assert_true(cmd_and_wait(s, FAKE_BUTTON, BTN_SIDE, 1, &r->buttons_down[LG_DS_BUTTON_SIDE], 1));
  assert_true(cmd_and_wait(s, FAKE_BUTTON, BTN_EXTRA, 1, &r->buttons_down[LG_DS_BUTTON_EXTRA], 1));
  /* a discrete +2 (with its axis value) is exactly two clicks down, not more */
  assert_true(
      cmd_and_wait(s, FAKE_AXIS_DISCRETE, 2, 0, &r->buttons_up[LG_DS_BUTTON_WHEEL_DOWN], 2));
  settle(s);
  assert_int_equal(r->buttons_down[LG_DS_BUTTON_WHEEL_DOWN], 2);
  assert_int_equal(r->buttons_up[LG_DS_BUTTON_WHEEL_DOWN], 2);
  assert_true(cmd_and_wait(s, FAKE_AXIS_DISCRETE, -1, 0, &r->buttons_up[LG_DS_BUTTON_WHEEL_UP], 1));
  /* smooth scrolling: one click per 10 units, the rest carried over */
  fake_comp_cmd(s->fc, FAKE_AXIS_SMOOTH, -15 * 256, 0);
  settle(s);
  assert_int_equal(r->buttons_up[LG_DS_BUTTON_WHEEL_UP], 2);
  assert_true(
      cmd_and_wait(s, FAKE_AXIS_SMOOTH, -6 * 256, 0, &r->buttons_up[LG_DS_BUTTON_WHEEL_UP], 3));
  settle(s);
  assert_int_equal(r->buttons_up[LG_DS_BUTTON_WHEEL_UP], 3);
  assert_int_equal(r->buttons_down[LG_DS_BUTTON_WHEEL_DOWN], 2);
}

static bool has_relative(const struct fake_state *st) { return st->relative; }
static bool no_relative(const struct fake_state *st) { return !st->relative; }

/* Raw motion: a relative pointer exists only while enabled; unaccelerated deltas arrive. */
static void test_raw_motion(void **state)
{
  struct test_state *s = *state;
  struct rec *r = &s->rec;
  struct fake_state st;
  fake_comp_state(s->fc, &st);
  assert_false(st.relative);
  assert_true(s->ds->impl->set_raw_motion(s->ds, true));
  assert_true(wait_state(s, has_relative, &st));
  assert_true(cmd_and_wait(s, FAKE_REL_MOTION, 3 * 256, -4 * 256 - 128, &r->raws, 1));
  assert_true(r->raw_dx == 3.0 && r->raw_dy == -4.5);
  assert_true(s->ds->impl->set_raw_motion(s->ds, false));
  assert_true(wait_state(s, no_relative, &st));
  fake_comp_cmd(s->fc, FAKE_REL_MOTION, 256, 256);
  settle(s);
  assert_int_equal(r->raws, 1);
}

static bool is_locked(const struct fake_state *st) { return st->locked && !st->confined; }
static bool is_hinted(const struct fake_state *st)
{
  return st->hint_x == 50.0 && st->hint_y == 25.5;
}
static bool is_confined(const struct fake_state *st) { return st->confined && !st->locked; }
static bool is_free(const struct fake_state *st) { return !st->confined && !st->locked; }

/* grab without confine locks the pointer (warp becomes a position hint in surface units);
 * grab with confine confines it; release drops either. */
static void test_pointer_grab(void **state)
{
  struct test_state *s = *state;
  struct fake_state st;
  assert_true(s->ds->impl->grab_pointer(s->ds, true, false));
  assert_true(wait_state(s, is_locked, &st));
  s->ds->impl->warp_pointer(s->ds, 100, 51);
  assert_true(wait_state(s, is_hinted, &st));
  assert_true(s->ds->impl->grab_pointer(s->ds, true, true));
  assert_true(wait_state(s, is_confined, &st));
  assert_true(s->ds->impl->grab_pointer(s->ds, false, false));
  assert_true(wait_state(s, is_free, &st));
}

static bool kb_on(const struct fake_state *st) { return st->kb_inhibit; }
static bool kb_off(const struct fake_state *st) { return !st->kb_inhibit; }
static bool idle_on(const struct fake_state *st) { return st->idle_inhibit; }
static bool idle_off(const struct fake_state *st) { return !st->idle_inhibit; }

static void test_inhibitors(void **state)
{
  struct test_state *s = *state;
  struct fake_state st;
  assert_true(s->ds->impl->grab_keyboard(s->ds, true));
  assert_true(wait_state(s, kb_on, &st));
  assert_true(s->ds->impl->grab_keyboard(s->ds, false));
  assert_true(wait_state(s, kb_off, &st));
  s->ds->impl->inhibit_screensaver(s->ds, true);
  assert_true(wait_state(s, idle_on, &st));
  s->ds->impl->inhibit_screensaver(s->ds, false);
  assert_true(wait_state(s, idle_off, &st));
}

static bool cursor_hidden(const struct fake_state *st) { return st->cursor_null; }
static bool cursor_shown(const struct fake_state *st) { return !st->cursor_null; }

/* Hiding sets a NULL cursor surface; showing sets our own arrow. */
static void test_cursor(void **state)
{
  struct test_state *s = *state;
  struct fake_state st;
  s->ds->impl->set_cursor_visible(s->ds, false);
  assert_true(wait_state(s, cursor_hidden, &st));
  s->ds->impl->set_cursor_visible(s->ds, true);
  assert_true(wait_state(s, cursor_shown, &st));
}

#ifdef FAKE_HAVE_FRACTIONAL
static bool frac_applied(const struct fake_state *st)
{
  return st->fractional && st->buffer_scale == 1 && st->dest_w == 320 && st->dest_h == 240;
}

/* A preferred fractional scale of 1.5: the buffer is 1.5 x the 320x240 surface, the viewport
 * maps it back, buffer scale 1, and pointer positions scale by 1.5. */
static void test_fractional_scale(void **state)
{
  struct test_state *s = *state;
  struct rec *r = &s->rec;
  struct fake_state st;
  uint32_t n = r->resizes;
  assert_true(cmd_and_wait(s, FAKE_FRACTIONAL, 180, 0, &r->resizes, n + 1));
  assert_int_equal(r->resize_w, 480);
  assert_int_equal(r->resize_h, 360);
  assert_true(wait_state(s, frac_applied, &st));
  uint32_t m = r->motions;
  assert_true(cmd_and_wait(s, FAKE_PTR_MOTION, 10 * 256, 20 * 256, &r->motions, m + 1));
  assert_true(r->mx == 15.0 && r->my == 30.0);
}
#endif

/* A compositor fullscreen configure: callback, new size in pixels; close reaches the app. */
static void test_fullscreen_and_close(void **state)
{
  struct test_state *s = *state;
  struct rec *r = &s->rec;
  assert_true(cmd_and_wait(s, FAKE_CONFIGURE, 640, 400, &r->fs_events, 1));
  assert_true(r->fullscreen);
  assert_true(s->ds->impl->get_fullscreen(s->ds));
#ifdef FAKE_HAVE_FRACTIONAL
  assert_int_equal(r->resize_w, 960); /* 640x400 at 1.5 */
  assert_int_equal(r->resize_h, 600);
#else
  assert_int_equal(r->resize_w, 1280); /* 640x400 at 2 */
  assert_int_equal(r->resize_h, 800);
#endif
  assert_true(cmd_and_wait(s, FAKE_CLOSE, 0, 0, &r->closes, 1));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_window),
      cmocka_unit_test(test_keyboard),
      cmocka_unit_test(test_pointer_motion),
      cmocka_unit_test(test_buttons_and_wheel),
      cmocka_unit_test(test_raw_motion),
      cmocka_unit_test(test_pointer_grab),
      cmocka_unit_test(test_inhibitors),
      cmocka_unit_test(test_cursor),
#ifdef FAKE_HAVE_FRACTIONAL
      cmocka_unit_test(test_fractional_scale),
#endif
      cmocka_unit_test(test_fullscreen_and_close),
  };
  return cmocka_run_group_tests_name("wayland_input", tests, setup, teardown);
}
