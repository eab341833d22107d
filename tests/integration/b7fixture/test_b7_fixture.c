/* test_b7_fixture REGION: decodes the B7 region fixture with our parsers (lgmp inspect,
 * KVMFR udata, frame and cursor validation) and checks every value its README lists,
 * including every pixel of the newest frame against the image formula. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "lg/kvmfr_frame.h"
#include "lg/kvmfr_udata.h"
#include "lgmp/inspect.h"

#define REGION_SIZE 67108864u

struct fixture {
  const uint8_t *mem;
  size_t size;
  struct lgmp_inspect in;
};

static const char *g_path; /* argv[1], set once in main */

static int setup(void **state)
{
  static struct fixture fx;
  int fd = open(g_path, O_RDONLY);
  if (fd < 0) {
    fprintf(stderr, "cannot open the B7 fixture region %s\n", g_path);
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || (uint64_t)st.st_size != REGION_SIZE) {
    fprintf(stderr, "%s is not the 64 MiB B7 region\n", g_path);
    close(fd);
    return -1;
  }
  void *p = mmap(NULL, REGION_SIZE, PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED)
    return -1;
  fx.mem = p;
  fx.size = REGION_SIZE;
  *state = &fx;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *fx = *state;
  munmap((void *)fx->mem, fx->size);
  return 0;
}

static void test_lgmp_header(void **state)
{
  struct fixture *fx = *state;
  struct lgmp_inspect *in = &fx->in;
  assert_true(lgmp_inspect_region(fx->mem, fx->size, in));
  assert_int_equal(in->error, LGMP_INSPECT_OK);
  assert_int_equal(in->magic, 0x504D474Cu);
  assert_memory_equal(fx->mem, "LGMP", 4);
  assert_int_equal(in->version, 6);
  assert_int_equal(in->session_id, 0x627A5D95u);
  assert_int_equal(in->timestamp, 2955429);
  assert_int_equal(in->num_queues, 2);
  assert_int_equal(in->udata_size, 197);
  assert_ptr_equal(in->udata, fx->mem + 5756);
}

static void check_queue(const struct lgmp_inspect_queue *q, uint32_t id, uint32_t nmsg,
                        uint32_t pos, uint32_t moff, uint64_t msg_timeout)
{
  assert_int_equal(q->queue_id, id);
  assert_int_equal(q->num_messages, nmsg);
  assert_int_equal(q->new_sub_count, 0);
  assert_int_equal(q->max_time, 1000);
  assert_int_equal(q->position, pos);
  assert_int_equal(q->messages_offset, moff);
  assert_int_equal(q->lock, 0);
  assert_true(q->subs == 0x0000000100000000ull);
  assert_int_equal(q->start, pos);
  assert_true(q->msg_timeout == msg_timeout);
  assert_int_equal(q->count, 0);
  assert_int_equal(q->cmsg_lock, 0);
  assert_int_equal(q->cmsg_avail, 10);
  assert_int_equal(q->cmsg_wpos, 0);
  assert_int_equal(q->cmsg_wserial, 0);
  assert_int_equal(q->cmsg_rserial, 0);
  assert_int_equal(q->client_id[0], 0x6B8B4567u);
  assert_true(q->timeout[0] == 0);
  for (uint32_t b = 1; b < LGMP_SUBS_MAX; ++b) {
    assert_int_equal(q->client_id[b], 0);
    assert_true(q->timeout[b] == 0);
  }
}

static void test_queues(void **state)
{
  struct fixture *fx = *state;
  struct lgmp_inspect *in = &fx->in;
  assert_true(lgmp_inspect_region(fx->mem, fx->size, in));
  assert_int_equal(lgmp_inspect_find_queue(in, LGMP_Q_FRAME), 0);
  assert_int_equal(lgmp_inspect_find_queue(in, LGMP_Q_POINTER), 1);
  check_queue(&in->queues[0], LGMP_Q_FRAME, 3, 2, 5960, 2956429);
  check_queue(&in->queues[1], LGMP_Q_POINTER, 21, 1, 6008, 2884621);
}

