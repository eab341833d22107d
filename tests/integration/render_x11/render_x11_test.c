/* Renders through the x11 display server + EGL renderer on an X server (Xvfb, started by
 * run_xvfb.sh) and reads the window back with XGetImage: what a person would see.
 * Usage: render_x11_test [--no-pbo] [--no-bgra-ext] [--out DIR] */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "displayserver.h"
#include "overlay/drawlist.h"
#include "overlay/font.h"
#include "renderer.h"
#include "png_write.h"

#include "lg/kvmfr.h"
#include "lg/log.h"

#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XTest.h>
#include <X11/keysym.h>
#include <linux/input-event-codes.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FW 300u
#define FH 200u

struct test_state {
  struct lg_ds *ds;
  struct lg_renderer *r;
  Display *peek; /* our own connection, to read the window as the server has it */
  Window win;
  struct lg_font font;
  bool have_font;
  uint8_t *frame; /* scratch frame buffer, large enough for any test frame */
  uint8_t *shot;  /* RGB readback, FW x FH */
  /* callback records */
  uint32_t resize_w, resize_h, resizes;
  uint32_t last_key, keys_down, keys_up;
  double raw_dx, raw_dy;
};

/* Options from the command line; set once in main before the tests run. */
static struct lg_renderer_params g_params;
static const char *g_out_dir = ".";
static const char *g_tag = "default";

static void on_resize(void *opaque, uint32_t w, uint32_t h)
{
  struct test_state *s = opaque;
  s->resize_w = w;
  s->resize_h = h;
  s->resizes++;
}

static void on_raw(void *opaque, double dx, double dy)
{
  struct test_state *s = opaque;
  s->raw_dx += dx;
  s->raw_dy += dy;
}

static void on_key(void *opaque, uint32_t evdev, bool down)
{
  struct test_state *s = opaque;
  s->last_key = evdev;
  if (down)
    s->keys_down++;
  else
    s->keys_up++;
}

/* The reference pattern. */
static void pattern(uint32_t x, uint32_t y, uint8_t rgb[3])
{
  rgb[0] = (uint8_t)(x & 255);
  rgb[1] = (uint8_t)(y & 255);
  rgb[2] = (uint8_t)((x ^ y) & 255);
}

static uint16_t to_half(float f)
{
  /* values here are in [0, 1]: normal numbers or zero */
  if (f <= 0.0f)
    return 0;
  int e;
  float m = frexpf(f, &e); /* f = m * 2^e, m in [0.5, 1) */
  int exp = e - 1 + 15;
  if (exp <= 0)
    return 0;
  uint32_t mant = (uint32_t)lroundf((m * 2.0f - 1.0f) * 1024.0f);
  if (mant == 1024) {
    mant = 0;
    exp++;
  }
  return (uint16_t)((exp << 10) | mant);
}

static uint32_t bytes_per_texel(uint32_t type) { return type == FRAME_TYPE_RGBA16F ? 8 : 4; }

/* Writes pixel (x, y) of colour rgb in `type` layout at `p`. */
static void put_px(uint8_t *p, uint32_t type, const uint8_t rgb[3])
{
  switch (type) {
  case FRAME_TYPE_BGRA:
    p[0] = rgb[2];
    p[1] = rgb[1];
    p[2] = rgb[0];
    p[3] = 255;
    break;
  case FRAME_TYPE_RGBA:
    p[0] = rgb[0];
    p[1] = rgb[1];
    p[2] = rgb[2];
    p[3] = 255;
    break;
  case FRAME_TYPE_RGBA10: {
    uint32_t v = 3u << 30;
    for (int c = 0; c < 3; ++c)
      v |= ((uint32_t)rgb[c] * 1023u + 127u) / 255u << (10 * c);
    memcpy(p, &v, 4);
    break;
  }
  case FRAME_TYPE_RGBA16F: {
    uint16_t h[4] = {to_half(rgb[0] / 255.0f), to_half(rgb[1] / 255.0f), to_half(rgb[2] / 255.0f),
                     to_half(1.0f)};
    memcpy(p, h, 8);
    break;
  }
  }
}

/* Fills `w` x `h` of the pattern (shifted by `inv` to make a second image) with a padded
 * pitch; returns the pitch. */
