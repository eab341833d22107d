/* The pattern capture backend: hand-computed pixels in all four formats, half floats, the
 * damage band, damage-only vs full consumers, truncation, cursor, pacing, option errors, and
 * the backend table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "capture/pattern/pattern.h"
#include "lg/time.h"

/* ---- pure functions ---- */

static void test_pixel_bgra_rgba(void **state)
{
  uint8_t p[8];
  assert_int_equal(lg_pattern_pixel(FRAME_TYPE_BGRA, 0, 0, 0, p), 4);
  assert_memory_equal(p, ((uint8_t[]){0x00, 0x00, 0x00, 0xff}), 4);
  /* R = 3, G = 5, B = 3 ^ 5 = 6 */
  lg_pattern_pixel(FRAME_TYPE_BGRA, 3, 5, 0, p);
  assert_memory_equal(p, ((uint8_t[]){6, 5, 3, 0xff}), 4);
  assert_int_equal(lg_pattern_pixel(FRAME_TYPE_RGBA, 3, 5, 0, p), 4);
  assert_memory_equal(p, ((uint8_t[]){3, 5, 6, 0xff}), 4);
  /* x = 300 -> R = 44, y = 257 -> G = 1, B = (0x12c ^ 0x101) & 0xff = 0x2d = 45 */
  lg_pattern_pixel(FRAME_TYPE_RGBA, 300, 257, 0, p);
  assert_memory_equal(p, ((uint8_t[]){44, 1, 45, 0xff}), 4);
  /* motion: frame 10 uses x + 10 = 260 -> R = 4, B = (0x104 ^ 7) & 0xff = 3 */
  lg_pattern_pixel(FRAME_TYPE_BGRA, 250, 7, 10, p);
  assert_memory_equal(p, ((uint8_t[]){3, 7, 4, 0xff}), 4);
  /* the same texel as frame 0 at x + n */
  uint8_t q[8];
  lg_pattern_pixel(FRAME_TYPE_BGRA, 260, 7, 0, q);
  assert_memory_equal(p, q, 4);
  assert_int_equal(lg_pattern_pixel(FRAME_TYPE_BGR_32, 0, 0, 0, p), 0);
  assert_int_equal(lg_pattern_pixel(FRAME_TYPE_INVALID, 0, 0, 0, p), 0);
}

static void test_pixel_rgba10(void **state)
{
  uint8_t p[4];
  /* (128, 255): R = 128 -> 128*1023/255 = 513.5 -> 514, G = 255 -> 1023,
   * B = 128 ^ 255 = 127 -> 509.49 -> 509, A = 3.
   * 514 | 1023 << 10 | 509 << 20 | 3 << 30 = 0xdfdffe02 */
  assert_int_equal(lg_pattern_pixel(FRAME_TYPE_RGBA10, 128, 255, 0, p), 4);
  assert_memory_equal(p, ((uint8_t[]){0x02, 0xfe, 0xdf, 0xdf}), 4);
  /* (0, 0): only alpha. */
  lg_pattern_pixel(FRAME_TYPE_RGBA10, 0, 0, 0, p);
  assert_memory_equal(p, ((uint8_t[]){0, 0, 0, 0xc0}), 4);
  /* (300, 257): R = 44 -> 176.5 -> 177, G = 1 -> 4.01 -> 4, B = 45 -> 180.5 -> 181.
   * 177 | 4 << 10 | 181 << 20 | 3 << 30 = 0xcb5010b1 */
  lg_pattern_pixel(FRAME_TYPE_RGBA10, 300, 257, 0, p);
  assert_memory_equal(p, ((uint8_t[]){0xb1, 0x10, 0x50, 0xcb}), 4);
  /* (255, 0): R = 1023 in bits 0-9, B = 255 -> 1023 in bits 20-29 */
  lg_pattern_pixel(FRAME_TYPE_RGBA10, 255, 0, 0, p);
  uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
  assert_int_equal(v & 0x3ffu, 1023);
  assert_int_equal((v >> 10) & 0x3ffu, 0);
  assert_int_equal((v >> 20) & 0x3ffu, 1023);
  assert_int_equal(v >> 30, 3);
}

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static void test_pixel_rgba16f(void **state)
{
  uint8_t p[8];
  /* (1, 64): R = 1/255 = 2^-8 * 1.0039 -> 0x1c04; G = 64/255 = 2^-2 * 1.0039 -> 0x3404;
   * B = 65/255 = 2^-2 * 1.0196 -> mantissa 20.08 -> 0x3414; A = 1.0 = 0x3c00 */
  assert_int_equal(lg_pattern_pixel(FRAME_TYPE_RGBA16F, 1, 64, 0, p), 8);
  assert_int_equal(le16(p + 0), 0x1c04);
  assert_int_equal(le16(p + 2), 0x3404);
  assert_int_equal(le16(p + 4), 0x3414);
  assert_int_equal(le16(p + 6), 0x3c00);
  /* (255, 128): R = 1.0; G = 128/255 = 2^-1 * 1.0039 -> 0x3804;
   * B = 127/255 = 2^-2 * 1.99216 -> mantissa 1015.97 -> 0x37f8 */
  lg_pattern_pixel(FRAME_TYPE_RGBA16F, 255, 128, 0, p);
  assert_int_equal(le16(p + 0), 0x3c00);
  assert_int_equal(le16(p + 2), 0x3804);
  assert_int_equal(le16(p + 4), 0x37f8);
  lg_pattern_pixel(FRAME_TYPE_RGBA16F, 0, 0, 0, p);
  assert_int_equal(le16(p + 0), 0);
  assert_int_equal(le16(p + 4), 0);
}

