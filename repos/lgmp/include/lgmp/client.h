/* LGMP v6, client side: validates the region, follows the host's session, subscribes to
 * queues, reads and acknowledges messages, sends client->host messages.
 * Everything read from the region is untrusted and bounds-checked before use.
 * One thread per lgmp_client_queue; session calls from one thread. */
#ifndef LGMP_CLIENT_H
#define LGMP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lgmp/protocol.h"

struct lgmp_client;
struct lgmp_client_queue;

/* A received message: `mem` points into the region and is bounds-checked
 * (offset + size <= region size). */
struct lgmp_message {
  uint32_t udata;
  uint32_t size;
  uint32_t offset;
  void *mem;
};

/* Client clock: returns ms. NULL means the library's monotonic clock. */
typedef uint64_t (*lgmp_clock_fn)(void *opaque);

/* Records the region (`size` >= 5760) and the current heartbeat (C1). */
enum lgmp_status lgmp_client_init(void *mem, uint32_t size, struct lgmp_client **out);

/* Same as lgmp_client_init with an injected clock (tests). */
enum lgmp_status lgmp_client_init_clock(void *mem, uint32_t size, lgmp_clock_fn clock,
                                        void *clock_opaque, struct lgmp_client **out);

/* Frees the client (queues must be unsubscribed first). */
void lgmp_client_free(struct lgmp_client **client);

/* C2: checks magic/version, header bounds (udata and every queue ring inside the region)
 * and that the heartbeat moved since the last look; on success starts a new session and
 * returns the udata (bounds-checked) through `udata`/`udata_size`. */
enum lgmp_status lgmp_client_session_init(struct lgmp_client *client, const uint8_t **udata,
                                          uint32_t *udata_size);

/* C3: false when the session ID changed or the heartbeat is older than 1000 ms. */
bool lgmp_client_session_valid(struct lgmp_client *client);

/* The session ID of the current session. */
uint32_t lgmp_client_session_id(const struct lgmp_client *client);

/* C4: subscribes to the queue with `queue_id`. */
enum lgmp_status lgmp_client_subscribe(struct lgmp_client *client, uint32_t queue_id,
                                       struct lgmp_client_queue **out);

/* C8: unsubscribes and frees the queue handle (also when the session is gone). */
enum lgmp_status lgmp_client_unsubscribe(struct lgmp_client_queue **queue);

/* C5: peeks at the next message without consuming it. */
enum lgmp_status lgmp_client_process(struct lgmp_client_queue *queue, struct lgmp_message *out);

/* C6: marks the current message done and moves to the next. */
enum lgmp_status lgmp_client_message_done(struct lgmp_client_queue *queue);

/* C7: skips to the newest message, finishing the older ones. */
enum lgmp_status lgmp_client_advance_to_last(struct lgmp_client_queue *queue);

/* C9: sends up to 64 bytes to the host on this queue's client ring; `serial` receives the
 * serial to wait for with lgmp_client_message_acked. */
enum lgmp_status lgmp_client_send_data(struct lgmp_client_queue *queue, const void *data,
                                       uint32_t size, uint32_t *serial);

/* True once the host acknowledged the message with `serial` (wrap-around safe). */
bool lgmp_client_message_acked(struct lgmp_client_queue *queue, uint32_t serial);

#endif
