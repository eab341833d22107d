/* Wire benchmark: a frame posted by an LGMP host and received by an LGMP client in the same
 * process, through the real paths (KVMFR frame header, lg_fb_prepare, lgmp_host_queue_post,
 * lg_fb_write_full/_rects on the host thread while the client thread validates the message
 * and follows wp with lg_fb_read_rects into its own buffer). Full frames and 1%-damage frames
 * at 1080p, 1440p and 4K, next to glibc memcpy, a single-thread streaming copy and a 2-thread
 * pool of streaming copies measured in the same run. `--quick` runs a handful of frames. */
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lg/fastcopy.h"
#include "lg/framebuffer.h"
#include "lg/kvmfr.h"
#include "lg/kvmfr_frame.h"
#include "lg/log.h"
#include "lg/thread.h"
#include "lg/time.h"
#include "lgmp/client.h"
#include "lgmp/host.h"

#define REGION_SIZE  (256u << 20)
#define SLOT_ALIGN   4096u             /* frame data 4096-aligned: header offset = 4092 */
#define MAX_FRAME    (3840u * 2160u * 4u)
#define SRC_SPAN     (64u << 20)       /* sources span at least this: every copy reads cold */
#define QUICK_FRAMES 6u
/* Each case runs in this many equal slices and reports its fastest: the machine is shared,
 * and the quietest slice is the best estimate of what the code itself costs. */
#define SLICES       10u
#define WAIT_NS      5000000000ull     /* give up on a stuck host or client after 5 s */
/* How long the reader waits for wp to move. Longer than a real client's 10 ms: on a shared
 * 2-vCPU machine the writer thread is sometimes descheduled for longer than that, and this
 * benchmark measures throughput, not whether a frame would have been dropped. */
#define READ_WAIT_NS 1000000000ull

struct result {
  double fps, gbps, us;
  double write_us, wait_us, read_us; /* per frame: host write, host wait, client read */
};

/* Everything the three threads share. The client thread owns dst and its own counters. */
struct wire {
  uint8_t *region;
  struct lgmp_host *host;
  struct lgmp_host_queue *fq;
  struct lgmp_memory slot[2];
  struct lg_thread *tick, *client;
  atomic_bool stop_tick, stop_client;
  atomic_int client_state; /* 0 starting, 1 subscribed, -1 failed */
  atomic_uint_fast64_t received;
  atomic_uint errors;
  atomic_uint_fast64_t read_ns; /* client: time in lg_fb_read_rects (wp waits included) */
  /* Zero-copy receive, as looking-glass-client does (it hands the slot to the renderer and
   * acknowledges after the upload): the client only waits for wp to cover the frame. The
   * host then writes with the copy pool, since no client copy competes for the cores. */
  atomic_bool zero_copy;
  struct lg_copy_pool *host_pool;

  /* host (main thread) state, as in a real host's frame posting */
  uint32_t format_ver, serial;
  unsigned next_slot;
  struct lg_damage_acc acc[2], acc_post;
  uint64_t write_ns, wait_ns;

  /* client (client thread) state */
  uint8_t *dst;
  uint32_t last_serial;
  bool have_serial;
};

/* Frame geometry and the cold sources of one resolution. */
struct res {
  unsigned width, height;
  size_t pitch, frame;
  unsigned nsrc;
  uint8_t **src;
};

/* A poll that found nothing: spin a little (the other side is usually microseconds away),
 * then give the CPU up, since this 2-vCPU machine is shared. */
static void relax(unsigned *spins)
{
  if (++*spins < 2000) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
    return;
  }
  sched_yield();
}

static int tick_thread(void *opaque)
{
  struct wire *w = opaque;
  while (!atomic_load(&w->stop_tick)) {
    enum lgmp_status st = lgmp_host_process(w->host, NULL, NULL);
    if (st != LGMP_OK) {
      LG_ERROR("bench: lgmp_host_process: %s", lgmp_status_string(st));
      atomic_fetch_add(&w->errors, 1);
    }
    lg_sleep_ms(10);
  }
  return 0;
}