static uint32_t make_frame(uint8_t *buf, uint32_t type, uint32_t w, uint32_t h, bool inv)
{
  const uint32_t bpp = bytes_per_texel(type);
  const uint32_t pitch = (w + 16) * bpp;
  memset(buf, 0xcd, (size_t)pitch * h);
  for (uint32_t y = 0; y < h; ++y)
    for (uint32_t x = 0; x < w; ++x) {
      uint8_t rgb[3];
      pattern(x, y, rgb);
      if (inv)
        rgb[0] ^= 0xff, rgb[1] ^= 0xff, rgb[2] ^= 0xff;
      put_px(buf + (size_t)y * pitch + (size_t)x * bpp, type, rgb);
    }
  return pitch;
}

static bool set_format(struct test_state *s, uint32_t type, uint32_t w, uint32_t h, uint32_t pitch,
                       uint32_t rot)
{
  struct lg_frame_format f = {.type = type,
                              .width = w,
                              .height = h,
                              .data_height = h,
                              .stride = pitch / bytes_per_texel(type),
                              .pitch = pitch,
                              .rotation = rot};
  return lg_renderer_egl.on_frame_format(s->r, &f);
}

/* Renders and reads the top-left w x h of the window back into s->shot (rows w * 3). */
static void render_and_read_size(struct test_state *s, const char *name, uint32_t w, uint32_t h)
{
  s->ds->impl->pump(s->ds, 0);
  lg_renderer_egl.render(s->r, true);
  struct lg_ds_egl_target t;
  s->ds->impl->egl_target(s->ds, &t);
  XSync((Display *)t.native_display, False);
  XImage *img = XGetImage(s->peek, s->win, 0, 0, w, h, AllPlanes, ZPixmap);
  assert_non_null(img);
  int rs = __builtin_ctzl(img->red_mask), gs = __builtin_ctzl(img->green_mask),
      bs = __builtin_ctzl(img->blue_mask);
  for (uint32_t y = 0; y < h; ++y)
    for (uint32_t x = 0; x < w; ++x) {
      unsigned long p = XGetPixel(img, (int)x, (int)y);
      uint8_t *o = s->shot + ((size_t)y * w + x) * 3;
      o[0] = (uint8_t)((p & img->red_mask) >> rs);
      o[1] = (uint8_t)((p & img->green_mask) >> gs);
      o[2] = (uint8_t)((p & img->blue_mask) >> bs);
    }
  XDestroyImage(img);
  char path[1024];
  snprintf(path, sizeof(path), "%s/render_x11_%s_%s.png", g_out_dir, g_tag, name);
  if (!png_write_rgb(path, s->shot, w, h, w * 3))
    fprintf(stderr, "could not write %s\n", path);
}

static void render_and_read(struct test_state *s, const char *name)
{
  render_and_read_size(s, name, FW, FH);
}

typedef void (*expect_fn)(uint32_t x, uint32_t y, uint8_t rgb[3]);

/* Counts pixels off by more than `tol` in any channel; prints the first few. */
static uint32_t compare(const struct test_state *s, expect_fn expect, int tol)
{
  uint32_t bad = 0;
  for (uint32_t y = 0; y < FH; ++y)
    for (uint32_t x = 0; x < FW; ++x) {
      uint8_t e[3];
      expect(x, y, e);
      const uint8_t *g = s->shot + ((size_t)y * FW + x) * 3;
      for (int c = 0; c < 3; ++c)
        if (abs((int)g[c] - (int)e[c]) > tol) {
          if (bad < 5)
            fprintf(stderr, "  (%u,%u): got %02x%02x%02x want %02x%02x%02x\n", x, y, g[0], g[1],
                    g[2], e[0], e[1], e[2]);
          bad++;
          break;
        }
    }
  return bad;
}

static void expect_plain(uint32_t x, uint32_t y, uint8_t rgb[3]) { pattern(x, y, rgb); }

/* rotation 90 (clockwise) of a FH x FW frame fills the FW x FH window */
static void expect_rot90(uint32_t x, uint32_t y, uint8_t rgb[3]) { pattern(y, FW - 1 - x, rgb); }

static void expect_rot180(uint32_t x, uint32_t y, uint8_t rgb[3])
{
  pattern(FW - 1 - x, FH - 1 - y, rgb);
}