static void test_ring_slots(void **state)
{
  struct fixture *fx = *state;
  struct lgmp_inspect *in = &fx->in;
  struct lgmp_header_message m;
  assert_true(lgmp_inspect_region(fx->mem, fx->size, in));
  const uint32_t frame_off[3] = {0x302000, 0x2181000, 0x2181000};
  for (uint32_t k = 0; k < 3; ++k) {
    assert_true(lgmp_inspect_message(fx->mem, fx->size, &in->queues[0], k, &m));
    assert_int_equal(m.udata, 0);
    assert_int_equal(m.size, 31977472);
    assert_int_equal(m.offset, frame_off[k]);
    assert_int_equal(m.pending_subs, 0);
  }
  assert_true(lgmp_inspect_message(fx->mem, fx->size, &in->queues[1], 0, &m));
  assert_int_equal(m.udata, 0x7);
  assert_int_equal(m.size, 1048600);
  assert_int_equal(m.offset, 0x1AA8);
  assert_int_equal(m.pending_subs, 0);
  for (uint32_t k = 1; k < 21; ++k) {
    assert_true(lgmp_inspect_message(fx->mem, fx->size, &in->queues[1], k, &m));
    assert_int_equal(m.udata | m.size | m.offset | m.pending_subs, 0);
  }
  assert_false(lgmp_inspect_message(fx->mem, fx->size, &in->queues[1], 21, &m));
}

static void test_kvmfr(void **state)
{
  struct fixture *fx = *state;
  struct lg_kvmfr_udata u;
  char msg[200];
  const uint8_t *ud = fx->mem + 5756;
  assert_int_equal(lg_kvmfr_udata_decode(ud, 197, &u, msg, sizeof(msg)), LG_KVMFR_UDATA_OK);
  assert_memory_equal(ud, "KVMFR---", 8);
  assert_int_equal(u.version, 20);
  assert_string_equal(u.hostver, "B7");
  for (int i = 2; i < 32; ++i)
    assert_int_equal(ud[12 + i], 0);
  assert_int_equal(u.features, 0);

  assert_int_equal(u.record_count, 2);
  assert_true(u.records_complete);
  assert_int_equal(u.parsed_bytes, 197);
  assert_int_equal(u.warning_count, 0);
  assert_false(u.has_lgdiag);

  assert_int_equal(u.records[0].type, KVMFR_RECORD_VMINFO);
  assert_int_equal(u.records[0].size, 60);
  assert_int_equal(u.records[0].offset, 48);
  assert_int_equal(5756 + u.records[0].offset, 0x16AC);
  static const uint8_t h1[8] = {0x01, 0x36, 0xD0, 0xBC, 0x3C, 0, 0, 0};
  assert_memory_equal(ud + 48, h1, 8);
  static const uint8_t zero16[16] = {0};
  assert_true(u.has_vminfo);
  assert_memory_equal(u.vminfo.uuid, zero16, 16);
  assert_string_equal(u.vminfo.capture, "XCB");
  assert_int_equal(u.vminfo.cpus, 2);
  assert_int_equal(u.vminfo.cores, 2);
  assert_int_equal(u.vminfo.sockets, 1);
  assert_string_equal(u.vminfo.model, "AMD EPYC");
  assert_int_equal(strlen(u.vminfo.model) + 1 + 51, 60);

  assert_int_equal(u.records[1].type, KVMFR_RECORD_OSINFO);
  assert_int_equal(u.records[1].size, 73);
  assert_int_equal(u.records[1].offset, 116);
  assert_int_equal(5756 + u.records[1].offset, 0x16F0);
  static const uint8_t h2[8] = {0x02, 0x4D, 0x44, 0x20, 0x49, 0, 0, 0};
  assert_memory_equal(ud + 116, h2, 8);
  assert_true(u.has_osinfo);
  assert_int_equal(u.osinfo.os, KVMFR_OS_LINUX);
  assert_string_equal(u.osinfo.name,
                      "Debian GNU/Linux 12 (bookworm), kernel: Linux 6.18.44-fc-v782 on x86_64");
  assert_int_equal(u.records[1].offset + 8 + u.records[1].size, 197);
}

