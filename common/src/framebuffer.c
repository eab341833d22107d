/* KVMFR FrameBuffer streaming copies (writer and reader) and per-buffer damage accumulation. */
#include "lg/framebuffer.h"

#include "lg/log.h"
#include "lg/time.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define fb_relax() _mm_pause()
#elif defined(__aarch64__)
#define fb_relax() __asm__ volatile("yield")
#else
#define fb_relax() ((void)0)
#endif

/* Reader polling: spin this long first (the writer is usually a chunk ahead), then sleep. */
#define WAIT_SPIN_NS 50000u /* a damage band is usually written within tens of us */
#define WAIT_SLEEP_NS 20000u

/* The writer streams (non-temporal stores) from this many bytes, below the general
 * lg_copy_nt_threshold(): the frame slot is read by another process or VM, never by this
 * core, and captured frames arrive cold. Measured 1.4-1.6x over memcpy for 8-32 MiB frames
 * (doc/performance.md). The reader keeps lg_copy's rule: its output is used locally next. */
#define WRITER_STREAM_MIN LG_FB_CHUNK_SIZE

/* A byte range inside a row. */
struct span {
  size_t off, len;
};

/* A damage rect clipped to the frame, in rows and row bytes. */
struct clip_rect {
  size_t y0, y1, b0, b1;
};

/* Rows [y0, y1) of `spans`, or, when `contiguous`, the bytes [begin, end) in one run. */
struct rows_job {
  uint8_t *dst;
  const uint8_t *src;
  size_t dst_pitch, src_pitch;
  size_t y0, y1;
  const struct span *spans;
  size_t nspans;
  size_t begin, end; /* contiguous only */
  bool contiguous;
  bool stream;
};

static inline void copy_bytes(void *dst, const void *src, size_t n, bool stream)
{
  if (stream)
    lg_copy_stream(dst, src, n);
  else
    memcpy(dst, src, n);
}

static void rows_job_part(void *opaque, unsigned part, unsigned parts)
{
  const struct rows_job *j = opaque;
  if (j->contiguous) {
    size_t begin = j->begin;
    size_t n = j->end - begin;
    size_t share = parts > 1 ? (((n + parts - 1) / parts + 4095u) & ~(size_t)4095u) : n;
    size_t a = (size_t)part * share;
    if (a >= n)
      return;
    size_t len = n - a < share ? n - a : share;
    copy_bytes(j->dst + begin + a, j->src + begin + a, len, j->stream);
    return;
  }
  size_t rows = j->y1 - j->y0;
  size_t ya = j->y0 + rows * part / parts;
  size_t yb = j->y0 + rows * (part + 1) / parts;
  for (size_t y = ya; y < yb; ++y) {
    uint8_t *d = j->dst + y * j->dst_pitch;
    const uint8_t *s = j->src + y * j->src_pitch;
    for (size_t i = 0; i < j->nspans; ++i)
      copy_bytes(d + j->spans[i].off, s + j->spans[i].off, j->spans[i].len, j->stream);
  }
}

/* Runs a job on the pool when it is big enough, inline otherwise; stores are fenced after. */
static void run_job(struct rows_job *j, size_t bytes, struct lg_copy_pool *pool)
{
  unsigned parts = lg_copy_pool_parts_for(pool, bytes);
  if (parts > 1) {
    lg_copy_pool_run(pool, rows_job_part, j, parts);
  } else {
    rows_job_part(j, 0, 1);
    if (j->stream)
      lg_copy_fence();
  }
}

/* Bytes copied between two publications of wp. */
static size_t band_bytes(struct lg_copy_pool *pool)
{
  (void)pool;
  return LG_FB_CHUNK_SIZE;
}

static inline void publish(struct lg_framebuffer *fb, size_t bytes)
{
  atomic_store_explicit(&fb->wp, (uint32_t)bytes, memory_order_release);
}

/* Checks the pitch/height arithmetic shared by every entry point; *total = height * pitch. */
static bool check_sizes(const char *what, size_t pitch, size_t height, size_t *total)
{
  if (height != 0 && pitch > UINT32_MAX / height) {
    LG_ERROR_RL("%s: frame of %llu rows x %llu bytes does not fit a u32 wp", what,
                (unsigned long long)height, (unsigned long long)pitch);
    return false;
  }
  *total = height * pitch;
  return true;
}

