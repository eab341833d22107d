/* lgmp_inspect on good and hostile regions: every broken header gives its own error and
 * never an out-of-bounds read (run under ASan to prove the latter). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lgmp/host.h"
#include "lgmp/inspect.h"

#define REGION_SIZE (1u << 20)

static uint64_t fake_now = 1000;
static uint64_t fake_clock(void *opaque)
{
  (void)opaque;
  return fake_now;
}

/* A region written by our host: 2 queues (frame id 2 n=2, pointer id 1 n=20), udata 197. */
static uint8_t *make_region(uint32_t size)
{
  uint8_t *mem = aligned_alloc(4096, size);
  assert_non_null(mem);
  memset(mem, 0, size);
  uint8_t udata[197];
  for (size_t i = 0; i < sizeof(udata); ++i)
    udata[i] = (uint8_t)i;
  struct lgmp_host *host = NULL;
  assert_int_equal(lgmp_host_init_clock(mem, size, udata, sizeof(udata), fake_clock, NULL, &host),
                   LGMP_OK);
  struct lgmp_host_queue *q;
  assert_int_equal(lgmp_host_queue_new(host, (struct lgmp_queue_config){2, 2, 1000}, &q), LGMP_OK);
  assert_int_equal(lgmp_host_queue_new(host, (struct lgmp_queue_config){1, 20, 1000}, &q), LGMP_OK);
  lgmp_host_free(&host);
  return mem;
}

static struct lgmp_header *hdr(uint8_t *mem) { return (struct lgmp_header *)mem; }

static enum lgmp_inspect_error inspect(const uint8_t *mem, size_t size)
{
  struct lgmp_inspect in;
  bool ok = lgmp_inspect_region(mem, size, &in);
  assert_int_equal(ok, in.error == LGMP_INSPECT_OK);
  assert_true(strlen(in.message) > 0);
  return in.error;
}

static void test_valid_region(void **state)
{
  (void)state;
  uint8_t *mem = make_region(REGION_SIZE);
  struct lgmp_inspect in;
  assert_true(lgmp_inspect_region(mem, REGION_SIZE, &in));
  assert_int_equal(in.magic, LGMP_PROTOCOL_MAGIC);
  assert_int_equal(in.version, 6);
  assert_int_equal(in.num_queues, 2);
  assert_int_equal(in.udata_size, 197);
  assert_ptr_equal(in.udata, mem + 5756);
  assert_int_equal(in.timestamp, 1000);
  assert_int_equal(lgmp_inspect_find_queue(&in, 2), 0);
  assert_int_equal(lgmp_inspect_find_queue(&in, 1), 1);
  assert_int_equal(lgmp_inspect_find_queue(&in, 3), -1);
  assert_int_equal(in.queues[0].messages_offset, 5960);
  assert_int_equal(in.queues[0].num_messages, 3);
  assert_int_equal(in.queues[1].messages_offset, 6008);
  assert_int_equal(in.queues[1].num_messages, 21);
  assert_int_equal(in.queues[1].cmsg_avail, 10);

  /* newest index: (position + n - 1) mod n */
  struct lgmp_inspect_queue q = in.queues[0];
  q.position = 2;
  assert_int_equal(lgmp_inspect_newest_index(&q), 1);
  q.position = 0;
  assert_int_equal(lgmp_inspect_newest_index(&q), 2);

  struct lgmp_header_message m;
  struct lgmp_header_message *ring = (struct lgmp_header_message *)(mem + 5960);
  ring[1] = (struct lgmp_header_message){7, 100, 8192, 1};
  assert_true(lgmp_inspect_message(mem, REGION_SIZE, &in.queues[0], 1, &m));
  assert_int_equal(m.udata, 7);
  assert_int_equal(m.size, 100);
  assert_int_equal(m.offset, 8192);
  assert_false(lgmp_inspect_message(mem, REGION_SIZE, &in.queues[0], 3, &m));
  ring[2] = (struct lgmp_header_message){0, 2, REGION_SIZE - 1, 0};
  assert_false(lgmp_inspect_message(mem, REGION_SIZE, &in.queues[0], 2, &m));
  assert_int_equal(inspect(mem, REGION_SIZE), LGMP_INSPECT_MESSAGE_BOUNDS);
  ring[2] = (struct lgmp_header_message){0, 0xFFFFFFFFu, 0xFFFFFFFFu, 0};
  assert_int_equal(inspect(mem, REGION_SIZE), LGMP_INSPECT_MESSAGE_BOUNDS);
  ring[2] = (struct lgmp_header_message){0, 1, REGION_SIZE - 1, 0};
  assert_int_equal(inspect(mem, REGION_SIZE), LGMP_INSPECT_OK);
  free(mem);
}

