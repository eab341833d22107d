/* Private: atomic access to words of the shared region and the region spin lock.
 * The region is shared across processes, VMs and OSes, so every shared word is touched
 * through GCC/Clang __atomic builtins (lock-free for aligned 32/64-bit words on x86-64). */
#ifndef LGMP_ATOMIC_H
#define LGMP_ATOMIC_H

#include <stdbool.h>
#include <stdint.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <sched.h>
#endif

/* Acquire load of a shared 32-bit word. */
static inline uint32_t lgmp_ld32(const uint32_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }

/* Acquire load of a shared 64-bit word. */
static inline uint64_t lgmp_ld64(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }

/* Release store of a shared 32-bit word. */
static inline void lgmp_st32(uint32_t *p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

/* Release store of a shared 64-bit word. */
static inline void lgmp_st64(uint64_t *p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

/* Atomic add; returns the previous value. */
static inline uint32_t lgmp_add32(uint32_t *p, uint32_t v)
{
  return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);
}

/* Atomic subtract; returns the previous value. */
static inline uint32_t lgmp_sub32(uint32_t *p, uint32_t v)
{
  return __atomic_fetch_sub(p, v, __ATOMIC_SEQ_CST);
}

/* Atomic and; returns the previous value. */
static inline uint32_t lgmp_and32(uint32_t *p, uint32_t v)
{
  return __atomic_fetch_and(p, v, __ATOMIC_SEQ_CST);
}

/* Atomic exchange; returns the previous value. */
static inline uint32_t lgmp_xchg32(uint32_t *p, uint32_t v)
{
  return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);
}

/* Gives the CPU to another thread while spinning. */
static inline void lgmp_yield(void)
{
#ifdef _WIN32
  SwitchToThread();
#else
  sched_yield();
#endif
}

/* One compare-exchange 0 -> 1; true when the lock was taken. */
static inline bool lgmp_trylock(uint32_t *lock)
{
  uint32_t expected = 0;
  return __atomic_compare_exchange_n(lock, &expected, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

/* Spins until the lock is taken (yields after a short busy spin). */
static inline void lgmp_lock(uint32_t *lock)
{
  unsigned spins = 0;
  while (!lgmp_trylock(lock)) {
    if (++spins >= 64) {
      spins = 0;
      lgmp_yield();
    }
  }
}

/* Releases the lock. */
static inline void lgmp_unlock(uint32_t *lock) { __atomic_store_n(lock, 0, __ATOMIC_RELEASE); }

#endif
