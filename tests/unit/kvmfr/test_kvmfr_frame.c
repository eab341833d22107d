/* Unit tests of frame and cursor message validation (spec wire-b7 §5.1 items 7-10, 12):
 * each rule at its boundary (exactly fitting passes, one more fails) and overflow-prone
 * values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lg/kvmfr_frame.h"

#define W 100u
#define H 50u

static struct kvmfr_frame base_frame(void)
{
  struct kvmfr_frame f;
  memset(&f, 0, sizeof(f));
  f.frame_serial = 7;
  f.type = FRAME_TYPE_BGRA;
  f.screen_width = f.data_width = f.frame_width = W;
  f.screen_height = f.data_height = f.frame_height = H;
  f.stride = W;
  f.pitch = W * 4;
  f.offset = 1084;
  return f;
}

/* message size that exactly fits the base frame */
static uint64_t fit(const struct kvmfr_frame *f)
{
  return (uint64_t)f->offset + 4 + (uint64_t)f->data_height * f->pitch;
}

static enum lg_frame_error check(const struct kvmfr_frame *f, uint64_t size, char *msg)
{
  struct lg_frame_view v;
  return lg_frame_validate_header(f, size, &v, msg, 200);
}

static void test_frame_valid(void **state)
{
  struct kvmfr_frame f = base_frame();
  struct lg_frame_view v;
  char msg[200];
  assert_int_equal(lg_frame_validate_header(&f, fit(&f), &v, msg, sizeof(msg)), LG_FRAME_OK);
  assert_int_equal(v.bpp, 4);
  assert_int_equal(v.data_size, H * W * 4);
  assert_int_equal(v.damage_count, 0);
  assert_int_equal(v.header.frame_serial, 7);
}

static void test_frame_data_bounds(void **state)
{
  struct kvmfr_frame f = base_frame();
  char msg[200];
  assert_int_equal(check(&f, fit(&f), msg), LG_FRAME_OK);
  assert_int_equal(check(&f, fit(&f) - 1, msg), LG_FRAME_DATA_BOUNDS);
  assert_non_null(strstr(msg, "dataHeight 50"));
  assert_non_null(strstr(msg, "pitch 400"));
  assert_non_null(strstr(msg, "21087"));
  /* larger offsets move the end too */
  f.offset = 4092;
  assert_int_equal(check(&f, fit(&f), msg), LG_FRAME_OK);
  assert_int_equal(check(&f, fit(&f) - 1, msg), LG_FRAME_DATA_BOUNDS);
}

static void test_frame_offset(void **state)
{
  struct kvmfr_frame f = base_frame();
  char msg[200];
  f.offset = 1083;
  assert_int_equal(check(&f, 1u << 20, msg), LG_FRAME_OFFSET);
  assert_non_null(strstr(msg, "offset 1083"));
  f.offset = 0;
  assert_int_equal(check(&f, 1u << 20, msg), LG_FRAME_OFFSET);
  f.offset = 1084;
  assert_int_equal(check(&f, 1u << 20, msg), LG_FRAME_OK);
}

static void test_frame_msg_too_small(void **state)
{
  struct kvmfr_frame f = base_frame();
  f.data_height = 0;
  char msg[200];
  assert_int_equal(check(&f, 1083, msg), LG_FRAME_MSG_TOO_SMALL);
  /* dataHeight 0 still needs offset + 4 */
  assert_int_equal(check(&f, 1087, msg), LG_FRAME_DATA_BOUNDS);
  assert_int_equal(check(&f, 1088, msg), LG_FRAME_OK);
}

static void test_frame_damage_count(void **state)
{
  struct kvmfr_frame f = base_frame();
  char msg[200];
  f.damage_rects_count = 64;
  for (int i = 0; i < 64; ++i)
    f.damage_rects[i] = (struct frame_damage_rect){(uint32_t)i, 0, 1, 1};
  struct lg_frame_view v;
  assert_int_equal(lg_frame_validate_header(&f, fit(&f), &v, msg, sizeof(msg)), LG_FRAME_OK);
  assert_int_equal(v.damage_count, 64);
  f.damage_rects_count = 65;
  assert_int_equal(check(&f, fit(&f), msg), LG_FRAME_DAMAGE_COUNT);
  assert_non_null(strstr(msg, "damageRectsCount 65"));
  f.damage_rects_count = 0xFFFFFFFFu;
  assert_int_equal(check(&f, fit(&f), msg), LG_FRAME_DAMAGE_COUNT);
}

