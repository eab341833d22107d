/* Fast copies: memcpy for cache-sized data, streaming (non-temporal) SIMD stores for data
 * larger than the cache, and a worker pool that splits large copies across threads. */
#include "lg/fastcopy.h"

#include "lg/cpuinfo.h"
#include "lg/log.h"
#include "lg/thread.h"
#include "lg/time.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define LG_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

/* mingw-w64 GCC cannot realign the stack for 32/64-byte vector spills (GCC bug 54412), so a
 * spilled ymm/zmm register may fault there. Win64 keeps 16-byte alignment: SSE2 is safe, and
 * streaming stores are bound by memory bandwidth, not vector width (see doc/performance.md). */
#if defined(LG_X86) && !defined(_WIN32)
#define LG_WIDE_SIMD 1
#endif

/* ---- streaming kernels ------------------------------------------------------------- */

/* Copies the bytes before the first 64-byte aligned destination address; returns how many. */
static size_t head_bytes(void *dst, size_t n)
{
  size_t mis = (uintptr_t)dst & 63u;
  size_t head = mis ? 64u - mis : 0u;
  return head < n ? head : n;
}

#ifdef LG_X86
__attribute__((target("sse2"))) static void stream_sse2(void *dst, const void *src, size_t n)
{
  uint8_t *d = dst;
  const uint8_t *s = src;
  size_t head = head_bytes(d, n);
  memcpy(d, s, head);
  d += head;
  s += head;
  n -= head;
  for (; n >= 64; n -= 64, d += 64, s += 64) {
    __m128i a = _mm_loadu_si128((const __m128i *)(const void *)s);
    __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s + 16));
    __m128i c = _mm_loadu_si128((const __m128i *)(const void *)(s + 32));
    __m128i e = _mm_loadu_si128((const __m128i *)(const void *)(s + 48));
    _mm_stream_si128((__m128i *)(void *)d, a);
    _mm_stream_si128((__m128i *)(void *)(d + 16), b);
    _mm_stream_si128((__m128i *)(void *)(d + 32), c);
    _mm_stream_si128((__m128i *)(void *)(d + 48), e);
  }
  memcpy(d, s, n);
}
#endif

#ifdef LG_WIDE_SIMD
__attribute__((target("avx2"))) static void stream_avx2(void *dst, const void *src, size_t n)
{
  uint8_t *d = dst;
  const uint8_t *s = src;
  size_t head = head_bytes(d, n);
  memcpy(d, s, head);
  d += head;
  s += head;
  n -= head;
  for (; n >= 128; n -= 128, d += 128, s += 128) {
    __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)s);
    __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(s + 32));
    __m256i c = _mm256_loadu_si256((const __m256i *)(const void *)(s + 64));
    __m256i e = _mm256_loadu_si256((const __m256i *)(const void *)(s + 96));
    _mm256_stream_si256((__m256i *)(void *)d, a);
    _mm256_stream_si256((__m256i *)(void *)(d + 32), b);
    _mm256_stream_si256((__m256i *)(void *)(d + 64), c);
    _mm256_stream_si256((__m256i *)(void *)(d + 96), e);
  }
  memcpy(d, s, n);
}

__attribute__((target("avx512f"))) static void stream_avx512(void *dst, const void *src, size_t n)
{
  uint8_t *d = dst;
  const uint8_t *s = src;
  size_t head = head_bytes(d, n);
  memcpy(d, s, head);
  d += head;
  s += head;
  n -= head;
  for (; n >= 256; n -= 256, d += 256, s += 256) {
    __m512i a = _mm512_loadu_si512((const void *)s);
    __m512i b = _mm512_loadu_si512((const void *)(s + 64));
    __m512i c = _mm512_loadu_si512((const void *)(s + 128));
    __m512i e = _mm512_loadu_si512((const void *)(s + 192));
    _mm512_stream_si512((void *)d, a);
    _mm512_stream_si512((void *)(d + 64), b);
    _mm512_stream_si512((void *)(d + 128), c);
    _mm512_stream_si512((void *)(d + 192), e);
  }
  memcpy(d, s, n);
}
#endif

