/* The wayland display server + EGL renderer on a headless weston (started by run_weston.sh):
 * the window is configured, fullscreen and back, and what weston composites (read back
 * with its screenshooter) is the test pattern at 1:1, pixel for pixel.
 * Usage: wayland_ds_test [--out DIR] [--tag NAME] (NAME goes into screenshot file names) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "displayserver.h"
#include "renderer.h"
#include "shooter.h"
#include "png_write.h"

#include "lg/kvmfr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WIN_W 640u
#define WIN_H 480u
#define SHOT_TIMEOUT_MS 3000u
#define MATCH_DEADLINE_MS 15000u

struct test_state {
  struct lg_ds *ds;
  struct lg_renderer *r;
  struct shooter *shot;
  uint32_t out_w, out_h;
  uint8_t *frame;
  uint8_t *rgb; /* last screenshot as RGB, for the PNG written on a mismatch */
  uint32_t resize_w, resize_h, resizes;
  uint32_t fs_changes;
  bool fs_last;
};

static const char *g_out_dir = ".";
static const char *g_tag = "scale1";

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
  s->fs_changes++;
  s->fs_last = fs;
}

static uint64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* R = x, G = y, B = x ^ y (mod 256). */
static void pattern(uint32_t x, uint32_t y, uint8_t rgb[3])
{
  rgb[0] = (uint8_t)(x & 255);
  rgb[1] = (uint8_t)(y & 255);
  rgb[2] = (uint8_t)((x ^ y) & 255);
}

/* Uploads a w x h BGRA pattern frame (pitch padded) and sizes the renderer to it. */
static void show_pattern(struct test_state *s, uint32_t w, uint32_t h)
{
  const uint32_t pitch = (w + 8) * 4;
  memset(s->frame, 0x5a, (size_t)pitch * h);
  for (uint32_t y = 0; y < h; ++y)
    for (uint32_t x = 0; x < w; ++x) {
      uint8_t c[3];
      pattern(x, y, c);
      uint8_t *p = s->frame + (size_t)y * pitch + (size_t)x * 4;
      p[0] = c[2];
      p[1] = c[1];
      p[2] = c[0];
      p[3] = 255;
    }
  struct lg_frame_format f = {.type = FRAME_TYPE_BGRA,
                              .width = w,
                              .height = h,
                              .data_height = h,
                              .stride = pitch / 4,
                              .pitch = pitch,
                              .rotation = FRAME_ROT_0};
  assert_true(lg_renderer_egl.on_frame_format(s->r, &f));
  assert_true(lg_renderer_egl.on_frame(s->r, s->frame, NULL, 0));
  lg_renderer_egl.on_cursor_state(s->r, 0, 0, false);
  lg_renderer_egl.set_overlay(s->r, NULL);
}

