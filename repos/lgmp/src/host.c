/* LGMP v6 host side (spec §2.3 H1..H7). The host keeps private, trusted copies of every
 * queue parameter it configured; values that clients may write (subs, pendingSubs, start,
 * count, cMsg*) are bounded before use, so a hostile client cannot make it misbehave
 * beyond its own queue. */
#include "lgmp/host.h"

#include <stdlib.h>
#include <string.h>

#include "lgmp_atomic.h"
#include "lgmp_util.h"

#define ALIGN4(x) (((x) + 3u) & ~(uint64_t)3u)

struct lgmp_host_queue {
  struct lgmp_host *host;
  struct lgmp_header_queue *hq;
  uint32_t queue_id;
  uint32_t num_messages; /* ring slots */
  uint32_t max_time;
  uint32_t messages_offset;
  uint32_t host_pos;  /* next slot to write */
  uint32_t cmsg_rpos; /* next client slot to read (host-private) */
};

struct lgmp_host {
  uint8_t *mem;
  uint32_t size;
  lgmp_clock_fn clock;
  void *clock_opaque;
  uint32_t session_id;
  uint32_t next_free;
  uint32_t num_queues;
  struct lgmp_host_queue queues[LGMP_MAX_QUEUES];
};

static struct lgmp_header *header(struct lgmp_host *host)
{
  return (struct lgmp_header *)host->mem;
}

static uint64_t now_ms(struct lgmp_host *host) { return host->clock(host->clock_opaque); }

static struct lgmp_header_message *ring(struct lgmp_host_queue *q)
{
  return (struct lgmp_header_message *)(q->host->mem + q->messages_offset);
}

enum lgmp_status lgmp_host_init(void *mem, uint32_t size, const void *udata, uint32_t udata_size,
                                struct lgmp_host **out)
{
  return lgmp_host_init_clock(mem, size, udata, udata_size, NULL, NULL, out);
}

enum lgmp_status lgmp_host_init_clock(void *mem, uint32_t size, const void *udata,
                                      uint32_t udata_size, lgmp_clock_fn clock, void *clock_opaque,
                                      struct lgmp_host **out)
{
  if (!out)
    return LGMP_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (!mem || (udata_size && !udata))
    return LGMP_ERR_INVALID_ARGUMENT;
  if ((uintptr_t)mem % 8u != 0)
    return LGMP_ERR_INVALID_ALIGNMENT;
  /* H1.1 */
  if ((uint64_t)size < (uint64_t)LGMP_HEADER_SIZE + udata_size)
    return LGMP_ERR_INVALID_SIZE;
  if (!clock)
    clock = lgmp_util_clock_ms;
  uint64_t now = clock(clock_opaque);
  if (now == 0)
    return LGMP_ERR_CLOCK_FAILURE;

  struct lgmp_host *host = calloc(1, sizeof(*host));
  if (!host)
    return LGMP_ERR_NO_MEM;
  host->mem = mem;
  host->size = size;
  host->clock = clock;
  host->clock_opaque = clock_opaque;
  /* H1.2 */
  host->next_free = (uint32_t)ALIGN4((uint64_t)LGMP_HEADER_SIZE + udata_size);

  /* H1.3: the new session ID goes out first so that attached clients notice the restart. */
  struct lgmp_header *hdr = mem;
  uint32_t old = lgmp_ld32(&hdr->session_id);
  host->session_id = lgmp_util_random32(old);
  lgmp_st32(&hdr->session_id, host->session_id);

  /* H1.4 */
  lgmp_st32(&hdr->num_queues, 0);
  lgmp_st32(&hdr->udata_size, udata_size);
  if (udata_size)
    memcpy(host->mem + LGMP_UDATA_OFFSET, udata, udata_size);
  lgmp_st32(&hdr->version, LGMP_PROTOCOL_VERSION);
  lgmp_st64(&hdr->timestamp, now);
  lgmp_st32(&hdr->magic, LGMP_PROTOCOL_MAGIC);
  *out = host;
  return LGMP_OK;
}

void lgmp_host_free(struct lgmp_host **host)
{
  if (!host || !*host)
    return;
  free(*host);
  *host = NULL;
}

