/* LGMP v6 client side (spec §2.4 C1..C10). Every value read from the region is untrusted:
 * the queue geometry is validated at subscribe time and re-checked against the region on
 * every call, and every slot's payload is bounds-checked before a pointer is handed out. */
#include "lgmp/client.h"

#include <stdlib.h>
#include <string.h>

#include "lgmp/inspect.h"
#include "lgmp_atomic.h"
#include "lgmp_util.h"

struct lgmp_client {
  uint8_t *mem;
  uint32_t size;
  lgmp_clock_fn clock;
  void *clock_opaque;
  uint32_t client_id;
  uint32_t session_id;
  uint32_t generation; /* atomic: bumped by each session init; stale handles fail */
  bool has_session;
  uint64_t last_ts;   /* atomic: last heartbeat seen */
  uint64_t last_beat; /* atomic: client clock when it last moved */
};

struct lgmp_client_queue {
  struct lgmp_client *client;
  struct lgmp_header_queue *hq;
  uint32_t generation;
  uint32_t session_id;
  uint32_t queue_id;
  uint32_t num_messages;
  uint32_t messages_offset;
  uint32_t bit; /* 1 << b */
  uint32_t index;
  uint32_t rpos;
};

static struct lgmp_header *header(struct lgmp_client *client)
{
  return (struct lgmp_header *)client->mem;
}

static uint64_t now_ms(struct lgmp_client *client) { return client->clock(client->clock_opaque); }

enum lgmp_status lgmp_client_init(void *mem, uint32_t size, struct lgmp_client **out)
{
  return lgmp_client_init_clock(mem, size, NULL, NULL, out);
}

enum lgmp_status lgmp_client_init_clock(void *mem, uint32_t size, lgmp_clock_fn clock,
                                        void *clock_opaque, struct lgmp_client **out)
{
  if (!out)
    return LGMP_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (!mem)
    return LGMP_ERR_INVALID_ARGUMENT;
  if ((uintptr_t)mem % 8u != 0)
    return LGMP_ERR_INVALID_ALIGNMENT;
  if (size < LGMP_HEADER_SIZE) /* C1, §5.1 item 1 */
    return LGMP_ERR_INVALID_SIZE;
  struct lgmp_client *client = calloc(1, sizeof(*client));
  if (!client)
    return LGMP_ERR_NO_MEM;
  client->mem = mem;
  client->size = size;
  client->clock = clock ? clock : lgmp_util_clock_ms;
  client->clock_opaque = clock_opaque;
  client->last_ts = lgmp_ld64(&header(client)->timestamp);
  client->last_beat = now_ms(client);
  *out = client;
  return LGMP_OK;
}

void lgmp_client_free(struct lgmp_client **client)
{
  if (!client || !*client)
    return;
  free(*client);
  *client = NULL;
}

enum lgmp_status lgmp_client_session_init(struct lgmp_client *client, const uint8_t **udata,
                                          uint32_t *udata_size)
{
  if (!client)
    return LGMP_ERR_INVALID_ARGUMENT;
  struct lgmp_header *hdr = header(client);
  /* C2.1 - C2.3 */
  if (lgmp_ld32(&hdr->magic) != LGMP_PROTOCOL_MAGIC)
    return LGMP_ERR_INVALID_MAGIC;
  if (lgmp_ld32(&hdr->version) != LGMP_PROTOCOL_VERSION)
    return LGMP_ERR_INVALID_VERSION;
  uint64_t ts = lgmp_ld64(&hdr->timestamp);
  if (ts == __atomic_load_n(&client->last_ts, __ATOMIC_RELAXED))
    return LGMP_ERR_INVALID_SESSION;

  /* §5.1 items 3, 5, 6: header and ring bounds. Slots are checked when read. */
  struct lgmp_inspect insp;
  if (!lgmp_inspect_region_ex(client->mem, client->size, &insp, false)) {
    switch (insp.error) {
    case LGMP_INSPECT_ZERO:
    case LGMP_INSPECT_BAD_MAGIC:
      return LGMP_ERR_INVALID_MAGIC;
    case LGMP_INSPECT_BAD_VERSION:
      return LGMP_ERR_INVALID_VERSION;
    default:
      return LGMP_ERR_CORRUPTED;
    }
  }

  /* C2.4: a new session drops every queue handle of the old one. */
  client->client_id = lgmp_util_random32(client->client_id);
  client->session_id = insp.session_id;
  __atomic_store_n(&client->last_ts, ts, __ATOMIC_RELAXED);
  __atomic_store_n(&client->last_beat, now_ms(client), __ATOMIC_RELAXED);
  __atomic_add_fetch(&client->generation, 1, __ATOMIC_RELEASE);
  client->has_session = true;
  if (udata)
    *udata = insp.udata;
  if (udata_size)
    *udata_size = insp.udata_size;
  return LGMP_OK;
}