static void test_half(void **state)
{
  assert_int_equal(lg_pattern_half(1.0f), 0x3c00);
  assert_int_equal(lg_pattern_half(0.0f), 0x0000);
  assert_int_equal(lg_pattern_half(-2.0f), 0xc000);
  assert_int_equal(lg_pattern_half(0.1f), 0x2e66);
  assert_int_equal(lg_pattern_half(65504.0f), 0x7bff);
  assert_int_equal(lg_pattern_half(70000.0f), 0x7c00);
  assert_int_equal(lg_pattern_half(0x1p-14f), 0x0400);   /* smallest normal */
  assert_int_equal(lg_pattern_half(0x1p-24f), 0x0001);   /* smallest subnormal */
  assert_int_equal(lg_pattern_half(0x1.8p-24f), 0x0002); /* tie -> even */
  assert_int_equal(lg_pattern_half(0x1p-26f), 0x0000);
}

static void test_band(void **state)
{
  uint32_t y0, rows;
  /* 1080 rows = 17 bands of 64 (the last has 56). */
  lg_pattern_band(1080, 1, &y0, &rows);
  assert_int_equal(y0, 64);
  assert_int_equal(rows, 64);
  lg_pattern_band(1080, 16, &y0, &rows);
  assert_int_equal(y0, 1024);
  assert_int_equal(rows, 56);
  lg_pattern_band(1080, 17, &y0, &rows);
  assert_int_equal(y0, 0);
  assert_int_equal(rows, 64);
  assert_int_equal(lg_pattern_row_shift(1080, 5, 0), 0);
  assert_int_equal(lg_pattern_row_shift(1080, 5, 5 * 64), 5);
  assert_int_equal(lg_pattern_row_shift(1080, 5, 5 * 64 + 63), 5);
  assert_int_equal(lg_pattern_row_shift(1080, 2, 3 * 64), 0);
  assert_int_equal(lg_pattern_row_shift(1080, 20, 3 * 64), 20);
  assert_int_equal(lg_pattern_row_shift(1080, 20, 2 * 64), 19);
  assert_int_equal(lg_pattern_row_shift(1080, 17, 0), 17);
}

/* ---- the backend ---- */

struct kv {
  const char *name, *value;
};

static const char *get_opt(void *opaque, const char *backend, const char *name)
{
  assert_string_equal(backend, "pattern");
  for (const struct kv *k = opaque; k->name; ++k)
    if (strcmp(k->name, name) == 0)
      return k->value;
  return NULL;
}

static struct lg_capture *make(const struct kv *kv)
{
  struct lg_capture_options o = {.get = get_opt, .opaque = (void *)kv};
  return lg_capture_pattern.create(&o);
}

struct progress {
  size_t last;
  unsigned calls;
  bool monotonic;
};

static void on_progress(void *opaque, size_t done)
{
  struct progress *p = opaque;
  if (done < p->last)
    p->monotonic = false;
  p->last = done;
  ++p->calls;
}

