/* Unit tests of the KVMFR FrameBuffer: write/read round trips, a reader running while the
 * writer writes, damage copies that touch only their rects, a rising wp that ends at
 * height * pitch, wait timeouts, bounds on hostile sizes, and damage accumulation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lg/framebuffer.h"
#include "lg/thread.h"
#include "lg/time.h"

#define CANARY 0xA5u

/* A FrameBuffer whose data starts 4096-aligned, as in the region. */
struct fb_mem {
  uint8_t *base;
  struct lg_framebuffer *fb;
};

static void fb_mem_init(struct fb_mem *m, size_t data_bytes)
{
  m->base = aligned_alloc(4096, 4096 + ((data_bytes + 4095) & ~(size_t)4095));
  assert_non_null(m->base);
  m->fb = (struct lg_framebuffer *)(void *)(m->base + 4096 - 4);
  atomic_store(&m->fb->wp, 0xdeadbeefu);
}

static void fill_pattern(uint8_t *p, size_t n, uint32_t seed)
{
  uint32_t x = seed | 1u;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    p[i] = (uint8_t)x;
  }
}

static uint32_t wp_of(struct lg_framebuffer *fb) { return atomic_load(&fb->wp); }

/* ---- round trips ---------------------------------------------------------------------- */

struct geom {
  size_t src_pitch, dst_pitch, row_bytes, height;
};

static void round_trip(const struct geom *g, struct lg_copy_pool *pool)
{
  size_t src_size = g->height * g->src_pitch;
  size_t fb_size = g->height * g->dst_pitch;
  uint8_t *src = malloc(src_size);
  assert_non_null(src);
  fill_pattern(src, src_size, (uint32_t)(g->height * 31 + g->dst_pitch));
  struct fb_mem m;
  fb_mem_init(&m, fb_size);

  lg_fb_prepare(m.fb);
  assert_int_equal(wp_of(m.fb), 0);
  assert_true(
      lg_fb_write_full(m.fb, src, g->src_pitch, g->dst_pitch, g->height, g->row_bytes, pool));
  assert_int_equal(wp_of(m.fb), fb_size);
  for (size_t y = 0; y < g->height; ++y)
    assert_memory_equal(m.fb->data + y * g->dst_pitch, src + y * g->src_pitch, g->row_bytes);

  /* Read back with the frame's pitch into a differently pitched buffer, and a same-pitch one. */
  size_t out_pitches[2] = {g->row_bytes + 13, g->dst_pitch};
  for (int k = 0; k < 2; ++k) {
    size_t op = out_pitches[k];
    uint8_t *out = malloc(g->height * op + 1);
    assert_non_null(out);
    memset(out, CANARY, g->height * op + 1);
    assert_true(lg_fb_read(m.fb, out, op, g->dst_pitch, g->height, g->row_bytes, 0));
    for (size_t y = 0; y < g->height; ++y)
      assert_memory_equal(out + y * op, src + y * g->src_pitch, g->row_bytes);
    assert_int_equal(out[g->height * op], CANARY);
    free(out);
  }
  free(m.base);
  free(src);
}

static const struct geom geoms[] = {
    {7680, 7680, 7680, 1080},   /* 1080p BGRA, tight */
    {8192, 7680, 7680, 1080},   /* capture pitch wider than the slot's */
    {7680, 8192, 7680, 300},    /* slot pitch wider */
    {100, 100, 97, 50},         /* odd sizes, same pitch */
    {1000, 1003, 999, 7},       /* odd sizes, different pitch */
    {15360, 15360, 15360, 2160} /* 4K: 33 MiB, above the streaming threshold */
};

static void test_round_trip(void **state)
{
  struct lg_copy_pool *pool = lg_copy_pool_new(2);
  assert_non_null(pool);
  for (size_t i = 0; i < sizeof(geoms) / sizeof(geoms[0]); ++i) {
    round_trip(&geoms[i], NULL);
    round_trip(&geoms[i], pool);
  }
  lg_copy_pool_free(pool);
}

/* ---- concurrent writer and reader ------------------------------------------------------- */

struct writer_ctx {
  struct lg_framebuffer *fb;
  const uint8_t *src;
  struct geom g;
  struct lg_copy_pool *pool;
  uint32_t delay_ms;
  bool manual;       /* emulate a slow writer: bands of 16 rows, 1 ms apart */
  _Atomic bool stop; /* for the wp monitor */
  _Atomic bool bad;  /* monitor saw wp go down */
  _Atomic uint32_t distinct;
  bool ok;
};