/* C3; `update` records a moved heartbeat (only the session thread passes true). */
static bool session_check(struct lgmp_client *client, bool update)
{
  if (!client->has_session)
    return false;
  struct lgmp_header *hdr = header(client);
  if (lgmp_ld32(&hdr->magic) != LGMP_PROTOCOL_MAGIC ||
      lgmp_ld32(&hdr->session_id) != client->session_id)
    return false;
  uint64_t ts = lgmp_ld64(&hdr->timestamp);
  uint64_t now = now_ms(client);
  if (ts != __atomic_load_n(&client->last_ts, __ATOMIC_RELAXED)) {
    if (update) {
      __atomic_store_n(&client->last_ts, ts, __ATOMIC_RELAXED);
      __atomic_store_n(&client->last_beat, now, __ATOMIC_RELAXED);
    }
    return true;
  }
  uint64_t beat = __atomic_load_n(&client->last_beat, __ATOMIC_RELAXED);
  return now <= beat || now - beat <= LGMP_HEARTBEAT_TIMEOUT_MS;
}

bool lgmp_client_session_valid(struct lgmp_client *client)
{
  return client && session_check(client, true);
}

uint32_t lgmp_client_session_id(const struct lgmp_client *client) { return client->session_id; }

/* Ring geometry of header queue `hq` is sane for a region of `size` bytes. */
static bool ring_ok(const struct lgmp_header_queue *hq, uint32_t size, uint32_t udata_end)
{
  uint32_t n = hq->num_messages;
  uint32_t off = hq->messages_offset;
  return n >= 2 && off % 4u == 0 && off >= udata_end && (uint64_t)off + 16u * (uint64_t)n <= size;
}

enum lgmp_status lgmp_client_subscribe(struct lgmp_client *client, uint32_t queue_id,
                                       struct lgmp_client_queue **out)
{
  if (!client || !out)
    return LGMP_ERR_INVALID_ARGUMENT;
  *out = NULL;
  struct lgmp_header *hdr = header(client);
  if (!client->has_session || lgmp_ld32(&hdr->magic) != LGMP_PROTOCOL_MAGIC ||
      lgmp_ld32(&hdr->session_id) != client->session_id)
    return LGMP_ERR_INVALID_SESSION;
  uint32_t nq = lgmp_ld32(&hdr->num_queues);
  uint32_t udata_size = lgmp_ld32(&hdr->udata_size);
  if (nq > LGMP_MAX_QUEUES || (uint64_t)LGMP_UDATA_OFFSET + udata_size > client->size)
    return LGMP_ERR_CORRUPTED;

  /* C4.1 */
  uint32_t idx = nq;
  for (uint32_t i = 0; i < nq; ++i)
    if (hdr->queues[i].queue_id == queue_id) {
      idx = i;
      break;
    }
  if (idx == nq)
    return LGMP_ERR_NO_SUCH_QUEUE;
  struct lgmp_header_queue *hq = &hdr->queues[idx];
  struct lgmp_client_queue *q = calloc(1, sizeof(*q));
  if (!q)
    return LGMP_ERR_NO_MEM;
  q->client = client;
  q->hq = hq;
  q->generation = __atomic_load_n(&client->generation, __ATOMIC_ACQUIRE);
  q->session_id = client->session_id;
  q->queue_id = queue_id;
  q->index = idx;
  q->num_messages = hq->num_messages;
  q->messages_offset = hq->messages_offset;
  if (!ring_ok(hq, client->size, LGMP_UDATA_OFFSET + udata_size)) {
    free(q);
    return LGMP_ERR_CORRUPTED;
  }

  lgmp_lock(&hq->lock);
  uint64_t subs = lgmp_ld64(&hq->subs);
  uint32_t on = (uint32_t)(subs >> 32);
  uint32_t bad = (uint32_t)subs;
  /* C4.2: reap BAD bits whose timeout has passed (both in host time). */
  if (on) {
    uint64_t ts = lgmp_ld64(&hdr->timestamp);
    for (uint32_t b = 0; b < LGMP_SUBS_MAX; ++b) {
      uint32_t bit = 1u << b;
      if ((bad & bit) && ts > hq->timeout[b]) {
        on &= ~bit;
        bad &= ~bit;
        hq->timeout[b] = 0;
        hq->client_id[b] = 0;
      }
    }
  }
  /* C4.3 */
  uint32_t used = on | bad;
  if (used == UINT32_MAX) {
    lgmp_st64(&hq->subs, ((uint64_t)on << 32) | bad);
    lgmp_unlock(&hq->lock);
    free(q);
    return LGMP_ERR_QUEUE_FULL;
  }
  uint32_t b = 0;
  while (used & (1u << b))
    ++b;
  uint32_t pos = lgmp_ld32(&hq->position);
  if (pos >= q->num_messages) {
    lgmp_st64(&hq->subs, ((uint64_t)on << 32) | bad);
    lgmp_unlock(&hq->lock);
    free(q);
    return LGMP_ERR_CORRUPTED;
  }
  /* C4.4, C4.5 */
  q->bit = 1u << b;
  hq->timeout[b] = 0;
  hq->client_id[b] = client->client_id;
  on |= q->bit;
  lgmp_st64(&hq->subs, ((uint64_t)on << 32) | bad);
  lgmp_add32(&hq->new_sub_count, 1);
  q->rpos = pos;
  lgmp_unlock(&hq->lock);
  *out = q;
  return LGMP_OK;
}