static void test_frame_type(void **state)
{
  char msg[200];
  for (uint32_t t = 0; t <= 8; ++t) {
    struct kvmfr_frame f = base_frame();
    f.type = t;
    uint32_t bpp = kvmfr_frame_type_bpp(t);
    if (bpp) {
      f.pitch = W * bpp;
      f.stride = W;
    }
    enum lg_frame_error e = check(&f, fit(&f), msg);
    if (t >= 1 && t <= 6)
      assert_int_equal(e, LG_FRAME_OK);
    else {
      assert_int_equal(e, LG_FRAME_BAD_TYPE);
      assert_non_null(strstr(msg, "type"));
    }
  }
  struct kvmfr_frame f = base_frame();
  f.type = 0xFFFFFFFFu;
  assert_int_equal(check(&f, fit(&f), msg), LG_FRAME_BAD_TYPE);
}

static void test_frame_pitch(void **state)
{
  char msg[200];
  const uint32_t types[] = {FRAME_TYPE_BGRA, FRAME_TYPE_RGBA16F, FRAME_TYPE_RGB_24};
  for (size_t i = 0; i < 3; ++i) {
    struct kvmfr_frame f = base_frame();
    f.type = types[i];
    uint32_t bpp = kvmfr_frame_type_bpp(f.type);
    f.stride = 0;
    f.pitch = W * bpp;
    assert_int_equal(check(&f, fit(&f), msg), LG_FRAME_OK);
    f.pitch = W * bpp - 1;
    assert_int_equal(check(&f, fit(&f), msg), LG_FRAME_PITCH);
    assert_non_null(strstr(msg, "pitch"));
  }
  /* dataWidth * bpp beyond 32 bits must not wrap to a small row */
  struct kvmfr_frame f = base_frame();
  f.data_width = 0x40000000u; /* x 4 = 2^32 */
  f.pitch = 0;
  f.stride = 0;
  assert_int_equal(check(&f, fit(&f), msg), LG_FRAME_PITCH);
}

static void test_frame_stride(void **state)
{
  struct kvmfr_frame f = base_frame();
  char msg[200];
  f.stride = W;
  assert_int_equal(check(&f, fit(&f), msg), LG_FRAME_OK);
  f.stride = W + 1;
  assert_int_equal(check(&f, fit(&f), msg), LG_FRAME_STRIDE);
  f.stride = 0xFFFFFFFFu;
  assert_int_equal(check(&f, fit(&f), msg), LG_FRAME_STRIDE);
}

static void test_frame_heights(void **state)
{
  struct kvmfr_frame f = base_frame();
  char msg[200];
  f.data_height = H;
  assert_int_equal(check(&f, fit(&f), msg), LG_FRAME_OK);
  f.data_height = H + 1;
  assert_int_equal(check(&f, fit(&f), msg), LG_FRAME_DATA_HEIGHT);
  assert_non_null(strstr(msg, "dataHeight 51"));
  f.data_height = H - 10; /* truncated frames are fine */
  f.flags = FRAME_FLAG_TRUNCATED;
  assert_int_equal(check(&f, fit(&f), msg), LG_FRAME_OK);
  f = base_frame();
  f.frame_width = 0;
  assert_int_equal(check(&f, fit(&f), msg), LG_FRAME_ZERO_SIZE);
  f = base_frame();
  f.frame_height = 0;
  f.data_height = 0;
  assert_int_equal(check(&f, fit(&f), msg), LG_FRAME_ZERO_SIZE);
  f = base_frame();
  f.data_width = 0;
  assert_int_equal(check(&f, fit(&f), msg), LG_FRAME_ZERO_SIZE);
}

static void test_frame_overflow(void **state)
{
  struct kvmfr_frame f = base_frame();
  char msg[200];
  f.pitch = 0xFFFFFFFFu;
  f.stride = 0;
  f.frame_height = 0xFFFFFFFFu;
  f.data_height = 0xFFFFFFFFu;
  f.offset = 0xFFFFFFFFu;
  assert_int_equal(check(&f, 0xFFFFFFFFu, msg), LG_FRAME_DATA_BOUNDS);
  f.data_height = 2; /* 2 x 0xFFFFFFFF wraps to 0x1FFFFFFFE in 32 bits: must not pass */
  f.offset = 1084;
  assert_int_equal(check(&f, 0xFFFFFFFFu, msg), LG_FRAME_DATA_BOUNDS);
  f.data_height = 0;
  f.offset = 0xFFFFFFFFu; /* offset + 4 wraps in 32 bits */
  assert_int_equal(check(&f, 0xFFFFFFFFu, msg), LG_FRAME_DATA_BOUNDS);
  f.offset = 0xFFFFFFFBu; /* offset + 4 = 0xFFFFFFFF fits exactly */
  assert_int_equal(check(&f, 0xFFFFFFFFu, msg), LG_FRAME_OK);
}

