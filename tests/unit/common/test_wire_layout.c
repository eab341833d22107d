/* Prints and checks every offset and size of the LGMP v6 and KVMFR v20 wire structs
 * against the numbers in spec/wire-b7.md (the static asserts in the headers check them
 * at build time; this test shows them and checks them again at run time). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "lg/kvmfr.h"
#include "lgmp/protocol.h"

#define CHECK_OFF(type, field, want)                                                      \
  do {                                                                                    \
    printf("  %-24s %-18s @%zu\n", #type, #field, offsetof(struct type, field));          \
    assert_int_equal(offsetof(struct type, field), (want));                               \
  } while (0)
#define CHECK_SIZE(type, want)                                                            \
  do {                                                                                    \
    printf("  %-24s sizeof %zu\n", #type, sizeof(struct type));                            \
    assert_int_equal(sizeof(struct type), (want));                                        \
  } while (0)

static void test_lgmp_layout(void **state)
{
  CHECK_SIZE(lgmp_header, 5760);
  CHECK_OFF(lgmp_header, magic, 0);
  CHECK_OFF(lgmp_header, version, 4);
  CHECK_OFF(lgmp_header, session_id, 8);
  CHECK_OFF(lgmp_header, timestamp, 16);
  CHECK_OFF(lgmp_header, num_queues, 24);
  CHECK_OFF(lgmp_header, queues, 32);
  CHECK_OFF(lgmp_header, udata_size, 5752);
  CHECK_OFF(lgmp_header, udata, 5756);
  assert_int_equal(offsetof(struct lgmp_header, queues[1]), 32 + 1144);
  assert_int_equal(offsetof(struct lgmp_header, queues[4]), 32 + 4 * 1144);

  CHECK_SIZE(lgmp_header_queue, 1144);
  CHECK_OFF(lgmp_header_queue, queue_id, 0);
  CHECK_OFF(lgmp_header_queue, num_messages, 4);
  CHECK_OFF(lgmp_header_queue, new_sub_count, 8);
  CHECK_OFF(lgmp_header_queue, max_time, 12);
  CHECK_OFF(lgmp_header_queue, position, 16);
  CHECK_OFF(lgmp_header_queue, messages_offset, 20);
  CHECK_OFF(lgmp_header_queue, timeout, 24);
  CHECK_OFF(lgmp_header_queue, client_id, 280);
  CHECK_OFF(lgmp_header_queue, lock, 408);
  CHECK_OFF(lgmp_header_queue, subs, 416);
  CHECK_OFF(lgmp_header_queue, start, 424);
  CHECK_OFF(lgmp_header_queue, msg_timeout, 432);
  CHECK_OFF(lgmp_header_queue, count, 440);
  CHECK_OFF(lgmp_header_queue, cmsg_lock, 444);
  CHECK_OFF(lgmp_header_queue, cmsg_avail, 448);
  CHECK_OFF(lgmp_header_queue, cmsg_wpos, 452);
  CHECK_OFF(lgmp_header_queue, cmsg_wserial, 456);
  CHECK_OFF(lgmp_header_queue, cmsg_rserial, 460);
  CHECK_OFF(lgmp_header_queue, cmsgs, 464);
  assert_int_equal(offsetof(struct lgmp_header_queue, cmsgs[9]), 464 + 9 * 68);

  CHECK_SIZE(lgmp_header_message, 16);
  CHECK_OFF(lgmp_header_message, udata, 0);
  CHECK_OFF(lgmp_header_message, size, 4);
  CHECK_OFF(lgmp_header_message, offset, 8);
  CHECK_OFF(lgmp_header_message, pending_subs, 12);
  CHECK_SIZE(lgmp_client_message, 68);
  CHECK_OFF(lgmp_client_message, data, 4);
}

static void test_kvmfr_layout(void **state)
{
  CHECK_SIZE(kvmfr, 48);
  CHECK_OFF(kvmfr, version, 8);
  CHECK_OFF(kvmfr, hostver, 12);
  CHECK_OFF(kvmfr, features, 44);
  CHECK_SIZE(kvmfr_record, 8);
  CHECK_OFF(kvmfr_record, size, 4);
  CHECK_SIZE(kvmfr_vminfo, 51);
  CHECK_OFF(kvmfr_vminfo, capture, 16);
  CHECK_OFF(kvmfr_vminfo, cpus, 48);
  CHECK_OFF(kvmfr_vminfo, sockets, 50);
  CHECK_SIZE(kvmfr_osinfo, 1);
  CHECK_SIZE(kvmfr_lgdiag, 40);
  CHECK_OFF(kvmfr_lgdiag, bar_addr, 16);
  CHECK_OFF(kvmfr_lgdiag, bar_size, 24);
  CHECK_OFF(kvmfr_lgdiag, phys_bits, 32);
  CHECK_OFF(kvmfr_lgdiag, map_stage, 34);
  CHECK_OFF(kvmfr_lgdiag, map_error, 36);

  CHECK_SIZE(kvmfr_frame, 1084);
  CHECK_OFF(kvmfr_frame, type, 8);
  CHECK_OFF(kvmfr_frame, screen_width, 12);
  CHECK_OFF(kvmfr_frame, data_width, 20);
  CHECK_OFF(kvmfr_frame, frame_width, 28);
  CHECK_OFF(kvmfr_frame, rotation, 36);
  CHECK_OFF(kvmfr_frame, stride, 40);
  CHECK_OFF(kvmfr_frame, pitch, 44);
  CHECK_OFF(kvmfr_frame, offset, 48);
  CHECK_OFF(kvmfr_frame, damage_rects_count, 52);
  CHECK_OFF(kvmfr_frame, damage_rects, 56);
  CHECK_OFF(kvmfr_frame, flags, 1080);
  CHECK_SIZE(frame_damage_rect, 16);

  CHECK_SIZE(kvmfr_cursor, 24);
  CHECK_OFF(kvmfr_cursor, type, 4);
  CHECK_OFF(kvmfr_cursor, hx, 8);
  CHECK_OFF(kvmfr_cursor, hy, 9);
  CHECK_OFF(kvmfr_cursor, width, 12);
  CHECK_OFF(kvmfr_cursor, pitch, 20);
  CHECK_SIZE(kvmfr_set_cursor_pos, 12);
  CHECK_SIZE(kvmfr_window_size, 12);
}

static void test_bpp(void **state)
{
  assert_int_equal(kvmfr_frame_type_bpp(FRAME_TYPE_BGRA), 4);
  assert_int_equal(kvmfr_frame_type_bpp(FRAME_TYPE_RGBA16F), 8);
  assert_int_equal(kvmfr_frame_type_bpp(FRAME_TYPE_RGB_24), 3);
  assert_int_equal(kvmfr_frame_type_bpp(FRAME_TYPE_INVALID), 0);
  assert_int_equal(kvmfr_frame_type_bpp(FRAME_TYPE_MAX), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lgmp_layout),
      cmocka_unit_test(test_kvmfr_layout),
      cmocka_unit_test(test_bpp),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
