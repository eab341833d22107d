/* The SDL2 display server on an X server (Xvfb, started by run_sdl_test.sh), with
 * SDL_VIDEODRIVER=x11: the EGL renderer draws a frame into the SDL window and we read it
 * back with XGetImage; XTest input must reach the app callbacks as evdev codes/buttons. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "displayserver.h"
#include "renderer.h"

#include "lg/kvmfr.h"

#include <SDL.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XTest.h>
#include <X11/keysym.h>
#include <linux/input-event-codes.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WIN_X 40
#define WIN_Y 30
#define WIN_W 320u
#define WIN_H 240u
#define MAX_EVENTS 64

struct key_rec {
  uint32_t code;
  bool down;
};

struct button_rec {
  enum lg_ds_button button;
  bool down;
};

struct test_state {
  struct lg_ds *ds;
  struct lg_renderer *r;
  Display *peek; /* a connection of our own: what the X server holds, and XTest */
  Window win;
  /* callback records */
  struct key_rec keys[MAX_EVENTS];
  uint32_t nkeys;
  struct button_rec buttons[MAX_EVENTS];
  uint32_t nbuttons;
  double motion_x, motion_y;
  uint32_t motions;
  double raw_dx, raw_dy;
  uint32_t resize_w, resize_h, resizes;
  bool fullscreen;
  uint32_t fullscreen_events;
  bool focused;
};

static void on_key(void *opaque, uint32_t evdev, bool down)
{
  struct test_state *s = opaque;
  if (s->nkeys < MAX_EVENTS)
    s->keys[s->nkeys++] = (struct key_rec){evdev, down};
}

static void on_button(void *opaque, enum lg_ds_button b, bool down)
{
  struct test_state *s = opaque;
  if (s->nbuttons < MAX_EVENTS)
    s->buttons[s->nbuttons++] = (struct button_rec){b, down};
}

static void on_motion(void *opaque, double x, double y)
{
  struct test_state *s = opaque;
  s->motion_x = x;
  s->motion_y = y;
  s->motions++;
}

static void on_raw(void *opaque, double dx, double dy)
{
  struct test_state *s = opaque;
  s->raw_dx += dx;
  s->raw_dy += dy;
}

static void on_resize(void *opaque, uint32_t w, uint32_t h)
{
  struct test_state *s = opaque;
  s->resize_w = w;
  s->resize_h = h;
  s->resizes++;
}

static void on_fullscreen(void *opaque, bool fs)
{
  struct test_state *s = opaque;
  s->fullscreen = fs;
  s->fullscreen_events++;
}

static void on_focus(void *opaque, bool focused)
{
  struct test_state *s = opaque;
  s->focused = focused;
}

/* Pumps until *counter differs from `before` (or about two seconds pass). */
static void pump_until_changed(struct test_state *s, const uint32_t *counter, uint32_t before)
{
  for (int i = 0; i < 100 && *counter == before; ++i)
    s->ds->impl->pump(s->ds, 20);
}

/* Pumps for `ms` milliseconds, dispatching whatever arrives. */
static void pump_for(struct test_state *s, uint32_t ms)
{
  for (uint32_t t = 0; t < ms; t += 10)
    s->ds->impl->pump(s->ds, 10);
}

static void pattern(uint32_t x, uint32_t y, uint8_t rgb[3])
{
  rgb[0] = (uint8_t)(x % 256);
  rgb[1] = (uint8_t)(y % 256);
  rgb[2] = (uint8_t)((x ^ y) % 256);
}

static int group_setup(void **state)
{
  setenv("SDL_VIDEODRIVER", "x11", 1);
  struct test_state *s = calloc(1, sizeof(*s));
  if (!s)
    return -1;
  *state = s;
  if (!lg_ds_sdl_impl.probe()) {
    fprintf(stderr, "sdl probe failed (DISPLAY=%s)\n", getenv("DISPLAY"));
    return -1;
  }
  struct lg_ds_callbacks cb = {.opaque = s,
                               .key = on_key,
                               .button = on_button,
                               .motion = on_motion,
                               .raw_motion = on_raw,
                               .resize = on_resize,
                               .fullscreen = on_fullscreen,
                               .focus = on_focus};
  struct lg_ds_window_params wp = {.title = "sdl ds test",
                                   .app_id = "lg-sdl-test",
                                   .width = WIN_W,
                                   .height = WIN_H,
                                   .position_set = true,
                                   .x = WIN_X,
                                   .y = WIN_Y,
                                   .borderless = true,
                                   .resizable = true};
  s->ds = lg_ds_create_auto("sdl", &wp, &cb);
  if (!s->ds)
    return -1;
  if (s->resizes != 1 || s->resize_w != WIN_W || s->resize_h != WIN_H) {
    fprintf(stderr, "no initial resize callback of %ux%u\n", WIN_W, WIN_H);
    return -1;
  }
  struct lg_ds_egl_target t;
  if (!s->ds->impl->egl_target(s->ds, &t) || t.platform != LG_DS_EGL_X11) {
    fprintf(stderr, "no X11 EGL target\n");
    return -1;
  }
  s->win = *(const Window *)t.native_window;
  s->peek = XOpenDisplay(NULL);
  const struct lg_renderer_params rp = {.scale = LG_SCALE_FIT, .no_upscale = true};
  s->r = lg_renderer_egl.create(&rp, &t, WIN_W, WIN_H);
  if (!s->peek || !s->r)
    return -1;
  int ev, err, maj, min;
  if (!XTestQueryExtension(s->peek, &ev, &err, &maj, &min)) {
    fprintf(stderr, "the X server has no XTest\n");
    return -1;
  }
  return 0;
}