static void test_frame_damage_clip(void **state)
{
  struct kvmfr_frame f = base_frame();
  struct lg_frame_view v;
  f.damage_rects_count = 5;
  f.damage_rects[0] = (struct frame_damage_rect){10, 10, 5, 5};                    /* inside */
  f.damage_rects[1] = (struct frame_damage_rect){90, 40, 50, 50};                  /* partly out */
  f.damage_rects[2] = (struct frame_damage_rect){W, 0, 5, 5};                      /* outside */
  f.damage_rects[3] = (struct frame_damage_rect){20, 1, 0xFFFFFFFFu, 0xFFFFFFFFu}; /* huge */
  f.damage_rects[4] = (struct frame_damage_rect){0, 0, 0, 10};                     /* empty */
  f.rotation = 9;
  assert_int_equal(lg_frame_validate_header(&f, fit(&f), &v, NULL, 0), LG_FRAME_OK);
  assert_int_equal(v.rotation, FRAME_ROT_0);
  assert_int_equal(v.damage_count, 3);
  assert_int_equal(v.damage[0].width, 5);
  assert_int_equal(v.damage[1].x, 90);
  assert_int_equal(v.damage[1].width, 10);
  assert_int_equal(v.damage[1].height, 10);
  assert_int_equal(v.damage[2].x, 20);
  assert_int_equal(v.damage[2].width, W - 20);
  assert_int_equal(v.damage[2].height, H - 1);
  assert_false(v.damage_all_clipped);

  f.damage_rects_count = 1;
  f.damage_rects[0] = (struct frame_damage_rect){0, H, 5, 5};
  assert_int_equal(lg_frame_validate_header(&f, fit(&f), &v, NULL, 0), LG_FRAME_OK);
  assert_int_equal(v.damage_count, 0);
  assert_true(v.damage_all_clipped);
}

static void test_frame_in_region(void **state)
{
  const size_t size = 64 * 1024;
  uint8_t *region = test_calloc(1, size);
  struct kvmfr_frame f = base_frame();
  struct lg_frame_view v;
  char msg[200];
  f.offset = 4092;
  uint32_t msg_off = 8192;
  uint32_t msg_size = (uint32_t)fit(&f);
  memcpy(region + msg_off, &f, sizeof(f));
  uint32_t wpv = 1234;
  memcpy(region + msg_off + 4092, &wpv, 4);

  assert_int_equal(lg_frame_validate(region, size, msg_off, msg_size, &v, msg, sizeof(msg)),
                   LG_FRAME_OK);
  assert_int_equal(v.wp_offset, msg_off + 4092);
  assert_int_equal(v.data_offset, msg_off + 4096);
  const uint8_t *data;
  const uint32_t *wp;
  assert_true(lg_frame_pointers(region, size, &v, &data, &wp));
  assert_ptr_equal(data, region + msg_off + 4096);
  assert_int_equal(lg_frame_load_wp(wp), 1234);

  /* item 7: the message must lie inside the region (exactly fitting passes) */
  assert_int_equal(lg_frame_validate(region, msg_off + msg_size, msg_off, msg_size, &v, NULL, 0),
                   LG_FRAME_OK);
  assert_int_equal(
      lg_frame_validate(region, msg_off + msg_size - 1, msg_off, msg_size, &v, msg, sizeof(msg)),
      LG_FRAME_MSG_BOUNDS);
  assert_non_null(strstr(msg, "region size"));
  assert_int_equal(lg_frame_validate(region, size, 0xFFFFFFFFu, 0xFFFFFFFFu, &v, NULL, 0),
                   LG_FRAME_MSG_BOUNDS);
  assert_false(lg_frame_pointers(region, size, &v, &data, &wp));

  /* a misaligned wp is refused */
  f.offset = 4093;
  memcpy(region + msg_off, &f, sizeof(f));
  assert_int_equal(lg_frame_validate(region, size, msg_off, msg_size + 1, &v, NULL, 0),
                   LG_FRAME_WP_ALIGN);

  /* a message smaller than the header is refused before the header is read */
  assert_int_equal(lg_frame_validate(region, size, (uint32_t)size - 100, 100, &v, NULL, 0),
                   LG_FRAME_MSG_TOO_SMALL);
  test_free(region);
}

