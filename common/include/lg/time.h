/* Monotonic time and sleeping. */
#ifndef LG_TIME_H
#define LG_TIME_H

#include <stdint.h>

/* Monotonic clock in nanoseconds (arbitrary epoch, never goes back). */
uint64_t lg_time_ns(void);

/* Monotonic clock in milliseconds; never returns 0 (the LGMP heartbeat relies on it). */
uint64_t lg_time_ms(void);

/* Sleeps for at least `ns` nanoseconds. */
void lg_sleep_ns(uint64_t ns);

/* Sleeps for at least `ms` milliseconds. */
void lg_sleep_ms(uint32_t ms);

#endif