static int group_teardown(void **state)
{
  struct test_state *s = *state;
  if (!s)
    return 0;
  if (s->r)
    lg_renderer_egl.destroy(s->r);
  if (s->ds)
    s->ds->impl->destroy(s->ds);
  if (s->peek)
    XCloseDisplay(s->peek);
  free(s);
  return 0;
}

/* The SDL window is a real X window with our title, where we asked for it. */
static void test_window(void **state)
{
  struct test_state *s = *state;
  XWindowAttributes wa;
  assert_true(XGetWindowAttributes(s->peek, s->win, &wa));
  assert_int_equal(wa.width, WIN_W);
  assert_int_equal(wa.height, WIN_H);
  assert_int_equal(wa.map_state, IsViewable);
  int rx, ry;
  Window child;
  assert_true(
      XTranslateCoordinates(s->peek, s->win, DefaultRootWindow(s->peek), 0, 0, &rx, &ry, &child));
  assert_int_equal(rx, WIN_X);
  assert_int_equal(ry, WIN_Y);
  char *name = NULL;
  assert_true(XFetchName(s->peek, s->win, &name));
  assert_non_null(name);
  assert_string_equal(name, "sdl ds test");
  XFree(name);
  XClassHint ch;
  assert_true(XGetClassHint(s->peek, s->win, &ch));
  fprintf(stderr, "  WM_CLASS %s / %s\n", ch.res_name, ch.res_class);
  assert_string_equal(ch.res_class, "lg-sdl-test");
  XFree(ch.res_name);
  XFree(ch.res_class);
  assert_string_equal(s->ds->impl->name, "sdl");
  assert_ptr_equal(lg_ds_find("sdl"), &lg_ds_sdl_impl);
}

/* A BGRA frame shown at 1:1 comes back from the X server pixel for pixel. */
static void test_pattern_readback(void **state)
{
  struct test_state *s = *state;
  const uint32_t pitch = WIN_W * 4 + 64; /* a padded pitch, as a guest may send */
  uint8_t *frame = malloc((size_t)pitch * WIN_H);
  assert_non_null(frame);
  memset(frame, 0x5a, (size_t)pitch * WIN_H);
  for (uint32_t y = 0; y < WIN_H; ++y)
    for (uint32_t x = 0; x < WIN_W; ++x) {
      uint8_t rgb[3];
      pattern(x, y, rgb);
      uint8_t *p = frame + (size_t)y * pitch + (size_t)x * 4;
      p[0] = rgb[2];
      p[1] = rgb[1];
      p[2] = rgb[0];
      p[3] = 0xff;
    }
  const struct lg_frame_format fmt = {.type = FRAME_TYPE_BGRA,
                                      .width = WIN_W,
                                      .height = WIN_H,
                                      .data_height = WIN_H,
                                      .stride = pitch / 4,
                                      .pitch = pitch};
  assert_true(lg_renderer_egl.on_frame_format(s->r, &fmt));
  assert_true(lg_renderer_egl.on_frame(s->r, frame, NULL, 0));
  lg_renderer_egl.on_cursor_state(s->r, 0, 0, false);
  s->ds->impl->pump(s->ds, 0);
  lg_renderer_egl.render(s->r, true);
  struct lg_ds_egl_target t;
  assert_true(s->ds->impl->egl_target(s->ds, &t));
  XSync((Display *)t.native_display, False);
  XSync(s->peek, False);

  XImage *img = XGetImage(s->peek, s->win, 0, 0, WIN_W, WIN_H, AllPlanes, ZPixmap);
  assert_non_null(img);
  const int rs = __builtin_ctzl(img->red_mask), gs = __builtin_ctzl(img->green_mask),
            bs = __builtin_ctzl(img->blue_mask);
  uint32_t bad = 0;
  for (uint32_t y = 0; y < WIN_H; ++y)
    for (uint32_t x = 0; x < WIN_W; ++x) {
      const unsigned long px = XGetPixel(img, (int)x, (int)y);
      const uint8_t got[3] = {(uint8_t)((px & img->red_mask) >> rs),
                              (uint8_t)((px & img->green_mask) >> gs),
                              (uint8_t)((px & img->blue_mask) >> bs)};
      uint8_t want[3];
      pattern(x, y, want);
      if (memcmp(got, want, 3) != 0) {
        if (bad < 5)
          fprintf(stderr, "  (%u,%u): got %02x%02x%02x want %02x%02x%02x\n", x, y, got[0], got[1],
                  got[2], want[0], want[1], want[2]);
        bad++;
      }
    }
  XDestroyImage(img);
  free(frame);
  fprintf(stderr, "  %u of %u pixels differ\n", bad, WIN_W * WIN_H);
  assert_int_equal(bad, 0);
}