enum lgmp_status lgmp_host_queue_new(struct lgmp_host *host, struct lgmp_queue_config config,
                                     struct lgmp_host_queue **out)
{
  if (!host || !out || config.num_messages == 0)
    return LGMP_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (host->num_queues >= LGMP_MAX_QUEUES)
    return LGMP_ERR_NO_QUEUES;
  /* H2.1 */
  uint64_t slots = (uint64_t)config.num_messages + 1u;
  uint64_t bytes = 16u * slots;
  if (bytes > (uint64_t)host->size - host->next_free)
    return LGMP_ERR_NO_SHARED_MEM;

  struct lgmp_host_queue *q = &host->queues[host->num_queues];
  struct lgmp_header_queue *hq = &header(host)->queues[host->num_queues];
  q->host = host;
  q->hq = hq;
  q->queue_id = config.queue_id;
  q->num_messages = (uint32_t)slots;
  q->max_time = config.sub_timeout_ms;
  q->messages_offset = host->next_free;
  q->host_pos = 0;
  q->cmsg_rpos = 0;

  /* H2.2: configuration, then every other scalar zeroed. The ring is zeroed too (B7 leaves
   * stale slots; zeros are always in bounds for inspection). */
  memset(host->mem + q->messages_offset, 0, (size_t)bytes);
  hq->queue_id = q->queue_id;
  hq->num_messages = q->num_messages;
  hq->max_time = q->max_time;
  hq->messages_offset = q->messages_offset;
  lgmp_st32(&hq->new_sub_count, 0);
  lgmp_st32(&hq->position, 0);
  lgmp_st32(&hq->lock, 0);
  lgmp_st64(&hq->subs, 0);
  hq->start = 0;
  lgmp_st64(&hq->msg_timeout, 0);
  lgmp_st32(&hq->count, 0);
  lgmp_st32(&hq->cmsg_lock, 0);
  lgmp_st32(&hq->cmsg_wpos, 0);
  lgmp_st32(&hq->cmsg_wserial, 0);
  lgmp_st32(&hq->cmsg_rserial, 0);
  lgmp_st32(&hq->cmsg_avail, LGMP_MSGS_MAX);

  /* H2.3 */
  host->next_free = (uint32_t)ALIGN4((uint64_t)host->next_free + bytes);
  host->num_queues++;
  lgmp_st32(&header(host)->num_queues, host->num_queues);
  *out = q;
  return LGMP_OK;
}

enum lgmp_status lgmp_host_mem_alloc(struct lgmp_host *host, uint32_t size, uint32_t align,
                                     struct lgmp_memory *out)
{
  if (!host || !out)
    return LGMP_ERR_INVALID_ARGUMENT;
  memset(out, 0, sizeof(*out));
  if (align < 4 || (align & (align - 1u)) != 0)
    return LGMP_ERR_INVALID_ALIGNMENT;
  if (size == 0)
    return LGMP_ERR_INVALID_SIZE;
  /* H3 */
  uint64_t mask = (uint64_t)align - 1u;
  uint64_t rsize = ((uint64_t)size + mask) & ~mask;
  uint64_t start = ((uint64_t)host->next_free + mask) & ~mask;
  if (start + rsize > host->size)
    return LGMP_ERR_NO_SHARED_MEM;
  out->offset = (uint32_t)start;
  out->size = (uint32_t)rsize;
  out->mem = host->mem + start;
  host->next_free = (uint32_t)(start + rsize);
  return LGMP_OK;
}

uint32_t lgmp_host_mem_avail(struct lgmp_host *host)
{
  uint64_t next = ALIGN4((uint64_t)host->next_free);
  return next >= host->size ? 0 : (uint32_t)(host->size - next);
}

uint32_t lgmp_host_mem_next(struct lgmp_host *host) { return host->next_free; }

uint32_t lgmp_host_session_id(const struct lgmp_host *host) { return host->session_id; }

