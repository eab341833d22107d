/* Unit tests of lg_copy, the streaming methods and the copy pool: every size and alignment
 * copies exactly the requested bytes (checked against memcmp) and nothing around them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lg/fastcopy.h"

#define GUARD 64u
#define CANARY 0xA5u

static const size_t sizes[] = {
    0,    1,    15,    63,     64,          65, 255, 256, 257,
    4095, 4096, 65537, 300000, 1048576 + 3, 0,  0}; /* the last two: threshold +- 1, filled at run
                                                       time */

struct bufs {
  uint8_t *src, *dst;
  size_t cap;
};

static void bufs_init(struct bufs *b, size_t cap)
{
  b->cap = cap;
  b->src = malloc(cap + 2 * GUARD + 64);
  b->dst = malloc(cap + 2 * GUARD + 64);
  assert_non_null(b->src);
  assert_non_null(b->dst);
  uint32_t x = 0x12345678u;
  for (size_t i = 0; i < cap + 2 * GUARD + 64; ++i) {
    x = x * 1664525u + 1013904223u;
    b->src[i] = (uint8_t)(x >> 24);
  }
}

static void bufs_free(struct bufs *b)
{
  free(b->src);
  free(b->dst);
}

/* Copies n bytes at the given misalignments with `fn` (or the pool) and checks the result. */
static void check_copy(struct bufs *b, size_t n, size_t soff, size_t doff, lg_copy_fn fn,
                       struct lg_copy_pool *pool)
{
  assert_true(n + GUARD + 64 <= b->cap + 2 * GUARD + 64);
  memset(b->dst, CANARY, b->cap + 2 * GUARD + 64);
  uint8_t *d = b->dst + GUARD + doff;
  const uint8_t *s = b->src + GUARD + soff;
  if (fn)
    fn(d, s, n);
  else
    lg_copy_pool_copy(pool, d, s, n);
  assert_memory_equal(d, s, n);
  for (size_t i = 0; i < GUARD + doff; ++i)
    assert_int_equal(b->dst[i], CANARY);
  for (size_t i = 0; i < GUARD; ++i)
    assert_int_equal(d[n + i], CANARY);
}

static size_t fill_sizes(size_t *out)
{
  size_t count = sizeof(sizes) / sizeof(sizes[0]);
  memcpy(out, sizes, sizeof(sizes));
  out[count - 2] = lg_copy_nt_threshold() - 1;
  out[count - 1] = lg_copy_nt_threshold() + 1;
  return count;
}

static const size_t offs[] = {0, 1, 7, 32, 63};
#define NOFFS (sizeof(offs) / sizeof(offs[0]))

static void test_lg_copy_sizes(void **state)
{
  size_t sz[sizeof(sizes) / sizeof(sizes[0])];
  size_t count = fill_sizes(sz);
  struct bufs b;
  bufs_init(&b, lg_copy_nt_threshold() + 4096);
  for (size_t i = 0; i < count; ++i)
    for (size_t s = 0; s < NOFFS; ++s)
      for (size_t d = 0; d < NOFFS; d += 2)
        check_copy(&b, sz[i], offs[s], offs[d], lg_copy, NULL);
  bufs_free(&b);
}

static void test_lg_copy_33mib(void **state)
{
  size_t n = 33u << 20;
  struct bufs b;
  bufs_init(&b, n + 64);
  check_copy(&b, n, 0, 0, lg_copy, NULL);
  check_copy(&b, n, 3, 17, lg_copy, NULL);
  bufs_free(&b);
}

static void test_every_impl(void **state)
{
  static const size_t n_list[] = {0, 1, 63, 64, 255, 256, 257, 1000, 4095, 65536 + 77, 1048576 + 3};
  struct bufs b;
  bufs_init(&b, 1048576 + 4096);
  unsigned supported = 0;
  assert_true(lg_copy_impl_count() >= 1);
  assert_null(lg_copy_impl_get(lg_copy_impl_count(), NULL));
  for (unsigned i = 0; i < lg_copy_impl_count(); ++i) {
    lg_copy_fn fn = NULL;
    const char *name = lg_copy_impl_get(i, &fn);
    if (!name)
      continue;
    ++supported;
    assert_non_null(fn);
    for (size_t k = 0; k < sizeof(n_list) / sizeof(n_list[0]); ++k)
      for (size_t s = 0; s < NOFFS; ++s)
        check_copy(&b, n_list[k], offs[s], offs[NOFFS - 1 - s], fn, NULL);
  }
  assert_true(supported >= 1); /* memcpy at least */
  bufs_free(&b);
}

static void stream_then_fence(void *dst, const void *src, size_t n)
{
  lg_copy_stream(dst, src, n);
  lg_copy_fence();
}