/* Gives the SDL window the X input focus and waits until SDL has seen it. */
static void focus_window(struct test_state *s)
{
  XRaiseWindow(s->peek, s->win);
  XSetInputFocus(s->peek, s->win, RevertToParent, CurrentTime);
  XSync(s->peek, False);
  for (int i = 0; i < 100 && !s->focused; ++i)
    s->ds->impl->pump(s->ds, 20);
  assert_true(s->focused);
}

/* XTest key presses arrive as the evdev codes of the same keys. */
static void test_keyboard(void **state)
{
  struct test_state *s = *state;
  focus_window(s);
  static const struct {
    KeySym sym;
    uint32_t evdev;
  } keys[] = {
      {XK_a, KEY_A},
      {XK_q, KEY_Q},
      {XK_m, KEY_M},
      {XK_z, KEY_Z},
      {XK_1, KEY_1},
      {XK_0, KEY_0},
      {XK_F1, KEY_F1},
      {XK_F11, KEY_F11},
      {XK_F12, KEY_F12},
      {XK_Shift_L, KEY_LEFTSHIFT},
      {XK_Control_R, KEY_RIGHTCTRL},
      {XK_Alt_L, KEY_LEFTALT},
      {XK_Super_L, KEY_LEFTMETA},
      {XK_Left, KEY_LEFT},
      {XK_Up, KEY_UP},
      {XK_Scroll_Lock, KEY_SCROLLLOCK},
      {XK_Escape, KEY_ESC},
      {XK_Return, KEY_ENTER},
      {XK_space, KEY_SPACE},
      {XK_Tab, KEY_TAB},
      {XK_BackSpace, KEY_BACKSPACE},
  };
  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); ++i) {
    const KeyCode kc = XKeysymToKeycode(s->peek, keys[i].sym);
    assert_int_not_equal(kc, 0);
    s->nkeys = 0;
    XTestFakeKeyEvent(s->peek, kc, True, 0);
    XTestFakeKeyEvent(s->peek, kc, False, 0);
    XSync(s->peek, False);
    for (int t = 0; t < 100 && s->nkeys < 2; ++t)
      s->ds->impl->pump(s->ds, 20);
    if (s->nkeys != 2 || s->keys[0].code != keys[i].evdev || !s->keys[0].down ||
        s->keys[1].code != keys[i].evdev || s->keys[1].down)
      fail_msg("%s (X keycode %u): %u events, first %u/%d, want evdev %u down then up",
               XKeysymToString(keys[i].sym), kc, s->nkeys, s->nkeys ? s->keys[0].code : 0,
               s->nkeys ? s->keys[0].down : -1, keys[i].evdev);
  }
}