/* The queue handle still belongs to the live session and the region's queue still has the
 * geometry it had at subscribe time. */
static bool queue_current(struct lgmp_client_queue *q)
{
  struct lgmp_client *client = q->client;
  struct lgmp_header *hdr = header(client);
  return q->generation == __atomic_load_n(&client->generation, __ATOMIC_ACQUIRE) &&
         lgmp_ld32(&hdr->magic) == LGMP_PROTOCOL_MAGIC &&
         lgmp_ld32(&hdr->session_id) == q->session_id && q->hq->queue_id == q->queue_id &&
         q->hq->num_messages == q->num_messages && q->hq->messages_offset == q->messages_offset;
}

enum lgmp_status lgmp_client_unsubscribe(struct lgmp_client_queue **queue)
{
  if (!queue || !*queue)
    return LGMP_ERR_INVALID_ARGUMENT;
  struct lgmp_client_queue *q = *queue;
  *queue = NULL;
  enum lgmp_status st = LGMP_OK;
  /* A handle of a gone session must not touch the new session's bits. */
  if (queue_current(q)) {
    struct lgmp_header_queue *hq = q->hq;
    uint32_t b = (uint32_t)__builtin_ctz(q->bit);
    lgmp_lock(&hq->lock);
    uint64_t subs = lgmp_ld64(&hq->subs);
    if ((uint32_t)subs & q->bit)
      st = LGMP_ERR_QUEUE_TIMEOUT; /* C8: stays until reaped */
    else if (hq->client_id[b] != q->client->client_id)
      st = LGMP_ERR_QUEUE_TIMEOUT; /* reaped; the bit may be someone else's now */
    else {
      subs &= ~(((uint64_t)q->bit << 32) | q->bit);
      lgmp_st64(&hq->subs, subs);
      hq->timeout[b] = 0;
      hq->client_id[b] = 0;
    }
    lgmp_unlock(&hq->lock);
  }
  free(q);
  return st;
}

/* C5.1 - C5.3; on success `*pos` is the validated host position. */
static enum lgmp_status queue_checks(struct lgmp_client_queue *q, uint32_t *pos)
{
  if (!queue_current(q))
    return LGMP_ERR_INVALID_SESSION;
  uint64_t subs = lgmp_ld64(&q->hq->subs);
  if ((uint32_t)subs & q->bit)
    return LGMP_ERR_QUEUE_TIMEOUT;
  if (!((uint32_t)(subs >> 32) & q->bit))
    return session_check(q->client, false) ? LGMP_ERR_QUEUE_UNSUBSCRIBED : LGMP_ERR_INVALID_SESSION;
  *pos = lgmp_ld32(&q->hq->position); /* acquire: the slot is visible */
  if (*pos >= q->num_messages)
    return LGMP_ERR_CORRUPTED;
  if (*pos == q->rpos)
    return LGMP_ERR_QUEUE_EMPTY;
  return LGMP_OK;
}

static struct lgmp_header_message *slot(struct lgmp_client_queue *q, uint32_t index)
{
  return (struct lgmp_header_message *)(q->client->mem + q->messages_offset) + index;
}

enum lgmp_status lgmp_client_process(struct lgmp_client_queue *queue, struct lgmp_message *out)
{
  if (!queue || !out)
    return LGMP_ERR_INVALID_ARGUMENT;
  memset(out, 0, sizeof(*out));
  uint32_t pos;
  enum lgmp_status st = queue_checks(queue, &pos);
  if (st != LGMP_OK)
    return st;
  struct lgmp_header_message *m = slot(queue, queue->rpos);
  uint32_t udata = __atomic_load_n(&m->udata, __ATOMIC_RELAXED);
  uint32_t size = __atomic_load_n(&m->size, __ATOMIC_RELAXED);
  uint32_t offset = __atomic_load_n(&m->offset, __ATOMIC_RELAXED);
  if ((uint64_t)offset + size > queue->client->size) /* §5.1 item 7 */
    return LGMP_ERR_CORRUPTED;
  out->udata = udata;
  out->size = size;
  out->offset = offset;
  out->mem = queue->client->mem + offset;
  return LGMP_OK;
}