/* H5.3 for one queue; called with no lock held. */
static void retire(struct lgmp_host_queue *q, uint64_t now)
{
  struct lgmp_header_queue *hq = q->hq;
  lgmp_lock(&hq->lock);
  uint32_t count = lgmp_ld32(&hq->count);
  if (count == 0) {
    lgmp_unlock(&hq->lock);
    return;
  }
  /* Hostile-client guards: count and start are client-writable. */
  if (count > q->num_messages - 1u) {
    count = q->num_messages - 1u;
    lgmp_st32(&hq->count, count);
  }
  uint32_t start = hq->start;
  if (start >= q->num_messages) {
    start = (uint32_t)(((uint64_t)q->host_pos + q->num_messages - count) % q->num_messages);
    hq->start = start;
  }

  uint64_t subs = lgmp_ld64(&hq->subs);
  uint32_t on = (uint32_t)(subs >> 32);
  uint32_t bad = (uint32_t)subs;
  struct lgmp_header_message *r = ring(q);
  for (uint32_t guard = 0; guard < q->num_messages; ++guard) {
    struct lgmp_header_message *m = &r[start];
    uint32_t pend = lgmp_ld32(&m->pending_subs) & on;
    uint32_t new_bad = pend & ~bad;
    if (new_bad && now > lgmp_ld64(&hq->msg_timeout)) {
      bad |= new_bad;
      for (uint32_t b = 0; b < LGMP_SUBS_MAX; ++b)
        if (new_bad & (1u << b))
          hq->timeout[b] = now + q->max_time;
      lgmp_st32(&m->pending_subs, 0);
      pend = 0;
    }
    if (pend & ~bad)
      break;
    start = (start + 1u) % q->num_messages;
    hq->start = start;
    if (lgmp_sub32(&hq->count, 1) <= 1u)
      break;
    lgmp_st64(&hq->msg_timeout, now + q->max_time);
  }
  lgmp_st64(&hq->subs, ((uint64_t)on << 32) | bad);
  lgmp_unlock(&hq->lock);
}

/* H6 for one queue: at most LGMP_MSGS_MAX messages per call, whatever cMsgAvail says. */
static void drain(struct lgmp_host_queue *q, lgmp_client_msg_fn on_msg, void *opaque)
{
  struct lgmp_header_queue *hq = q->hq;
  for (uint32_t n = 0; n < LGMP_MSGS_MAX; ++n) {
    if (lgmp_ld32(&hq->cmsg_avail) == LGMP_MSGS_MAX)
      return;
    struct lgmp_client_message msg;
    lgmp_lock(&hq->cmsg_lock);
    uint32_t avail = lgmp_ld32(&hq->cmsg_avail);
    if (avail >= LGMP_MSGS_MAX) {
      if (avail > LGMP_MSGS_MAX) /* garbage from a client: treat the ring as empty */
        lgmp_st32(&hq->cmsg_avail, LGMP_MSGS_MAX);
      lgmp_unlock(&hq->cmsg_lock);
      return;
    }
    memcpy(&msg, &hq->cmsgs[q->cmsg_rpos], sizeof(msg));
    q->cmsg_rpos = (q->cmsg_rpos + 1u) % LGMP_MSGS_MAX;
    lgmp_add32(&hq->cmsg_avail, 1);
    lgmp_unlock(&hq->cmsg_lock);

    if (msg.size > LGMP_MSGS_SIZE)
      msg.size = LGMP_MSGS_SIZE;
    if (on_msg)
      on_msg(opaque, msg.data, msg.size);
    lgmp_add32(&hq->cmsg_rserial, 1);
  }
}

enum lgmp_status lgmp_host_process(struct lgmp_host *host, lgmp_client_msg_fn on_msg, void *opaque)
{
  if (!host)
    return LGMP_ERR_INVALID_ARGUMENT;
  struct lgmp_header *hdr = header(host);
  /* H5.1: a wiped magic (guest boot) or a foreign session means the header is gone. */
  if (lgmp_ld32(&hdr->magic) != LGMP_PROTOCOL_MAGIC ||
      lgmp_ld32(&hdr->session_id) != host->session_id)
    return LGMP_ERR_CORRUPTED;
  uint64_t now = now_ms(host);
  if (now == 0)
    return LGMP_ERR_CLOCK_FAILURE;
  lgmp_st64(&hdr->timestamp, now); /* H5.2 */
  for (uint32_t i = 0; i < host->num_queues; ++i)
    retire(&host->queues[i], now);
  for (uint32_t i = 0; i < host->num_queues; ++i)
    drain(&host->queues[i], on_msg, opaque);
  return LGMP_OK;
}