/* Pointer motion in window pixels, buttons 1-3, the wheel and the side buttons. */
static void test_mouse(void **state)
{
  struct test_state *s = *state;
  const int screen = DefaultScreen(s->peek);
  uint32_t before = s->motions;
  XTestFakeMotionEvent(s->peek, screen, WIN_X + 50, WIN_Y + 60, 0);
  XSync(s->peek, False);
  pump_until_changed(s, &s->motions, before);
  before = s->motions;
  XTestFakeMotionEvent(s->peek, screen, WIN_X + 123, WIN_Y + 77, 0);
  XSync(s->peek, False);
  pump_until_changed(s, &s->motions, before);
  assert_true(s->motions > before);
  assert_true(s->motion_x == 123.0 && s->motion_y == 77.0);

  static const struct {
    unsigned int x_button;
    enum lg_ds_button want;
  } buttons[] = {
      {1, LG_DS_BUTTON_LEFT}, {2, LG_DS_BUTTON_MIDDLE}, {3, LG_DS_BUTTON_RIGHT},
      {8, LG_DS_BUTTON_SIDE}, {9, LG_DS_BUTTON_EXTRA},
  };
  for (size_t i = 0; i < sizeof(buttons) / sizeof(buttons[0]); ++i) {
    s->nbuttons = 0;
    XTestFakeButtonEvent(s->peek, buttons[i].x_button, True, 0);
    XTestFakeButtonEvent(s->peek, buttons[i].x_button, False, 0);
    XSync(s->peek, False);
    for (int t = 0; t < 100 && s->nbuttons < 2; ++t)
      s->ds->impl->pump(s->ds, 20);
    if (s->nbuttons != 2 || s->buttons[0].button != buttons[i].want || !s->buttons[0].down ||
        s->buttons[1].button != buttons[i].want || s->buttons[1].down)
      fail_msg("X button %u: %u events, first %d, want %d down then up", buttons[i].x_button,
               s->nbuttons, s->nbuttons ? (int)s->buttons[0].button : -1, (int)buttons[i].want);
  }
  /* one wheel notch each way: a click of button 4 (up) and of button 5 (down) */
  static const unsigned int wheel[2] = {4, 5};
  static const enum lg_ds_button wheel_want[2] = {LG_DS_BUTTON_WHEEL_UP, LG_DS_BUTTON_WHEEL_DOWN};
  for (int i = 0; i < 2; ++i) {
    s->nbuttons = 0;
    XTestFakeButtonEvent(s->peek, wheel[i], True, 0);
    XTestFakeButtonEvent(s->peek, wheel[i], False, 0);
    XSync(s->peek, False);
    for (int t = 0; t < 100 && s->nbuttons < 2; ++t)
      s->ds->impl->pump(s->ds, 20);
    pump_for(s, 50); /* nothing more may follow */
    assert_int_equal(s->nbuttons, 2);
    assert_int_equal(s->buttons[0].button, wheel_want[i]);
    assert_true(s->buttons[0].down);
    assert_int_equal(s->buttons[1].button, wheel_want[i]);
    assert_false(s->buttons[1].down);
  }
}

/* Relative mode: XTest relative motion reaches raw_motion unchanged, not motion. */
static void test_raw_motion(void **state)
{
  struct test_state *s = *state;
  focus_window(s);
  assert_true(s->ds->impl->set_raw_motion(s->ds, true));
  pump_for(s, 50);
  s->raw_dx = s->raw_dy = 0;
  const uint32_t motions = s->motions;
  XTestFakeRelativeMotionEvent(s->peek, 7, -3, 0);
  XSync(s->peek, False);
  for (int i = 0; i < 100 && s->raw_dx == 0 && s->raw_dy == 0; ++i)
    s->ds->impl->pump(s->ds, 20);
  pump_for(s, 50);
  fprintf(stderr, "  raw motion: %.1f, %.1f\n", s->raw_dx, s->raw_dy);
  assert_true(s->raw_dx == 7.0 && s->raw_dy == -3.0);
  assert_int_equal(s->motions, motions);
  assert_true(s->ds->impl->set_raw_motion(s->ds, false));
  assert_false(SDL_GetRelativeMouseMode());
}

/* Grabs, warp, cursor and screensaver controls. */
static void test_pointer_controls(void **state)
{
  struct test_state *s = *state;
  focus_window(s);
  assert_true(s->ds->impl->grab_pointer(s->ds, true, true));
  assert_true(s->ds->impl->grab_keyboard(s->ds, true));
  /* a second client cannot take the pointer while we hold it */
  assert_int_equal(XGrabPointer(s->peek, DefaultRootWindow(s->peek), False, ButtonPressMask,
                                GrabModeAsync, GrabModeAsync, None, None, CurrentTime),
                   AlreadyGrabbed);
  s->ds->impl->warp_pointer(s->ds, 123, 45);
  Window root_ret, child_ret;
  int rx, ry, wx, wy;
  unsigned int mask;
  XSync(s->peek, False);
  assert_true(XQueryPointer(s->peek, s->win, &root_ret, &child_ret, &rx, &ry, &wx, &wy, &mask));
  assert_int_equal(wx, 123);
  assert_int_equal(wy, 45);
  assert_true(s->ds->impl->grab_pointer(s->ds, false, false));
  assert_true(s->ds->impl->grab_keyboard(s->ds, false));
  pump_for(s, 20);
  XSync(s->peek, False);
  const int g = XGrabPointer(s->peek, DefaultRootWindow(s->peek), False, ButtonPressMask,
                             GrabModeAsync, GrabModeAsync, None, None, CurrentTime);
  assert_int_equal(g, GrabSuccess);
  XUngrabPointer(s->peek, CurrentTime);
  XSync(s->peek, False);

  s->ds->impl->set_cursor_visible(s->ds, false);
  assert_int_equal(SDL_ShowCursor(SDL_QUERY), SDL_DISABLE);
  s->ds->impl->set_cursor_visible(s->ds, true);
  assert_int_equal(SDL_ShowCursor(SDL_QUERY), SDL_ENABLE);

  assert_true(SDL_IsScreenSaverEnabled()); /* not inhibited until asked */
  s->ds->impl->inhibit_screensaver(s->ds, true);
  assert_false(SDL_IsScreenSaverEnabled());
  s->ds->impl->inhibit_screensaver(s->ds, false);
  assert_true(SDL_IsScreenSaverEnabled());
}