/* Checks every pixel of `img` (pitch `pitch`, `rows` rows) against the formula. */
static void check_image(const uint8_t *img, size_t pitch, uint32_t fmt, uint32_t w, uint32_t rows,
                        uint32_t h, uint32_t n, bool band)
{
  uint8_t want[8];
  for (uint32_t y = 0; y < rows; ++y) {
    uint32_t s = band ? lg_pattern_row_shift(h, n, y) : n;
    for (uint32_t x = 0; x < w; ++x) {
      size_t bpp = lg_pattern_pixel(fmt, x, y, s, want);
      if (memcmp(img + y * pitch + x * bpp, want, bpp) != 0)
        fail_msg("frame %u pixel (%u,%u) differs", n, x, y);
    }
  }
}

static void test_backend_formats(void **state)
{
  static const char *const names[] = {"bgra", "rgba", "rgba10", "rgba16f"};
  static const uint32_t types[] = {FRAME_TYPE_BGRA, FRAME_TYPE_RGBA, FRAME_TYPE_RGBA10,
                                   FRAME_TYPE_RGBA16F};
  for (int i = 0; i < 4; ++i) {
    struct kv kv[] = {
        {"width", "300"}, {"height", "70"}, {"fps", "1000"}, {"format", names[i]}, {NULL, NULL}};
    struct lg_capture *c = make(kv);
    assert_non_null(c);
    assert_true(lg_capture_start(c));
    struct lg_capture_frame f;
    assert_int_equal(lg_capture_capture(c, 100, &f), LG_CAPTURE_OK);
    assert_int_equal(f.format, types[i]);
    assert_int_equal(f.width, 300);
    assert_int_equal(f.height, 70);
    assert_int_equal(f.pitch, 300 * kvmfr_frame_type_bpp(types[i]));
    assert_int_equal(f.stride, 300);
    assert_true(f.full_damage);
    assert_int_equal(f.hdr, types[i] == FRAME_TYPE_RGBA16F);

    size_t pitch = f.pitch + 64; /* a wider destination pitch */
    uint8_t *dst = calloc(70, pitch);
    struct progress pr = {.monotonic = true};
    struct lg_capture_dest d = {
        .data = dst, .pitch = pitch, .rows = 70, .progress = on_progress, .opaque = &pr};
    assert_true(lg_capture_write_frame(c, &f, &d));
    check_image(dst, pitch, types[i], 300, 70, 70, 0, false);
    assert_true(pr.monotonic);
    assert_int_equal(pr.last, 70 * pitch);
    free(dst);
    lg_capture_stop(c);
    lg_capture_destroy(c);
  }
}

/* A consumer that copies only damage and one that copies everything end with the same,
 * correct image; in band mode each row carries the shift of its last band frame. */
static void run_consumers(const char *damage, bool band)
{
  struct kv kv[] = {{"width", "96"},    {"height", "200"}, {"fps", "1000"}, {"format", "rgba"},
                    {"damage", damage}, {"motion", "on"},  {NULL, NULL}};
  struct lg_capture *c = make(kv);
  assert_non_null(c);
  assert_true(lg_capture_start(c));
  size_t pitch = 96 * 4;
  uint8_t *a = calloc(200, pitch), *b = calloc(200, pitch);
  for (uint32_t n = 0; n < 9; ++n) {
    struct lg_capture_frame f;
    assert_int_equal(lg_capture_capture(c, 100, &f), LG_CAPTURE_OK);
    if (n == 0 || !band) {
      assert_true(f.full_damage);
    } else {
      uint32_t y0, rows;
      lg_pattern_band(200, n, &y0, &rows);
      assert_false(f.full_damage);
      assert_int_equal(f.damage_count, 1);
      assert_int_equal(f.damage[0].x, 0);
      assert_int_equal(f.damage[0].y, y0);
      assert_int_equal(f.damage[0].width, 96);
      assert_int_equal(f.damage[0].height, rows);
    }
    struct progress pr = {.monotonic = true};
    struct lg_capture_dest da = {.data = a,
                                 .pitch = pitch,
                                 .rows = 200,
                                 .rects = f.full_damage ? NULL : f.damage,
                                 .rect_count = f.full_damage ? 0 : f.damage_count,
                                 .progress = on_progress,
                                 .opaque = &pr};
    struct lg_capture_dest db = {.data = b, .pitch = pitch, .rows = 200};
    assert_true(lg_capture_write_frame(c, &f, &da));
    assert_true(lg_capture_write_frame(c, &f, &db));
    assert_true(pr.monotonic);
    assert_int_equal(pr.last, 200 * pitch);
    assert_memory_equal(a, b, 200 * pitch);
    check_image(a, pitch, FRAME_TYPE_RGBA, 96, 200, 200, n, band);
  }
  free(a);
  free(b);
  lg_capture_destroy(c);
}