enum lgmp_status lgmp_host_queue_post(struct lgmp_host_queue *queue, uint32_t udata,
                                      const struct lgmp_memory *mem)
{
  if (!queue || !mem)
    return LGMP_ERR_INVALID_ARGUMENT;
  struct lgmp_host *host = queue->host;
  if ((uint64_t)mem->offset + mem->size > host->size)
    return LGMP_ERR_INVALID_ARGUMENT;
  struct lgmp_header_queue *hq = queue->hq;

  /* H4 */
  lgmp_lock(&hq->lock);
  uint64_t subs = lgmp_ld64(&hq->subs);
  uint32_t pend = (uint32_t)(subs >> 32) & ~(uint32_t)subs;
  if (pend == 0) {
    lgmp_unlock(&hq->lock);
    return LGMP_OK;
  }
  if (lgmp_ld32(&hq->count) >= queue->num_messages - 1u) {
    lgmp_unlock(&hq->lock);
    return LGMP_ERR_QUEUE_FULL;
  }
  struct lgmp_header_message *m = &ring(queue)[queue->host_pos];
  m->udata = udata;
  m->size = mem->size;
  m->offset = mem->offset;
  lgmp_st32(&m->pending_subs, pend);
  if (lgmp_add32(&hq->count, 1) == 0)
    lgmp_st64(&hq->msg_timeout, now_ms(host) + queue->max_time);
  queue->host_pos = (queue->host_pos + 1u) % queue->num_messages;
  lgmp_st32(&hq->position, queue->host_pos); /* release: publishes the slot */
  lgmp_unlock(&hq->lock);
  return LGMP_OK;
}

bool lgmp_host_queue_has_subs(struct lgmp_host_queue *queue)
{
  return (lgmp_ld64(&queue->hq->subs) >> 32) != 0;
}

uint32_t lgmp_host_queue_new_subs(struct lgmp_host_queue *queue)
{
  return lgmp_xchg32(&queue->hq->new_sub_count, 0);
}

uint32_t lgmp_host_queue_pending(struct lgmp_host_queue *queue)
{
  uint32_t count = lgmp_ld32(&queue->hq->count);
  return count < queue->num_messages ? count : queue->num_messages - 1u;
}

const char *lgmp_status_string(enum lgmp_status status)
{
  switch (status) {
  case LGMP_OK:
    return "LGMP_OK";
  case LGMP_ERR_CLOCK_FAILURE:
    return "LGMP_ERR_CLOCK_FAILURE";
  case LGMP_ERR_INVALID_ARGUMENT:
    return "LGMP_ERR_INVALID_ARGUMENT";
  case LGMP_ERR_INVALID_SIZE:
    return "LGMP_ERR_INVALID_SIZE";
  case LGMP_ERR_INVALID_ALIGNMENT:
    return "LGMP_ERR_INVALID_ALIGNMENT";
  case LGMP_ERR_INVALID_SESSION:
    return "LGMP_ERR_INVALID_SESSION";
  case LGMP_ERR_NO_MEM:
    return "LGMP_ERR_NO_MEM";
  case LGMP_ERR_NO_SHARED_MEM:
    return "LGMP_ERR_NO_SHARED_MEM";
  case LGMP_ERR_HOST_STARTED:
    return "LGMP_ERR_HOST_STARTED";
  case LGMP_ERR_NO_QUEUES:
    return "LGMP_ERR_NO_QUEUES";
  case LGMP_ERR_QUEUE_FULL:
    return "LGMP_ERR_QUEUE_FULL";
  case LGMP_ERR_QUEUE_EMPTY:
    return "LGMP_ERR_QUEUE_EMPTY";
  case LGMP_ERR_QUEUE_UNSUBSCRIBED:
    return "LGMP_ERR_QUEUE_UNSUBSCRIBED";
  case LGMP_ERR_QUEUE_TIMEOUT:
    return "LGMP_ERR_QUEUE_TIMEOUT";
  case LGMP_ERR_INVALID_MAGIC:
    return "LGMP_ERR_INVALID_MAGIC";
  case LGMP_ERR_INVALID_VERSION:
    return "LGMP_ERR_INVALID_VERSION";
  case LGMP_ERR_NO_SUCH_QUEUE:
    return "LGMP_ERR_NO_SUCH_QUEUE";
  case LGMP_ERR_CORRUPTED:
    return "LGMP_ERR_CORRUPTED";
  }
  return "LGMP_ERR_UNKNOWN";
}