/* One message: validate, follow wp into our buffer, count it. */
static void receive_frame(struct wire *w, const struct lgmp_message *m)
{
  struct lg_frame_view v;
  char why[160];
  enum lg_frame_error e = lg_frame_validate(w->region, REGION_SIZE, m->offset, m->size, &v, why,
                                            sizeof(why));
  const uint8_t *data;
  const uint32_t *wp;
  if (e != LG_FRAME_OK || !lg_frame_pointers(w->region, REGION_SIZE, &v, &data, &wp) ||
      v.data_size > MAX_FRAME) {
    LG_ERROR_RL("bench: bad frame: %s", e != LG_FRAME_OK ? why : "pointers");
    atomic_fetch_add(&w->errors, 1);
    return;
  }
  const struct lg_framebuffer *fb = (const struct lg_framebuffer *)(const void *)wp;
  const struct kvmfr_frame *h = &v.header;
  uint64_t t0 = lg_time_ns();
  if (atomic_load_explicit(&w->zero_copy, memory_order_relaxed)) {
    if (!lg_fb_wait(fb, (uint64_t)h->data_height * h->pitch, READ_WAIT_NS))
      atomic_fetch_add(&w->errors, 1);
  } else if (!lg_fb_read_rects(fb, w->dst, h->pitch, h->pitch, h->data_height, v.bpp,
                        v.damage_count ? v.damage : NULL, v.damage_count, READ_WAIT_NS))
    atomic_fetch_add(&w->errors, 1);
  atomic_fetch_add_explicit(&w->read_ns, lg_time_ns() - t0, memory_order_relaxed);
  if (w->have_serial && !lg_serial_newer(h->frame_serial, w->last_serial)) {
    LG_ERROR_RL("bench: frame serial %u after %u", h->frame_serial, w->last_serial);
    atomic_fetch_add(&w->errors, 1);
  }
  w->last_serial = h->frame_serial;
  w->have_serial = true;
}

static int client_thread(void *opaque)
{
  struct wire *w = opaque;
  struct lgmp_client *c = NULL;
  struct lgmp_client_queue *q = NULL;
  enum lgmp_status st = lgmp_client_init(w->region, REGION_SIZE, &c);
  uint64_t start = lg_time_ns();
  while (st == LGMP_OK) {
    const uint8_t *udata;
    uint32_t udata_size;
    st = lgmp_client_session_init(c, &udata, &udata_size);
    if (st == LGMP_OK || lg_time_ns() - start > WAIT_NS)
      break;
    st = LGMP_OK;
    lg_sleep_ms(5);
  }
  if (st == LGMP_OK)
    st = lgmp_client_subscribe(c, LGMP_Q_FRAME, &q);
  if (st != LGMP_OK) {
    LG_ERROR("bench: client start: %s", lgmp_status_string(st));
    atomic_store(&w->client_state, -1);
    lgmp_client_free(&c);
    return 1;
  }
  atomic_store(&w->client_state, 1);
  unsigned spins = 0;
  while (!atomic_load(&w->stop_client)) {
    struct lgmp_message m;
    st = lgmp_client_process(q, &m);
    if (st == LGMP_ERR_QUEUE_EMPTY) {
      relax(&spins);
      continue;
    }
    spins = 0;
    if (st != LGMP_OK) {
      LG_ERROR("bench: lgmp_client_process: %s", lgmp_status_string(st));
      atomic_fetch_add(&w->errors, 1);
      break;
    }
    receive_frame(w, &m);
    st = lgmp_client_message_done(q);
    if (st != LGMP_OK) {
      LG_ERROR("bench: lgmp_client_message_done: %s", lgmp_status_string(st));
      atomic_fetch_add(&w->errors, 1);
      break;
    }
    atomic_fetch_add_explicit(&w->received, 1, memory_order_release);
  }
  lgmp_client_unsubscribe(&q);
  lgmp_client_free(&c);
  return 0;
}