/* The README's image formula: bytes B, G, R, X of pixel (x, y). */
static uint32_t expected_pixel(uint32_t x, uint32_t y)
{
  uint8_t r, g, b;
  if (x < 960) {
    r = (uint8_t)(x % 256);
    g = (uint8_t)(y % 256);
    b = 0x40;
  } else {
    static const uint32_t quad[4] = {0xFF0000, 0x00FF00, 0x0000FF, 0x123456};
    uint32_t c = quad[(y >= 540 ? 2 : 0) + (x >= 1440 ? 1 : 0)];
    r = (uint8_t)(c >> 16);
    g = (uint8_t)(c >> 8);
    b = (uint8_t)c;
  }
  return (uint32_t)b | ((uint32_t)g << 8) | ((uint32_t)r << 16);
}

static void check_frame_header(const struct kvmfr_frame *h, uint32_t serial)
{
  assert_int_equal(h->format_ver, 0);
  assert_int_equal(h->frame_serial, serial);
  assert_int_equal(h->type, FRAME_TYPE_BGRA);
  assert_int_equal(h->screen_width, 1920);
  assert_int_equal(h->screen_height, 1080);
  assert_int_equal(h->data_width, 1920);
  assert_int_equal(h->data_height, 1080);
  assert_int_equal(h->frame_width, 1920);
  assert_int_equal(h->frame_height, 1080);
  assert_int_equal(h->rotation, 0);
  assert_int_equal(h->stride, 1920);
  assert_int_equal(h->pitch, 7680);
  assert_int_equal(h->offset, 4092);
  assert_int_equal(h->damage_rects_count, 0);
  assert_int_equal(h->flags, 0);
}

static void test_newest_frame(void **state)
{
  struct fixture *fx = *state;
  struct lgmp_inspect *in = &fx->in;
  struct lgmp_header_message m;
  struct lg_frame_view v;
  char msg[256];
  assert_true(lgmp_inspect_region(fx->mem, fx->size, in));
  uint32_t idx = lgmp_inspect_newest_index(&in->queues[0]);
  assert_int_equal(idx, 1);
  assert_true(lgmp_inspect_message(fx->mem, fx->size, &in->queues[0], idx, &m));
  assert_int_equal(m.offset, 0x2181000);
  assert_int_equal(m.offset, 35131392);
  assert_int_equal(m.size, 31977472);
  assert_int_equal(m.pending_subs, 0);

  assert_int_equal(lg_frame_validate(fx->mem, fx->size, m.offset, m.size, &v, msg, sizeof(msg)),
                   LG_FRAME_OK);
  check_frame_header(&v.header, 2143);
  assert_int_equal(v.wp_offset, 0x2181FFC);
  assert_int_equal(v.data_offset, 0x2182000);
  assert_int_equal(v.data_size, 8294400);
  assert_int_equal(v.damage_count, 0);

  const uint8_t *data;
  const uint32_t *wp;
  assert_true(lg_frame_pointers(fx->mem, fx->size, &v, &data, &wp));
  assert_ptr_equal(data, fx->mem + 0x2182000);
  assert_int_equal(lg_frame_load_wp(wp), 8294400);
  assert_int_equal(lg_frame_load_wp(wp), 1080 * 7680);

  /* the listed pixels, as bytes B G R X */
  static const struct {
    uint32_t x, y;
    uint8_t bgrx[4];
  } listed[] = {
      {0, 0, {0x40, 0x00, 0x00, 0x00}},       {100, 200, {0x40, 0xC8, 0x64, 0x00}},
      {255, 255, {0x40, 0xFF, 0xFF, 0x00}},   {256, 0, {0x40, 0x00, 0x00, 0x00}},
      {959, 1079, {0x40, 0x37, 0xBF, 0x00}},  {960, 0, {0x00, 0x00, 0xFF, 0x00}},
      {1439, 539, {0x00, 0x00, 0xFF, 0x00}},  {1440, 0, {0x00, 0xFF, 0x00, 0x00}},
      {960, 540, {0xFF, 0x00, 0x00, 0x00}},   {1440, 540, {0x56, 0x34, 0x12, 0x00}},
      {1919, 1079, {0x56, 0x34, 0x12, 0x00}},
  };
  for (size_t i = 0; i < sizeof(listed) / sizeof(listed[0]); ++i) {
    const uint8_t *p = fx->mem + 0x2182000 + (size_t)listed[i].y * 7680 + (size_t)listed[i].x * 4;
    assert_memory_equal(p, listed[i].bgrx, 4);
  }

  /* every pixel against the formula; the fourth byte is 0x00 everywhere */
  uint64_t mismatches = 0;
  for (uint32_t y = 0; y < 1080; ++y)
    for (uint32_t x = 0; x < 1920; ++x) {
      uint32_t px;
      memcpy(&px, data + (size_t)y * v.header.pitch + (size_t)x * 4, 4);
      mismatches += px != expected_pixel(x, y);
    }
  assert_int_equal(mismatches, 0);

  /* everything after frame 1's pixels is zero */
  for (size_t o = 0x296B000; o < fx->size; ++o)
    if (fx->mem[o] != 0)
      fail_msg("non-zero byte at 0x%zx", o);
}