static int group_setup(void **state)
{
  struct test_state *s = calloc(1, sizeof(*s));
  if (!s)
    return -1;
  struct lg_ds_callbacks cb = {
      .opaque = s, .resize = on_resize, .key = on_key, .raw_motion = on_raw};
  struct lg_ds_window_params wp = {.title = "render_x11 test",
                                   .app_id = "lg-render-test",
                                   .width = FW,
                                   .height = FH,
                                   .position_set = true,
                                   .x = 10,
                                   .y = 10,
                                   .borderless = true};
  if (!lg_ds_x11_impl.probe()) {
    fprintf(stderr, "x11 probe failed (DISPLAY=%s)\n", getenv("DISPLAY"));
    return -1;
  }
  s->ds = lg_ds_create_auto("x11", &wp, &cb);
  if (!s->ds)
    return -1;
  struct lg_ds_egl_target t;
  if (!s->ds->impl->egl_target(s->ds, &t))
    return -1;
  s->win = *(Window *)t.native_window;
  s->peek = XOpenDisplay(NULL);
  s->r = lg_renderer_egl.create(&g_params, &t, FW, FH);
  s->frame = malloc((size_t)(1200 + 16) * 800 * 8);
  s->shot = malloc((size_t)1280 * 800 * 3);
  if (!s->peek || !s->r || !s->frame || !s->shot)
    return -1;
  s->have_font = lg_font_load(&s->font, "DejaVu Sans Mono", 16);
  *state = s;
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
  if (s->have_font)
    lg_font_free(&s->font);
  free(s->frame);
  free(s->shot);
  free(s);
  return 0;
}

/* Hides the cursor and overlay so the frame tests see the frame alone. */
static void reset_layers(struct test_state *s)
{
  lg_renderer_egl.on_cursor_state(s->r, 0, 0, false);
  lg_renderer_egl.set_overlay(s->r, NULL);
}

static void check_format(void **state, uint32_t type, const char *name, int tol)
{
  struct test_state *s = *state;
  reset_layers(s);
  uint32_t pitch = make_frame(s->frame, type, FW, FH, false);
  assert_true(set_format(s, type, FW, FH, pitch, FRAME_ROT_0));
  assert_true(lg_renderer_egl.on_frame(s->r, s->frame, NULL, 0));
  render_and_read(s, name);
  assert_int_equal(compare(s, expect_plain, tol), 0);
}

static void test_bgra(void **state) { check_format(state, FRAME_TYPE_BGRA, "bgra", 0); }
static void test_rgba(void **state) { check_format(state, FRAME_TYPE_RGBA, "rgba", 0); }
static void test_rgba10(void **state) { check_format(state, FRAME_TYPE_RGBA10, "rgba10", 1); }
static void test_rgba16f(void **state) { check_format(state, FRAME_TYPE_RGBA16F, "rgba16f", 1); }

static void test_rotation(void **state)
{
  struct test_state *s = *state;
  reset_layers(s);
  /* a portrait frame, turned 90 degrees clockwise, fills the landscape window 1:1 */
  uint32_t pitch = make_frame(s->frame, FRAME_TYPE_BGRA, FH, FW, false);
  assert_true(set_format(s, FRAME_TYPE_BGRA, FH, FW, pitch, FRAME_ROT_90));
  assert_true(lg_renderer_egl.on_frame(s->r, s->frame, NULL, 0));
  render_and_read(s, "rot90");
  assert_int_equal(compare(s, expect_rot90, 0), 0);

  pitch = make_frame(s->frame, FRAME_TYPE_BGRA, FW, FH, false);
  assert_true(set_format(s, FRAME_TYPE_BGRA, FW, FH, pitch, FRAME_ROT_180));
  assert_true(lg_renderer_egl.on_frame(s->r, s->frame, NULL, 0));
  render_and_read(s, "rot180");
  assert_int_equal(compare(s, expect_rot180, 0), 0);
}

/* Damage-only upload: after a full frame, a frame whose only valid rows are the damaged
 * bands (everything else is garbage) must give the first image with the bands replaced. */