static void test_stream(void **state)
{
  struct bufs b;
  bufs_init(&b, 1048576 + 4096);
  for (size_t s = 0; s < NOFFS; ++s) {
    check_copy(&b, 1048576 + 3, offs[s], offs[(s + 2) % NOFFS], stream_then_fence, NULL);
    check_copy(&b, 200, offs[s], 0, stream_then_fence, NULL);
    check_copy(&b, 4097, offs[s], 1, stream_then_fence, NULL);
  }
  bufs_free(&b);
}

static void test_impl_name(void **state)
{
  const char *name = lg_copy_impl_name();
  assert_non_null(name);
  bool known = false;
  for (unsigned i = 0; i < lg_copy_impl_count(); ++i) {
    const char *n = lg_copy_impl_get(i, NULL);
    if (n && strcmp(n, name) == 0)
      known = true;
  }
  assert_true(known);
  assert_true(lg_copy_nt_threshold() >= 1048576);
}

static void test_pool_copy(void **state)
{
  static const unsigned threads[] = {0, 1, 2, 3};
  size_t sz[sizeof(sizes) / sizeof(sizes[0])];
  size_t count = fill_sizes(sz);
  size_t big = 33u << 20;
  struct bufs b;
  bufs_init(&b, big + 64);
  for (size_t t = 0; t < sizeof(threads) / sizeof(threads[0]); ++t) {
    struct lg_copy_pool *pool = lg_copy_pool_new(threads[t]);
    assert_non_null(pool);
    assert_true(lg_copy_pool_threads(pool) >= 1);
    if (threads[t])
      assert_int_equal(lg_copy_pool_threads(pool), threads[t]);
    for (size_t i = 0; i < count; ++i)
      check_copy(&b, sz[i], offs[i % NOFFS], offs[(i + 1) % NOFFS], NULL, pool);
    check_copy(&b, big, 0, 0, NULL, pool);
    check_copy(&b, big, 5, 9, NULL, pool);
    lg_copy_pool_free(pool);
  }
  check_copy(&b, 1048576 + 3, 1, 2, NULL, NULL); /* NULL pool copies inline */
  lg_copy_pool_free(NULL);
  assert_int_equal(lg_copy_pool_threads(NULL), 1);
  bufs_free(&b);
}

/* Many back-to-back jobs, with and without spinning: a lost wake-up would hang (CTest
 * timeout), a double or missed share would show in the counts. */
struct count_job {
  unsigned calls[8];
  unsigned parts_seen[8];
};

static void count_part(void *opaque, unsigned part, unsigned parts)
{
  struct count_job *j = opaque;
  j->calls[part]++;
  j->parts_seen[part] = parts;
}

static void test_pool_run_many(void **state)
{
  static const uint64_t spins[] = {0, 1000, LG_COPY_POOL_SPIN_NS};
  for (size_t s = 0; s < 3; ++s) {
    struct lg_copy_pool *pool = lg_copy_pool_new(3);
    assert_non_null(pool);
    lg_copy_pool_set_spin_ns(pool, spins[s]);
    struct count_job j = {{0}, {0}};
    const unsigned rounds = 5000;
    for (unsigned r = 0; r < rounds; ++r)
      lg_copy_pool_run(pool, count_part, &j, 3 + r % 5); /* 3..7 parts */
    /* part p exists in the rounds with more than p parts */
    for (unsigned p = 0; p < 8; ++p) {
      unsigned want = 0;
      for (unsigned r = 0; r < rounds; ++r)
        want += p < 3 + r % 5;
      assert_int_equal(j.calls[p], want);
    }
    lg_copy_pool_free(pool);
  }
  struct count_job j = {{0}, {0}};
  lg_copy_pool_run(NULL, count_part, &j, 2);
  assert_int_equal(j.calls[0], 1);
  assert_int_equal(j.calls[1], 1);
  assert_int_equal(j.parts_seen[1], 2);
  lg_copy_pool_run(NULL, count_part, &j, 0);
  assert_int_equal(j.calls[0], 1);
}

/* Repeated pool copies of changing data: each result must be the latest source. */
static void test_pool_copy_repeated(void **state)
{
  size_t n = 2u << 20;
  uint8_t *src = malloc(n), *dst = malloc(n);
  assert_non_null(src);
  assert_non_null(dst);
  struct lg_copy_pool *pool = lg_copy_pool_new(2);
  assert_non_null(pool);
  lg_copy_pool_set_spin_ns(pool, 0);
  for (unsigned r = 0; r < 200; ++r) {
    memset(src, (int)(r & 0xff), n);
    src[r * 7919u % n] = (uint8_t)~r;
    lg_copy_pool_copy(pool, dst, src, n);
    assert_memory_equal(dst, src, n);
  }
  lg_copy_pool_free(pool);
  free(src);
  free(dst);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_impl_name),     cmocka_unit_test(test_lg_copy_sizes),
      cmocka_unit_test(test_lg_copy_33mib), cmocka_unit_test(test_every_impl),
      cmocka_unit_test(test_stream),        cmocka_unit_test(test_pool_copy),
      cmocka_unit_test(test_pool_run_many), cmocka_unit_test(test_pool_copy_repeated),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