static int writer_main(void *opaque)
{
  struct writer_ctx *c = opaque;
  lg_sleep_ms(c->delay_ms);
  if (!c->manual) {
    c->ok = lg_fb_write_full(c->fb, c->src, c->g.src_pitch, c->g.dst_pitch, c->g.height,
                             c->g.row_bytes, c->pool);
    return 0;
  }
  for (size_t y = 0; y < c->g.height; y += 16) {
    size_t end = y + 16 < c->g.height ? y + 16 : c->g.height;
    for (size_t r = y; r < end; ++r)
      memcpy(c->fb->data + r * c->g.dst_pitch, c->src + r * c->g.src_pitch, c->g.row_bytes);
    atomic_store_explicit(&c->fb->wp, (uint32_t)(end * c->g.dst_pitch), memory_order_release);
    lg_sleep_ms(1);
  }
  c->ok = true;
  return 0;
}

static void concurrent(const struct geom *g, bool manual, struct lg_copy_pool *pool)
{
  size_t src_size = g->height * g->src_pitch;
  uint8_t *src = malloc(src_size);
  assert_non_null(src);
  fill_pattern(src, src_size, 77);
  struct fb_mem m;
  fb_mem_init(&m, g->height * g->dst_pitch);
  size_t op = g->row_bytes + 64;
  uint8_t *out = malloc(g->height * op);
  assert_non_null(out);

  lg_fb_prepare(m.fb);
  struct writer_ctx c = {
      .fb = m.fb, .src = src, .g = *g, .pool = pool, .delay_ms = 20, .manual = manual};
  struct lg_thread *t = lg_thread_create("fb-writer", writer_main, &c);
  assert_non_null(t);
  /* The writer sleeps 20 ms first: the read below starts before any data exists. */
  assert_int_equal(wp_of(m.fb), 0);
  bool ok = lg_fb_read(m.fb, out, op, g->dst_pitch, g->height, g->row_bytes, 1000000000ull);
  assert_true(lg_thread_join(t, NULL));
  assert_true(ok);
  assert_true(c.ok);
  for (size_t y = 0; y < g->height; ++y)
    assert_memory_equal(out + y * op, src + y * g->src_pitch, g->row_bytes);

  /* Same-pitch destination takes the contiguous path. */
  lg_fb_prepare(m.fb);
  c.ok = false;
  t = lg_thread_create("fb-writer", writer_main, &c);
  assert_non_null(t);
  uint8_t *out2 = malloc(g->height * g->dst_pitch);
  assert_non_null(out2);
  ok = lg_fb_read(m.fb, out2, g->dst_pitch, g->dst_pitch, g->height, g->row_bytes, 1000000000ull);
  assert_true(lg_thread_join(t, NULL));
  assert_true(ok);
  for (size_t y = 0; y < g->height; ++y)
    assert_memory_equal(out2 + y * g->dst_pitch, src + y * g->src_pitch, g->row_bytes);

  free(out2);
  free(out);
  free(m.base);
  free(src);
}

static void test_concurrent_read(void **state)
{
  struct geom big = {15360, 15360, 15360, 2160};
  struct geom pitched = {8192, 7936, 7680, 1080};
  struct lg_copy_pool *pool = lg_copy_pool_new(2);
  assert_non_null(pool);
  concurrent(&big, false, NULL);
  concurrent(&big, false, pool);
  concurrent(&pitched, false, pool);
  concurrent(&pitched, true, NULL);
  lg_copy_pool_free(pool);
}

/* ---- wp is monotonic and ends at height * pitch ---------------------------------------- */

static int monitor_main(void *opaque)
{
  struct writer_ctx *c = opaque;
  uint32_t last = atomic_load(&c->fb->wp);
  uint32_t distinct = 1;
  while (!atomic_load(&c->stop)) {
    uint32_t w = atomic_load_explicit(&c->fb->wp, memory_order_acquire);
    if (w < last)
      atomic_store(&c->bad, true);
    if (w != last)
      ++distinct;
    last = w;
  }
  atomic_store(&c->distinct, distinct);
  return 0;
}