static void test_damage(void **state)
{
  struct test_state *s = *state;
  reset_layers(s);
  uint32_t pitch = make_frame(s->frame, FRAME_TYPE_BGRA, FW, FH, false);
  assert_true(set_format(s, FRAME_TYPE_BGRA, FW, FH, pitch, FRAME_ROT_0));
  assert_true(lg_renderer_egl.on_frame(s->r, s->frame, NULL, 0));
  render_and_read(s, "damage_full");
  assert_int_equal(compare(s, expect_plain, 0), 0);

  /* three damage uploads, so every staging buffer is reused with stale contents */
  static const uint32_t bands[3] = {60, 130, 10};
  for (int i = 0; i < 3; ++i) {
    make_frame(s->frame, FRAME_TYPE_BGRA, FW, FH, true);
    for (uint32_t y = 0; y < FH; ++y)
      if (y < bands[i] || y >= bands[i] + 40)
        memset(s->frame + (size_t)y * pitch, 0x00, pitch);
    struct frame_damage_rect rect = {0, bands[i], FW, 40};
    assert_true(lg_renderer_egl.on_frame(s->r, s->frame, &rect, 1));
    render_and_read(s, i == 2 ? "damage_bands" : "damage_step");
  }
  /* the final image: bands 60, 130 and 10 inverted */
  for (uint32_t y = 0; y < FH; ++y)
    for (uint32_t x = 0; x < FW; ++x) {
      uint8_t e[3];
      pattern(x, y, e);
      bool inv = (y >= 10 && y < 50) || (y >= 60 && y < 100) || (y >= 130 && y < 170);
      if (inv)
        e[0] ^= 0xff, e[1] ^= 0xff, e[2] ^= 0xff;
      const uint8_t *g = s->shot + ((size_t)y * FW + x) * 3;
      if (memcmp(g, e, 3) != 0)
        fail_msg("damage: (%u,%u) got %02x%02x%02x want %02x%02x%02x", x, y, g[0], g[1], g[2], e[0],
                 e[1], e[2]);
    }
  /* a damaged sub-rectangle in the middle of a row */
  make_frame(s->frame, FRAME_TYPE_BGRA, FW, FH, false);
  struct frame_damage_rect sub = {37, 65, 51, 20};
  assert_true(lg_renderer_egl.on_frame(s->r, s->frame, &sub, 1));
  render_and_read(s, "damage_sub");
  for (uint32_t y = 0; y < FH; ++y)
    for (uint32_t x = 0; x < FW; ++x) {
      uint8_t e[3];
      pattern(x, y, e);
      bool in_sub = x >= 37 && x < 88 && y >= 65 && y < 85;
      bool inv = !in_sub && ((y >= 10 && y < 50) || (y >= 60 && y < 100) || (y >= 130 && y < 170));
      if (inv)
        e[0] ^= 0xff, e[1] ^= 0xff, e[2] ^= 0xff;
      const uint8_t *g = s->shot + ((size_t)y * FW + x) * 3;
      if (memcmp(g, e, 3) != 0)
        fail_msg("damage sub: (%u,%u) got %02x%02x%02x want %02x%02x%02x", x, y, g[0], g[1], g[2],
                 e[0], e[1], e[2]);
    }
}

#define CUR_X 100
#define CUR_Y 50
#define CUR_W 32
#define CUR_H 24

/* cursor pixel (x, y): colour and alpha (0 transparent, 255 opaque, 128 half) */
static void cursor_px(uint32_t x, uint32_t y, uint8_t rgb[3], uint8_t *a)
{
  rgb[0] = (uint8_t)(255 - x * 7);
  rgb[1] = (uint8_t)(y * 10);
  rgb[2] = 0x80;
  *a = (x + y) % 3 == 0 ? 0 : (y >= 20 ? 128 : 255);
}

static void expect_cursor(uint32_t x, uint32_t y, uint8_t rgb[3])
{
  pattern(x, y, rgb);
  if (x < CUR_X || y < CUR_Y || x >= CUR_X + CUR_W || y >= CUR_Y + CUR_H)
    return;
  uint8_t c[3], a;
  cursor_px(x - CUR_X, y - CUR_Y, c, &a);
  for (int i = 0; i < 3; ++i)
    rgb[i] = (uint8_t)((c[i] * a + rgb[i] * (255 - a) + 127) / 255);
}