static void stream_memcpy(void *dst, const void *src, size_t n) { memcpy(dst, src, n); }

void lg_copy_fence(void)
{
#ifdef LG_X86
  _mm_sfence();
#else
  atomic_thread_fence(memory_order_seq_cst);
#endif
}

/* ---- selection ----------------------------------------------------------------------- */

struct impl {
  const char *name;
  lg_copy_fn stream; /* without fence */
  bool (*supported)(const struct lg_cpu_facts *cpu);
};

#ifdef LG_WIDE_SIMD
static bool has_avx512(const struct lg_cpu_facts *c) { return c->avx512f; }
static bool has_avx2(const struct lg_cpu_facts *c) { return c->avx2; }
#endif
#ifdef LG_X86
static bool has_sse2(const struct lg_cpu_facts *c) { return c->sse2; }
#endif
static bool has_any(const struct lg_cpu_facts *c) { return true; }

/* Best first. */
static const struct impl impls[] = {
#ifdef LG_WIDE_SIMD
    {"avx512-nt", stream_avx512, has_avx512},
    {"avx2-nt", stream_avx2, has_avx2},
#endif
#ifdef LG_X86
    {"sse2-nt", stream_sse2, has_sse2},
#endif
    {"memcpy", stream_memcpy, has_any},
};
#define IMPL_COUNT (sizeof(impls) / sizeof(impls[0]))

/* Chosen once; written with the same values by whichever thread gets there first. */
static _Atomic(const struct impl *) chosen;
static _Atomic size_t nt_threshold;
/* Size of the largest data/unified cache from CPUID's deterministic cache leaves; 0 if none. */
static size_t llc_bytes(const struct lg_cpu_facts *c)
{
#ifdef LG_X86
  unsigned leaf;
  unsigned a, b, cx, d;
  if (strcmp(c->vendor, "AuthenticAMD") == 0 || strcmp(c->vendor, "HygonGenuine") == 0) {
    __cpuid(0x80000000, a, b, cx, d);
    if (a < 0x8000001d)
      return 0;
    __cpuid(0x80000001, a, b, cx, d);
    if (!((cx >> 22) & 1)) /* TOPOEXT */
      return 0;
    leaf = 0x8000001d;
  } else {
    __cpuid(0, a, b, cx, d);
    if (a < 4)
      return 0;
    leaf = 4;
  }
  size_t best = 0;
  for (unsigned sub = 0; sub < 16; ++sub) {
    __cpuid_count(leaf, sub, a, b, cx, d);
    unsigned type = a & 0x1f;
    if (type == 0)
      break;
    if (type == 2) /* instruction cache */
      continue;
    size_t ways = ((b >> 22) & 0x3ff) + 1;
    size_t parts = ((b >> 12) & 0x3ff) + 1;
    size_t line = (b & 0xfff) + 1;
    size_t sets = (size_t)cx + 1;
    size_t size = ways * parts * line * sets;
    if (size > best)
      best = size;
  }
  return best;
#else
  return 0;
#endif
}

static const struct impl *choose(void)
{
  const struct impl *im = atomic_load_explicit(&chosen, memory_order_acquire);
  if (im)
    return im;
  struct lg_cpu_facts c;
  lg_cpu_facts_read(&c);
  im = &impls[IMPL_COUNT - 1];
  for (size_t i = 0; i < IMPL_COUNT; ++i) {
    if (impls[i].supported(&c)) {
      im = &impls[i];
      break;
    }
  }
  /* Streaming pays off once the data cannot stay in the cache anyway: from half the LLC
   * (the other half is left to the reader and the rest of the process), at least 1 MiB. */
  size_t llc = llc_bytes(&c);
  size_t thr = llc ? llc / 2 : 4u << 20;
  if (thr < (1u << 20))
    thr = 1u << 20;
  atomic_store_explicit(&nt_threshold, thr, memory_order_relaxed);
  atomic_store_explicit(&chosen, im, memory_order_release);
  return im;
}