static bool wire_start(struct wire *w)
{
  memset(w, 0, sizeof(*w));
  w->region = aligned_alloc(4096, REGION_SIZE);
  w->dst = aligned_alloc(4096, MAX_FRAME);
  if (!w->region || !w->dst)
    return false;
  memset(w->region, 0, REGION_SIZE);
  memset(w->dst, 0, MAX_FRAME);
  struct kvmfr udata;
  memset(&udata, 0, sizeof(udata));
  memcpy(udata.magic, KVMFR_MAGIC, sizeof(udata.magic));
  udata.version = KVMFR_VERSION;
  snprintf(udata.hostver, sizeof(udata.hostver), "bench_wire");
  enum lgmp_status st = lgmp_host_init(w->region, REGION_SIZE, &udata, sizeof(udata), &w->host);
  struct lgmp_queue_config fq = {LGMP_Q_FRAME, LGMP_Q_FRAME_LEN, LG_SUB_TIMEOUT_MS};
  if (st == LGMP_OK)
    st = lgmp_host_queue_new(w->host, fq, &w->fq);
  for (unsigned i = 0; i < 2 && st == LGMP_OK; ++i) {
    st = lgmp_host_mem_alloc(w->host, SLOT_ALIGN + MAX_FRAME, SLOT_ALIGN, &w->slot[i]);
    if (st == LGMP_OK)
      memset(w->slot[i].mem, 0, SLOT_ALIGN + MAX_FRAME); /* fault the pages in */
  }
  if (st != LGMP_OK) {
    LG_ERROR("bench: host start: %s", lgmp_status_string(st));
    return false;
  }
  w->tick = lg_thread_create("bench-tick", tick_thread, w);
  w->client = lg_thread_create("bench-client", client_thread, w);
  if (!w->tick || !w->client)
    return false;
  uint64_t start = lg_time_ns();
  while (atomic_load(&w->client_state) == 0 || !lgmp_host_queue_has_subs(w->fq)) {
    if (atomic_load(&w->client_state) < 0 || lg_time_ns() - start > WAIT_NS)
      return false;
    lg_sleep_ms(1);
  }
  return true;
}

static void wire_stop(struct wire *w)
{
  atomic_store(&w->stop_client, true);
  if (w->client)
    lg_thread_join(w->client, NULL);
  atomic_store(&w->stop_tick, true);
  if (w->tick)
    lg_thread_join(w->tick, NULL);
  lgmp_host_free(&w->host);
  free(w->region);
  free(w->dst);
}

static struct lg_framebuffer *slot_fb(struct wire *w, unsigned i)
{
  return (struct lg_framebuffer *)(void *)((uint8_t *)w->slot[i].mem + SLOT_ALIGN - 4);
}

/* A new format (resolution): bump format_ver, every buffer's content becomes unknown. */
static void wire_new_format(struct wire *w)
{
  ++w->format_ver;
  lg_damage_acc_init(&w->acc[0]);
  lg_damage_acc_init(&w->acc[1]);
  lg_damage_acc_init(&w->acc_post);
}

/* Posts one frame the way the host does: wait while 2 frames are pending, header, wp = 0,
 * post, then write (only what this buffer missed) while the client already reads. */
static bool post_frame(struct wire *w, const struct res *r, const uint8_t *src,
                       const struct frame_damage_rect *damage, size_t ndamage)
{
  uint64_t start = lg_time_ns();
  unsigned spins = 0;
  while (lgmp_host_queue_pending(w->fq) >= 2) {
    if (lg_time_ns() - start > WAIT_NS) {
      LG_ERROR("bench: the client never finished a frame");
      return false;
    }
    relax(&spins);
  }
  uint64_t t_write = lg_time_ns();
  w->wait_ns += t_write - start;
  for (unsigned i = 0; i < 2; ++i)
    lg_damage_acc_add(&w->acc[i], damage, ndamage);
  lg_damage_acc_add(&w->acc_post, damage, ndamage);

  unsigned idx = w->next_slot;
  struct lg_framebuffer *fb = slot_fb(w, idx);
  struct kvmfr_frame h;
  memset(&h, 0, sizeof(h));
  h.format_ver = w->format_ver;
  h.frame_serial = ++w->serial;
  h.type = FRAME_TYPE_BGRA;
  h.screen_width = h.data_width = h.frame_width = r->width;
  h.screen_height = h.data_height = h.frame_height = r->height;
  h.rotation = FRAME_ROT_0;
  h.stride = r->width;
  h.pitch = (uint32_t)r->pitch;
  h.offset = SLOT_ALIGN - 4;
  if (!w->acc_post.full && w->acc_post.count > 0) {
    h.damage_rects_count = w->acc_post.count;
    memcpy(h.damage_rects, w->acc_post.rects, w->acc_post.count * sizeof(h.damage_rects[0]));
  }
  memcpy(w->slot[idx].mem, &h, sizeof(h));
  lg_damage_acc_clear(&w->acc_post);

  lg_fb_prepare(fb);
  enum lgmp_status st = lgmp_host_queue_post(w->fq, 0, &w->slot[idx]);
  if (st != LGMP_OK) {
    LG_ERROR("bench: lgmp_host_queue_post: %s", lgmp_status_string(st));
    return false;
  }
  struct lg_damage_acc *acc = &w->acc[idx];
  bool ok = acc->full ? lg_fb_write_full(fb, src, r->pitch, r->pitch, r->height, r->pitch,
                                         w->host_pool)
                      : lg_fb_write_rects(fb, src, r->pitch, r->pitch, r->height, 4, acc->rects,
                                          acc->count, w->host_pool);
  lg_damage_acc_clear(acc);
  w->next_slot = idx ^ 1u;
  w->write_ns += lg_time_ns() - t_write;
  return ok;
}

