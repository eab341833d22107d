/* Monotonic time on POSIX. */
#include "lg/time.h"

#include <errno.h>
#include <time.h>

uint64_t lg_time_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t lg_time_ms(void)
{
  /* +1 so the value is never 0, even right after boot. */
  return lg_time_ns() / 1000000ull + 1;
}

void lg_sleep_ns(uint64_t ns)
{
  struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000ull),
                        .tv_nsec = (long)(ns % 1000000000ull)};
  while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
    ;
}

void lg_sleep_ms(uint32_t ms) { lg_sleep_ns((uint64_t)ms * 1000000ull); }