static void test_wp_monotonic(void **state)
{
  struct geom g = {15360, 15360, 15360, 2160};
  size_t total = g.height * g.dst_pitch;
  uint8_t *src = malloc(g.height * g.src_pitch);
  assert_non_null(src);
  fill_pattern(src, g.height * g.src_pitch, 5);
  struct fb_mem m;
  fb_mem_init(&m, total);
  struct lg_copy_pool *pool = lg_copy_pool_new(2);
  assert_non_null(pool);
  struct frame_damage_rect rects[3] = {{0, 100, 3840, 900}, {5, 1500, 100, 600}, {0, 0, 1, 1}};

  for (int mode = 0; mode < 4; ++mode) {
    lg_fb_prepare(m.fb);
    struct writer_ctx c = {.fb = m.fb};
    struct lg_thread *t = lg_thread_create("fb-monitor", monitor_main, &c);
    assert_non_null(t);
    lg_sleep_ms(2);
    bool ok;
    struct lg_copy_pool *p = (mode & 1) ? pool : NULL;
    if (mode < 2)
      ok = lg_fb_write_full(m.fb, src, g.src_pitch, g.dst_pitch, g.height, g.row_bytes, p);
    else
      ok = lg_fb_write_rects(m.fb, src, g.src_pitch, g.dst_pitch, g.height, 4, rects, 3, p);
    lg_sleep_ms(2);
    atomic_store(&c.stop, true);
    assert_true(lg_thread_join(t, NULL));
    assert_true(ok);
    assert_false(atomic_load(&c.bad));
    assert_int_equal(wp_of(m.fb), total);
    print_message("mode %d: monitor saw %u distinct wp values\n", mode,
                  (unsigned)atomic_load(&c.distinct));
  }
  lg_copy_pool_free(pool);
  free(m.base);
  free(src);
}

/* ---- damage copies ------------------------------------------------------------------------ */

/* The reference clip: texels [x, x+w) within `texels`, rows [y, y+h) within `height`. */
static bool in_rects(const struct frame_damage_rect *r, size_t n, size_t x, size_t y)
{
  for (size_t i = 0; i < n; ++i)
    if (x >= r[i].x && x < (uint64_t)r[i].x + r[i].width && y >= r[i].y &&
        y < (uint64_t)r[i].y + r[i].height)
      return true;
  return false;
}

static const struct frame_damage_rect canary_rects[] = {
    {10, 5, 20, 10},
    {15, 8, 40, 3},              /* overlaps the first */
    {0, 150, 300, 10},           /* whole visible width */
    {290, 190, 50, 50},          /* clipped right and bottom */
    {5, 100, 0, 10},             /* empty */
    {UINT32_MAX - 1, 5, 10, 10}, /* x + width wraps a u32 */
    {1, UINT32_MAX - 2, 5, 10},  /* y + height wraps a u32 */
    {100, 60, 1, 1},
};
#define NCANARY (sizeof(canary_rects) / sizeof(canary_rects[0]))

/* Checks that every byte of `dst` is `src` inside the rects (clipped) and CANARY outside. */
static void check_rect_copy(const uint8_t *dst, size_t dst_pitch, const uint8_t *src,
                            size_t src_pitch, size_t height, size_t texels, size_t bpp)
{
  for (size_t y = 0; y < height; ++y)
    for (size_t b = 0; b < dst_pitch; ++b) {
      size_t x = b / bpp;
      bool inside = x < texels && in_rects(canary_rects, NCANARY, x, y);
      uint8_t want = inside ? src[y * src_pitch + b] : CANARY;
      if (dst[y * dst_pitch + b] != want)
        fail_msg("byte %zu of row %zu: %u, want %u (%s)", b, y, dst[y * dst_pitch + b], want,
                 inside ? "inside" : "outside");
    }
}

static void test_write_rects_canary(void **state)
{
  const size_t height = 200, src_pitch = 1280, dst_pitch = 1216, bpp = 4;
  uint8_t *src = malloc(height * src_pitch);
  assert_non_null(src);
  fill_pattern(src, height * src_pitch, 9);
  struct fb_mem m;
  fb_mem_init(&m, height * dst_pitch);
  struct lg_copy_pool *pool = lg_copy_pool_new(2);
  assert_non_null(pool);
  for (int p = 0; p < 2; ++p) {
    memset(m.fb->data, CANARY, height * dst_pitch);
    lg_fb_prepare(m.fb);
    assert_true(lg_fb_write_rects(m.fb, src, src_pitch, dst_pitch, height, bpp, canary_rects,
                                  NCANARY, p ? pool : NULL));
    assert_int_equal(wp_of(m.fb), height * dst_pitch);
    check_rect_copy(m.fb->data, dst_pitch, src, src_pitch, height, dst_pitch / bpp, bpp);
  }
  lg_copy_pool_free(pool);
  free(m.base);
  free(src);
}

