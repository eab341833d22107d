/* Copy benchmark: glibc memcpy against lg_copy, each streaming method, the copy pool and the
 * FrameBuffer writers, on BGRA frames larger than the cache. Prints GB/s, frames/s and the
 * ratio to memcpy measured in the same run. `--quick` runs each case once (a smoke test). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lg/cpuinfo.h"
#include "lg/fastcopy.h"
#include "lg/framebuffer.h"
#include "lg/log.h"
#include "lg/time.h"

/* Each side (sources, destinations) spans at least this much, so no frame stays cached. */
#define WORKING_SET (96u << 20)

struct bench {
  size_t frame;
  unsigned nbuf;
  uint8_t **src;
  uint8_t **dst; /* each dst has 4 bytes of wp in front (a FrameBuffer) */
  double seconds;
  bool quick;
  unsigned next;
};

struct result {
  double gbps, fps, us;
};

typedef void (*case_fn)(struct bench *b, void *ctx, uint8_t *dst, const uint8_t *src);

static struct result run_case(struct bench *b, case_fn fn, void *ctx)
{
  /* One untimed pass so page faults and first-use set-up are not measured. */
  fn(b, ctx, b->dst[0] + 4, b->src[0]);
  uint64_t limit = (uint64_t)(b->seconds * 1e9);
  uint64_t start = lg_time_ns(), now = start;
  unsigned long iters = 0;
  do {
    unsigned i = b->next++ % b->nbuf;
    /* Pair source i with destination i+1 so the same pair is not reused back to back. */
    fn(b, ctx, b->dst[(i + 1) % b->nbuf] + 4, b->src[i]);
    ++iters;
    now = lg_time_ns();
  } while (!b->quick && now - start < limit);
  double s = (double)(now - start) / 1e9;
  struct result r = {(double)b->frame * (double)iters / s / 1e9, (double)iters / s,
                     s / (double)iters * 1e6};
  return r;
}

static void c_memcpy(struct bench *b, void *ctx, uint8_t *d, const uint8_t *s)
{
  memcpy(d, s, b->frame);
}

static void c_lg_copy(struct bench *b, void *ctx, uint8_t *d, const uint8_t *s)
{
  lg_copy(d, s, b->frame);
}

static void c_impl(struct bench *b, void *ctx, uint8_t *d, const uint8_t *s)
{
  lg_copy_fn fn = *(lg_copy_fn *)ctx;
  fn(d, s, b->frame);
}

static void c_pool(struct bench *b, void *ctx, uint8_t *d, const uint8_t *s)
{
  lg_copy_pool_copy(ctx, d, s, b->frame);
}

struct fb_ctx {
  size_t pitch, height;
  struct lg_copy_pool *pool;
  const struct frame_damage_rect *rects;
  size_t nrects;
};

static void c_fb_full(struct bench *b, void *ctx, uint8_t *d, const uint8_t *s)
{
  struct fb_ctx *c = ctx;
  struct lg_framebuffer *fb = (struct lg_framebuffer *)(void *)(d - 4);
  lg_fb_prepare(fb);
  lg_fb_write_full(fb, s, c->pitch, c->pitch, c->height, c->pitch, c->pool);
}

static void c_fb_rects(struct bench *b, void *ctx, uint8_t *d, const uint8_t *s)
{
  struct fb_ctx *c = ctx;
  struct lg_framebuffer *fb = (struct lg_framebuffer *)(void *)(d - 4);
  lg_fb_prepare(fb);
  lg_fb_write_rects(fb, s, c->pitch, c->pitch, c->height, 4, c->rects, c->nrects, c->pool);
}

static void print_row(const char *name, struct result r, double base_gbps)
{
  printf("| %-22s | %8.2f | %9.1f | %8.1f | %5.2fx |\n", name, r.gbps, r.fps, r.us,
         r.gbps / base_gbps);
}

