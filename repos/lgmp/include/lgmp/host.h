/* LGMP v6, host side: owns the region header, creates queues, allocates payload memory,
 * posts messages and runs the 10 ms tick (heartbeat, retire, timeouts, client messages).
 * Not thread-safe: one thread drives a host, except lgmp_host_queue_post which may be
 * called from one other thread per queue while the tick runs. */
#ifndef LGMP_HOST_H
#define LGMP_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lgmp/protocol.h"

struct lgmp_host;
struct lgmp_host_queue;

/* A payload allocation inside the region (lasts for the session). */
struct lgmp_memory {
  uint32_t offset; /* region offset */
  uint32_t size;   /* allocation size */
  void *mem;       /* region base + offset */
};

/* Configuration of one queue. */
struct lgmp_queue_config {
  uint32_t queue_id;
  uint32_t num_messages; /* usable messages; the ring has one more slot */
  uint32_t sub_timeout_ms;
};

/* Called by the tick for each client->host message; the message is acknowledged after it returns. */
typedef void (*lgmp_client_msg_fn)(void *opaque, const void *data, uint32_t size);

/* Host clock: returns ms, never 0. NULL means the library's monotonic clock. */
typedef uint64_t (*lgmp_clock_fn)(void *opaque);

/* Initialises the header in `mem` (`size` bytes) with `udata` (copied), a new session ID
 * (different from what the region held) and the heartbeat. */
enum lgmp_status lgmp_host_init(void *mem, uint32_t size, const void *udata, uint32_t udata_size,
                                struct lgmp_host **out);

/* Same as lgmp_host_init with an injected clock (tests). */
enum lgmp_status lgmp_host_init_clock(void *mem, uint32_t size, const void *udata,
                                      uint32_t udata_size, lgmp_clock_fn clock, void *clock_opaque,
                                      struct lgmp_host **out);

/* Frees the host state (the region is left as it is). */
void lgmp_host_free(struct lgmp_host **host);

/* Creates a queue; must precede every allocation that follows it in the region layout. */
enum lgmp_status lgmp_host_queue_new(struct lgmp_host *host, struct lgmp_queue_config config,
                                     struct lgmp_host_queue **out);

/* Bump-allocates `size` bytes aligned to `align` (power of two, >= 4). */
enum lgmp_status lgmp_host_mem_alloc(struct lgmp_host *host, uint32_t size, uint32_t align,
                                     struct lgmp_memory *out);

/* Bytes still free for allocations (after alignment to 4). */
uint32_t lgmp_host_mem_avail(struct lgmp_host *host);

/* Region offset of the next allocation before alignment. */
uint32_t lgmp_host_mem_next(struct lgmp_host *host);

/* The 10 ms tick: heartbeat, retire finished messages, mark timed-out subscribers BAD, and
 * drain client messages of every queue through `on_msg` (may be NULL: acknowledged anyway).
 * Returns LGMP_ERR_CORRUPTED if the header magic was wiped (the caller must re-init). */
enum lgmp_status lgmp_host_process(struct lgmp_host *host, lgmp_client_msg_fn on_msg,
                                   void *opaque);

/* Posts `mem` with `udata` to every live subscriber. LGMP_OK with nothing posted when there
 * are none; LGMP_ERR_QUEUE_FULL when the ring is full. */
enum lgmp_status lgmp_host_queue_post(struct lgmp_host_queue *queue, uint32_t udata,
                                      const struct lgmp_memory *mem);

/* True while any subscriber bit (ON, BAD included) is set. */
bool lgmp_host_queue_has_subs(struct lgmp_host_queue *queue);

/* Number of subscriptions since the last call (atomically taken). */
uint32_t lgmp_host_queue_new_subs(struct lgmp_host_queue *queue);

/* Unfinished messages in the queue. */
uint32_t lgmp_host_queue_pending(struct lgmp_host_queue *queue);

/* The session ID this host wrote. */
uint32_t lgmp_host_session_id(const struct lgmp_host *host);

/* Human-readable name of a status code. */
const char *lgmp_status_string(enum lgmp_status status);

#endif