static void test_read_rects_canary(void **state)
{
  const size_t height = 200, src_pitch = 1216, dst_pitch = 1240, bpp = 4;
  struct fb_mem m;
  fb_mem_init(&m, height * src_pitch);
  fill_pattern(m.fb->data, height * src_pitch, 11);
  atomic_store(&m.fb->wp, (uint32_t)(height * src_pitch));
  uint8_t *dst = malloc(height * dst_pitch);
  assert_non_null(dst);
  memset(dst, CANARY, height * dst_pitch);
  assert_true(
      lg_fb_read_rects(m.fb, dst, dst_pitch, src_pitch, height, bpp, canary_rects, NCANARY, 0));
  check_rect_copy(dst, dst_pitch, m.fb->data, src_pitch, height, src_pitch / bpp, bpp);

  /* wp stops at row 120: the rect at row 150 cannot be read; the wait gives up. */
  atomic_store(&m.fb->wp, (uint32_t)(120 * src_pitch));
  uint64_t t0 = lg_time_ns();
  assert_false(lg_fb_read_rects(m.fb, dst, dst_pitch, src_pitch, height, bpp, canary_rects, NCANARY,
                                5000000ull));
  uint64_t ms = (lg_time_ns() - t0) / 1000000ull;
  assert_true(ms >= 5 && ms < 500);
  free(dst);
  free(m.base);
}

static void test_write_rects_full_fallback(void **state)
{
  const size_t height = 64, pitch = 256;
  uint8_t src[64 * 256];
  fill_pattern(src, sizeof(src), 3);
  struct fb_mem m;
  fb_mem_init(&m, sizeof(src));
  struct frame_damage_rect many[KVMFR_MAX_DAMAGE_RECTS + 1] = {{0, 0, 1, 1}};
  /* NULL, 0 and > 64 rects all mean full damage. */
  for (int k = 0; k < 3; ++k) {
    memset(m.fb->data, CANARY, sizeof(src));
    lg_fb_prepare(m.fb);
    const struct frame_damage_rect *r = k == 0 ? NULL : many;
    size_t n = k == 1 ? 0 : KVMFR_MAX_DAMAGE_RECTS + 1;
    assert_true(lg_fb_write_rects(m.fb, src, pitch, pitch, height, 4, r, n, NULL));
    assert_memory_equal(m.fb->data, src, sizeof(src));
    assert_int_equal(wp_of(m.fb), sizeof(src));
  }
  free(m.base);
}

/* ---- waits, bad sizes and bounds --------------------------------------------------------- */

static void test_wait(void **state)
{
  struct fb_mem m;
  fb_mem_init(&m, 4096);
  lg_fb_prepare(m.fb);
  uint64_t t0 = lg_time_ns();
  assert_false(lg_fb_wait(m.fb, 100, 5000000ull));
  uint64_t ms = (lg_time_ns() - t0) / 1000000ull;
  assert_true(ms >= 5 && ms < 500);

  t0 = lg_time_ns();
  assert_false(lg_fb_wait(m.fb, 1, 0)); /* default budget: 10 ms */
  ms = (lg_time_ns() - t0) / 1000000ull;
  assert_true(ms >= 10 && ms < 1000);

  assert_false(lg_fb_wait(m.fb, (uint64_t)UINT32_MAX + 1, 1000000ull));
  atomic_store(&m.fb->wp, 4096);
  assert_true(lg_fb_wait(m.fb, 4096, 1));
  assert_true(lg_fb_wait(m.fb, 0, 1));
  assert_false(lg_fb_wait(m.fb, 4097, 1000000ull));
  free(m.base);
}