const char *lg_copy_impl_name(void) { return choose()->name; }

size_t lg_copy_nt_threshold(void)
{
  choose();
  return atomic_load_explicit(&nt_threshold, memory_order_relaxed);
}

void lg_copy_stream(void *dst, const void *src, size_t n)
{
  if (n < 256) {
    memcpy(dst, src, n);
    return;
  }
  choose()->stream(dst, src, n);
}

void lg_copy(void *dst, const void *src, size_t n)
{
  const struct impl *im = choose();
  if (n < atomic_load_explicit(&nt_threshold, memory_order_relaxed)) {
    memcpy(dst, src, n);
    return;
  }
  im->stream(dst, src, n);
  lg_copy_fence();
}

unsigned lg_copy_impl_count(void) { return (unsigned)IMPL_COUNT; }

/* Fenced wrappers so the functions handed out by lg_copy_impl_get are complete copies. */
#define FENCED(fn)                                                                                 \
  static void fenced_##fn(void *dst, const void *src, size_t n)                                    \
  {                                                                                                \
    fn(dst, src, n);                                                                               \
    lg_copy_fence();                                                                               \
  }
#ifdef LG_WIDE_SIMD
FENCED(stream_avx512)
FENCED(stream_avx2)
#endif
#ifdef LG_X86
FENCED(stream_sse2)
#endif

static lg_copy_fn fenced_of(lg_copy_fn stream)
{
#ifdef LG_WIDE_SIMD
  if (stream == stream_avx512)
    return fenced_stream_avx512;
  if (stream == stream_avx2)
    return fenced_stream_avx2;
#endif
#ifdef LG_X86
  if (stream == stream_sse2)
    return fenced_stream_sse2;
#endif
  return stream_memcpy;
}

const char *lg_copy_impl_get(unsigned index, lg_copy_fn *fn)
{
  if (index >= IMPL_COUNT)
    return NULL;
  struct lg_cpu_facts c;
  lg_cpu_facts_read(&c);
  if (!impls[index].supported(&c))
    return NULL;
  if (fn)
    *fn = fenced_of(impls[index].stream);
  return impls[index].name;
}

/* ---- worker pool ---------------------------------------------------------------------- */

/* A job is split into parts that any thread may claim, the caller included: the caller never
 * waits for a worker that has not started (on a busy machine it may not run for a whole time
 * slice); it only waits for parts already claimed. */