/* Waits until the client has received `target` frames in all. */
static bool wait_received(struct wire *w, uint64_t target)
{
  uint64_t start = lg_time_ns();
  while (atomic_load_explicit(&w->received, memory_order_acquire) < target) {
    if (lg_time_ns() - start > WAIT_NS || atomic_load(&w->client_state) < 0) {
      LG_ERROR("bench: the client stopped receiving");
      return false;
    }
    sched_yield();
  }
  return true;
}

/* Posts frames for `seconds` (or QUICK_FRAMES) and times them until the client has them all;
 * then checks the client's buffer against the last source (the damaged area only). */
static bool run_wire(struct wire *w, const struct res *r, const struct frame_damage_rect *damage,
                     size_t ndamage, double seconds, bool quick, struct result *out)
{
  /* Two full frames first: both slots and the client's buffer hold a whole image. */
  wire_new_format(w);
  uint64_t base = atomic_load(&w->received);
  for (unsigned i = 0; i < 2; ++i)
    if (!post_frame(w, r, r->src[i % r->nsrc], NULL, 0))
      return false;
  if (!wait_received(w, base + 2))
    return false;

  base += 2;
  uint64_t limit = (uint64_t)(seconds / SLICES * 1e9), k = 0;
  memset(out, 0, sizeof(*out));
  for (unsigned slice = 0; slice < (quick ? 1u : SLICES); ++slice) {
    w->write_ns = w->wait_ns = 0;
    atomic_store(&w->read_ns, 0);
    uint64_t start = lg_time_ns(), n = 0;
    do {
      if (!post_frame(w, r, r->src[(k + 2) % r->nsrc], damage, ndamage))
        return false;
      ++n;
      ++k;
    } while (quick ? n < QUICK_FRAMES : lg_time_ns() - start < limit);
    if (!wait_received(w, base + k))
      return false;
    double s = (double)(lg_time_ns() - start) / 1e9;
    if ((double)n / s <= out->fps)
      continue;
    out->fps = (double)n / s;
    out->gbps = (double)r->frame * out->fps / 1e9;
    out->us = s / (double)n * 1e6;
    out->write_us = (double)w->write_ns / 1e3 / (double)n;
    out->wait_us = (double)w->wait_ns / 1e3 / (double)n;
    out->read_us = (double)atomic_load(&w->read_ns) / 1e3 / (double)n;
  }

  if (atomic_load(&w->zero_copy)) /* no client buffer to check: the copy-out runs check it */
    return atomic_load(&w->errors) == 0;
  const uint8_t *last = r->src[(k + 1) % r->nsrc];
  struct frame_damage_rect all = {0, 0, r->width, r->height};
  const struct frame_damage_rect *check = ndamage ? damage : &all;
  for (size_t y = check->y; y < check->y + check->height; ++y) {
    size_t off = y * r->pitch + check->x * 4u;
    if (memcmp(w->dst + off, last + off, check->width * 4u) != 0) {
      LG_ERROR("bench: the client's row %zu differs from the last frame sent", y);
      return false;
    }
  }
  return atomic_load(&w->errors) == 0;
}

/* ---- copy baselines ------------------------------------------------------------------ */

