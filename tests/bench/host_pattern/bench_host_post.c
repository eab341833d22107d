/* Host posting benchmark: lg_host_run with the pattern backend (3840x2160 BGRA, full damage,
 * motion off, 100000 fps pacing so the copy is the limit) writes a 256 MiB /dev/shm region; an
 * LGMP client in this process takes every frame message and acknowledges it at once, so
 * back-pressure never waits. Frames/s are counted at the client; GB/s = frames/s x frame
 * bytes. Baselines in the same run: glibc memcpy of one frame and lg_copy_pool_copy with
 * 2 threads, each from one malloc'd source into two alternating destinations in a /dev/shm
 * mapping, like the host (its source is the pattern's malloc'd image). The three
 * run in interleaved rounds (the host pauses while unsubscribed); medians are printed.
 * Options: --quick (one short round), --seconds S (per case and round), --rounds R,
 * --threads N (host app:copyThreads). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lg/fastcopy.h"
#include "lg/log.h"
#include "lg/thread.h"
#include "lg/time.h"
#include "lgmp/client.h"
#include "src/app.h"

#define W 3840u
#define H 2160u
#define FRAME_BYTES ((size_t)W * H * 4u)
#define REGION_BYTES (256u << 20)

struct kv {
  const char *section, *name, *value;
};

static const struct kv pattern_opts[] = {
    {"pattern", "width", "3840"},
    {"pattern", "height", "2160"},
    {"pattern", "fps", "100000"},
    {"pattern", "format", "bgra"},
    {"pattern", "damage", "full"},
    {"pattern", "motion", "off"},
    {NULL, NULL, NULL},
};

static const char *get_opt(void *opaque, const char *backend, const char *name)
{
  for (const struct kv *k = opaque; k->name; ++k)
    if (strcmp(k->section, backend) == 0 && strcmp(k->name, name) == 0)
      return k->value;
  return NULL;
}

struct host_run {
  struct lg_host_config cfg;
  struct lg_capture_options copts;
  _Atomic bool stop;
  int rc;
};

static int host_thread(void *opaque)
{
  struct host_run *h = opaque;
  h->rc = lg_host_run(&h->cfg, &h->stop);
  return 0;
}

struct rate {
  double fps, gbps;
};

/* Starts an LGMP client on the region once the host's session is up. */
static struct lgmp_client *attach(uint8_t *mem)
{
  struct lgmp_client *client = NULL;
  if (lgmp_client_init(mem, REGION_BYTES, &client) != LGMP_OK)
    return NULL;
  const uint8_t *udata;
  uint32_t usize;
  uint64_t give_up = lg_time_ns() + 10000000000ull;
  while (lgmp_client_session_init(client, &udata, &usize) != LGMP_OK) {
    if (lg_time_ns() > give_up) {
      fprintf(stderr, "bench_host_post: no host session in 10 s\n");
      lgmp_client_free(&client);
      return NULL;
    }
    lg_sleep_ms(10);
  }
  return client;
}

/* One round: subscribes (the host resumes capture), skips `warm` seconds, counts frame
 * messages for `seconds` acknowledging each at once, unsubscribes (the host pauses). */
