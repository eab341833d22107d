/* LGMP v6 read-only region inspection: copies the header out of the region and checks
 * every count, offset and size against the region size. Never writes to the region. */
#include "lgmp/inspect.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lgmp_util.h"

/* Plain (non-atomic) reads: the region may be unaligned here and a torn value only makes
 * the snapshot fail validation, never read out of bounds. */
static uint32_t rd32(const uint8_t *base, uint64_t off)
{
  uint32_t v;
  memcpy(&v, base + off, sizeof(v));
  return v;
}

static uint64_t rd64(const uint8_t *base, uint64_t off)
{
  uint64_t v;
  memcpy(&v, base + off, sizeof(v));
  return v;
}

#ifdef __MINGW32__
#define LGMP_PRINTF_FMT gnu_printf
#else
#define LGMP_PRINTF_FMT printf
#endif

static bool fail(struct lgmp_inspect *out, enum lgmp_inspect_error error, const char *fmt, ...)
    __attribute__((format(LGMP_PRINTF_FMT, 3, 4)));

static bool fail(struct lgmp_inspect *out, enum lgmp_inspect_error error, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(out->message, sizeof(out->message), fmt, ap);
  va_end(ap);
  out->error = error;
  return false;
}

#define HQ(field) offsetof(struct lgmp_header_queue, field)

static void copy_queue(const uint8_t *base, uint64_t qoff, struct lgmp_inspect_queue *q)
{
  q->queue_id = rd32(base, qoff + HQ(queue_id));
  q->num_messages = rd32(base, qoff + HQ(num_messages));
  q->new_sub_count = rd32(base, qoff + HQ(new_sub_count));
  q->max_time = rd32(base, qoff + HQ(max_time));
  q->position = rd32(base, qoff + HQ(position));
  q->messages_offset = rd32(base, qoff + HQ(messages_offset));
  q->start = rd32(base, qoff + HQ(start));
  q->count = rd32(base, qoff + HQ(count));
  q->lock = rd32(base, qoff + HQ(lock));
  q->subs = rd64(base, qoff + HQ(subs));
  q->msg_timeout = rd64(base, qoff + HQ(msg_timeout));
  q->cmsg_lock = rd32(base, qoff + HQ(cmsg_lock));
  q->cmsg_avail = rd32(base, qoff + HQ(cmsg_avail));
  q->cmsg_wpos = rd32(base, qoff + HQ(cmsg_wpos));
  q->cmsg_wserial = rd32(base, qoff + HQ(cmsg_wserial));
  q->cmsg_rserial = rd32(base, qoff + HQ(cmsg_rserial));
  for (uint32_t b = 0; b < LGMP_SUBS_MAX; ++b) {
    q->client_id[b] = rd32(base, qoff + HQ(client_id) + 4u * b);
    q->timeout[b] = rd64(base, qoff + HQ(timeout) + 8u * b);
  }
}

/* The ring of `q` lies after the udata, 4-aligned, inside the region, with sane indices. */
static bool check_ring(const struct lgmp_inspect_queue *q, uint64_t size, uint64_t udata_end,
                       char *why, size_t why_len)
{
  uint64_t ring_end = (uint64_t)q->messages_offset + 16u * (uint64_t)q->num_messages;
  if (q->num_messages < 2)
    snprintf(why, why_len, "numMessages %u < 2", q->num_messages);
  else if (q->messages_offset % 4u != 0)
    snprintf(why, why_len, "messagesOffset %u not 4-aligned", q->messages_offset);
  else if (q->messages_offset < udata_end)
    snprintf(why, why_len, "ring at %u overlaps the header/udata (ends %llu)", q->messages_offset,
             (unsigned long long)udata_end);
  else if (ring_end > size)
    snprintf(why, why_len, "ring %u + 16*%u past region size %llu", q->messages_offset,
             q->num_messages, (unsigned long long)size);
  else if (q->position >= q->num_messages)
    snprintf(why, why_len, "position %u >= numMessages %u", q->position, q->num_messages);
  else if (q->start >= q->num_messages)
    snprintf(why, why_len, "start %u >= numMessages %u", q->start, q->num_messages);
  else
    return true;
  return false;
}