static void test_bad_sizes(void **state)
{
  struct fb_mem m;
  fb_mem_init(&m, 4096);
  uint8_t buf[4096] = {0};
  atomic_store(&m.fb->wp, 123);
  /* row wider than a pitch */
  assert_false(lg_fb_write_full(m.fb, buf, 64, 64, 4, 65, NULL));
  assert_false(lg_fb_write_full(m.fb, buf, 128, 64, 4, 100, NULL));
  /* height * pitch past a u32 (nothing is touched, so the small buffer is safe) */
  assert_false(lg_fb_write_full(m.fb, buf, 70000, 70000, 70000, 64, NULL));
  struct frame_damage_rect r = {0, 0, 1, 1};
  assert_false(lg_fb_write_rects(m.fb, buf, 70000, 70000, 70000, 4, &r, 1, NULL));
  assert_false(lg_fb_write_rects(m.fb, buf, 64, 64, 4, 0, &r, 1, NULL));
  assert_int_equal(wp_of(m.fb), 123);

  assert_false(lg_fb_read(m.fb, buf, 64, 64, 4, 65, 1000));
  assert_false(lg_fb_read(m.fb, buf, 64, 70000, 70000, 64, 1000));
  assert_false(lg_fb_read_rects(m.fb, buf, 64, 64, 4, 0, &r, 1, 1000));
  assert_false(lg_fb_read_rects(m.fb, buf, 70000, 70000, 70000, 4, &r, 1, 1000));

  /* empty frames are fine and publish 0 */
  assert_true(lg_fb_write_full(m.fb, buf, 64, 64, 0, 64, NULL));
  assert_int_equal(wp_of(m.fb), 0);
  assert_true(lg_fb_read(m.fb, buf, 64, 64, 0, 64, 1000));
  free(m.base);
}

/* The data ends exactly at an inaccessible page and a hostile wp claims 4 GiB: reading must
 * stop at height * pitch (an over-read faults and fails the test). */
static void test_read_stays_in_bounds(void **state)
{
  const size_t page = (size_t)sysconf(_SC_PAGESIZE);
  const size_t pitch = 1000, height = 3 * page / 1000 + 1;
  size_t data = pitch * height;
  size_t map = ((4 + data + page - 1) / page + 1) * page;
  uint8_t *base = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  assert_true(base != MAP_FAILED);
  assert_int_equal(mprotect(base + map - page, page, PROT_NONE), 0);
  struct lg_framebuffer *fb = (struct lg_framebuffer *)(void *)(base + map - page - data - 4);
  fill_pattern(fb->data, data, 21);
  atomic_store(&fb->wp, UINT32_MAX);

  uint8_t *out = malloc(height * 1200);
  assert_non_null(out);
  assert_true(lg_fb_read(fb, out, pitch, pitch, height, pitch, 0));
  assert_memory_equal(out, fb->data, data);
  assert_true(lg_fb_read(fb, out, 1200, pitch, height, pitch, 0));
  struct frame_damage_rect r[2] = {{0, 0, 100000, 100000}, {200, (uint32_t)height - 1, 60, 9}};
  assert_true(lg_fb_read_rects(fb, out, 1200, pitch, height, 4, r, 2, 0));
  assert_true(lg_fb_read_rects(fb, out, 1200, pitch, height, 4, NULL, 0, 0));
  free(out);
  munmap(base, map);
}

/* ---- damage accumulator ---------------------------------------------------------------- */

static void test_damage_acc_basic(void **state)
{
  struct lg_damage_acc acc;
  lg_damage_acc_init(&acc);
  assert_true(acc.full);
  struct frame_damage_rect a = {10, 10, 20, 20};
  lg_damage_acc_add(&acc, &a, 1);
  assert_true(acc.full); /* stays full until the buffer gets a frame */

  lg_damage_acc_clear(&acc);
  assert_false(acc.full);
  assert_int_equal(acc.count, 0);
  lg_damage_acc_add(&acc, &a, 1);
  assert_int_equal(acc.count, 1);
  struct frame_damage_rect inner = {12, 12, 5, 5};
  lg_damage_acc_add(&acc, &inner, 1); /* inside: nothing new */
  assert_int_equal(acc.count, 1);
  struct frame_damage_rect empty = {0, 0, 0, 9};
  lg_damage_acc_add(&acc, &empty, 1);
  assert_int_equal(acc.count, 1);
  struct frame_damage_rect below = {10, 30, 20, 5}; /* same columns, touching: merges */
  lg_damage_acc_add(&acc, &below, 1);
  assert_int_equal(acc.count, 1);
  assert_int_equal(acc.rects[0].y, 10);
  assert_int_equal(acc.rects[0].height, 25);
  struct frame_damage_rect outer = {0, 0, 100, 100}; /* swallows the rest */
  struct frame_damage_rect far = {500, 500, 1, 1};
  struct frame_damage_rect two[2] = {far, outer};
  lg_damage_acc_add(&acc, two, 2);
  assert_int_equal(acc.count, 2);

  /* u32 ends do not wrap */
  struct frame_damage_rect edge = {UINT32_MAX - 1, UINT32_MAX - 1, 10, 10};
  lg_damage_acc_add(&acc, &edge, 1);
  assert_int_equal(acc.count, 3);

  /* 0 rects is full damage */
  lg_damage_acc_add(&acc, two, 0);
  assert_true(acc.full);
  lg_damage_acc_clear(&acc);
  lg_damage_acc_add(&acc, NULL, 3);
  assert_true(acc.full);
}