/* C6.2 - C6.3 for the slot at `index`; returns false when the try-lock failed. */
static bool finish_slot(struct lgmp_client_queue *q, uint32_t index, bool may_retire,
                        enum lgmp_status *st)
{
  struct lgmp_header_queue *hq = q->hq;
  uint32_t left = lgmp_and32(&slot(q, index)->pending_subs, ~q->bit) & ~q->bit;
  if (left != 0 || !may_retire)
    return may_retire;
  if (!lgmp_trylock(&hq->lock))
    return false;
  if (hq->start == index) {
    hq->start = (index + 1u) % q->num_messages;
    if (lgmp_sub32(&hq->count, 1) == 0) {
      lgmp_st32(&hq->count, 0);
      *st = LGMP_ERR_CORRUPTED;
    } else
      lgmp_st64(&hq->msg_timeout, lgmp_ld64(&header(q->client)->timestamp) + hq->max_time);
  }
  lgmp_unlock(&hq->lock);
  return true;
}

enum lgmp_status lgmp_client_message_done(struct lgmp_client_queue *queue)
{
  if (!queue)
    return LGMP_ERR_INVALID_ARGUMENT;
  uint32_t pos;
  enum lgmp_status st = queue_checks(queue, &pos);
  if (st != LGMP_OK)
    return st;
  finish_slot(queue, queue->rpos, true, &st);
  queue->rpos = (queue->rpos + 1u) % queue->num_messages; /* C6.4 */
  return st;
}

enum lgmp_status lgmp_client_advance_to_last(struct lgmp_client_queue *queue)
{
  if (!queue)
    return LGMP_ERR_INVALID_ARGUMENT;
  uint32_t pos;
  enum lgmp_status st = queue_checks(queue, &pos);
  if (st != LGMP_OK)
    return st;
  uint32_t b = (uint32_t)__builtin_ctz(queue->bit);
  if (queue->hq->client_id[b] != queue->client->client_id)
    return LGMP_ERR_QUEUE_TIMEOUT;
  uint32_t newest = (pos + queue->num_messages - 1u) % queue->num_messages;
  bool retiring = true;
  for (uint32_t guard = 0; queue->rpos != newest && guard < queue->num_messages; ++guard) {
    retiring = finish_slot(queue, queue->rpos, retiring, &st);
    queue->rpos = (queue->rpos + 1u) % queue->num_messages;
  }
  return st;
}

enum lgmp_status lgmp_client_send_data(struct lgmp_client_queue *queue, const void *data,
                                       uint32_t size, uint32_t *serial)
{
  if (!queue || (size && !data))
    return LGMP_ERR_INVALID_ARGUMENT;
  if (size > LGMP_MSGS_SIZE) /* C9.1 */
    return LGMP_ERR_INVALID_SIZE;
  if (!queue_current(queue))
    return LGMP_ERR_INVALID_SESSION;
  struct lgmp_header_queue *hq = queue->hq;
  if ((uint32_t)lgmp_ld64(&hq->subs) & queue->bit)
    return LGMP_ERR_QUEUE_TIMEOUT;
  uint32_t avail = lgmp_ld32(&hq->cmsg_avail);
  if (avail == 0)
    return LGMP_ERR_QUEUE_FULL;
  if (avail > LGMP_MSGS_MAX)
    return LGMP_ERR_CORRUPTED;

  /* C9.2 - C9.4 */
  lgmp_lock(&hq->cmsg_lock);
  avail = lgmp_ld32(&hq->cmsg_avail);
  uint32_t wpos = lgmp_ld32(&hq->cmsg_wpos);
  if (avail == 0 || avail > LGMP_MSGS_MAX || wpos >= LGMP_MSGS_MAX) {
    lgmp_unlock(&hq->cmsg_lock);
    return avail == 0 ? LGMP_ERR_QUEUE_FULL : LGMP_ERR_CORRUPTED;
  }
  struct lgmp_client_message *m = &hq->cmsgs[wpos];
  m->size = size;
  if (size)
    memcpy(m->data, data, size);
  lgmp_st32(&hq->cmsg_wpos, (wpos + 1u) % LGMP_MSGS_MAX);
  lgmp_sub32(&hq->cmsg_avail, 1);
  uint32_t s = lgmp_add32(&hq->cmsg_wserial, 1) + 1u;
  lgmp_unlock(&hq->cmsg_lock);
  if (serial)
    *serial = s;
  return LGMP_OK;
}

bool lgmp_client_message_acked(struct lgmp_client_queue *queue, uint32_t serial)
{
  return queue && lgmp_serial_ge(lgmp_ld32(&queue->hq->cmsg_rserial), serial);
}