static bool measure_host(struct lgmp_client *client, double warm, double seconds, struct rate *out)
{
  struct lgmp_client_queue *fq = NULL;
  enum lgmp_status sub = lgmp_client_subscribe(client, LGMP_Q_FRAME, &fq);
  if (sub != LGMP_OK) {
    fprintf(stderr, "bench_host_post: subscribe: %s\n", lgmp_status_string(sub));
    return false;
  }
  /* The clock starts at the first frame (the host polls for subscribers every 100 ms and
   * renders its first frame on resume); 5 s without one is a failure. */
  uint64_t warm_end = UINT64_MAX, end = lg_time_ns() + 5000000000ull;
  uint64_t counted = 0, t0 = 0, t1 = 0;
  bool ok = true;
  for (;;) {
    struct lgmp_message m;
    enum lgmp_status st = lgmp_client_process(fq, &m);
    uint64_t now = lg_time_ns();
    if (st == LGMP_OK) {
      lgmp_client_message_done(fq);
      if (warm_end == UINT64_MAX) {
        warm_end = now + (uint64_t)(warm * 1e9);
        end = warm_end + (uint64_t)(seconds * 1e9);
      }
      if (now >= warm_end) {
        if (!t0)
          t0 = now;
        else
          ++counted; /* frames completed after the first timed one */
        t1 = now;
      }
    } else if (st == LGMP_ERR_QUEUE_EMPTY) {
      /* The machine may have 2 cores: a busy client would steal time from the copy threads.
       * 250 us is well under a frame's write time, and the host has a second buffer, so the
       * acknowledgement still never holds it back (it waits only with 2 frames pending). */
      lg_sleep_ns(250000);
    } else {
      fprintf(stderr, "bench_host_post: client: %s\n", lgmp_status_string(st));
      ok = false;
      break;
    }
    if (now >= end)
      break;
  }
  lgmp_client_unsubscribe(&fq);
  lg_sleep_ms(50); /* let the host finish its frame and pause */
  if (ok && (counted == 0 || t1 <= t0)) {
    fprintf(stderr, "bench_host_post: %s\n",
            warm_end == UINT64_MAX ? "no frame from the host in 5 s" : "too few frames to time");
    ok = false;
  }
  if (!ok)
    return false;
  double s = (double)(t1 - t0) / 1e9;
  out->fps = (double)counted / s;
  out->gbps = out->fps * (double)FRAME_BYTES / 1e9;
  return true;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Median of the GB/s of `n` rounds (fps follows from the frame size). */
static struct rate median(struct rate *r, unsigned n)
{
  double g[64];
  for (unsigned i = 0; i < n; ++i)
    g[i] = r[i].gbps;
  qsort(g, n, sizeof(g[0]), cmp_double);
  double m = n % 2 ? g[n / 2] : (g[n / 2 - 1] + g[n / 2]) / 2;
  return (struct rate){m * 1e9 / (double)FRAME_BYTES, m};
}

/* Copies src into dst[i % 2] for `seconds` (once if 0) after one untimed pass. */
static struct rate measure_copy(struct lg_copy_pool *pool, bool use_pool, uint8_t *dst[2],
                                const uint8_t *src, double seconds)
{
  if (use_pool)
    lg_copy_pool_copy(pool, dst[1], src, FRAME_BYTES);
  else
    memcpy(dst[1], src, FRAME_BYTES);
  uint64_t start = lg_time_ns(), now;
  uint64_t n = 0;
  do {
    if (use_pool)
      lg_copy_pool_copy(pool, dst[n & 1], src, FRAME_BYTES);
    else
      memcpy(dst[n & 1], src, FRAME_BYTES);
    ++n;
    now = lg_time_ns();
  } while ((double)(now - start) < seconds * 1e9);
  struct rate r;
  r.fps = (double)n / ((double)(now - start) / 1e9);
  r.gbps = r.fps * (double)FRAME_BYTES / 1e9;
  return r;
}

int main(int argc, char **argv)
{
  bool quick = false;
  double seconds = 1.0;
  unsigned rounds = 7;
  unsigned threads = LG_HOST_COPY_THREADS_DEFAULT;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--quick") == 0)
      quick = true;
    else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
      seconds = atof(argv[++i]);
    else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
      rounds = (unsigned)atoi(argv[++i]);
    else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
      threads = (unsigned)atoi(argv[++i]);
    else {
      fprintf(stderr, "usage: %s [--quick] [--seconds S] [--rounds R] [--threads N]\n", argv[0]);
      return 2;
    }
  }
  if (quick) {
    seconds = 0.2;
    rounds = 1;
  }
  if (rounds < 1 || rounds > 64 || seconds <= 0) {
    fprintf(stderr, "bench_host_post: --rounds 1..64, --seconds > 0\n");
    return 2;
  }
  lg_log_set_level(LG_LOG_WARN);

  char path[64];
  snprintf(path, sizeof(path), "/dev/shm/lg-bench-host-%d", (int)getpid());
  int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd < 0 || ftruncate(fd, REGION_BYTES) != 0) {
    perror(path);
    return 1;
  }
  uint8_t *mem = mmap(NULL, REGION_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (mem == MAP_FAILED) {
    perror("mmap");
    unlink(path);
    return 1;
  }

  /* Baseline destinations: two frames in a second /dev/shm mapping, the same kind of
   * memory (shmem pages) the host writes. */
  char bpath[64];
  snprintf(bpath, sizeof(bpath), "/dev/shm/lg-bench-base-%d", (int)getpid());
  int bfd = open(bpath, O_RDWR | O_CREAT | O_EXCL, 0600);
  uint8_t *base = MAP_FAILED;
  if (bfd >= 0 && ftruncate(bfd, 2 * FRAME_BYTES) == 0)
    base = mmap(NULL, 2 * FRAME_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, bfd, 0);
  if (bfd >= 0)
    close(bfd);
  unlink(bpath);
  uint8_t *src = malloc(FRAME_BYTES);
  uint8_t *dst[2] = {base + 0, base + FRAME_BYTES};
  struct lg_copy_pool *pool = lg_copy_pool_new(2);
  if (!src || base == MAP_FAILED || !pool) {
    fprintf(stderr, "bench_host_post: out of memory\n");
    return 1;
  }
  for (size_t i = 0; i < FRAME_BYTES; ++i)
    src[i] = (uint8_t)(i * 131u >> 3);
  memset(dst[0], 0, FRAME_BYTES);
  memset(dst[1], 0, FRAME_BYTES);

  struct host_run h;
  memset(&h, 0, sizeof(h));
  h.copts = (struct lg_capture_options){.get = get_opt, .opaque = (void *)pattern_opts};
  h.cfg = (struct lg_host_config){.shm_file = path,
                                  .root = "/",
                                  .capture = "pattern",
                                  .capture_opts = &h.copts,
                                  .version = "bench",
                                  .copy_threads = threads};
  atomic_init(&h.stop, false);
  struct lg_thread *t = lg_thread_create("host", host_thread, &h);
  struct lgmp_client *client = t ? attach(mem) : NULL;
  /* Interleaved rounds (host, memcpy, pool) so a noisy machine affects all three alike;
   * the medians are reported. */
  struct rate rh[64], rm[64], rp[64];
  bool attached = client != NULL, ok = attached;
  for (unsigned i = 0; ok && i < rounds; ++i) {
    ok = measure_host(client, 0.1, seconds, &rh[i]);
    rm[i] = measure_copy(NULL, false, dst, src, seconds);
    rp[i] = measure_copy(pool, true, dst, src, seconds);
  }
  lgmp_client_free(&client);
  atomic_store(&h.stop, true);
  if (t)
    lg_thread_join(t, NULL);
  munmap(mem, REGION_BYTES);
  unlink(path);
  lg_copy_pool_free(pool);
  free(src);
  munmap(base, 2 * FRAME_BYTES);
  if (!ok || h.rc != 0) {
    fprintf(stderr, "bench_host_post: the host run failed (client %s, host exit %d)\n",
            attached ? "attached" : "not attached", h.rc);
    return 1;
  }
  struct rate host = median(rh, rounds), mc = median(rm, rounds), best = median(rp, rounds);

  printf("frame %ux%u BGRA = %zu bytes, region 256 MiB, median of %u rounds of %.1f s per "
         "case, host copyThreads %u, streaming method %s\n",
         W, H, FRAME_BYTES, rounds, seconds, threads, lg_copy_impl_name());
  printf("%-34s %9s %9s %9s %9s\n", "case", "frames/s", "GB/s", "x memcpy", "x best");
  printf("%-34s %9.1f %9.2f %9.2f %9.2f\n", "host post (pattern, lg_host_run)", host.fps, host.gbps,
         host.gbps / mc.gbps, host.gbps / best.gbps);
  printf("%-34s %9.1f %9.2f %9.2f %9.2f\n", "glibc memcpy (1 thread)", mc.fps, mc.gbps, 1.0,
         mc.gbps / best.gbps);
  printf("%-34s %9.1f %9.2f %9.2f %9.2f\n", "lg_copy_pool_copy (2 threads)", best.fps, best.gbps,
         best.gbps / mc.gbps, 1.0);
  return 0;
}