bool lgmp_inspect_region_ex(const void *mem, size_t size, struct lgmp_inspect *out,
                            bool check_slots)
{
  memset(out, 0, sizeof(*out));
  const uint8_t *base = mem;
  if (!base || size < LGMP_HEADER_SIZE)
    return fail(out, LGMP_INSPECT_TOO_SMALL, "region is %llu bytes, the header needs %u",
                (unsigned long long)size, LGMP_HEADER_SIZE);

  out->magic = rd32(base, offsetof(struct lgmp_header, magic));
  out->version = rd32(base, offsetof(struct lgmp_header, version));
  out->session_id = rd32(base, offsetof(struct lgmp_header, session_id));
  out->timestamp = rd64(base, offsetof(struct lgmp_header, timestamp));
  out->num_queues = rd32(base, offsetof(struct lgmp_header, num_queues));
  out->udata_size = rd32(base, offsetof(struct lgmp_header, udata_size));
  uint32_t nq = out->num_queues <= LGMP_MAX_QUEUES ? out->num_queues : LGMP_MAX_QUEUES;
  for (uint32_t i = 0; i < nq; ++i)
    copy_queue(base, offsetof(struct lgmp_header, queues) + (uint64_t)i * 1144u, &out->queues[i]);

  bool zero = true;
  for (size_t i = 0; i < LGMP_HEADER_SIZE && zero; ++i)
    zero = base[i] == 0;
  if (zero)
    return fail(out, LGMP_INSPECT_ZERO, "header is all zero: no host has written it");
  if (out->magic != LGMP_PROTOCOL_MAGIC)
    return fail(out, LGMP_INSPECT_BAD_MAGIC, "magic 0x%08X, expected 0x%08X (\"LGMP\")", out->magic,
                LGMP_PROTOCOL_MAGIC);
  if (out->version != LGMP_PROTOCOL_VERSION)
    return fail(out, LGMP_INSPECT_BAD_VERSION, "LGMP version %u, expected %u", out->version,
                LGMP_PROTOCOL_VERSION);

  uint64_t udata_end = (uint64_t)LGMP_UDATA_OFFSET + out->udata_size;
  if (udata_end > size)
    return fail(out, LGMP_INSPECT_UDATA_BOUNDS, "udataSize %u runs past region size %llu",
                out->udata_size, (unsigned long long)size);
  out->udata = base + LGMP_UDATA_OFFSET;

  if (out->num_queues > LGMP_MAX_QUEUES)
    return fail(out, LGMP_INSPECT_QUEUE_COUNT, "numQueues %u > %u", out->num_queues,
                LGMP_MAX_QUEUES);

  for (uint32_t i = 0; i < nq; ++i) {
    char why[120];
    if (!check_ring(&out->queues[i], size, udata_end, why, sizeof(why)))
      return fail(out, LGMP_INSPECT_QUEUE_BOUNDS, "queue %u (id %u): %s", i,
                  out->queues[i].queue_id, why);
  }

  if (check_slots) {
    for (uint32_t i = 0; i < nq; ++i) {
      const struct lgmp_inspect_queue *q = &out->queues[i];
      for (uint32_t k = 0; k < q->num_messages; ++k) {
        uint64_t slot = (uint64_t)q->messages_offset + 16u * (uint64_t)k;
        uint32_t msize = rd32(base, slot + offsetof(struct lgmp_header_message, size));
        uint32_t moff = rd32(base, slot + offsetof(struct lgmp_header_message, offset));
        if ((uint64_t)moff + msize > size)
          return fail(out, LGMP_INSPECT_MESSAGE_BOUNDS,
                      "queue %u (id %u) slot %u: offset %u + size %u past region size %llu", i,
                      q->queue_id, k, moff, msize, (unsigned long long)size);
      }
    }
  }

  out->error = LGMP_INSPECT_OK;
  snprintf(out->message, sizeof(out->message), "ok");
  return true;
}

bool lgmp_inspect_region(const void *mem, size_t size, struct lgmp_inspect *out)
{
  return lgmp_inspect_region_ex(mem, size, out, true);
}

int lgmp_inspect_find_queue(const struct lgmp_inspect *insp, uint32_t queue_id)
{
  uint32_t nq = insp->num_queues <= LGMP_MAX_QUEUES ? insp->num_queues : LGMP_MAX_QUEUES;
  for (uint32_t i = 0; i < nq; ++i)
    if (insp->queues[i].queue_id == queue_id)
      return (int)i;
  return -1;
}

bool lgmp_inspect_message(const void *mem, size_t size, const struct lgmp_inspect_queue *q,
                          uint32_t index, struct lgmp_header_message *out)
{
  memset(out, 0, sizeof(*out));
  if (!mem || !q || index >= q->num_messages)
    return false;
  uint64_t slot = (uint64_t)q->messages_offset + 16u * (uint64_t)index;
  if (slot + 16u > size)
    return false;
  const uint8_t *base = mem;
  out->udata = rd32(base, slot + offsetof(struct lgmp_header_message, udata));
  out->size = rd32(base, slot + offsetof(struct lgmp_header_message, size));
  out->offset = rd32(base, slot + offsetof(struct lgmp_header_message, offset));
  out->pending_subs = rd32(base, slot + offsetof(struct lgmp_header_message, pending_subs));
  return (uint64_t)out->offset + out->size <= size;
}

uint32_t lgmp_inspect_newest_index(const struct lgmp_inspect_queue *q)
{
  if (!q || q->num_messages == 0)
    return 0;
  return (uint32_t)(((uint64_t)q->position + q->num_messages - 1u) % q->num_messages);
}

const char *lgmp_inspect_error_string(enum lgmp_inspect_error error)
{
  switch (error) {
  case LGMP_INSPECT_OK:
    return "ok";
  case LGMP_INSPECT_TOO_SMALL:
    return "region too small";
  case LGMP_INSPECT_ZERO:
    return "header is zero (no host)";
  case LGMP_INSPECT_BAD_MAGIC:
    return "bad magic";
  case LGMP_INSPECT_BAD_VERSION:
    return "unsupported LGMP version";
  case LGMP_INSPECT_UDATA_BOUNDS:
    return "udata out of bounds";
  case LGMP_INSPECT_QUEUE_COUNT:
    return "too many queues";
  case LGMP_INSPECT_QUEUE_BOUNDS:
    return "queue out of bounds";
  case LGMP_INSPECT_MESSAGE_BOUNDS:
    return "message out of bounds";
  }
  return "unknown";
}