enum copy_kind { COPY_MEMCPY, COPY_STREAM, COPY_POOL };

struct pool_job {
  uint8_t *dst;
  const uint8_t *src;
  size_t n;
};

/* One part of a pooled streaming copy: a 64-byte aligned slice, fenced. */
static void pool_part(void *opaque, unsigned part, unsigned parts)
{
  struct pool_job *j = opaque;
  size_t per = (j->n / parts + 63u) & ~(size_t)63u;
  size_t begin = (size_t)part * per;
  if (begin >= j->n)
    return;
  size_t len = j->n - begin < per ? j->n - begin : per;
  lg_copy_stream(j->dst + begin, j->src + begin, len);
  lg_copy_fence();
}

static void copy_once(enum copy_kind kind, struct lg_copy_pool *pool, uint8_t *d,
                      const uint8_t *s, size_t n)
{
  switch (kind) {
  case COPY_MEMCPY:
    memcpy(d, s, n);
    break;
  case COPY_STREAM:
    lg_copy_stream(d, s, n);
    lg_copy_fence();
    break;
  case COPY_POOL: {
    struct pool_job j = {d, s, n};
    lg_copy_pool_run(pool, pool_part, &j, lg_copy_pool_parts_for(pool, n));
    break;
  }
  }
}

/* Copies the cold sources into the two frame slots and the client buffer in turn. */
static struct result run_copy(struct wire *w, const struct res *r, enum copy_kind kind,
                              struct lg_copy_pool *pool, double seconds, bool quick)
{
  uint8_t *dst[3] = {slot_fb(w, 0)->data, slot_fb(w, 1)->data, w->dst};
  copy_once(kind, pool, dst[0], r->src[0], r->frame); /* untimed first pass */
  uint64_t limit = (uint64_t)(seconds / SLICES * 1e9), k = 0;
  struct result best = {0};
  for (unsigned slice = 0; slice < (quick ? 1u : SLICES); ++slice) {
    uint64_t start = lg_time_ns(), now, n = 0;
    do {
      ++k;
      copy_once(kind, pool, dst[k % 3], r->src[k % r->nsrc], r->frame);
      ++n;
      now = lg_time_ns();
    } while (quick ? n < QUICK_FRAMES : now - start < limit);
    double s = (double)(now - start) / 1e9;
    if ((double)n / s > best.fps) {
      best.fps = (double)n / s;
      best.gbps = (double)r->frame * best.fps / 1e9;
      best.us = s / (double)n * 1e6;
    }
  }
  return best;
}

/* ---- driver -------------------------------------------------------------------------- */

static void print_row(const char *name, struct result r, double memcpy_gbps, double best_gbps)
{
  printf("| %-32s | %9.1f | %7.2f | %9.1f | %8.2fx | %6.2fx |\n", name, r.fps, r.gbps, r.us,
         r.gbps / memcpy_gbps, r.gbps / best_gbps);
}

