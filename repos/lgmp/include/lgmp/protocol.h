/* LGMP protocol version 6: the shared-memory layout, byte for byte.
 * Every offset and size below is checked by a static assert. Fixed-width types only;
 * atomics are declared as plain integers and accessed through lgmp_atomic.h. */
#ifndef LGMP_PROTOCOL_H
#define LGMP_PROTOCOL_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#define LGMP_PROTOCOL_MAGIC   0x504D474Cu /* bytes "LGMP" */
#define LGMP_PROTOCOL_VERSION 6u
#define LGMP_MAX_QUEUES       5u
#define LGMP_MSGS_MAX         10u /* client->host ring slots per queue */
#define LGMP_MSGS_SIZE        64u /* bytes per client->host message */
#define LGMP_SUBS_MAX         32u /* subscriber bits per queue */
#define LGMP_HEARTBEAT_TIMEOUT_MS 1000u
#define LGMP_UDATA_OFFSET     5756u
#define LGMP_HEADER_SIZE      5760u

/* One ring slot (16 bytes). */
struct lgmp_header_message {
  uint32_t udata;
  uint32_t size;         /* payload allocation size */
  uint32_t offset;       /* payload region offset */
  uint32_t pending_subs; /* atomic: bits that have not finished the message */
};

/* One client->host message slot (68 bytes). */
struct lgmp_client_message {
  uint32_t size; /* <= 64 */
  uint8_t data[LGMP_MSGS_SIZE];
};

/* One queue descriptor inside the header (1144 bytes). */
struct lgmp_header_queue {
  uint32_t queue_id;
  uint32_t num_messages;    /* ring slots = configured count + 1 */
  uint32_t new_sub_count;   /* atomic */
  uint32_t max_time;        /* subscriber timeout, ms */
  uint32_t position;        /* atomic: host write index */
  uint32_t messages_offset; /* region offset of the ring */
  uint64_t timeout[LGMP_SUBS_MAX];
  uint32_t client_id[LGMP_SUBS_MAX];
  uint32_t lock; /* atomic spin lock, 0 free / 1 held */
  uint32_t pad0;
  uint64_t subs; /* atomic: high 32 bits ON, low 32 bits BAD */
  uint32_t start;
  uint32_t pad1;
  uint64_t msg_timeout;   /* atomic: host-clock deadline for the oldest message */
  uint32_t count;         /* atomic: unfinished messages */
  uint32_t cmsg_lock;     /* atomic */
  uint32_t cmsg_avail;    /* atomic: free client slots (10 = empty) */
  uint32_t cmsg_wpos;     /* atomic */
  uint32_t cmsg_wserial;  /* atomic */
  uint32_t cmsg_rserial;  /* atomic */
  struct lgmp_client_message cmsgs[LGMP_MSGS_MAX];
};

/* The region header (5760 bytes at offset 0). */
struct lgmp_header {
  uint32_t magic;
  uint32_t version;
  uint32_t session_id;
  uint32_t pad0;
  uint64_t timestamp; /* atomic: heartbeat, host ms clock, never 0 */
  uint32_t num_queues;
  uint32_t pad1;
  struct lgmp_header_queue queues[LGMP_MAX_QUEUES];
  uint32_t udata_size;
  uint8_t udata[]; /* at 5756: only 4-aligned */
};

#define LGMP_CHECK(type, field, off) \
  static_assert(offsetof(struct type, field) == (off), #type "." #field " offset")

static_assert(sizeof(struct lgmp_header_message) == 16, "lgmp_header_message size");
LGMP_CHECK(lgmp_header_message, udata, 0);
LGMP_CHECK(lgmp_header_message, size, 4);
LGMP_CHECK(lgmp_header_message, offset, 8);
LGMP_CHECK(lgmp_header_message, pending_subs, 12);

static_assert(sizeof(struct lgmp_client_message) == 68, "lgmp_client_message size");
LGMP_CHECK(lgmp_client_message, size, 0);
LGMP_CHECK(lgmp_client_message, data, 4);

static_assert(sizeof(struct lgmp_header_queue) == 1144, "lgmp_header_queue size");
LGMP_CHECK(lgmp_header_queue, queue_id, 0);
LGMP_CHECK(lgmp_header_queue, num_messages, 4);
LGMP_CHECK(lgmp_header_queue, new_sub_count, 8);
LGMP_CHECK(lgmp_header_queue, max_time, 12);
LGMP_CHECK(lgmp_header_queue, position, 16);
LGMP_CHECK(lgmp_header_queue, messages_offset, 20);
LGMP_CHECK(lgmp_header_queue, timeout, 24);
LGMP_CHECK(lgmp_header_queue, client_id, 280);
LGMP_CHECK(lgmp_header_queue, lock, 408);
LGMP_CHECK(lgmp_header_queue, subs, 416);
LGMP_CHECK(lgmp_header_queue, start, 424);
LGMP_CHECK(lgmp_header_queue, msg_timeout, 432);
LGMP_CHECK(lgmp_header_queue, count, 440);
LGMP_CHECK(lgmp_header_queue, cmsg_lock, 444);
LGMP_CHECK(lgmp_header_queue, cmsg_avail, 448);
LGMP_CHECK(lgmp_header_queue, cmsg_wpos, 452);
LGMP_CHECK(lgmp_header_queue, cmsg_wserial, 456);
LGMP_CHECK(lgmp_header_queue, cmsg_rserial, 460);
LGMP_CHECK(lgmp_header_queue, cmsgs, 464);

static_assert(sizeof(struct lgmp_header) == LGMP_HEADER_SIZE, "lgmp_header size");
static_assert(_Alignof(struct lgmp_header) == 8, "lgmp_header align");
LGMP_CHECK(lgmp_header, magic, 0);
LGMP_CHECK(lgmp_header, version, 4);
LGMP_CHECK(lgmp_header, session_id, 8);
LGMP_CHECK(lgmp_header, timestamp, 16);
LGMP_CHECK(lgmp_header, num_queues, 24);
LGMP_CHECK(lgmp_header, queues, 32);
LGMP_CHECK(lgmp_header, udata_size, 5752);
LGMP_CHECK(lgmp_header, udata, LGMP_UDATA_OFFSET);

/* Status codes (API only; never on the wire). Numbering follows the spec. */
enum lgmp_status {
  LGMP_OK = 0,
  LGMP_ERR_CLOCK_FAILURE,
  LGMP_ERR_INVALID_ARGUMENT,
  LGMP_ERR_INVALID_SIZE,
  LGMP_ERR_INVALID_ALIGNMENT,
  LGMP_ERR_INVALID_SESSION,
  LGMP_ERR_NO_MEM,
  LGMP_ERR_NO_SHARED_MEM,
  LGMP_ERR_HOST_STARTED,
  LGMP_ERR_NO_QUEUES,
  LGMP_ERR_QUEUE_FULL,
  LGMP_ERR_QUEUE_EMPTY,
  LGMP_ERR_QUEUE_UNSUBSCRIBED,
  LGMP_ERR_QUEUE_TIMEOUT,
  LGMP_ERR_INVALID_MAGIC,
  LGMP_ERR_INVALID_VERSION,
  LGMP_ERR_NO_SUCH_QUEUE,
  LGMP_ERR_CORRUPTED,
};

#endif
