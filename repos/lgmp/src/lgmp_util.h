/* Private helpers shared by the host, client and inspect modules of lgmp. */
#ifndef LGMP_UTIL_H
#define LGMP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lgmp_inspect;

/* Monotonic clock in ms (QueryPerformanceCounter on Windows, CLOCK_MONOTONIC otherwise). */
uint64_t lgmp_util_clock_ms(void *opaque);

/* A 32-bit random value that is neither 0 nor `avoid`. Not cryptographic. */
uint32_t lgmp_util_random32(uint32_t avoid);

/* Wrap-around safe "a >= b" for u32 serial counters. */
static inline bool lgmp_serial_ge(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

/* lgmp_inspect_region with an option to skip the per-slot payload bounds check (the client
 * checks each slot when it reads it, so stale slots must not fail a session init). */
bool lgmp_inspect_region_ex(const void *mem, size_t size, struct lgmp_inspect *out,
                            bool check_slots);

#endif