static void test_cursor_color(void **state)
{
  struct test_state *s = *state;
  reset_layers(s);
  uint32_t pitch = make_frame(s->frame, FRAME_TYPE_BGRA, FW, FH, false);
  assert_true(set_format(s, FRAME_TYPE_BGRA, FW, FH, pitch, FRAME_ROT_0));
  assert_true(lg_renderer_egl.on_frame(s->r, s->frame, NULL, 0));

  uint8_t shape[CUR_H][CUR_W * 4 + 8]; /* padded pitch */
  for (uint32_t y = 0; y < CUR_H; ++y)
    for (uint32_t x = 0; x < CUR_W; ++x) {
      uint8_t c[3], a;
      cursor_px(x, y, c, &a);
      shape[y][4 * x + 0] = c[2];
      shape[y][4 * x + 1] = c[1];
      shape[y][4 * x + 2] = c[0];
      shape[y][4 * x + 3] = a;
    }
  struct lg_cursor_shape cs = {.type = CURSOR_TYPE_COLOR,
                               .width = CUR_W,
                               .height = CUR_H,
                               .pitch = sizeof(shape[0]),
                               .hot_x = 3,
                               .hot_y = 4,
                               .data = &shape[0][0]};
  assert_true(lg_renderer_egl.on_cursor_shape(s->r, &cs));
  /* the image's top-left goes where the hotspot minus the hotspot offset is */
  lg_renderer_egl.on_cursor_state(s->r, CUR_X + 3 - cs.hot_x, CUR_Y + 4 - cs.hot_y, true);
  render_and_read(s, "cursor_color");
  assert_int_equal(compare(s, expect_cursor, 1), 0);

  /* nothing changed: no redraw; moving the cursor: redraw */
  assert_false(lg_renderer_egl.render(s->r, false));
  lg_renderer_egl.on_cursor_state(s->r, CUR_X + 1, CUR_Y, true);
  assert_true(lg_renderer_egl.render(s->r, false));
  assert_false(lg_renderer_egl.render(s->r, false));
}

/* MONOCHROME: 16x16, quadrants: AND/XOR = 1/0 keep, 1/1 invert, 0/0 black, 0/1 white. */
static void expect_mono(uint32_t x, uint32_t y, uint8_t rgb[3])
{
  pattern(x, y, rgb);
  if (x < CUR_X || y < CUR_Y || x >= CUR_X + 16 || y >= CUR_Y + 16)
    return;
  const bool right = x - CUR_X >= 8, bottom = y - CUR_Y >= 8;
  if (!bottom && right)
    rgb[0] ^= 0xff, rgb[1] ^= 0xff, rgb[2] ^= 0xff;
  else if (bottom)
    rgb[0] = rgb[1] = rgb[2] = right ? 0xff : 0x00;
}

static void test_cursor_mono(void **state)
{
  struct test_state *s = *state;
  uint8_t data[32][4] = {{0}}; /* pitch 4 bytes, 16 AND rows then 16 XOR rows */
  for (int y = 0; y < 16; ++y) {
    data[y][0] = y < 8 ? 0xff : 0x00; /* AND left half */
    data[y][1] = y < 8 ? 0xff : 0x00; /* AND right half */
    data[16 + y][0] = 0x00;           /* XOR left half */
    data[16 + y][1] = 0xff;           /* XOR right half */
  }
  struct lg_cursor_shape cs = {
      .type = CURSOR_TYPE_MONOCHROME, .width = 16, .height = 32, .pitch = 4, .data = &data[0][0]};
  assert_true(lg_renderer_egl.on_cursor_shape(s->r, &cs));
  lg_renderer_egl.on_cursor_state(s->r, CUR_X, CUR_Y, true);
  render_and_read(s, "cursor_mono");
  assert_int_equal(compare(s, expect_mono, 0), 0);
  /* a shape with a pitch too small is refused */
  cs.pitch = 1;
  assert_false(lg_renderer_egl.on_cursor_shape(s->r, &cs));
}

/* The tiny test widget: a label on a filled box, as draw commands only. */
static void label_widget(struct lg_drawlist *dl, const struct lg_font *font, float x, float y,
                         const char *text, lg_rgba bg, lg_rgba fg, uint32_t box[4])
{
  uint32_t tw, th;
  lg_font_measure(font, text, strlen(text), &tw, &th);
  const float pad = 6;
  lg_drawlist_rect(dl, x, y, (float)tw + 2 * pad, (float)th + 2 * pad, bg);
  lg_drawlist_text(dl, x + pad, y + pad, text, strlen(text), fg);
  box[0] = (uint32_t)(x + pad);
  box[1] = (uint32_t)(y + pad);
  box[2] = tw;
  box[3] = th;
}