static void test_zero_and_small(void **state)
{
  (void)state;
  uint8_t *mem = calloc(1, REGION_SIZE);
  assert_int_equal(inspect(mem, REGION_SIZE), LGMP_INSPECT_ZERO);
  assert_int_equal(inspect(mem, 5759), LGMP_INSPECT_TOO_SMALL);
  assert_int_equal(inspect(mem, 0), LGMP_INSPECT_TOO_SMALL);
  assert_int_equal(inspect(NULL, REGION_SIZE), LGMP_INSPECT_TOO_SMALL);
  free(mem);

  /* a truncated copy of a valid header: malloc exactly the truncated size (ASan catches
   * any read past it) */
  uint8_t *good = make_region(REGION_SIZE);
  for (size_t sz = 0; sz < 5760; sz += 97) {
    uint8_t *t = malloc(sz ? sz : 1);
    memcpy(t, good, sz);
    assert_int_equal(inspect(t, sz), LGMP_INSPECT_TOO_SMALL);
    free(t);
  }
  /* header only (5760 bytes), udata 197 past the end */
  uint8_t *t = malloc(5760);
  memcpy(t, good, 5760);
  assert_int_equal(inspect(t, 5760), LGMP_INSPECT_UDATA_BOUNDS);
  free(t);
  free(good);
}

static void test_bad_header_fields(void **state)
{
  (void)state;
  uint8_t *mem = make_region(REGION_SIZE);
  struct lgmp_header *h = hdr(mem);

  h->magic = 0x12345678;
  assert_int_equal(inspect(mem, REGION_SIZE), LGMP_INSPECT_BAD_MAGIC);
  h->magic = LGMP_PROTOCOL_MAGIC;
  h->version = 5;
  assert_int_equal(inspect(mem, REGION_SIZE), LGMP_INSPECT_BAD_VERSION);
  h->version = 6;

  h->udata_size = REGION_SIZE - 5756 + 1;
  assert_int_equal(inspect(mem, REGION_SIZE), LGMP_INSPECT_UDATA_BOUNDS);
  h->udata_size = 0xFFFFFFFFu;
  assert_int_equal(inspect(mem, REGION_SIZE), LGMP_INSPECT_UDATA_BOUNDS);
  h->udata_size = 197;

  h->num_queues = 6;
  assert_int_equal(inspect(mem, REGION_SIZE), LGMP_INSPECT_QUEUE_COUNT);
  h->num_queues = 0xFFFFFFFFu;
  assert_int_equal(inspect(mem, REGION_SIZE), LGMP_INSPECT_QUEUE_COUNT);
  h->num_queues = 2;

  struct lgmp_header_queue *q = &h->queues[1];
  struct lgmp_header_queue saved = *q;
  q->messages_offset = REGION_SIZE - 16;
  assert_int_equal(inspect(mem, REGION_SIZE), LGMP_INSPECT_QUEUE_BOUNDS);
  q->messages_offset = 0xFFFFFFF0u;
  assert_int_equal(inspect(mem, REGION_SIZE), LGMP_INSPECT_QUEUE_BOUNDS);
  q->messages_offset = 100; /* inside the header */
  assert_int_equal(inspect(mem, REGION_SIZE), LGMP_INSPECT_QUEUE_BOUNDS);
  q->messages_offset = 6010; /* not 4-aligned */
  assert_int_equal(inspect(mem, REGION_SIZE), LGMP_INSPECT_QUEUE_BOUNDS);
  *q = saved;
  q->num_messages = 1;
  assert_int_equal(inspect(mem, REGION_SIZE), LGMP_INSPECT_QUEUE_BOUNDS);
  q->num_messages = 0x40000000u; /* 16 * n overflows u32 */
  assert_int_equal(inspect(mem, REGION_SIZE), LGMP_INSPECT_QUEUE_BOUNDS);
  *q = saved;
  q->position = 21;
  assert_int_equal(inspect(mem, REGION_SIZE), LGMP_INSPECT_QUEUE_BOUNDS);
  *q = saved;
  q->start = 0xFFFFFFFFu;
  assert_int_equal(inspect(mem, REGION_SIZE), LGMP_INSPECT_QUEUE_BOUNDS);
  *q = saved;
  assert_int_equal(inspect(mem, REGION_SIZE), LGMP_INSPECT_OK);
  free(mem);
}

/* Random bytes, and random bytes behind a valid magic/version: never a crash. */
static void test_random_regions(void **state)
{
  (void)state;
  const size_t size = 16384;
  uint8_t *mem = malloc(size);
  uint32_t x = 12345;
  int ok = 0;
  for (int round = 0; round < 2000; ++round) {
    for (size_t i = 0; i < size; ++i) {
      x = x * 1103515245u + 12345u;
      mem[i] = (uint8_t)(x >> 16);
    }
    if (round & 1) {
      hdr(mem)->magic = LGMP_PROTOCOL_MAGIC;
      hdr(mem)->version = 6;
      hdr(mem)->udata_size &= 0xFFF;
      hdr(mem)->num_queues &= 7;
    }
    struct lgmp_inspect in;
    if (lgmp_inspect_region(mem, size, &in))
      ok++;
    for (uint32_t i = 0; i < LGMP_MAX_QUEUES; ++i) {
      struct lgmp_header_message m;
      lgmp_inspect_message(mem, size, &in.queues[i], x % 64, &m);
    }
  }
  assert_true(ok < 2000);
  free(mem);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid_region),
      cmocka_unit_test(test_zero_and_small),
      cmocka_unit_test(test_bad_header_fields),
      cmocka_unit_test(test_random_regions),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