static struct kvmfr_cursor base_cursor(uint32_t type, uint32_t w, uint32_t h, uint32_t pitch)
{
  struct kvmfr_cursor c;
  memset(&c, 0, sizeof(c));
  c.x = 953;
  c.y = 533;
  c.type = type;
  c.hx = 7;
  c.hy = 7;
  c.width = w;
  c.height = h;
  c.pitch = pitch;
  return c;
}

static enum lg_cursor_error ccheck(struct kvmfr_cursor c, uint32_t flags, uint64_t size, char *msg)
{
  struct lg_cursor_view v;
  return lg_cursor_validate_header(&c, flags, size, &v, msg, 200);
}

static void test_cursor_position_only(void **state)
{
  char msg[200];
  struct kvmfr_cursor c = base_cursor(99, 0xFFFFFFFFu, 0xFFFFFFFFu, 0); /* shape fields unused */
  uint32_t fl = CURSOR_FLAG_POSITION | CURSOR_FLAG_VISIBLE;
  assert_int_equal(ccheck(c, fl, 24, msg), LG_CURSOR_OK);
  assert_int_equal(ccheck(c, fl, 23, msg), LG_CURSOR_MSG_TOO_SMALL);
}

static void test_cursor_shape(void **state)
{
  char msg[200];
  struct lg_cursor_view v;
  uint32_t fl = CURSOR_FLAG_POSITION | CURSOR_FLAG_VISIBLE | CURSOR_FLAG_SHAPE;
  struct kvmfr_cursor c = base_cursor(CURSOR_TYPE_COLOR, 16, 16, 64);
  assert_int_equal(lg_cursor_validate_header(&c, fl, 24 + 1024, &v, msg, sizeof(msg)),
                   LG_CURSOR_OK);
  assert_true(v.has_shape);
  assert_int_equal(v.row_size, 64);
  assert_int_equal(v.shape_size, 1024);
  assert_int_equal(ccheck(c, fl, 24 + 1023, msg), LG_CURSOR_SHAPE_BOUNDS);
  assert_non_null(strstr(msg, "height 16"));
  assert_non_null(strstr(msg, "1048"));

  /* width */
  assert_int_equal(ccheck(base_cursor(0, 512, 1, 2048), fl, 24 + 2048, msg), LG_CURSOR_OK);
  assert_int_equal(ccheck(base_cursor(0, 513, 1, 2052), fl, 24 + 2052, msg), LG_CURSOR_WIDTH);
  assert_non_null(strstr(msg, "width 513"));
  /* height: 512 for colour types, 1024 for MONOCHROME */
  assert_int_equal(ccheck(base_cursor(2, 1, 512, 4), fl, 24 + 2048, msg), LG_CURSOR_OK);
  assert_int_equal(ccheck(base_cursor(2, 1, 513, 4), fl, 24 + 2052, msg), LG_CURSOR_HEIGHT);
  assert_int_equal(ccheck(base_cursor(0, 1, 513, 4), fl, 24 + 2052, msg), LG_CURSOR_HEIGHT);
  assert_int_equal(ccheck(base_cursor(1, 8, 1024, 1), fl, 24 + 1024, msg), LG_CURSOR_OK);
  assert_int_equal(ccheck(base_cursor(1, 8, 1025, 1), fl, 24 + 1025, msg), LG_CURSOR_HEIGHT);
  assert_non_null(strstr(msg, "height 1025"));
  /* pitch against the row size */
  assert_int_equal(ccheck(base_cursor(0, 10, 2, 40), fl, 24 + 80, msg), LG_CURSOR_OK);
  assert_int_equal(ccheck(base_cursor(0, 10, 2, 39), fl, 24 + 80, msg), LG_CURSOR_PITCH);
  assert_non_null(strstr(msg, "pitch 39"));
  assert_int_equal(ccheck(base_cursor(1, 9, 2, 2), fl, 24 + 4, msg), LG_CURSOR_OK);
  assert_int_equal(ccheck(base_cursor(1, 9, 2, 1), fl, 24 + 4, msg), LG_CURSOR_PITCH);
  /* type */
  assert_int_equal(ccheck(base_cursor(3, 1, 1, 4), fl, 1000, msg), LG_CURSOR_BAD_TYPE);
  assert_int_equal(ccheck(base_cursor(0xFFFFFFFFu, 1, 1, 4), fl, 1000, msg), LG_CURSOR_BAD_TYPE);
  /* overflow-prone pitch */
  assert_int_equal(ccheck(base_cursor(0, 512, 512, 0xFFFFFFFFu), fl, 0xFFFFFFFFu, msg),
                   LG_CURSOR_SHAPE_BOUNDS);
  assert_int_equal(ccheck(base_cursor(0, 512, 512, 2048), fl, MAX_POINTER_SIZE, msg), LG_CURSOR_OK);
}