static void test_overlay_text(void **state)
{
  struct test_state *s = *state;
  if (!s->have_font)
    fail_msg("no font: install fonts-dejavu-core");
  reset_layers(s);
  assert_true(lg_renderer_egl.set_font(s->r, &s->font));
  struct lg_drawlist dl;
  assert_true(lg_drawlist_init(&dl, 16, 256));
  uint32_t box[4];
  const lg_rgba bg = 0x204080ffu;
  label_widget(&dl, &s->font, 20, 120, "Looking Glass 42 \xc3\xa9", bg, 0xffffffffu, box);
  lg_drawlist_line(&dl, 200, 20, 280, 20, 2, 0xff0000ffu);
  lg_renderer_egl.set_overlay(s->r, &dl);
  assert_true(lg_renderer_egl.render(s->r, false)); /* a new overlay means a redraw */
  render_and_read(s, "overlay");

  /* the label box: background colour outside the text box, glyph pixels inside it */
  const uint32_t pad = 6;
  uint32_t inked = 0, stray = 0;
  for (uint32_t y = 120; y < 120 + box[3] + 2 * pad; ++y)
    for (uint32_t x = 20; x < 20 + box[2] + 2 * pad; ++x) {
      const uint8_t *g = s->shot + ((size_t)y * FW + x) * 3;
      const bool is_bg = g[0] == 0x20 && g[1] == 0x40 && g[2] == 0x80;
      const bool in_text = x >= box[0] && x < box[0] + box[2] && y >= box[1] && y < box[1] + box[3];
      if (in_text && !is_bg)
        inked++;
      if (!in_text && !is_bg)
        stray++;
    }
  fprintf(stderr, "  text box %ux%u at (%u,%u): %u inked pixels, %u outside\n", box[2], box[3],
          box[0], box[1], inked, stray);
  assert_int_equal(stray, 0);
  assert_true(inked > 100);
  /* the line: pure red at its centre, the frame pattern just outside it */
  const uint8_t *l = s->shot + ((size_t)20 * FW + 240) * 3;
  assert_true(l[0] == 0xff && l[1] == 0 && l[2] == 0);
  uint8_t e[3];
  pattern(240, 30, e);
  assert_memory_equal(s->shot + ((size_t)30 * FW + 240) * 3, e, 3);
  lg_renderer_egl.set_overlay(s->r, NULL);
  lg_drawlist_free(&dl);
}

