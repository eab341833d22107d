/* Fast memory copies for frame data: runtime SIMD selection, non-temporal (streaming) stores
 * for copies larger than the cache, and a persistent worker pool that splits big copies. */
#ifndef LG_FASTCOPY_H
#define LG_FASTCOPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A copy routine: copies `n` bytes from `src` to `dst` (the ranges must not overlap). */
typedef void (*lg_copy_fn)(void *dst, const void *src, size_t n);

/* Copies `n` bytes (non-overlapping) with the best method for this size on this CPU: memcpy
 * below lg_copy_nt_threshold(), streaming stores (fenced before return) at or above it. */
void lg_copy(void *dst, const void *src, size_t n);

/* Name of the streaming method lg_copy uses for large sizes ("avx512-nt", "avx2-nt",
 * "sse2-nt" or "memcpy"); the choice is made once, on first use. */
const char *lg_copy_impl_name(void);

/* Size in bytes from which lg_copy streams: half the last-level cache, at least 1 MiB. */
size_t lg_copy_nt_threshold(void);

/* Copies `n` bytes with streaming stores and NO trailing fence: call lg_copy_fence() before
 * publishing the data to another thread. Small or unaligned ends are copied with memcpy. */
void lg_copy_stream(void *dst, const void *src, size_t n);

/* Orders all earlier streaming stores of this thread before later stores (sfence on x86). */
void lg_copy_fence(void);

/* Number of streaming methods known to this build (for benchmarks and tests). */
unsigned lg_copy_impl_count(void);

/* Method `index` (< lg_copy_impl_count()): returns its name and sets *fn when the CPU
 * supports it (the fn fences before it returns); NULL when it does not. */
const char *lg_copy_impl_get(unsigned index, lg_copy_fn *fn);

/* A persistent pool of copy threads. The thread calling into the pool does one share itself. */
struct lg_copy_pool;

/* One part of a parallel job: called once for each part in [0, parts), on any pool thread. */
typedef void (*lg_copy_pool_job)(void *opaque, unsigned part, unsigned parts);

/* Starts a pool of `threads` parts in all, the caller included (0 = the CPU count), i.e.
 * threads - 1 worker threads. NULL on failure (logged). */
struct lg_copy_pool *lg_copy_pool_new(unsigned threads);

/* Stops the workers and frees the pool (NULL is ignored). Not while a copy is running. */
void lg_copy_pool_free(struct lg_copy_pool *pool);

/* Number of parts (threads, the caller included) of the pool; 1 for NULL. */
unsigned lg_copy_pool_threads(const struct lg_copy_pool *pool);

/* Copies `n` bytes split across the pool; blocks until every share is done and visible.
 * Small copies run on the caller alone. `pool` may be NULL (then it is lg_copy). One caller
 * at a time per pool; no allocation per call. */
void lg_copy_pool_copy(struct lg_copy_pool *pool, void *dst, const void *src, size_t n);

/* Runs `job(opaque, part, parts)` once for every part in [0, parts), on whichever pool thread
 * claims it first (the caller takes parts too, so it never waits for a worker that has not
 * started), and blocks until all are done; their stores (streaming ones fenced) are visible
 * on return. NULL pool or 1 thread: runs them inline. One caller at a time per pool. */
void lg_copy_pool_run(struct lg_copy_pool *pool, lg_copy_pool_job job, void *opaque,
                      unsigned parts);

/* How many parts a job of `bytes` should be split into on this pool: 1 (run inline) below
 * LG_COPY_POOL_MIN_BYTES, otherwise pieces of at least half that, at most 4 per thread. */
unsigned lg_copy_pool_parts_for(const struct lg_copy_pool *pool, size_t bytes);

/* A copy smaller than this is not worth waking a worker for. */
#define LG_COPY_POOL_MIN_BYTES (256u * 1024u)

/* How long (ns) an idle worker and a waiting caller spin before they sleep on an event
 * (default LG_COPY_POOL_SPIN_NS); 0 = sleep at once. Call while no job runs. */
void lg_copy_pool_set_spin_ns(struct lg_copy_pool *pool, uint64_t spin_ns);

#define LG_COPY_POOL_SPIN_NS 50000u

#endif