/* ---- writer ---------------------------------------------------------------------------- */

void lg_fb_prepare(struct lg_framebuffer *fb) { publish(fb, 0); }

bool lg_fb_write_full(struct lg_framebuffer *fb, const void *src, size_t src_pitch,
                      size_t dst_pitch, size_t height, size_t row_bytes, struct lg_copy_pool *pool)
{
  size_t total;
  if (!check_sizes("fb write", dst_pitch, height, &total))
    return false;
  if (row_bytes > src_pitch || row_bytes > dst_pitch) {
    LG_ERROR_RL("fb write: row of %llu bytes exceeds a pitch (src %llu, dst %llu)",
                (unsigned long long)row_bytes, (unsigned long long)src_pitch,
                (unsigned long long)dst_pitch);
    return false;
  }
  if (height == 0 || row_bytes == 0) {
    publish(fb, total);
    return true;
  }

  struct span whole = {0, row_bytes};
  struct rows_job j = {
      .dst = fb->data,
      .src = src,
      .dst_pitch = dst_pitch,
      .src_pitch = src_pitch,
      .spans = &whole,
      .nspans = 1,
      .contiguous = src_pitch == dst_pitch,
      .stream = height * row_bytes >= WRITER_STREAM_MIN,
  };

  if (j.contiguous) {
    /* One run of bytes; the last row's padding is not part of the source. */
    size_t last = (height - 1) * dst_pitch + row_bytes;
    size_t step = band_bytes(pool);
    for (size_t at = 0; at < last;) {
      size_t end = at + step < last ? at + step : last;
      j.begin = at;
      j.end = end;
      run_job(&j, end - at, pool);
      publish(fb, end < last ? end : total);
      at = end;
    }
    return true;
  }

  size_t band = band_bytes(pool) / dst_pitch;
  if (band == 0)
    band = 1;
  for (size_t y = 0; y < height; y += band) {
    j.y0 = y;
    j.y1 = y + band < height ? y + band : height;
    run_job(&j, (j.y1 - j.y0) * row_bytes, pool);
    publish(fb, j.y1 * dst_pitch);
  }
  return true;
}

/* Clips `rects` to `height` rows and `row_limit` bytes; returns how many are non-empty. */
static size_t clip_rects(const struct frame_damage_rect *rects, size_t nrects, size_t bpp,
                         size_t height, size_t row_limit, struct clip_rect *out)
{
  size_t texels = row_limit / bpp;
  size_t n = 0;
  for (size_t i = 0; i < nrects; ++i) {
    const struct frame_damage_rect *r = &rects[i];
    size_t x0 = r->x, y0 = r->y;
    size_t x1 = (size_t)r->x + r->width, y1 = (size_t)r->y + r->height; /* no u32 wrap */
    if (x1 > texels)
      x1 = texels;
    if (y1 > height)
      y1 = height;
    if (x0 >= x1 || y0 >= y1)
      continue;
    out[n++] = (struct clip_rect){y0, y1, x0 * bpp, x1 * bpp};
  }
  return n;
}

static int cmp_size(const void *a, const void *b)
{
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return x < y ? -1 : x > y;
}

static int cmp_span(const void *a, const void *b)
{
  const struct span *x = a, *y = b;
  return x->off < y->off ? -1 : x->off > y->off;
}

/* Sorted, distinct row edges (tops and bottoms) of the rects; returns the count. */
static size_t row_edges(const struct clip_rect *c, size_t n, size_t *edges)
{
  for (size_t i = 0; i < n; ++i) {
    edges[2 * i] = c[i].y0;
    edges[2 * i + 1] = c[i].y1;
  }
  qsort(edges, 2 * n, sizeof(*edges), cmp_size);
  size_t m = 0;
  for (size_t i = 0; i < 2 * n; ++i)
    if (m == 0 || edges[m - 1] != edges[i])
      edges[m++] = edges[i];
  return m;
}