/* Display server: properties, keyboard (X keycode -> evdev) and resize callbacks. */
static void test_ds_events(void **state)
{
  struct test_state *s = *state;
  XClassHint ch;
  assert_true(XGetClassHint(s->peek, s->win, &ch));
  assert_string_equal(ch.res_class, "lg-render-test");
  XFree(ch.res_name);
  XFree(ch.res_class);
  Atom net_wm_name = XInternAtom(s->peek, "_NET_WM_NAME", False);
  Atom utf8 = XInternAtom(s->peek, "UTF8_STRING", False);
  Atom type;
  int fmt;
  unsigned long n, after;
  unsigned char *data = NULL;
  assert_int_equal(XGetWindowProperty(s->peek, s->win, net_wm_name, 0, 64, False, utf8, &type, &fmt,
                                      &n, &after, &data),
                   Success);
  assert_non_null(data);
  assert_string_equal((char *)data, "render_x11 test");
  XFree(data);
  Atom icon = XInternAtom(s->peek, "_NET_WM_ICON", False);
  data = NULL;
  assert_int_equal(XGetWindowProperty(s->peek, s->win, icon, 0, 2, False, XA_CARDINAL, &type, &fmt,
                                      &n, &after, &data),
                   Success);
  assert_non_null(data);
  assert_int_equal(((unsigned long *)data)[0], 32);
  XFree(data);

  int ev, err, maj, min;
  if (XTestQueryExtension(s->peek, &ev, &err, &maj, &min)) {
    XSetInputFocus(s->peek, s->win, RevertToParent, CurrentTime);
    KeyCode kc = XKeysymToKeycode(s->peek, XK_a);
    XTestFakeKeyEvent(s->peek, kc, True, 0);
    XTestFakeKeyEvent(s->peek, kc, False, 0);
    XSync(s->peek, False);
    for (int i = 0; i < 50 && s->keys_up == 0; ++i)
      s->ds->impl->pump(s->ds, 20);
    assert_int_equal(s->keys_down, 1);
    assert_int_equal(s->keys_up, 1);
    assert_int_equal(s->last_key, (uint32_t)kc - 8);
    assert_int_equal(s->last_key, KEY_A);
  } else {
    fprintf(stderr, "  XTest missing: key mapping not checked\n");
  }

  uint32_t before = s->resizes;
  s->ds->impl->set_size(s->ds, 400, 240);
  for (int i = 0; i < 50 && s->resizes == before; ++i)
    s->ds->impl->pump(s->ds, 20);
  assert_true(s->resizes > before);
  assert_int_equal(s->resize_w, 400);
  assert_int_equal(s->resize_h, 240);
  uint32_t w, h;
  s->ds->impl->get_size(s->ds, &w, &h);
  assert_int_equal(w, 400);
  assert_int_equal(h, 240);
  lg_renderer_egl.resize(s->r, w, h);
  assert_true(lg_renderer_egl.render(s->r, false));

  /* pointer: grab, confine, warp, raw motion, cursor hiding, screensaver */
  assert_true(s->ds->impl->grab_pointer(s->ds, true, true));
  assert_true(s->ds->impl->grab_keyboard(s->ds, true));
  s->ds->impl->warp_pointer(s->ds, 123, 45);
  Window root_ret, child_ret;
  int rx, ry, wx, wy;
  unsigned int mask;
  assert_true(XQueryPointer(s->peek, s->win, &root_ret, &child_ret, &rx, &ry, &wx, &wy, &mask));
  assert_int_equal(wx, 123);
  assert_int_equal(wy, 45);
  if (s->ds->impl->set_raw_motion(s->ds, true) &&
      XTestQueryExtension(s->peek, &ev, &err, &maj, &min)) {
    s->raw_dx = s->raw_dy = 0;
    XTestFakeRelativeMotionEvent(s->peek, 7, -3, 0);
    XSync(s->peek, False);
    for (int i = 0; i < 50 && s->raw_dx == 0; ++i)
      s->ds->impl->pump(s->ds, 20);
    fprintf(stderr, "  raw motion: %.1f, %.1f\n", s->raw_dx, s->raw_dy);
    assert_true(s->raw_dx == 7.0 && s->raw_dy == -3.0);
    s->ds->impl->set_raw_motion(s->ds, false);
  }
  s->ds->impl->set_cursor_visible(s->ds, false);
  s->ds->impl->set_cursor_visible(s->ds, true);
  s->ds->impl->inhibit_screensaver(s->ds, true);
  s->ds->impl->inhibit_screensaver(s->ds, false);
  assert_true(s->ds->impl->grab_pointer(s->ds, false, false));
  assert_true(s->ds->impl->grab_keyboard(s->ds, false));
  /* The clipboard is ours once set (tests/integration/clipboard_x11 covers the protocol). */
  assert_true(s->ds->impl->clipboard_set_text(s->ds, "x", 1));
  char clip[8];
  assert_true(s->ds->impl->clipboard_get_text(s->ds, clip, sizeof(clip)));
  assert_string_equal(clip, "x");
}

/* Detail finer than the 4x4 footprint, so a box average differs from one bilinear tap. */
static void fine_pattern(uint32_t x, uint32_t y, uint8_t rgb[3])
{
  rgb[0] = x % 4 == 0 ? 255 : 0;
  rgb[1] = y % 4 == 3 ? 255 : 0;
  rgb[2] = (uint8_t)(((x / 4) * 16 + (y / 4) * 8) & 255);
}