static void test_older_frame(void **state)
{
  struct fixture *fx = *state;
  struct lg_frame_view v;
  const uint8_t *data;
  const uint32_t *wp;
  assert_int_equal(lg_frame_validate(fx->mem, fx->size, 0x302000, 31977472, &v, NULL, 0),
                   LG_FRAME_OK);
  check_frame_header(&v.header, 2142);
  assert_true(lg_frame_pointers(fx->mem, fx->size, &v, &data, &wp));
  assert_ptr_equal(data, fx->mem + 0x303000);
  assert_int_equal(lg_frame_load_wp(wp), 8294400);
  assert_true(lg_serial_newer(2143, v.header.frame_serial));
  /* the same image */
  assert_memory_equal(data, fx->mem + 0x2182000, 8294400);
}

static void test_cursor(void **state)
{
  struct fixture *fx = *state;
  struct lgmp_inspect *in = &fx->in;
  struct lgmp_header_message m;
  struct lg_cursor_view v;
  char msg[256];
  assert_true(lgmp_inspect_region(fx->mem, fx->size, in));
  uint32_t idx = lgmp_inspect_newest_index(&in->queues[1]);
  assert_int_equal(idx, 0);
  assert_true(lgmp_inspect_message(fx->mem, fx->size, &in->queues[1], idx, &m));
  assert_int_equal(m.udata, CURSOR_FLAG_POSITION | CURSOR_FLAG_VISIBLE | CURSOR_FLAG_SHAPE);
  assert_int_equal(
      lg_cursor_validate(fx->mem, fx->size, m.offset, m.size, m.udata, &v, msg, sizeof(msg)),
      LG_CURSOR_OK);
  assert_int_equal(v.header.x, 953);
  assert_int_equal(v.header.y, 533);
  assert_int_equal(v.header.type, CURSOR_TYPE_COLOR);
  assert_int_equal(v.header.hx, 7);
  assert_int_equal(v.header.hy, 7);
  assert_int_equal(v.header.x + v.header.hx, 960);
  assert_int_equal(v.header.y + v.header.hy, 540);
  assert_int_equal(v.header.width, 16);
  assert_int_equal(v.header.height, 16);
  assert_int_equal(v.header.pitch, 64);
  assert_true(v.has_shape);
  assert_int_equal(v.shape_offset, 0x1AC0);
  assert_int_equal(v.shape_size, 1024);

  uint32_t nonzero = 0;
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t px;
    memcpy(&px, fx->mem + v.shape_offset + 4 * i, 4);
    assert_true(px == 0 || px == 0xFFFFFFFFu || px == 0xFF000000u);
    nonzero += px != 0;
    if (i < 16) {
      uint32_t want = (i < 4 || i >= 12) ? 0xFFFFFFFFu : 0;
      assert_int_equal(px, want);
    }
  }
  assert_int_equal(nonzero, 176);
}

int main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: %s REGION\n", argv[0]);
    return 1;
  }
  g_path = argv[1];
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lgmp_header),  cmocka_unit_test(test_queues),
      cmocka_unit_test(test_ring_slots),   cmocka_unit_test(test_kvmfr),
      cmocka_unit_test(test_newest_frame), cmocka_unit_test(test_older_frame),
      cmocka_unit_test(test_cursor),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