/* The merged byte spans of the rects covering rows [ya, yb); returns the count. */
static size_t band_spans(const struct clip_rect *c, size_t n, size_t ya, size_t yb,
                         struct span *spans)
{
  size_t m = 0;
  for (size_t i = 0; i < n; ++i)
    if (c[i].y0 <= ya && c[i].y1 >= yb)
      spans[m++] = (struct span){c[i].b0, c[i].b1 - c[i].b0};
  if (m < 2)
    return m;
  qsort(spans, m, sizeof(*spans), cmp_span);
  size_t k = 0;
  for (size_t i = 1; i < m; ++i) {
    size_t end = spans[k].off + spans[k].len;
    if (spans[i].off <= end) {
      size_t e2 = spans[i].off + spans[i].len;
      if (e2 > end)
        spans[k].len = e2 - spans[k].off;
    } else {
      spans[++k] = spans[i];
    }
  }
  return k + 1;
}

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* Clips the damage rects (into `clipped`), computes the band edges of their rows (into
 * `edges`) and returns the damaged area in bytes; shared by the writer and the reader. */
static size_t prepare_rects(const struct frame_damage_rect *rects, size_t nrects, size_t bpp,
                            size_t height, size_t row_limit, struct clip_rect *clipped,
                            size_t *edges, size_t *n_out, size_t *ne_out)
{
  size_t n = clip_rects(rects, nrects, bpp, height, row_limit, clipped);
  size_t area = 0;
  for (size_t i = 0; i < n; ++i)
    area += (clipped[i].y1 - clipped[i].y0) * (clipped[i].b1 - clipped[i].b0);
  *n_out = n;
  *ne_out = row_edges(clipped, n, edges);
  return area;
}

bool lg_fb_write_rects(struct lg_framebuffer *fb, const void *src, size_t src_pitch,
                       size_t dst_pitch, size_t height, size_t bpp,
                       const struct frame_damage_rect *rects, size_t nrects,
                       struct lg_copy_pool *pool)
{
  if (bpp == 0) {
    LG_ERROR_RL("fb write: bytes per texel is 0");
    return false;
  }
  size_t row_limit = min_size(src_pitch, dst_pitch);
  if (!rects || nrects == 0 || nrects > KVMFR_MAX_DAMAGE_RECTS)
    return lg_fb_write_full(fb, src, src_pitch, dst_pitch, height, row_limit, pool);
  size_t total;
  if (!check_sizes("fb write", dst_pitch, height, &total))
    return false;

  struct clip_rect clipped[KVMFR_MAX_DAMAGE_RECTS];
  size_t edges[2 * KVMFR_MAX_DAMAGE_RECTS];
  struct span spans[KVMFR_MAX_DAMAGE_RECTS];
  size_t n, ne;
  size_t area = prepare_rects(rects, nrects, bpp, height, row_limit, clipped, edges, &n, &ne);

  struct rows_job j = {
      .dst = fb->data,
      .src = src,
      .dst_pitch = dst_pitch,
      .src_pitch = src_pitch,
      .spans = spans,
      .stream = area >= WRITER_STREAM_MIN,
  };
  size_t chunk_rows = dst_pitch ? LG_FB_CHUNK_SIZE / dst_pitch : 1;
  if (chunk_rows == 0)
    chunk_rows = 1;
  for (size_t e = 0; e + 1 < ne; ++e) {
    size_t ya = edges[e], yb = edges[e + 1];
    j.nspans = band_spans(clipped, n, ya, yb, spans);
    if (j.nspans == 0)
      continue;
    size_t row_bytes = 0;
    for (size_t i = 0; i < j.nspans; ++i)
      row_bytes += spans[i].len;
    for (size_t y = ya; y < yb; y += chunk_rows) {
      j.y0 = y;
      j.y1 = min_size(y + chunk_rows, yb);
      run_job(&j, (j.y1 - j.y0) * row_bytes, pool);
      publish(fb, j.y1 * dst_pitch);
    }
  }
  publish(fb, total);
  return true;
}

/* ---- reader ---------------------------------------------------------------------------- */