static void test_damage_acc_overflow(void **state)
{
  struct lg_damage_acc acc;
  lg_damage_acc_clear(&acc);
  struct frame_damage_rect r[KVMFR_MAX_DAMAGE_RECTS];
  for (uint32_t i = 0; i < KVMFR_MAX_DAMAGE_RECTS; ++i)
    r[i] = (struct frame_damage_rect){i * 10, i * 10, 5, 5}; /* disjoint */
  lg_damage_acc_add(&acc, r, KVMFR_MAX_DAMAGE_RECTS);
  assert_false(acc.full);
  assert_int_equal(acc.count, KVMFR_MAX_DAMAGE_RECTS);
  lg_damage_acc_add(&acc, r, 5); /* already there: still fits */
  assert_false(acc.full);
  struct frame_damage_rect extra = {1000, 1000, 5, 5};
  lg_damage_acc_add(&acc, &extra, 1); /* the 65th */
  assert_true(acc.full);
}

/* Random frames: while not full, the accumulated rects cover exactly the union of the input. */
static void test_damage_acc_union_exact(void **state)
{
  enum { G = 48 };
  uint32_t x = 12345;
  unsigned exact = 0, went_full = 0;
  for (int trial = 0; trial < 400; ++trial) {
    struct lg_damage_acc acc;
    lg_damage_acc_clear(&acc);
    bool ref[G][G] = {{false}};
    int frames = 1 + trial % 12;
    for (int f = 0; f < frames; ++f) {
      struct frame_damage_rect r[3];
      size_t n = 1 + (size_t)(trial + f) % 3;
      for (size_t i = 0; i < n; ++i) {
        x = x * 1103515245u + 12345u;
        uint32_t rx = (x >> 8) % G, ry = (x >> 16) % G;
        x = x * 1103515245u + 12345u;
        uint32_t rw = (x >> 8) % 12, rh = (x >> 16) % 12;
        if (trial % 5 == 0) /* aligned strips to exercise merging */
          rx = 0, rw = 8;
        r[i] = (struct frame_damage_rect){rx, ry, rw, rh};
        for (uint32_t yy = ry; yy < ry + rh && yy < G; ++yy)
          for (uint32_t xx = rx; xx < rx + rw && xx < G; ++xx)
            ref[yy][xx] = true;
      }
      lg_damage_acc_add(&acc, r, n);
    }
    if (acc.full) {
      ++went_full;
      continue;
    }
    ++exact;
    assert_true(acc.count <= KVMFR_MAX_DAMAGE_RECTS);
    for (uint32_t yy = 0; yy < G; ++yy)
      for (uint32_t xx = 0; xx < G; ++xx)
        assert_int_equal(in_rects(acc.rects, acc.count, xx, yy), ref[yy][xx]);
  }
  print_message("union exact in %u trials, full in %u\n", exact, went_full);
  assert_true(exact > 300);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_concurrent_read),
      cmocka_unit_test(test_wp_monotonic),
      cmocka_unit_test(test_write_rects_canary),
      cmocka_unit_test(test_read_rects_canary),
      cmocka_unit_test(test_write_rects_full_fallback),
      cmocka_unit_test(test_wait),
      cmocka_unit_test(test_bad_sizes),
      cmocka_unit_test(test_read_stays_in_bounds),
      cmocka_unit_test(test_damage_acc_basic),
      cmocka_unit_test(test_damage_acc_overflow),
      cmocka_unit_test(test_damage_acc_union_exact),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