static void test_cursor_in_region(void **state)
{
  const size_t size = 8192;
  uint8_t *region = test_calloc(1, size);
  struct lg_cursor_view v;
  struct kvmfr_cursor c = base_cursor(0, 16, 16, 64);
  uint32_t fl = CURSOR_FLAG_SHAPE | CURSOR_FLAG_VISIBLE;
  memcpy(region + 100, &c, sizeof(c));
  assert_int_equal(lg_cursor_validate(region, size, 100, 24 + 1024, fl, &v, NULL, 0), LG_CURSOR_OK);
  assert_int_equal(v.shape_offset, 124);
  assert_int_equal(v.header.x, 953);
  assert_int_equal(lg_cursor_validate(region, size, (uint32_t)size - 24, 25, fl, &v, NULL, 0),
                   LG_CURSOR_MSG_BOUNDS);
  assert_int_equal(lg_cursor_validate(region, size, 0xFFFFFFF0u, 0x20, fl, &v, NULL, 0),
                   LG_CURSOR_MSG_BOUNDS);
  assert_int_equal(lg_cursor_validate(region, size, 0, 20, fl, &v, NULL, 0),
                   LG_CURSOR_MSG_TOO_SMALL);
  test_free(region);
}

static void test_serials(void **state)
{
  assert_true(lg_serial_newer(1, 0));
  assert_false(lg_serial_newer(0, 1));
  assert_false(lg_serial_newer(5, 5));
  assert_true(lg_serial_newer(0, 0xFFFFFFFFu));
  assert_true(lg_serial_newer(3, 0xFFFFFFF0u));
  assert_false(lg_serial_newer(0xFFFFFFFFu, 0));
  assert_true(lg_serial_newer(0x7FFFFFFFu, 0));
  assert_false(lg_serial_newer(0x80000000u, 0));
  assert_true(lg_serial_reached(5, 5));
  assert_true(lg_serial_reached(0, 0xFFFFFFFFu));
  assert_false(lg_serial_reached(0xFFFFFFFFu, 0));
  assert_false(lg_serial_reached(4, 5));
}

static void test_error_strings(void **state)
{
  for (int e = LG_FRAME_OK; e <= LG_FRAME_DAMAGE_COUNT; ++e)
    assert_string_not_equal(lg_frame_error_string((enum lg_frame_error)e), "unknown error");
  for (int e = LG_CURSOR_OK; e <= LG_CURSOR_SHAPE_BOUNDS; ++e)
    assert_string_not_equal(lg_cursor_error_string((enum lg_cursor_error)e), "unknown error");
  assert_string_equal(lg_frame_type_name(FRAME_TYPE_BGRA), "BGRA");
  assert_string_equal(lg_frame_type_name(7), "invalid");
  assert_string_equal(lg_cursor_type_name(1), "MONOCHROME");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_frame_valid),          cmocka_unit_test(test_frame_data_bounds),
      cmocka_unit_test(test_frame_offset),         cmocka_unit_test(test_frame_msg_too_small),
      cmocka_unit_test(test_frame_damage_count),   cmocka_unit_test(test_frame_type),
      cmocka_unit_test(test_frame_pitch),          cmocka_unit_test(test_frame_stride),
      cmocka_unit_test(test_frame_heights),        cmocka_unit_test(test_frame_overflow),
      cmocka_unit_test(test_frame_damage_clip),    cmocka_unit_test(test_frame_in_region),
      cmocka_unit_test(test_cursor_position_only), cmocka_unit_test(test_cursor_shape),
      cmocka_unit_test(test_cursor_in_region),     cmocka_unit_test(test_serials),
      cmocka_unit_test(test_error_strings),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
