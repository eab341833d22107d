/* LGMP v6, read-only inspection of a region: validates the header, queues and rings
 * against the region size without writing anything. Used by looking-glass-dump, the
 * client's status screen and diagnostics. Never reads out of bounds on any input. */
#ifndef LGMP_INSPECT_H
#define LGMP_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lgmp/protocol.h"

/* Why a region is not a usable LGMP v6 region. */
enum lgmp_inspect_error {
  LGMP_INSPECT_OK = 0,
  LGMP_INSPECT_TOO_SMALL,       /* region < 5760 bytes */
  LGMP_INSPECT_ZERO,            /* header is all zero: no host has written it */
  LGMP_INSPECT_BAD_MAGIC,
  LGMP_INSPECT_BAD_VERSION,
  LGMP_INSPECT_UDATA_BOUNDS,    /* 5756 + udataSize > region size */
  LGMP_INSPECT_QUEUE_COUNT,     /* numQueues > 5 */
  LGMP_INSPECT_QUEUE_BOUNDS,    /* a ring outside the region, numMessages < 2, ... */
  LGMP_INSPECT_MESSAGE_BOUNDS,  /* a ring slot's offset + size past the region */
};

/* A snapshot of one queue (copied out of the region, validated). */
struct lgmp_inspect_queue {
  uint32_t queue_id, num_messages, new_sub_count, max_time, position, messages_offset;
  uint32_t start, count, lock;
  uint64_t subs, msg_timeout;
  uint32_t cmsg_lock, cmsg_avail, cmsg_wpos, cmsg_wserial, cmsg_rserial;
  uint32_t client_id[LGMP_SUBS_MAX];
  uint64_t timeout[LGMP_SUBS_MAX];
};

/* A snapshot of the header. */
struct lgmp_inspect {
  enum lgmp_inspect_error error;
  char message[160]; /* what is wrong, for people */
  uint32_t magic, version, session_id, num_queues, udata_size;
  uint64_t timestamp;
  const uint8_t *udata; /* points into the region; udata_size bytes, bounds-checked */
  struct lgmp_inspect_queue queues[LGMP_MAX_QUEUES];
};

/* Copies and validates the header of the region at `mem`/`size` into `out`.
 * Returns true when out->error is LGMP_INSPECT_OK. */
bool lgmp_inspect_region(const void *mem, size_t size, struct lgmp_inspect *out);

/* Index in out->queues of the queue with `queue_id`, or -1. */
int lgmp_inspect_find_queue(const struct lgmp_inspect *insp, uint32_t queue_id);

/* Copies ring slot `index` of queue `q` (validated by lgmp_inspect_region) into `out`;
 * false if the index is out of range or the slot's payload lies outside the region. */
bool lgmp_inspect_message(const void *mem, size_t size, const struct lgmp_inspect_queue *q,
                          uint32_t index, struct lgmp_header_message *out);

/* Index of the newest posted slot: (position + numMessages - 1) mod numMessages. */
uint32_t lgmp_inspect_newest_index(const struct lgmp_inspect_queue *q);

/* Name of an inspection error. */
const char *lgmp_inspect_error_string(enum lgmp_inspect_error error);

#endif
