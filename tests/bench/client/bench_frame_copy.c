/* bench_frame_copy: the time of one memcpy of a BGRA frame, as the yardstick printed next to
 * the client's CPU figures by run_bench.sh.
 *   bench_frame_copy WIDTH HEIGHT [REPEATS]
 * Prints "memcpy WxH: BEST_US us best, MEDIAN_US us median, GB/s" (best and median of REPEATS
 * copies between two page-touched buffers). Exit status 0, or 1 on bad arguments. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int by_value(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
  long w = argc > 2 ? strtol(argv[1], NULL, 10) : 0;
  long h = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
  long reps = argc > 3 ? strtol(argv[3], NULL, 10) : 20;
  if (w <= 0 || h <= 0 || w > 16384 || h > 16384 || reps <= 0 || reps > 10000) {
    fprintf(stderr, "usage: bench_frame_copy WIDTH HEIGHT [REPEATS 1..10000]\n");
    return 1;
  }
  size_t size = (size_t)w * (size_t)h * 4;
  uint8_t *src = malloc(size), *dst = malloc(size);
  double *t = malloc((size_t)reps * sizeof(*t));
  if (!src || !dst || !t) {
    fprintf(stderr, "bench_frame_copy: out of memory\n");
    return 1;
  }
  memset(src, 0x5a, size);
  memset(dst, 0, size);
  for (long i = 0; i < reps; ++i) {
    double t0 = now_us();
    memcpy(dst, src, size);
    t[i] = now_us() - t0;
    src[(size_t)i % size] ^= dst[size - 1 - (size_t)i % size]; /* keep the copies live */
  }
  qsort(t, (size_t)reps, sizeof(*t), by_value);
  printf("memcpy %ldx%ld: %.1f us best, %.1f us median, %.1f GB/s\n", w, h, t[0],
         t[reps / 2], (double)size / t[0] / 1e3);
  free(t);
  free(dst);
  free(src);
  return 0;
}
