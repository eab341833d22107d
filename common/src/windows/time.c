/* Monotonic time on Windows (QueryPerformanceCounter). */
#include "lg/time.h"

#include <windows.h>

uint64_t lg_time_ns(void)
{
  static LARGE_INTEGER freq; /* constant after first use */
  if (!freq.QuadPart)
    QueryPerformanceFrequency(&freq);
  LARGE_INTEGER now;
  QueryPerformanceCounter(&now);
  uint64_t sec = (uint64_t)now.QuadPart / (uint64_t)freq.QuadPart;
  uint64_t rem = (uint64_t)now.QuadPart % (uint64_t)freq.QuadPart;
  return sec * 1000000000ull + rem * 1000000000ull / (uint64_t)freq.QuadPart;
}

uint64_t lg_time_ms(void) { return lg_time_ns() / 1000000ull + 1; }

void lg_sleep_ns(uint64_t ns)
{
  uint64_t end = lg_time_ns() + ns;
  if (ns >= 2000000ull)
    Sleep((DWORD)(ns / 1000000ull - 1));
  while (lg_time_ns() < end)
    SwitchToThread();
}

void lg_sleep_ms(uint32_t ms) { lg_sleep_ns((uint64_t)ms * 1000000ull); }