static void test_clipboard(void **state)
{
  struct test_state *s = *state;
  const char text[] = "looking glass \xc3\xa9 clipboard";
  /* only `len` bytes are offered, not the rest of the buffer */
  assert_true(s->ds->impl->clipboard_set_text(s->ds, text, sizeof(text) - 1 - 7));
  char buf[64];
  assert_true(s->ds->impl->clipboard_get_text(s->ds, buf, sizeof(buf)));
  assert_string_equal(buf, "looking glass \xc3\xa9 cl");
  /* a small buffer gets a truncated, terminated copy */
  char small[8];
  assert_true(s->ds->impl->clipboard_get_text(s->ds, small, sizeof(small)));
  assert_string_equal(small, "looking");
  /* truncation never splits a UTF-8 sequence: 15 bytes would end inside the e-acute */
  char cut[16];
  assert_true(s->ds->impl->clipboard_get_text(s->ds, cut, sizeof(cut)));
  assert_string_equal(cut, "looking glass ");
  /* an empty clipboard is "no text" */
  assert_true(s->ds->impl->clipboard_set_text(s->ds, "", 0));
  assert_false(s->ds->impl->clipboard_get_text(s->ds, buf, sizeof(buf)));
}

/* set_size gives a resize callback and the X window follows; fullscreen covers the screen. */
static void test_resize_fullscreen(void **state)
{
  struct test_state *s = *state;
  uint32_t before = s->resizes;
  s->ds->impl->set_size(s->ds, 400, 300);
  pump_until_changed(s, &s->resizes, before);
  assert_true(s->resizes > before);
  assert_int_equal(s->resize_w, 400);
  assert_int_equal(s->resize_h, 300);
  uint32_t w, h;
  s->ds->impl->get_size(s->ds, &w, &h);
  assert_int_equal(w, 400);
  assert_int_equal(h, 300);
  XWindowAttributes wa;
  assert_true(XGetWindowAttributes(s->peek, s->win, &wa));
  assert_int_equal(wa.width, 400);
  assert_int_equal(wa.height, 300);

  assert_false(s->ds->impl->get_fullscreen(s->ds));
  s->ds->impl->set_fullscreen(s->ds, true);
  for (int i = 0; i < 100 && !s->fullscreen; ++i)
    s->ds->impl->pump(s->ds, 20);
  pump_for(s, 100);
  assert_true(s->fullscreen);
  assert_true(s->ds->impl->get_fullscreen(s->ds));
  const uint32_t sw = (uint32_t)DisplayWidth(s->peek, DefaultScreen(s->peek));
  const uint32_t sh = (uint32_t)DisplayHeight(s->peek, DefaultScreen(s->peek));
  fprintf(stderr, "  fullscreen: %ux%u (screen %ux%u)\n", s->resize_w, s->resize_h, sw, sh);
  assert_int_equal(s->resize_w, sw);
  assert_int_equal(s->resize_h, sh);
  s->ds->impl->set_fullscreen(s->ds, false);
  for (int i = 0; i < 100 && s->fullscreen; ++i)
    s->ds->impl->pump(s->ds, 20);
  assert_false(s->fullscreen);
  assert_false(s->ds->impl->get_fullscreen(s->ds));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_window),     cmocka_unit_test(test_pattern_readback),
      cmocka_unit_test(test_keyboard),   cmocka_unit_test(test_mouse),
      cmocka_unit_test(test_raw_motion), cmocka_unit_test(test_pointer_controls),
      cmocka_unit_test(test_clipboard),  cmocka_unit_test(test_resize_fullscreen),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
