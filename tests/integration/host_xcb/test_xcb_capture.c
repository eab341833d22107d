/* The xcb capture backend on Xvfb (DISPLAY set by run_xvfb.sh, 640x480x24): the first frame
 * is full, a rectangle drawn by another client comes back as damage with the right BGRA
 * bytes, an idle wait times out without burning CPU, the XFixes cursor arrives as a COLOR
 * shape, and set_cursor_pos warps the pointer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xcb/xcb.h>

#include "capture/capture.h"
#include "capture/xcb/xcb_capture.h"
#include "lg/time.h"

#define SW 640u
#define SH 480u

static uint64_t cpu_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Fills a rectangle on the root window from a second X connection and waits until the server
 * has processed it. */
static void draw_rect(int16_t x, int16_t y, uint16_t w, uint16_t h, uint32_t rgb)
{
  xcb_connection_t *c = xcb_connect(NULL, NULL);
  assert_false(xcb_connection_has_error(c));
  xcb_screen_t *s = xcb_setup_roots_iterator(xcb_get_setup(c)).data;
  xcb_gcontext_t gc = xcb_generate_id(c);
  uint32_t vals[] = {rgb, XCB_SUBWINDOW_MODE_INCLUDE_INFERIORS};
  xcb_create_gc(c, gc, s->root, XCB_GC_FOREGROUND | XCB_GC_SUBWINDOW_MODE, vals);
  xcb_rectangle_t r = {x, y, w, h};
  xcb_poly_fill_rectangle(c, s->root, gc, 1, &r);
  free(xcb_get_input_focus_reply(c, xcb_get_input_focus(c), NULL)); /* round trip */
  xcb_disconnect(c);
}

static bool covered(const struct lg_capture_frame *f, uint32_t x, uint32_t y)
{
  if (f->full_damage)
    return true;
  for (uint32_t i = 0; i < f->damage_count; ++i)
    if (x >= f->damage[i].x && x < f->damage[i].x + f->damage[i].width && y >= f->damage[i].y &&
        y < f->damage[i].y + f->damage[i].height)
      return true;
  return false;
}

static void test_frames_and_damage(void **state)
{
  assert_true(lg_capture_xcb.probe());
  struct lg_capture *c = lg_capture_xcb.create(NULL);
  assert_non_null(c);
  assert_true(lg_capture_start(c));

  struct lg_capture_frame f;
  assert_int_equal(lg_capture_capture(c, 1000, &f), LG_CAPTURE_OK);
  assert_true(f.full_damage);
  assert_int_equal(f.format, FRAME_TYPE_BGRA);
  assert_int_equal(f.width, SW);
  assert_int_equal(f.height, SH);
  assert_int_equal(f.pitch, SW * 4);
  assert_int_equal(f.stride, SW);
  size_t pitch = SW * 4;
  uint8_t *img = calloc(SH, pitch);
  struct lg_capture_dest d = {.data = img, .pitch = pitch, .rows = SH};
  assert_true(lg_capture_write_frame(c, &f, &d));

  /* Paint two different colours so stale data cannot pass by chance. */
  for (int round = 0; round < 2; ++round) {
    uint32_t rgb = round == 0 ? 0xff8040u : 0x10e020u;
    draw_rect(100, 50, 40, 30, rgb);
    assert_int_equal(lg_capture_capture(c, 2000, &f), LG_CAPTURE_OK);
    assert_false(f.full_damage);
    assert_true(f.damage_count >= 1 && f.damage_count <= LG_CAPTURE_MAX_RECTS);
    assert_true(covered(&f, 100, 50));
    assert_true(covered(&f, 139, 79));
    memset(img + 60 * pitch + 110 * 4, 0xee, 4); /* must be rewritten by the rect copy */
    d.rects = f.damage;
    d.rect_count = f.damage_count;
    assert_true(lg_capture_write_frame(c, &f, &d));
    const uint8_t *p = img + 60 * pitch + 110 * 4;
    assert_int_equal(p[0], rgb & 0xff);         /* B */
    assert_int_equal(p[1], (rgb >> 8) & 0xff);  /* G */
    assert_int_equal(p[2], (rgb >> 16) & 0xff); /* R */
  }

  /* Nothing changes: a timeout, spent sleeping in poll(). */
  uint64_t t0 = lg_time_ns(), c0 = cpu_ns();
  assert_int_equal(lg_capture_capture(c, 200, &f), LG_CAPTURE_TIMEOUT);
  uint64_t wall = lg_time_ns() - t0, cpu = cpu_ns() - c0;
  assert_true(wall >= 190000000ull);
  assert_true(cpu < 50000000ull);

  lg_capture_stop(c);
  lg_capture_destroy(c);
  free(img);
}