/* Scaling in the 400x240 window left by test_ds_events. */
static void test_scaling(void **state)
{
  struct test_state *s = *state;
  const uint32_t ww = 400, wh = 240;
  reset_layers(s);
  uint32_t pitch = make_frame(s->frame, FRAME_TYPE_BGRA, FW, FH, false);
  assert_true(set_format(s, FRAME_TYPE_BGRA, FW, FH, pitch, FRAME_ROT_0));
  assert_true(lg_renderer_egl.on_frame(s->r, s->frame, NULL, 0));

  /* integer mode cannot reach 2x, so 1:1 centred: exact pixels at (50, 20) */
  lg_renderer_egl.set_scale(s->r, LG_SCALE_INTEGER, false);
  render_and_read_size(s, "scale_integer", ww, wh);
  uint32_t bad = 0;
  for (uint32_t y = 0; y < wh; ++y)
    for (uint32_t x = 0; x < ww; ++x) {
      uint8_t e[3] = {0, 0, 0};
      if (x >= 50 && x < 350 && y >= 20 && y < 220)
        pattern(x - 50, y - 20, e);
      if (memcmp(s->shot + ((size_t)y * ww + x) * 3, e, 3) != 0)
        bad++;
    }
  assert_int_equal(bad, 0);

  /* fit: 1.2x -> 360x240 at x 20, black bars left and right */
  lg_renderer_egl.set_scale(s->r, LG_SCALE_FIT, false);
  render_and_read_size(s, "scale_fit", ww, wh);
  for (uint32_t y = 0; y < wh; ++y) {
    const uint8_t *l = s->shot + ((size_t)y * ww + 19) * 3;
    const uint8_t *rr = s->shot + ((size_t)y * ww + 380) * 3;
    assert_true(l[0] == 0 && l[1] == 0 && l[2] == 0 && rr[0] == 0 && rr[1] == 0 && rr[2] == 0);
  }
  /* the middle of the picture is the pattern, scaled: R at window x is about (x-20)/1.2 */
  const uint8_t *m = s->shot + ((size_t)120 * ww + 200) * 3;
  assert_true(abs((int)m[0] - (int)((200 - 20) / 1.2)) <= 2);
  assert_true(abs((int)m[1] - (int)(120 / 1.2)) <= 2);

  /* downscale 4x: a 1200x800 frame into 300x200 of the window; each pixel must be the
   * 4x4 box average (a single bilinear tap would only average the middle 2x2) */
  const uint32_t bw = 1200, bh = 800;
  pitch = bw * 4;
  for (uint32_t y = 0; y < bh; ++y)
    for (uint32_t x = 0; x < bw; ++x) {
      uint8_t p[3];
      fine_pattern(x, y, p);
      put_px(s->frame + (size_t)y * pitch + (size_t)x * 4, FRAME_TYPE_BGRA, p);
    }
  assert_true(set_format(s, FRAME_TYPE_BGRA, bw, bh, pitch, FRAME_ROT_0));
  assert_true(lg_renderer_egl.on_frame(s->r, s->frame, NULL, 0));
  s->ds->impl->set_size(s->ds, FW, FH);
  lg_renderer_egl.resize(s->r, FW, FH);
  render_and_read_size(s, "scale_down4", FW, FH);
  uint32_t off = 0;
  double worst = 0;
  for (uint32_t y = 0; y < FH; ++y)
    for (uint32_t x = 0; x < FW; ++x) {
      double sum[3] = {0, 0, 0};
      for (uint32_t j = 0; j < 4; ++j)
        for (uint32_t i = 0; i < 4; ++i) {
          uint8_t p[3];
          fine_pattern(4 * x + i, 4 * y + j, p);
          for (int c = 0; c < 3; ++c)
            sum[c] += p[c];
        }
      const uint8_t *g = s->shot + ((size_t)y * FW + x) * 3;
      for (int c = 0; c < 3; ++c) {
        double d = fabs(g[c] - sum[c] / 16.0);
        if (d > worst)
          worst = d;
        if (d > 2.0) {
          off++;
          break;
        }
      }
    }
  fprintf(stderr, "  4x downscale: %u pixels off the box average by > 2, worst %.1f\n", off, worst);
  assert_int_equal(off, 0);
  lg_renderer_egl.set_scale(s->r, LG_SCALE_FIT, false);
}

int main(int argc, char **argv)
{
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--no-pbo") == 0)
      g_params.no_pbo = true;
    else if (strcmp(argv[i], "--no-bgra-ext") == 0)
      g_params.no_bgra_ext = true;
    else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
      g_out_dir = argv[++i];
  }
  if (g_params.no_pbo || g_params.no_bgra_ext)
    g_tag = "fallback";
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bgra),         cmocka_unit_test(test_rgba),
      cmocka_unit_test(test_rgba10),       cmocka_unit_test(test_rgba16f),
      cmocka_unit_test(test_rotation),     cmocka_unit_test(test_damage),
      cmocka_unit_test(test_cursor_color), cmocka_unit_test(test_cursor_mono),
      cmocka_unit_test(test_overlay_text), cmocka_unit_test(test_ds_events),
      cmocka_unit_test(test_scaling),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