/* Counts pixels of the w x h pattern at (ox, oy) on the screenshot that differ. */
static uint32_t count_bad(const uint32_t *px, uint32_t stride, uint32_t ox, uint32_t oy, uint32_t w,
                          uint32_t h, bool print)
{
  uint32_t bad = 0;
  for (uint32_t y = 0; y < h; ++y)
    for (uint32_t x = 0; x < w; ++x) {
      uint8_t e[3];
      pattern(x, y, e);
      uint32_t v = px[(size_t)(oy + y) * stride + ox + x];
      uint8_t g[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
      if (g[0] != e[0] || g[1] != e[1] || g[2] != e[2]) {
        if (print && bad < 5)
          fprintf(stderr, "  (%u,%u): got %02x%02x%02x want %02x%02x%02x\n", x, y, g[0], g[1], g[2],
                  e[0], e[1], e[2]);
        bad++;
      }
    }
  return bad;
}

/* Finds the pattern's top-left corner: pixel (0,0) black, (1,0) = 01 00 01 and
 * (0,1) = 00 01 01, (2,3) = 02 03 01. False if nowhere on screen. */
static bool find_pattern(const uint32_t *px, uint32_t sw, uint32_t sh, uint32_t w, uint32_t h,
                         uint32_t *ox, uint32_t *oy)
{
  for (uint32_t y = 0; y + h <= sh; ++y)
    for (uint32_t x = 0; x + w <= sw; ++x) {
      const uint32_t *p = px + (size_t)y * sw + x;
      if ((p[0] & 0xffffff) == 0 && (p[1] & 0xffffff) == 0x010001 &&
          (p[sw] & 0xffffff) == 0x000101 && (p[3 * sw + 2] & 0xffffff) == 0x020301) {
        *ox = x;
        *oy = y;
        return true;
      }
    }
  return false;
}

static void save_png(struct test_state *s, const uint32_t *px, const char *name)
{
  for (size_t i = 0; i < (size_t)s->out_w * s->out_h; ++i) {
    s->rgb[i * 3] = (uint8_t)(px[i] >> 16);
    s->rgb[i * 3 + 1] = (uint8_t)(px[i] >> 8);
    s->rgb[i * 3 + 2] = (uint8_t)px[i];
  }
  char path[1024];
  snprintf(path, sizeof(path), "%s/wayland_ds_%s_%s.png", g_out_dir, g_tag, name);
  if (png_write_rgb(path, s->rgb, s->out_w, s->out_h, s->out_w * 3))
    fprintf(stderr, "  screenshot: %s\n", path);
}

/* Renders and screenshots until the w x h pattern shows up exactly (at (0,0) when `at_origin`,
 * else wherever the compositor placed the window), or the deadline passes (the compositor
 * may still be animating or not have composited our last commit). */
static void expect_on_screen(struct test_state *s, uint32_t w, uint32_t h, bool at_origin,
                             const char *name)
{
  const uint64_t deadline = now_ms() + MATCH_DEADLINE_MS;
  uint32_t bad = UINT32_MAX, tries = 0, ox = 0, oy = 0;
  const uint32_t *px = NULL;
  while (now_ms() < deadline) {
    tries++;
    assert_true(s->ds->impl->pump(s->ds, 0));
    lg_renderer_egl.render(s->r, true);
    assert_true(s->ds->impl->pump(s->ds, 50));
    px = shooter_take(s->shot, SHOT_TIMEOUT_MS);
    assert_non_null(px);
    bool found = at_origin || find_pattern(px, s->out_w, s->out_h, w, h, &ox, &oy);
    if (found) {
      bad = count_bad(px, s->out_w, ox, oy, w, h, false);
      if (bad == 0)
        break;
    }
  }
  fprintf(stderr, "  %s: %ux%u at (%u,%u), %u mismatching pixels after %u tries\n", name, w, h, ox,
          oy, bad == UINT32_MAX ? w * h : bad, tries);
  if (bad) {
    if (px) {
      if (bad != UINT32_MAX)
        count_bad(px, s->out_w, ox, oy, w, h, true);
      save_png(s, px, name);
    }
    fail_msg("%s: the pattern is not on screen at 1:1", name);
  }
}

/* Pumps until cond(s) or the deadline. */
static bool pump_until(struct test_state *s, bool (*cond)(const struct test_state *),
                       uint32_t timeout_ms)
{
  const uint64_t deadline = now_ms() + timeout_ms;
  while (!cond(s)) {
    if (now_ms() >= deadline)
      return false;
    if (!s->ds->impl->pump(s->ds, 50))
      return false;
    lg_renderer_egl.render(s->r, false);
  }
  return true;
}

static int group_setup(void **state)
{
  struct test_state *s = calloc(1, sizeof(*s));
  if (!s)
    return -1;
  *state = s;
  if (!lg_ds_wayland_impl.probe()) {
    fprintf(stderr, "wayland probe failed (WAYLAND_DISPLAY=%s)\n", getenv("WAYLAND_DISPLAY"));
    return -1;
  }
  s->shot = shooter_open();
  if (!s->shot)
    return -1;
  shooter_size(s->shot, &s->out_w, &s->out_h);
  s->frame = malloc((size_t)(s->out_w + 8) * s->out_h * 4);
  s->rgb = malloc((size_t)s->out_w * s->out_h * 3);
  if (!s->frame || !s->rgb)
    return -1;

  struct lg_ds_callbacks cb = {.opaque = s, .resize = on_resize, .fullscreen = on_fullscreen};
  struct lg_ds_window_params wp = {.title = "wayland ds test",
                                   .app_id = "lg-wayland-test",
                                   .width = WIN_W,
                                   .height = WIN_H,
                                   .resizable = true,
                                   .fullscreen = true};
  s->ds = lg_ds_create_auto("wayland", &wp, &cb);
  if (!s->ds)
    return -1;
  struct lg_ds_egl_target t;
  if (!s->ds->impl->egl_target(s->ds, &t) || t.platform != LG_DS_EGL_WAYLAND) {
    fprintf(stderr, "no wayland EGL target\n");
    return -1;
  }
  uint32_t w, h;
  s->ds->impl->get_size(s->ds, &w, &h);
  struct lg_renderer_params rp = {.vsync = false, .scale = LG_SCALE_FIT};
  s->r = lg_renderer_egl.create(&rp, &t, w, h);
  return s->r ? 0 : -1;
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
  shooter_close(s->shot);
  free(s->frame);
  free(s->rgb);
  free(s);
  return 0;
}

/* Created fullscreen: the first configure gives the output size, reported by resize. */
static void test_fullscreen_configure(void **state)
{
  struct test_state *s = *state;
  uint32_t w, h;
  s->ds->impl->get_size(s->ds, &w, &h);
  assert_int_equal(w, s->out_w);
  assert_int_equal(h, s->out_h);
  assert_true(s->resizes >= 1);
  assert_int_equal(s->resize_w, s->out_w);
  assert_int_equal(s->resize_h, s->out_h);
  assert_true(s->ds->impl->get_fullscreen(s->ds));
}

/* A frame the size of the output fills it exactly. */
static void test_fullscreen_pixels(void **state)
{
  struct test_state *s = *state;
  lg_renderer_egl.resize(s->r, s->out_w, s->out_h);
  show_pattern(s, s->out_w, s->out_h);
  expect_on_screen(s, s->out_w, s->out_h, true, "fullscreen");
}

static bool is_windowed(const struct test_state *s)
{
  return !s->ds->impl->get_fullscreen(s->ds) && s->resize_w == WIN_W && s->resize_h == WIN_H;
}

/* Leaving fullscreen restores the requested window size; the pattern shows 1:1 in it. */
static void test_leave_fullscreen(void **state)
{
  struct test_state *s = *state;
  uint32_t changes = s->fs_changes;
  s->ds->impl->set_fullscreen(s->ds, false);
  assert_true(pump_until(s, is_windowed, 5000));
  assert_true(s->fs_changes > changes);
  assert_false(s->fs_last);
  lg_renderer_egl.resize(s->r, WIN_W, WIN_H);
  show_pattern(s, WIN_W, WIN_H);
  expect_on_screen(s, WIN_W, WIN_H, false, "windowed");
}

static bool is_400x300(const struct test_state *s)
{
  return s->resize_w == 400 && s->resize_h == 300;
}

/* A floating window takes the size the app asks for. */
static void test_set_size(void **state)
{
  struct test_state *s = *state;
  s->ds->impl->set_size(s->ds, 400, 300);
  assert_true(pump_until(s, is_400x300, 2000));
  uint32_t w, h;
  s->ds->impl->get_size(s->ds, &w, &h);
  assert_int_equal(w, 400);
  assert_int_equal(h, 300);
  lg_renderer_egl.resize(s->r, 400, 300);
  show_pattern(s, 400, 300);
  expect_on_screen(s, 400, 300, false, "resized");
}

static bool is_fullscreen(const struct test_state *s)
{
  return s->ds->impl->get_fullscreen(s->ds) && s->resize_w == s->out_w && s->resize_h == s->out_h;
}

/* Back to fullscreen on request: callback, size, and pixels again. */
static void test_enter_fullscreen(void **state)
{
  struct test_state *s = *state;
  s->ds->impl->set_fullscreen(s->ds, true);
  assert_true(pump_until(s, is_fullscreen, 5000));
  assert_true(s->fs_last);
  lg_renderer_egl.resize(s->r, s->out_w, s->out_h);
  show_pattern(s, s->out_w, s->out_h);
  expect_on_screen(s, s->out_w, s->out_h, true, "fullscreen_again");
}

/* The controls without a matching device (headless weston has no pointer) fail cleanly,
 * and none of them breaks the connection (a protocol error would end it). */
static void test_controls_keep_connection(void **state)
{
  struct test_state *s = *state;
  const struct lg_ds_impl *impl = s->ds->impl;
  impl->inhibit_screensaver(s->ds, true);
  impl->set_cursor_visible(s->ds, false);
  impl->set_cursor_visible(s->ds, true);
  (void)impl->grab_keyboard(s->ds, true);
  assert_true(impl->grab_keyboard(s->ds, false));
  (void)impl->set_raw_motion(s->ds, true);
  assert_true(impl->set_raw_motion(s->ds, false));
  (void)impl->grab_pointer(s->ds, true, true);
  assert_true(impl->grab_pointer(s->ds, false, false));
  impl->warp_pointer(s->ds, 10, 10);
  impl->set_aspect(s->ds, 16, 9);
  impl->inhibit_screensaver(s->ds, false);
  /* Headless weston has no seat, so no data device: the clipboard reports "unsupported".
   * With a seat the clipboard works (tests/integration/wayland wayland_clipboard). */
  char buf[16];
  if (impl->clipboard_set_text(s->ds, "x", 1)) {
    assert_true(impl->clipboard_get_text(s->ds, buf, sizeof(buf)));
    assert_string_equal(buf, "x");
  } else {
    assert_false(impl->clipboard_get_text(s->ds, buf, sizeof(buf)));
  }
  for (int i = 0; i < 5; ++i) {
    assert_true(impl->pump(s->ds, 20));
    lg_renderer_egl.render(s->r, true);
  }
  /* one more full round through the compositor: the screenshot needs a repaint */
  assert_non_null(shooter_take(s->shot, SHOT_TIMEOUT_MS));
  assert_true(impl->pump(s->ds, 20));
}

int main(int argc, char **argv)
{
  for (int i = 1; i < argc; ++i)
    if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
      g_out_dir = argv[++i];
    else if (strcmp(argv[i], "--tag") == 0 && i + 1 < argc)
      g_tag = argv[++i];
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fullscreen_configure), cmocka_unit_test(test_fullscreen_pixels),
      cmocka_unit_test(test_leave_fullscreen),     cmocka_unit_test(test_set_size),
      cmocka_unit_test(test_enter_fullscreen),     cmocka_unit_test(test_controls_keep_connection),
  };
  return cmocka_run_group_tests_name("wayland_ds", tests, group_setup, group_teardown);
}