static void test_band_consumers(void **state) { run_consumers("band", true); }

static void test_full_motion_consumers(void **state) { run_consumers("full", false); }

static void test_truncated_and_rects(void **state)
{
  struct kv kv[] = {{"width", "64"}, {"height", "64"}, {"fps", "1000"}, {NULL, NULL}};
  struct lg_capture *c = make(kv);
  assert_true(lg_capture_start(c));
  struct lg_capture_frame f;
  assert_int_equal(lg_capture_capture(c, 100, &f), LG_CAPTURE_OK);
  size_t pitch = 64 * 4;
  uint8_t *dst = malloc(64 * pitch);
  memset(dst, 0xee, 64 * pitch);
  /* Only 40 rows fit: row 40 and later stay untouched. */
  struct lg_capture_dest d = {.data = dst, .pitch = pitch, .rows = 40};
  assert_true(lg_capture_write_frame(c, &f, &d));
  check_image(dst, pitch, FRAME_TYPE_BGRA, 64, 40, 64, 0, false);
  assert_int_equal(dst[40 * pitch], 0xee);

  /* Rect copy: one rect inside, one hanging off the edge (clipped), one outside. */
  memset(dst, 0xee, 64 * pitch);
  struct frame_damage_rect r[3] = {{2, 3, 4, 5}, {60, 62, 10, 10}, {100, 0, 5, 5}};
  d.rows = 64;
  d.rects = r;
  d.rect_count = 3;
  assert_true(lg_capture_write_frame(c, &f, &d));
  uint8_t want[4];
  lg_pattern_pixel(FRAME_TYPE_BGRA, 2, 3, 0, want);
  assert_memory_equal(dst + 3 * pitch + 2 * 4, want, 4);
  lg_pattern_pixel(FRAME_TYPE_BGRA, 5, 7, 0, want);
  assert_memory_equal(dst + 7 * pitch + 5 * 4, want, 4);
  assert_int_equal(dst[3 * pitch + 6 * 4], 0xee); /* right of the rect */
  assert_int_equal(dst[8 * pitch + 2 * 4], 0xee); /* below the rect */
  lg_pattern_pixel(FRAME_TYPE_BGRA, 63, 63, 0, want);
  assert_memory_equal(dst + 63 * pitch + 63 * 4, want, 4);
  assert_int_equal(dst[0], 0xee);

  /* A destination pitch smaller than a row is refused. */
  d.pitch = 16;
  assert_false(lg_capture_write_frame(c, &f, &d));
  free(dst);
  lg_capture_destroy(c);
}

static void test_cursor(void **state)
{
  struct kv kv[] = {{"width", "640"}, {"height", "480"}, {"fps", "1000"}, {NULL, NULL}};
  struct lg_capture *c = make(kv);
  assert_true(lg_capture_start(c));
  assert_true(lg_capture_can_set_cursor_pos(c));
  struct lg_capture_frame f;
  struct lg_capture_cursor cur;
  assert_int_equal(lg_capture_capture(c, 100, &f), LG_CAPTURE_OK);
  assert_true(lg_capture_cursor(c, &cur));
  assert_true(cur.shape_changed && cur.visible_changed && cur.position_changed && cur.visible);
  assert_int_equal(cur.type, CURSOR_TYPE_COLOR);
  assert_int_equal(cur.width, 32);
  assert_int_equal(cur.height, 32);
  assert_int_equal(cur.pitch, 128);
  assert_int_equal(cur.hx, 1);
  assert_int_equal(cur.hy, 1);
  assert_int_equal(cur.x, 0);
  assert_int_equal(cur.y, 0);
  uint8_t shape[32 * 32 * 4];
  lg_pattern_cursor_shape(shape);
  assert_memory_equal(cur.shape, shape, sizeof(shape));
  assert_int_equal(shape[3], 0xff);                  /* (0,0) is the opaque tip */
  assert_int_equal(shape[(0 * 32 + 31) * 4 + 3], 0); /* top-right is transparent */

  /* Nothing new until the next frame moves it. */
  assert_false(lg_capture_cursor(c, &cur));
  assert_false(cur.shape_changed || cur.visible_changed || cur.position_changed);
  assert_int_equal(lg_capture_capture(c, 100, &f), LG_CAPTURE_OK);
  assert_true(lg_capture_cursor(c, &cur));
  assert_true(cur.position_changed);
  assert_false(cur.shape_changed);
  assert_int_equal(cur.x, 4);
  assert_int_equal(cur.y, 3);

  /* A warp puts the hotspot at the target. */
  lg_capture_set_cursor_pos(c, 300, 200);
  assert_true(lg_capture_cursor(c, &cur));
  assert_int_equal(cur.x + cur.hx, 300);
  assert_int_equal(cur.y + cur.hy, 200);
  lg_capture_destroy(c);
}