bool lg_fb_wait(const struct lg_framebuffer *fb, uint64_t bytes, uint64_t timeout_ns)
{
  if (bytes > UINT32_MAX)
    return false;
  /* wp lives in memory we only read; C11 wants a non-const pointer for atomic_load. */
  _Atomic uint32_t *wp = (_Atomic uint32_t *)&fb->wp;
  if (atomic_load_explicit(wp, memory_order_acquire) >= bytes)
    return true;
  if (timeout_ns == 0)
    timeout_ns = LG_FB_WAIT_DEFAULT_NS;
  uint64_t start = lg_time_ns();
  for (unsigned i = 1;; ++i) {
    fb_relax();
    if (atomic_load_explicit(wp, memory_order_acquire) >= bytes)
      return true;
    if ((i & 31u) == 0 && lg_time_ns() - start >= WAIT_SPIN_NS)
      break;
  }
  for (;;) {
    uint64_t now = lg_time_ns();
    if (now - start >= timeout_ns)
      return atomic_load_explicit(wp, memory_order_acquire) >= bytes;
    uint64_t left = timeout_ns - (now - start);
    lg_sleep_ns(left < WAIT_SLEEP_NS ? left : WAIT_SLEEP_NS);
    if (atomic_load_explicit(wp, memory_order_acquire) >= bytes)
      return true;
  }
}

static inline uint32_t load_wp(const struct lg_framebuffer *fb)
{
  return atomic_load_explicit((_Atomic uint32_t *)&fb->wp, memory_order_acquire);
}

/* Makes sure wp covers `need` bytes, refreshing *w and waiting when it does not. */
static bool cover(const struct lg_framebuffer *fb, uint32_t *w, size_t need, uint64_t timeout_ns)
{
  if (*w >= need)
    return true;
  *w = load_wp(fb);
  if (*w >= need)
    return true;
  if (!lg_fb_wait(fb, need, timeout_ns)) {
    LG_WARN_RL("fb read: wp stayed at %u, below %llu, for the whole wait", (unsigned)load_wp(fb),
               (unsigned long long)need);
    return false;
  }
  *w = load_wp(fb);
  return true;
}

bool lg_fb_read(const struct lg_framebuffer *fb, void *dst, size_t dst_pitch, size_t src_pitch,
                size_t height, size_t row_bytes, uint64_t timeout_ns)
{
  size_t total;
  if (!check_sizes("fb read", src_pitch, height, &total))
    return false;
  if (row_bytes > src_pitch || row_bytes > dst_pitch) {
    LG_ERROR_RL("fb read: row of %llu bytes exceeds a pitch (src %llu, dst %llu)",
                (unsigned long long)row_bytes, (unsigned long long)src_pitch,
                (unsigned long long)dst_pitch);
    return false;
  }
  if (height == 0 || row_bytes == 0)
    return true;
  bool stream = height * row_bytes >= lg_copy_nt_threshold();
  uint8_t *d = dst;
  const uint8_t *s = fb->data;
  uint32_t w = 0;
  bool ok = true;

  if (src_pitch == dst_pitch) {
    size_t last = (height - 1) * src_pitch + row_bytes;
    for (size_t done = 0; done < last;) {
      if (!(ok = cover(fb, &w, done + 1, timeout_ns)))
        break;
      size_t avail = min_size(w, last);
      copy_bytes(d + done, s + done, avail - done, stream);
      done = avail;
    }
  } else {
    for (size_t y = 0; y < height; ++y) {
      if (!(ok = cover(fb, &w, y * src_pitch + row_bytes, timeout_ns)))
        break;
      copy_bytes(d + y * dst_pitch, s + y * src_pitch, row_bytes, stream);
    }
  }
  if (stream)
    lg_copy_fence();
  return ok;
}

bool lg_fb_read_rects(const struct lg_framebuffer *fb, void *dst, size_t dst_pitch,
                      size_t src_pitch, size_t height, size_t bpp,
                      const struct frame_damage_rect *rects, size_t nrects, uint64_t timeout_ns)
{
  if (bpp == 0) {
    LG_ERROR_RL("fb read: bytes per texel is 0");
    return false;
  }
  size_t row_limit = min_size(src_pitch, dst_pitch);
  if (!rects || nrects == 0 || nrects > KVMFR_MAX_DAMAGE_RECTS)
    return lg_fb_read(fb, dst, dst_pitch, src_pitch, height, row_limit, timeout_ns);
  size_t total;
  if (!check_sizes("fb read", src_pitch, height, &total))
    return false;

  struct clip_rect clipped[KVMFR_MAX_DAMAGE_RECTS];
  size_t edges[2 * KVMFR_MAX_DAMAGE_RECTS];
  struct span spans[KVMFR_MAX_DAMAGE_RECTS];
  size_t n, ne;
  size_t area = prepare_rects(rects, nrects, bpp, height, row_limit, clipped, edges, &n, &ne);
  bool stream = area >= lg_copy_nt_threshold();
  uint8_t *d = dst;
  const uint8_t *s = fb->data;
  uint32_t w = 0;
  bool ok = true;

  for (size_t e = 0; ok && e + 1 < ne; ++e) {
    size_t ya = edges[e], yb = edges[e + 1];
    size_t ns = band_spans(clipped, n, ya, yb, spans);
    if (ns == 0)
      continue;
    size_t row_end = spans[ns - 1].off + spans[ns - 1].len; /* spans are sorted, disjoint */
    for (size_t y = ya; y < yb; ++y) {
      if (!(ok = cover(fb, &w, y * src_pitch + row_end, timeout_ns)))
        break;
      for (size_t i = 0; i < ns; ++i)
        copy_bytes(d + y * dst_pitch + spans[i].off, s + y * src_pitch + spans[i].off, spans[i].len,
                   stream);
    }
  }
  if (stream)
    lg_copy_fence();
  return ok;
}