static bool bench_resolution(struct wire *w, unsigned width, unsigned height, double seconds,
                             bool quick, struct lg_copy_pool *pool)
{
  struct res r = {.width = width, .height = height, .pitch = (size_t)width * 4u};
  r.frame = r.pitch * height;
  r.nsrc = (unsigned)((SRC_SPAN + r.frame - 1) / r.frame);
  if (r.nsrc < 3)
    r.nsrc = 3;
  r.src = calloc(r.nsrc, sizeof(*r.src));
  bool ok = r.src != NULL;
  for (unsigned i = 0; ok && i < r.nsrc; ++i) {
    r.src[i] = aligned_alloc(4096, r.frame);
    if (!(ok = r.src[i] != NULL))
      break;
    uint32_t *p = (uint32_t *)(void *)r.src[i];
    for (size_t k = 0; k < r.frame / 4; ++k)
      p[k] = (uint32_t)(k * 2654435761u) ^ ((uint32_t)i << 24);
  }

  /* 1% damage: one rect of a tenth of each side, in the middle of the screen. */
  struct frame_damage_rect rect = {width * 2 / 5, height * 2 / 5, width / 10, height / 10};
  struct result mc = {0}, st = {0}, pl = {0}, full = {0}, dmg = {0}, zc = {0};
  if (ok) {
    mc = run_copy(w, &r, COPY_MEMCPY, NULL, seconds, quick);
    st = run_copy(w, &r, COPY_STREAM, NULL, seconds, quick);
    pl = run_copy(w, &r, COPY_POOL, pool, seconds, quick);
    ok = run_wire(w, &r, NULL, 0, seconds, quick, &full) &&
         run_wire(w, &r, &rect, 1, seconds, quick, &dmg);
    if (ok) {
      atomic_store(&w->zero_copy, true);
      w->host_pool = pool;
      ok = run_wire(w, &r, NULL, 0, seconds, quick, &zc);
      atomic_store(&w->zero_copy, false);
      w->host_pool = NULL;
    }
  }
  if (ok) {
    double best = st.gbps > pl.gbps ? st.gbps : pl.gbps;
    printf("\n### %ux%u BGRA (%.1f MiB/frame, %u cold sources)\n\n", width, height,
           (double)r.frame / 1048576.0, r.nsrc);
    printf("| %-32s | %9s | %7s | %9s | %9s | %7s |\n", "case", "frames/s", "GB/s", "us/frame",
           "vs memcpy", "vs best");
    printf("|%s|-----------|---------|-----------|-----------|---------|\n",
           "----------------------------------");
    print_row("glibc memcpy", mc, mc.gbps, best);
    print_row("lg_copy_stream (1 thread, NT)", st, mc.gbps, best);
    print_row("pool, 2 threads (NT)", pl, mc.gbps, best);
    print_row("post + receive, full frame", full, mc.gbps, best);
    printf("| %-32s | %9.1f | %7s | %9.1f | %9s | %7s |\n", "post + receive, 1% damage",
           dmg.fps, "-", dmg.us, "-", "-");
    print_row("post + zero-copy hand-over", zc, mc.gbps, best);
    double work = (dmg.write_us + dmg.read_us) / (full.write_us + full.read_us);
    printf("\nFull frame: %.2fx the best copy (target >= 0.90: %s). 1%% damage (%ux%u rect): "
           "%.1f us/frame = %.2f%% of a full frame (target <= 3%%: %s); copy work (host write + "
           "client read) %.2f%% of a full frame's.\n",
           full.gbps / best, full.gbps / best >= 0.9 ? "met" : "missed", rect.width, rect.height,
           dmg.us, dmg.us / full.us * 100.0, dmg.us / full.us <= 0.03 ? "met" : "missed",
           work * 100.0);
    printf("Zero-copy hand-over (the client's real path; host writes with the pool): %.2fx the "
           "best copy.\n",
           zc.gbps / best);
    printf("Per frame, full: host write %.1f us, host wait for a free buffer %.1f us, client "
           "read %.1f us. 1%% damage: host write %.1f us, wait %.1f us, client read %.1f us.\n",
           full.write_us, full.wait_us, full.read_us, dmg.write_us, dmg.wait_us, dmg.read_us);
    fflush(stdout);
  }
  for (unsigned i = 0; r.src && i < r.nsrc; ++i)
    free(r.src[i]);
  free(r.src);
  return ok;
}

int main(int argc, char **argv)
{
  double seconds = 1.0;
  bool quick = false;
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
  if (!(seconds > 0.0))
    seconds = 1.0;

  struct wire w;
  memset(&w, 0, sizeof(w));
  struct lg_copy_pool *pool = lg_copy_pool_new(2);
  bool ok = pool != NULL && wire_start(&w);
  if (ok) {
    printf("bench_wire: %s, streaming method %s, %.1f s per case (best of %u slices), "
           "LGMP region %u MiB in memory\n",
           quick ? "quick" : "full", lg_copy_impl_name(), quick ? 0.0 : seconds,
           quick ? 1u : SLICES, REGION_SIZE >> 20);
    static const unsigned sizes[][2] = {{1920, 1080}, {2560, 1440}, {3840, 2160}};
    for (size_t i = 0; ok && i < sizeof(sizes) / sizeof(sizes[0]); ++i)
      ok = bench_resolution(&w, sizes[i][0], sizes[i][1], seconds, quick, pool);
  }
  wire_stop(&w);
  lg_copy_pool_free(pool);
  if (!ok) {
    fprintf(stderr, "bench_wire: FAILED\n");
    return 1;
  }
  return 0;
}