static void test_pacing(void **state)
{
  struct kv kv[] = {{"width", "16"}, {"height", "16"}, {"fps", "100"}, {NULL, NULL}};
  struct lg_capture *c = make(kv);
  assert_true(lg_capture_start(c));
  struct lg_capture_frame f;
  uint64_t t0 = lg_time_ns();
  for (int i = 0; i < 11; ++i)
    assert_int_equal(lg_capture_capture(c, 1000, &f), LG_CAPTURE_OK);
  uint64_t ms = (lg_time_ns() - t0) / 1000000u;
  assert_true(ms >= 95);  /* 10 periods of 10 ms after the immediate first frame */
  assert_true(ms < 1000); /* and not absurdly slow */
  lg_capture_destroy(c);

  struct kv slow[] = {{"width", "16"}, {"height", "16"}, {"fps", "1"}, {NULL, NULL}};
  c = make(slow);
  assert_true(lg_capture_start(c));
  assert_int_equal(lg_capture_capture(c, 1000, &f), LG_CAPTURE_OK);
  t0 = lg_time_ns();
  assert_int_equal(lg_capture_capture(c, 20, &f), LG_CAPTURE_TIMEOUT);
  ms = (lg_time_ns() - t0) / 1000000u;
  assert_true(ms >= 19 && ms < 500);
  lg_capture_destroy(c);
}

static void test_option_errors(void **state)
{
  struct kv bad_fmt[] = {{"format", "yuv"}, {NULL, NULL}};
  assert_null(make(bad_fmt));
  struct kv zero[] = {{"width", "0"}, {NULL, NULL}};
  assert_null(make(zero));
  struct kv junk[] = {{"fps", "60x"}, {NULL, NULL}};
  assert_null(make(junk));
  struct kv neg[] = {{"height", "-5"}, {NULL, NULL}};
  assert_null(make(neg));
  struct kv dmg[] = {{"damage", "some"}, {NULL, NULL}};
  assert_null(make(dmg));
  /* Defaults: 1920x1080 BGRA. */
  struct lg_capture *c = lg_capture_pattern.create(NULL);
  assert_non_null(c);
  assert_true(lg_capture_start(c));
  struct lg_capture_frame f;
  assert_int_equal(lg_capture_capture(c, 100, &f), LG_CAPTURE_OK);
  assert_int_equal(f.width, 1920);
  assert_int_equal(f.height, 1080);
  assert_int_equal(f.format, FRAME_TYPE_BGRA);
  lg_capture_destroy(c);
}

static void test_table(void **state)
{
  assert_ptr_equal(lg_capture_find("pattern"), &lg_capture_pattern);
  assert_ptr_equal(lg_capture_find("PATTERN"), &lg_capture_pattern);
  assert_null(lg_capture_find("nope"));
  /* pattern is last and always probes true, so probing finds something. */
  size_t n = 0;
  while (lg_capture_backends[n])
    ++n;
  assert_true(n >= 1);
  assert_ptr_equal(lg_capture_backends[n - 1], &lg_capture_pattern);
  assert_non_null(lg_capture_probe_all());
  assert_string_equal(lg_capture_opt_str(&lg_capture_pattern, NULL, "fps"), "60");
  assert_null(lg_capture_opt_str(&lg_capture_pattern, NULL, "nope"));
  for (size_t i = 0; i < n; ++i) {
    assert_non_null(lg_capture_backends[i]->description);
    assert_non_null(lg_capture_backends[i]->options);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pixel_bgra_rgba),
      cmocka_unit_test(test_pixel_rgba10),
      cmocka_unit_test(test_pixel_rgba16f),
      cmocka_unit_test(test_half),
      cmocka_unit_test(test_band),
      cmocka_unit_test(test_backend_formats),
      cmocka_unit_test(test_band_consumers),
      cmocka_unit_test(test_full_motion_consumers),
      cmocka_unit_test(test_truncated_and_rects),
      cmocka_unit_test(test_cursor),
      cmocka_unit_test(test_pacing),
      cmocka_unit_test(test_option_errors),
      cmocka_unit_test(test_table),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