static inline void cpu_relax(void)
{
#ifdef LG_X86
  _mm_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

struct worker {
  struct lg_copy_pool *pool;
  struct lg_thread *thread;
  struct lg_event *wake;
  _Atomic bool sleeping;
};

/* The claim word: generation (32 bits) | next part (16) | part count (16). */
#define CLAIM(gen, next, parts) (((uint64_t)(gen) << 32) | ((uint64_t)(next) << 16) | (parts))
#define MAX_PARTS 0xffffu

struct lg_copy_pool {
  unsigned threads;
  struct worker *workers; /* threads - 1 */
  uint64_t spin_ns;
  uint32_t gen; /* caller-owned copy of the current generation */

  /* The current job: written before the claim word of its generation is published, read by
   * a worker only after it claimed a part of that generation. */
  lg_copy_pool_job job;
  void *opaque;

  _Atomic uint64_t claim;
  _Atomic uint32_t done;       /* parts finished in this generation */
  _Atomic uint32_t generation; /* wakes the workers */
  _Atomic bool quit;
  _Atomic bool caller_sleeping;
  struct lg_event *done_event;

  /* Arguments of lg_copy_pool_copy, kept here so a call allocates nothing. */
  struct {
    uint8_t *dst;
    const uint8_t *src;
    size_t n, piece;
    bool stream;
  } copy;
};

/* Claims the next part of generation `gen`; false when none is left or the job moved on. */
static bool claim_part(struct lg_copy_pool *p, uint32_t gen, unsigned *part, unsigned *parts)
{
  uint64_t c = atomic_load_explicit(&p->claim, memory_order_acquire);
  for (;;) {
    unsigned next = (unsigned)(c >> 16) & 0xffffu, count = (unsigned)c & 0xffffu;
    if ((uint32_t)(c >> 32) != gen || next >= count)
      return false;
    if (atomic_compare_exchange_weak_explicit(&p->claim, &c, CLAIM(gen, next + 1, count),
                                              memory_order_acq_rel, memory_order_acquire)) {
      *part = next;
      *parts = count;
      return true;
    }
  }
}

/* Runs every part this thread can claim; returns after the claims run out. */
static void work(struct lg_copy_pool *p, uint32_t gen, bool caller)
{
  unsigned part, parts;
  while (claim_part(p, gen, &part, &parts)) {
    p->job(p->opaque, part, parts);
    lg_copy_fence(); /* streaming stores land before `done` says so */
    uint32_t d = atomic_fetch_add(&p->done, 1) + 1;
    if (!caller && d == parts && atomic_load(&p->caller_sleeping))
      lg_event_signal(p->done_event);
  }
}

static int worker_main(void *opaque)
{
  struct worker *w = opaque;
  struct lg_copy_pool *p = w->pool;
  uint32_t seen = 0; /* the generation at creation: a job may be posted before we run */
  for (;;) {
    uint32_t g = atomic_load(&p->generation);
    if (g == seen && p->spin_ns) {
      uint64_t start = lg_time_ns();
      for (unsigned i = 1; (g = atomic_load(&p->generation)) == seen; ++i) {
        cpu_relax();
        if ((i & 63u) == 0 && lg_time_ns() - start >= p->spin_ns)
          break;
      }
    }
    while (g == seen) {
      /* Announce the sleep, then look again: the caller bumps generation and then reads
       * `sleeping` (both seq_cst), so one of us sees the other. */
      atomic_store(&w->sleeping, true);
      if (atomic_load(&p->generation) == seen)
        lg_event_wait(w->wake, LG_WAIT_FOREVER);
      atomic_store(&w->sleeping, false);
      g = atomic_load(&p->generation);
    }
    seen = g;
    if (atomic_load(&p->quit))
      break;
    work(p, g, false);
  }
  return 0;
}

/* Bumps the wake generation to `gen` and wakes the workers that sleep. */
static void kick(struct lg_copy_pool *p, uint32_t gen)
{
  atomic_store(&p->generation, gen);
  for (unsigned i = 0; i + 1 < p->threads; ++i)
    if (atomic_load(&p->workers[i].sleeping))
      lg_event_signal(p->workers[i].wake);
}

struct lg_copy_pool *lg_copy_pool_new(unsigned threads)
{
  if (threads == 0)
    threads = lg_cpu_count();
  if (threads > 64)
    threads = 64;
  struct lg_copy_pool *p = calloc(1, sizeof(*p));
  if (!p) {
    LG_ERROR("copy pool: out of memory");
    return NULL;
  }
  p->threads = threads;
  p->spin_ns = LG_COPY_POOL_SPIN_NS;
  p->done_event = lg_event_new(true);
  p->workers = calloc(threads, sizeof(*p->workers));
  if (!p->done_event || !p->workers) {
    LG_ERROR("copy pool: out of memory");
    lg_event_free(p->done_event);
    free(p->workers);
    free(p);
    return NULL;
  }
  choose();
  for (unsigned i = 0; i + 1 < threads; ++i) {
    struct worker *w = &p->workers[i];
    w->pool = p;
    w->wake = lg_event_new(true);
    if (w->wake)
      w->thread = lg_thread_create("lg-copy", worker_main, w);
    if (!w->thread) {
      LG_ERROR("copy pool: cannot start worker %u of %u", i + 1, threads - 1);
      lg_event_free(w->wake);
      w->wake = NULL;
      p->threads = i + 1; /* keep the workers that did start */
      break;
    }
  }
  LG_INFO("copy pool: %u thread(s), %s streaming from %u KiB", p->threads, lg_copy_impl_name(),
          (unsigned)(lg_copy_nt_threshold() / 1024));
  return p;
}

void lg_copy_pool_free(struct lg_copy_pool *pool)
{
  if (!pool)
    return;
  atomic_store(&pool->quit, true);
  kick(pool, ++pool->gen);
  for (unsigned i = 0; i + 1 < pool->threads; ++i) {
    /* Wake unconditionally: a worker may be between its check and its wait. */
    lg_event_signal(pool->workers[i].wake);
    lg_thread_join(pool->workers[i].thread, NULL);
    lg_event_free(pool->workers[i].wake);
  }
  lg_event_free(pool->done_event);
  free(pool->workers);
  free(pool);
}

unsigned lg_copy_pool_threads(const struct lg_copy_pool *pool) { return pool ? pool->threads : 1; }

void lg_copy_pool_set_spin_ns(struct lg_copy_pool *pool, uint64_t spin_ns)
{
  if (pool)
    pool->spin_ns = spin_ns;
}

void lg_copy_pool_run(struct lg_copy_pool *pool, lg_copy_pool_job job, void *opaque, unsigned parts)
{
  if (parts == 0)
    return;
  if (parts > MAX_PARTS)
    parts = MAX_PARTS;
  if (!pool || pool->threads < 2 || parts == 1) {
    for (unsigned i = 0; i < parts; ++i)
      job(opaque, i, parts);
    return;
  }
  uint32_t gen = ++pool->gen;
  pool->job = job;
  pool->opaque = opaque;
  atomic_store_explicit(&pool->done, 0, memory_order_relaxed);
  atomic_store_explicit(&pool->claim, CLAIM(gen, 0, parts), memory_order_release);
  kick(pool, gen);
  work(pool, gen, true);

  /* Every part is claimed; wait for those still running on workers: spin, then sleep. */
  uint64_t start = 0;
  for (unsigned i = 1; atomic_load(&pool->done) != parts; ++i) {
    cpu_relax();
    if ((i & 63u) == 0) {
      uint64_t now = lg_time_ns();
      if (!start)
        start = now;
      else if (now - start >= pool->spin_ns)
        break;
    }
  }
  while (atomic_load(&pool->done) != parts) {
    atomic_store(&pool->caller_sleeping, true);
    if (atomic_load(&pool->done) != parts)
      lg_event_wait(pool->done_event, LG_WAIT_FOREVER);
    atomic_store(&pool->caller_sleeping, false);
  }
}

unsigned lg_copy_pool_parts_for(const struct lg_copy_pool *pool, size_t bytes)
{
  unsigned threads = lg_copy_pool_threads(pool);
  if (threads < 2 || bytes < LG_COPY_POOL_MIN_BYTES)
    return 1;
  size_t parts = bytes / (LG_COPY_POOL_MIN_BYTES / 2);
  size_t most = (size_t)threads * 4;
  if (parts > most)
    parts = most;
  return parts < 2 ? 2 : (unsigned)parts;
}

static void copy_share(void *opaque, unsigned part, unsigned parts)
{
  struct lg_copy_pool *p = opaque;
  size_t n = p->copy.n;
  /* Parts are multiples of 4 KiB so streaming stores never split a cache line. */
  size_t share = ((n + parts - 1) / parts + 4095u) & ~(size_t)4095u;
  size_t begin = (size_t)part * share;
  if (begin >= n)
    return;
  size_t len = n - begin < share ? n - begin : share;
  if (p->copy.stream)
    lg_copy_stream(p->copy.dst + begin, p->copy.src + begin, len);
  else
    memcpy(p->copy.dst + begin, p->copy.src + begin, len);
}

void lg_copy_pool_copy(struct lg_copy_pool *pool, void *dst, const void *src, size_t n)
{
  unsigned parts = lg_copy_pool_parts_for(pool, n);
  if (parts < 2) {
    lg_copy(dst, src, n);
    return;
  }
  pool->copy.dst = dst;
  pool->copy.src = src;
  pool->copy.n = n;
  pool->copy.stream = n >= lg_copy_nt_threshold();
  lg_copy_pool_run(pool, copy_share, pool, parts);
  if (pool->copy.stream)
    lg_copy_fence();
}