static void test_cursor(void **state)
{
  struct lg_capture *c = lg_capture_xcb.create(NULL);
  assert_true(lg_capture_start(c));
  assert_true(lg_capture_can_set_cursor_pos(c));
  struct lg_capture_frame f;
  assert_int_equal(lg_capture_capture(c, 1000, &f), LG_CAPTURE_OK);
  struct lg_capture_cursor cur;
  assert_true(lg_capture_cursor(c, &cur));
  assert_true(cur.shape_changed);
  assert_true(cur.visible_changed && cur.visible);
  assert_int_equal(cur.type, CURSOR_TYPE_COLOR);
  assert_true(cur.width > 0 && cur.width <= LG_CURSOR_MAX_DIM);
  assert_true(cur.height > 0 && cur.height <= LG_CURSOR_MAX_DIM);
  assert_int_equal(cur.pitch, cur.width * 4);
  assert_non_null(cur.shape);
  int32_t hx = cur.hx, hy = cur.hy;

  lg_capture_set_cursor_pos(c, 200, 150);
  lg_capture_cursor(c, &cur);
  assert_int_equal(cur.x + hx, 200);
  assert_int_equal(cur.y + hy, 150);
  assert_false(cur.shape_changed);
  lg_capture_set_cursor_pos(c, 17, 33);
  assert_true(lg_capture_cursor(c, &cur));
  assert_true(cur.position_changed);
  assert_int_equal(cur.x + hx, 17);
  assert_int_equal(cur.y + hy, 33);
  assert_false(lg_capture_cursor(c, &cur)); /* nothing moved */
  lg_capture_destroy(c);
}

static void test_cursor_conversion(void **state)
{
  /* Premultiplied ARGB -> straight BGRA: a = 0x80, r = 0x40 -> 128, g = 0x20 -> 64,
   * b = 0x10 -> 32 (x * 255 / a, rounded). Opaque and fully transparent pass through. */
  const uint32_t argb[3] = {0x80402010u, 0xff336699u, 0x00000000u};
  uint8_t out[12];
  lg_xcb_cursor_to_bgra(argb, out, 3);
  assert_memory_equal(out, ((uint8_t[]){32, 64, 128, 0x80}), 4);
  assert_memory_equal(out + 4, ((uint8_t[]){0x99, 0x66, 0x33, 0xff}), 4);
  assert_memory_equal(out + 8, ((uint8_t[]){0, 0, 0, 0}), 4);
}

static const char *bad_display(void *opaque, const char *backend, const char *name)
{
  return strcmp(name, "display") == 0 ? ":999" : NULL;
}

static void test_bad_display(void **state)
{
  struct lg_capture_options o = {.get = bad_display};
  struct lg_capture *c = lg_capture_xcb.create(&o);
  assert_non_null(c);
  assert_false(lg_capture_start(c));
  struct lg_capture_frame f;
  assert_int_equal(lg_capture_capture(c, 10, &f), LG_CAPTURE_ERROR);
  lg_capture_destroy(c);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cursor_conversion),
      cmocka_unit_test(test_frames_and_damage),
      cmocka_unit_test(test_cursor),
      cmocka_unit_test(test_bad_display),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
