/* Private helpers of lgmp: clock and random numbers. */
#include "lgmp_util.h"

#ifdef _WIN32
#include <windows.h>
#else
#include <time.h>
#include <unistd.h>
#endif

uint64_t lgmp_util_clock_ms(void *opaque)
{
  (void)opaque;
#ifdef _WIN32
  LARGE_INTEGER freq, now;
  if (!QueryPerformanceFrequency(&freq) || !QueryPerformanceCounter(&now) || freq.QuadPart <= 0)
    return 0;
  uint64_t f = (uint64_t)freq.QuadPart;
  uint64_t n = (uint64_t)now.QuadPart;
  return (n / f) * 1000u + ((n % f) * 1000u) / f;
#else
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
    return 0;
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
#endif
}

/* splitmix64 finaliser: spreads the entropy of the seed over all bits. */
static uint64_t mix64(uint64_t x)
{
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

static uint64_t random_counter; /* bumped atomically: distinct values within a process */

uint32_t lgmp_util_random32(uint32_t avoid)
{
  uint64_t seed = __atomic_add_fetch(&random_counter, 1, __ATOMIC_RELAXED) * 0xD1B54A32D192ED03ull;
  seed ^= (uint64_t)(uintptr_t)&seed;
#ifdef _WIN32
  LARGE_INTEGER now;
  QueryPerformanceCounter(&now);
  seed ^= mix64((uint64_t)now.QuadPart);
  seed ^= mix64(((uint64_t)GetCurrentProcessId() << 32) ^ GetTickCount());
#else
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  seed ^= mix64((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
  clock_gettime(CLOCK_REALTIME, &ts);
  seed ^= mix64(((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 40));
#endif
  for (;;) {
    seed = mix64(seed);
    uint32_t v = (uint32_t)(seed >> 32);
    if (v != 0 && v != avoid)
      return v;
  }
}