static bool bench_resolution(unsigned w, unsigned h, double seconds, bool quick,
                             struct lg_copy_pool *pool)
{
  struct bench b = {.frame = (size_t)w * h * 4, .seconds = seconds, .quick = quick};
  b.nbuf = (unsigned)((WORKING_SET + b.frame - 1) / b.frame);
  if (b.nbuf < 2)
    b.nbuf = 2;
  b.src = calloc(b.nbuf, sizeof(*b.src));
  b.dst = calloc(b.nbuf, sizeof(*b.dst));
  if (!b.src || !b.dst)
    return false;
  for (unsigned i = 0; i < b.nbuf; ++i) {
    /* Data 4096-aligned behind a 4-byte wp, as in a frame slot. */
    b.src[i] = aligned_alloc(4096, b.frame);
    uint8_t *slot = aligned_alloc(4096, b.frame + 4096);
    if (!b.src[i] || !slot)
      return false;
    b.dst[i] = slot + 4096 - 4;
    memset(b.src[i], (int)(i * 37 + 1), b.frame);
    memset(slot, 0, b.frame + 4096);
  }

  printf("\n### %ux%u BGRA (%.1f MiB/frame, %u src + %u dst frames)\n\n", w, h,
         (double)b.frame / 1048576.0, b.nbuf, b.nbuf);
  printf("| method                 |   GB/s   | frames/s  | us/frame | vs memcpy |\n");
  printf("|------------------------|----------|-----------|----------|-----------|\n");
  struct result base = run_case(&b, c_memcpy, NULL);
  print_row("glibc memcpy", base, base.gbps);
  char label[64];
  snprintf(label, sizeof(label), "lg_copy (%s)",
           b.frame >= lg_copy_nt_threshold() ? lg_copy_impl_name() : "memcpy");
  print_row(label, run_case(&b, c_lg_copy, NULL), base.gbps);
  for (unsigned i = 0; i < lg_copy_impl_count(); ++i) {
    lg_copy_fn fn;
    const char *name = lg_copy_impl_get(i, &fn);
    if (!name || strcmp(name, "memcpy") == 0)
      continue;
    snprintf(label, sizeof(label), "forced %s", name);
    print_row(label, run_case(&b, c_impl, &fn), base.gbps);
  }
  snprintf(label, sizeof(label), "pool, %u threads", lg_copy_pool_threads(pool));
  print_row(label, run_case(&b, c_pool, pool), base.gbps);

  struct fb_ctx fc = {.pitch = (size_t)w * 4, .height = h};
  struct result full = run_case(&b, c_fb_full, &fc);
  print_row("fb_write_full", full, base.gbps);
  fc.pool = pool;
  struct result full_pool = run_case(&b, c_fb_full, &fc);
  print_row("fb_write_full + pool", full_pool, base.gbps);

  /* 1% damage: one rect of a tenth of the width and height, in the middle. */
  struct frame_damage_rect r = {w / 2 - w / 20, h / 2 - h / 20, w / 10, h / 10};
  fc.rects = &r;
  fc.nrects = 1;
  fc.pool = NULL;
  struct result dmg = run_case(&b, c_fb_rects, &fc);
  printf("\n1%% damage (%ux%u rect) via lg_fb_write_rects: %.1f us/frame, %.0f frames/s; "
         "full lg_fb_write_full: %.1f us/frame -> %.1fx faster\n",
         r.width, r.height, dmg.us, dmg.fps, full.us, full.us / dmg.us);

  for (unsigned i = 0; i < b.nbuf; ++i) {
    free(b.src[i]);
    free(b.dst[i] - (4096 - 4));
  }
  free(b.src);
  free(b.dst);
  return true;
}

int main(int argc, char **argv)
{
  bool quick = false;
  double seconds = 0.5;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--quick") == 0)
      quick = true;
    else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
      seconds = atof(argv[++i]);
    else {
      fprintf(stderr, "usage: %s [--quick] [--seconds S]\n", argv[0]);
      return 2;
    }
  }
  lg_log_set_level(LG_LOG_WARN);
  struct lg_cpu_facts cpu;
  lg_cpu_facts_read(&cpu);
  printf("CPU: %s, %u logical processors; streaming method %s from %.1f MiB\n", cpu.brand,
         cpu.threads, lg_copy_impl_name(), (double)lg_copy_nt_threshold() / 1048576.0);

  struct lg_copy_pool *pool = lg_copy_pool_new(2);
  if (!pool)
    return 1;
  static const unsigned res[][2] = {{1920, 1080}, {2560, 1440}, {3840, 2160}};
  for (size_t i = 0; i < 3; ++i)
    if (!bench_resolution(res[i][0], res[i][1], seconds, quick, pool)) {
      fprintf(stderr, "out of memory\n");
      return 1;
    }
  lg_copy_pool_free(pool);
  return 0;
}