/* ---- damage accumulation ------------------------------------------------------------------ */

void lg_damage_acc_init(struct lg_damage_acc *acc)
{
  acc->full = true;
  acc->count = 0;
}

void lg_damage_acc_clear(struct lg_damage_acc *acc)
{
  acc->full = false;
  acc->count = 0;
}

/* Rect as [x0, x1) x [y0, y1) in 64-bit so ends never wrap. */
struct box {
  uint64_t x0, y0, x1, y1;
};

static struct box to_box(const struct frame_damage_rect *r)
{
  return (struct box){r->x, r->y, (uint64_t)r->x + r->width, (uint64_t)r->y + r->height};
}

static bool contains(struct box a, struct box b)
{
  return a.x0 <= b.x0 && a.y0 <= b.y0 && a.x1 >= b.x1 && a.y1 >= b.y1;
}

/* True when a ∪ b is itself a rectangle (same columns touching vertically, or same rows
 * touching horizontally); then *out is it. */
static bool merges(struct box a, struct box b, struct box *out)
{
  if (a.x0 == b.x0 && a.x1 == b.x1 && a.y0 <= b.y1 && b.y0 <= a.y1) {
    *out = (struct box){a.x0, a.y0 < b.y0 ? a.y0 : b.y0, a.x1, a.y1 > b.y1 ? a.y1 : b.y1};
    return true;
  }
  if (a.y0 == b.y0 && a.y1 == b.y1 && a.x0 <= b.x1 && b.x0 <= a.x1) {
    *out = (struct box){a.x0 < b.x0 ? a.x0 : b.x0, a.y0, a.x1 > b.x1 ? a.x1 : b.x1, a.y1};
    return true;
  }
  return false;
}

static void add_box(struct lg_damage_acc *acc, struct box b)
{
  for (;;) {
    for (uint32_t i = 0; i < acc->count; ++i)
      if (contains(to_box(&acc->rects[i]), b))
        return; /* already covered */
    bool merged = false;
    uint32_t k = 0;
    for (uint32_t i = 0; i < acc->count; ++i) {
      struct box e = to_box(&acc->rects[i]);
      struct box u;
      if (contains(b, e))
        continue; /* drop e */
      if (!merged && merges(e, b, &u)) {
        b = u; /* drop e, retry with the bigger box */
        merged = true;
        continue;
      }
      acc->rects[k++] = acc->rects[i];
    }
    acc->count = k;
    if (!merged)
      break;
  }
  if (acc->count == KVMFR_MAX_DAMAGE_RECTS) {
    lg_damage_acc_init(acc);
    return;
  }
  acc->rects[acc->count++] = (struct frame_damage_rect){
      (uint32_t)b.x0, (uint32_t)b.y0, (uint32_t)(b.x1 - b.x0), (uint32_t)(b.y1 - b.y0)};
}

void lg_damage_acc_add(struct lg_damage_acc *acc, const struct frame_damage_rect *rects, size_t n)
{
  if (acc->full)
    return;
  if (!rects || n == 0 || n > KVMFR_MAX_DAMAGE_RECTS) {
    lg_damage_acc_init(acc);
    return;
  }
  for (size_t i = 0; i < n && !acc->full; ++i) {
    if (rects[i].width == 0 || rects[i].height == 0)
      continue;
    add_box(acc, to_box(&rects[i]));
  }
}
