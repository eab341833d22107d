/* In-process LGMP host + client over a malloc'd region with fake clocks: layout, posting,
 * retiring, BAD marking and reaping, session changes, heartbeat, client messages and
 * hostile region contents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lgmp/client.h"
#include "lgmp/host.h"
#include "lgmp/inspect.h"

#define REGION_SIZE (1u << 20)

struct fake_clock {
  uint64_t now;
};

static uint64_t fake_clock_fn(void *opaque) { return ((struct fake_clock *)opaque)->now; }

struct fixture {
  uint8_t *mem;
  uint32_t size;
  struct fake_clock hclock, cclock;
  struct lgmp_host *host;
  struct lgmp_host_queue *frame, *pointer;
  struct lgmp_memory buf[4];
};

static struct lgmp_header *hdr(struct fixture *f) { return (struct lgmp_header *)f->mem; }

/* Host with the B7 queues (frame id 2 n=2 first, pointer id 1 n=20) and four 4 KiB buffers. */
static int setup(void **state)
{
  struct fixture *f = calloc(1, sizeof(*f));
  f->size = REGION_SIZE;
  f->mem = aligned_alloc(4096, f->size);
  memset(f->mem, 0, f->size);
  f->hclock.now = 5000;
  f->cclock.now = 100000;
  uint8_t udata[197] = {1, 2, 3};
  if (lgmp_host_init_clock(f->mem, f->size, udata, sizeof(udata), fake_clock_fn, &f->hclock,
                           &f->host) != LGMP_OK ||
      lgmp_host_queue_new(f->host, (struct lgmp_queue_config){2, 2, 1000}, &f->frame) != LGMP_OK ||
      lgmp_host_queue_new(f->host, (struct lgmp_queue_config){1, 20, 1000}, &f->pointer) != LGMP_OK)
    return -1;
  for (int i = 0; i < 4; ++i)
    if (lgmp_host_mem_alloc(f->host, 4096, 4096, &f->buf[i]) != LGMP_OK)
      return -1;
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *f = *state;
  lgmp_host_free(&f->host);
  free(f->mem);
  free(f);
  return 0;
}

/* Advances both clocks and runs one host tick. */
static void tick(struct fixture *f, uint64_t ms)
{
  f->hclock.now += ms;
  f->cclock.now += ms;
  assert_int_equal(lgmp_host_process(f->host, NULL, NULL), LGMP_OK);
}

/* A client attached to the host's session. */
static struct lgmp_client *attach(struct fixture *f)
{
  struct lgmp_client *c = NULL;
  assert_int_equal(lgmp_client_init_clock(f->mem, f->size, fake_clock_fn, &f->cclock, &c), LGMP_OK);
  const uint8_t *udata;
  uint32_t udata_size;
  /* the heartbeat has not moved since init */
  assert_int_equal(lgmp_client_session_init(c, &udata, &udata_size), LGMP_ERR_INVALID_SESSION);
  tick(f, 10);
  assert_int_equal(lgmp_client_session_init(c, &udata, &udata_size), LGMP_OK);
  assert_int_equal(udata_size, 197);
  assert_ptr_equal(udata, f->mem + 5756);
  assert_int_equal(udata[2], 3);
  assert_int_equal(lgmp_client_session_id(c), lgmp_host_session_id(f->host));
  return c;
}

static struct lgmp_client_queue *sub(struct lgmp_client *c, uint32_t id)
{
  struct lgmp_client_queue *q = NULL;
  assert_int_equal(lgmp_client_subscribe(c, id, &q), LGMP_OK);
  return q;
}

/* Receives one message, checks its udata and buffer, marks it done. */
static void receive(struct lgmp_client_queue *q, struct fixture *f, uint32_t udata, int buf)
{
  struct lgmp_message m;
  assert_int_equal(lgmp_client_process(q, &m), LGMP_OK);
  assert_int_equal(m.udata, udata);
  assert_int_equal(m.offset, f->buf[buf].offset);
  assert_int_equal(m.size, 4096);
  assert_ptr_equal(m.mem, f->buf[buf].mem);
  assert_int_equal(lgmp_client_message_done(q), LGMP_OK);
}

static void test_init_header(void **state)
{
  struct fixture *f = *state;
  struct lgmp_header *h = hdr(f);
  assert_int_equal(h->magic, LGMP_PROTOCOL_MAGIC);
  assert_int_equal(h->version, 6);
  assert_int_equal(h->timestamp, 5000);
  assert_int_equal(h->num_queues, 2);
  assert_int_equal(h->udata_size, 197);
  assert_int_equal(h->udata[0], 1);
  assert_int_equal(h->session_id, lgmp_host_session_id(f->host));

  /* every re-init writes a session ID different from the one before */
  for (int i = 0; i < 200; ++i) {
    uint32_t old = h->session_id;
    struct lgmp_host *h2 = NULL;
    assert_int_equal(lgmp_host_init_clock(f->mem, f->size, NULL, 0, fake_clock_fn, &f->hclock, &h2),
                     LGMP_OK);
    assert_int_not_equal(h->session_id, old);
    assert_int_equal(h->num_queues, 0);
    lgmp_host_free(&h2);
    h->session_id = (uint32_t)i; /* also when the old value is small */
  }

  struct lgmp_host *bad = NULL;
  struct fake_clock zero = {0};
  assert_int_equal(lgmp_host_init_clock(f->mem, f->size, NULL, 0, fake_clock_fn, &zero, &bad),
                   LGMP_ERR_CLOCK_FAILURE);
  assert_int_equal(
      lgmp_host_init_clock(f->mem, 5760 + 9, "123456789a", 10, fake_clock_fn, &f->hclock, &bad),
      LGMP_ERR_INVALID_SIZE);
  assert_null(bad);
  struct lgmp_client *c = NULL;
  assert_int_equal(lgmp_client_init(f->mem, 5759, &c), LGMP_ERR_INVALID_SIZE);
  assert_null(c);
}

static void test_queue_layout(void **state)
{
  struct fixture *f = *state;
  struct lgmp_header *h = hdr(f);
  /* B7 layout with udataSize 197: frame ring at 5960, pointer ring at 6008 */
  assert_int_equal(h->queues[0].queue_id, 2);
  assert_int_equal(h->queues[0].num_messages, 3);
  assert_int_equal(h->queues[0].messages_offset, 5960);
  assert_int_equal(h->queues[0].max_time, 1000);
  assert_int_equal(h->queues[0].cmsg_avail, 10);
  assert_int_equal(h->queues[1].queue_id, 1);
  assert_int_equal(h->queues[1].num_messages, 21);
  assert_int_equal(h->queues[1].messages_offset, 6008);
  assert_int_equal(f->buf[0].offset, 8192);
  assert_int_equal(f->buf[1].offset, 12288);

  /* the full B7 allocation sequence in a 64 MiB region */
  uint32_t size = 64u << 20;
  uint8_t *mem = aligned_alloc(4096, size);
  memset(mem, 0, 8192);
  struct lgmp_host *host;
  struct lgmp_host_queue *q;
  uint8_t udata[197] = {0};
  assert_int_equal(lgmp_host_init_clock(mem, size, udata, 197, fake_clock_fn, &f->hclock, &host),
                   LGMP_OK);
  assert_int_equal(lgmp_host_mem_next(host), 5960);
  assert_int_equal(lgmp_host_queue_new(host, (struct lgmp_queue_config){2, 2, 1000}, &q), LGMP_OK);
  assert_int_equal(lgmp_host_queue_new(host, (struct lgmp_queue_config){1, 20, 1000}, &q), LGMP_OK);
  assert_int_equal(lgmp_host_mem_next(host), 0x18C8);
  struct lgmp_memory m;
  for (int i = 0; i < 20; ++i) {
    assert_int_equal(lgmp_host_mem_alloc(host, 24, 4, &m), LGMP_OK);
    assert_int_equal(m.offset, 0x18C8 + 24 * i);
  }
  uint32_t shapes[3] = {0x1AA8, 0x101AC0, 0x201AD8};
  for (int i = 0; i < 3; ++i) {
    assert_int_equal(lgmp_host_mem_alloc(host, 1048600, 4, &m), LGMP_OK);
    assert_int_equal(m.offset, shapes[i]);
  }
  assert_int_equal(lgmp_host_mem_alloc(host, 31977472, 4096, &m), LGMP_OK);
  assert_int_equal(m.offset, 0x302000);
  assert_int_equal(lgmp_host_mem_alloc(host, 31977472, 4096, &m), LGMP_OK);
  assert_int_equal(m.offset, 0x2181000);
  assert_ptr_equal(m.mem, mem + 0x2181000);
  assert_int_equal(lgmp_host_mem_avail(host), 0);
  assert_int_equal(lgmp_host_mem_alloc(host, 4, 4, &m), LGMP_ERR_NO_SHARED_MEM);
  struct lgmp_inspect in;
  assert_true(lgmp_inspect_region(mem, size, &in));
  lgmp_host_free(&host);
  free(mem);

  /* alignment and size rules */
  assert_int_equal(lgmp_host_mem_alloc(f->host, 10, 3, &m), LGMP_ERR_INVALID_ALIGNMENT);
  assert_int_equal(lgmp_host_mem_alloc(f->host, 10, 2, &m), LGMP_ERR_INVALID_ALIGNMENT);
  assert_int_equal(lgmp_host_mem_alloc(f->host, 10, 0, &m), LGMP_ERR_INVALID_ALIGNMENT);
  uint32_t next = lgmp_host_mem_next(f->host);
  assert_int_equal(lgmp_host_mem_alloc(f->host, 10, 4, &m), LGMP_OK);
  assert_int_equal(m.offset, next);
  assert_int_equal(m.size, 12);
  assert_int_equal(lgmp_host_mem_alloc(f->host, 100, 64, &m), LGMP_OK);
  assert_int_equal(m.offset % 64, 0);
  assert_int_equal(m.size, 128);
  assert_int_equal(lgmp_host_mem_alloc(f->host, REGION_SIZE, 4, &m), LGMP_ERR_NO_SHARED_MEM);
  assert_int_equal(lgmp_host_mem_alloc(f->host, 0xFFFFFFFFu, 4096, &m), LGMP_ERR_NO_SHARED_MEM);

  /* at most 5 queues */
  assert_int_equal(lgmp_host_queue_new(f->host, (struct lgmp_queue_config){3, 2, 1000}, &q),
                   LGMP_OK);
  assert_int_equal(lgmp_host_queue_new(f->host, (struct lgmp_queue_config){4, 2, 1000}, &q),
                   LGMP_OK);
  assert_int_equal(lgmp_host_queue_new(f->host, (struct lgmp_queue_config){5, 2, 1000}, &q),
                   LGMP_OK);
  assert_int_equal(lgmp_host_queue_new(f->host, (struct lgmp_queue_config){6, 2, 1000}, &q),
                   LGMP_ERR_NO_QUEUES);
}

static void test_post_without_subscribers(void **state)
{
  struct fixture *f = *state;
  assert_false(lgmp_host_queue_has_subs(f->frame));
  for (int i = 0; i < 5; ++i)
    assert_int_equal(lgmp_host_queue_post(f->frame, 1, &f->buf[0]), LGMP_OK);
  assert_int_equal(hdr(f)->queues[0].position, 0);
  assert_int_equal(lgmp_host_queue_pending(f->frame), 0);
  struct lgmp_memory outside = {REGION_SIZE - 10, 20, NULL};
  assert_int_equal(lgmp_host_queue_post(f->frame, 1, &outside), LGMP_ERR_INVALID_ARGUMENT);
}

static void test_subscribe_process_done(void **state)
{
  struct fixture *f = *state;
  struct lgmp_client *c = attach(f);
  struct lgmp_client_queue *q = sub(c, 2);
  struct lgmp_client_queue *none = NULL;
  assert_int_equal(lgmp_client_subscribe(c, 7, &none), LGMP_ERR_NO_SUCH_QUEUE);
  assert_true(lgmp_host_queue_has_subs(f->frame));
  assert_int_equal(lgmp_host_queue_new_subs(f->frame), 1);
  assert_int_equal(lgmp_host_queue_new_subs(f->frame), 0);
  assert_int_equal(hdr(f)->queues[0].subs, 1ull << 32);

  struct lgmp_message m;
  assert_int_equal(lgmp_client_process(q, &m), LGMP_ERR_QUEUE_EMPTY);
  assert_int_equal(lgmp_host_queue_post(f->frame, 10, &f->buf[0]), LGMP_OK);
  assert_int_equal(hdr(f)->queues[0].msg_timeout, f->hclock.now + 1000);
  assert_int_equal(lgmp_host_queue_post(f->frame, 11, &f->buf[1]), LGMP_OK);
  /* ring of 3 slots holds 2 messages: back-pressure */
  assert_int_equal(lgmp_host_queue_post(f->frame, 12, &f->buf[2]), LGMP_ERR_QUEUE_FULL);
  assert_int_equal(lgmp_host_queue_pending(f->frame), 2);

  /* peek does not consume */
  assert_int_equal(lgmp_client_process(q, &m), LGMP_OK);
  assert_int_equal(m.udata, 10);
  receive(q, f, 10, 0);
  /* the client retired it itself (start == rpos, lock free) */
  assert_int_equal(lgmp_host_queue_pending(f->frame), 1);
  assert_int_equal(hdr(f)->queues[0].start, 1);
  assert_int_equal(lgmp_host_queue_post(f->frame, 12, &f->buf[2]), LGMP_OK);
  receive(q, f, 11, 1);
  receive(q, f, 12, 2);
  assert_int_equal(lgmp_client_process(q, &m), LGMP_ERR_QUEUE_EMPTY);
  assert_int_equal(lgmp_client_message_done(q), LGMP_ERR_QUEUE_EMPTY);
  assert_int_equal(lgmp_host_queue_pending(f->frame), 0);

  /* wrap around the ring many times */
  for (uint32_t i = 0; i < 100; ++i) {
    assert_int_equal(lgmp_host_queue_post(f->frame, 100 + i, &f->buf[i % 4]), LGMP_OK);
    if (i % 3 == 0)
      tick(f, 10);
    receive(q, f, 100 + i, (int)(i % 4));
  }

  /* a message retired by the host tick when the client's try-lock fails */
  assert_int_equal(lgmp_host_queue_post(f->frame, 7, &f->buf[0]), LGMP_OK);
  hdr(f)->queues[0].lock = 1;
  struct lgmp_message m2;
  assert_int_equal(lgmp_client_process(q, &m2), LGMP_OK);
  assert_int_equal(lgmp_client_message_done(q), LGMP_OK);
  assert_int_equal(lgmp_host_queue_pending(f->frame), 1);
  hdr(f)->queues[0].lock = 0;
  tick(f, 10);
  assert_int_equal(lgmp_host_queue_pending(f->frame), 0);

  assert_int_equal(lgmp_client_unsubscribe(&q), LGMP_OK);
  assert_null(q);
  assert_false(lgmp_host_queue_has_subs(f->frame));
  assert_int_equal(lgmp_host_queue_post(f->frame, 1, &f->buf[0]), LGMP_OK);
  assert_int_equal(lgmp_host_queue_pending(f->frame), 0);
  lgmp_client_free(&c);
}

static void test_timeout_bad_and_reap(void **state)
{
  struct fixture *f = *state;
  struct lgmp_client *a = attach(f);
  struct lgmp_client *b = attach(f);
  struct lgmp_client_queue *qa = sub(a, 2);
  struct lgmp_client_queue *qb = sub(b, 2);
  assert_int_equal(hdr(f)->queues[0].subs, 3ull << 32);

  uint64_t posted = f->hclock.now;
  assert_int_equal(lgmp_host_queue_post(f->frame, 1, &f->buf[0]), LGMP_OK);
  receive(qb, f, 1, 0); /* b is done, a holds the message */
  assert_int_equal(lgmp_host_queue_post(f->frame, 2, &f->buf[1]), LGMP_OK);
  receive(qb, f, 2, 1);
  assert_int_equal(lgmp_host_queue_post(f->frame, 3, &f->buf[2]), LGMP_ERR_QUEUE_FULL);

  /* exactly maxTime after the post: not yet */
  f->hclock.now = posted + 1000;
  assert_int_equal(lgmp_host_process(f->host, NULL, NULL), LGMP_OK);
  assert_int_equal(hdr(f)->queues[0].subs, 3ull << 32);
  assert_int_equal(lgmp_host_queue_pending(f->frame), 2);

  /* one ms later a is BAD, both messages retire, the host carries on with b */
  f->hclock.now = posted + 1001;
  assert_int_equal(lgmp_host_process(f->host, NULL, NULL), LGMP_OK);
  assert_int_equal(hdr(f)->queues[0].subs, (3ull << 32) | 1u);
  assert_int_equal(hdr(f)->queues[0].timeout[0], posted + 1001 + 1000);
  assert_int_equal(lgmp_host_queue_pending(f->frame), 0);
  assert_true(lgmp_host_queue_has_subs(f->frame)); /* BAD still counts */

  struct lgmp_message m;
  assert_int_equal(lgmp_client_process(qa, &m), LGMP_ERR_QUEUE_TIMEOUT);
  assert_int_equal(lgmp_client_message_done(qa), LGMP_ERR_QUEUE_TIMEOUT);
  uint32_t serial;
  assert_int_equal(lgmp_client_send_data(qa, "x", 1, &serial), LGMP_ERR_QUEUE_TIMEOUT);

  for (uint32_t i = 0; i < 10; ++i) {
    assert_int_equal(lgmp_host_queue_post(f->frame, 10 + i, &f->buf[i % 4]), LGMP_OK);
    assert_int_equal(lgmp_host_queue_post(f->frame, 20 + i, &f->buf[(i + 1) % 4]), LGMP_OK);
    receive(qb, f, 10 + i, (int)(i % 4));
    receive(qb, f, 20 + i, (int)((i + 1) % 4));
    /* messages are posted only to live subscribers */
    assert_int_equal(((struct lgmp_header_message *)(f->mem + 5960))[0].pending_subs & 1u, 0);
  }

  /* a subscribe before the BAD timeout does not reap; after it, it does */
  struct lgmp_client *c = attach(f);
  struct lgmp_client_queue *qc = sub(c, 2);
  assert_int_equal(hdr(f)->queues[0].subs, (7ull << 32) | 1u);
  assert_int_equal(lgmp_client_unsubscribe(&qc), LGMP_OK);
  f->hclock.now = posted + 1001 + 1001;
  tick(f, 0);
  qc = sub(c, 2);
  assert_int_equal(hdr(f)->queues[0].subs, 3ull << 32); /* c got bit 0 back */
  assert_int_equal(hdr(f)->queues[0].client_id[0], hdr(f)->queues[0].client_id[0]);
  assert_int_not_equal(hdr(f)->queues[0].client_id[0], 0);

  /* a's late unsubscribe must not clear c's bit */
  assert_int_equal(lgmp_client_unsubscribe(&qa), LGMP_ERR_QUEUE_TIMEOUT);
  assert_int_equal(hdr(f)->queues[0].subs, 3ull << 32);

  lgmp_client_unsubscribe(&qb);
  lgmp_client_unsubscribe(&qc);
  lgmp_client_free(&a);
  lgmp_client_free(&b);
  lgmp_client_free(&c);
}

static void test_session_change(void **state)
{
  struct fixture *f = *state;
  struct lgmp_client *c = attach(f);
  struct lgmp_client_queue *q = sub(c, 2);
  assert_true(lgmp_client_session_valid(c));
  uint32_t old = lgmp_client_session_id(c);

  /* host restarts in place */
  lgmp_host_free(&f->host);
  assert_int_equal(
      lgmp_host_init_clock(f->mem, f->size, NULL, 197, fake_clock_fn, &f->hclock, &f->host),
      LGMP_ERR_INVALID_ARGUMENT);
  uint8_t udata[197] = {9};
  assert_int_equal(
      lgmp_host_init_clock(f->mem, f->size, udata, 197, fake_clock_fn, &f->hclock, &f->host),
      LGMP_OK);
  assert_int_not_equal(lgmp_host_session_id(f->host), old);
  assert_false(lgmp_client_session_valid(c));
  struct lgmp_message m;
  assert_int_equal(lgmp_client_process(q, &m), LGMP_ERR_INVALID_SESSION);
  assert_int_equal(lgmp_client_message_done(q), LGMP_ERR_INVALID_SESSION);
  assert_int_equal(lgmp_host_queue_new(f->host, (struct lgmp_queue_config){2, 2, 1000}, &f->frame),
                   LGMP_OK);
  assert_int_equal(lgmp_client_process(q, &m), LGMP_ERR_INVALID_SESSION);
  /* the stale handle leaves the new session alone */
  assert_int_equal(lgmp_client_unsubscribe(&q), LGMP_OK);
  assert_int_equal(hdr(f)->queues[0].subs, 0);

  /* re-attach: a new session init after the heartbeat moves */
  const uint8_t *ud;
  uint32_t uds;
  tick(f, 10);
  assert_int_equal(lgmp_client_session_init(c, &ud, &uds), LGMP_OK);
  assert_int_equal(ud[0], 9);
  assert_int_equal(lgmp_client_session_id(c), lgmp_host_session_id(f->host));
  assert_true(lgmp_client_session_valid(c));
  q = sub(c, 2);
  assert_int_equal(lgmp_host_queue_post(f->frame, 5, &f->buf[0]), LGMP_OK);
  receive(q, f, 5, 0);

  /* a handle from before a client-side session init is stale too */
  tick(f, 10);
  assert_int_equal(lgmp_client_session_init(c, &ud, &uds), LGMP_OK);
  assert_int_equal(lgmp_client_process(q, &m), LGMP_ERR_INVALID_SESSION);
  assert_int_equal(lgmp_client_unsubscribe(&q), LGMP_OK);

  /* wiped magic: the host tick reports CORRUPTED, the client sees an invalid session */
  q = sub(c, 2);
  hdr(f)->magic = 0;
  assert_int_equal(lgmp_host_process(f->host, NULL, NULL), LGMP_ERR_CORRUPTED);
  assert_false(lgmp_client_session_valid(c));
  assert_int_equal(lgmp_client_process(q, &m), LGMP_ERR_INVALID_SESSION);
  assert_int_equal(lgmp_client_session_init(c, &ud, &uds), LGMP_ERR_INVALID_MAGIC);
  hdr(f)->magic = LGMP_PROTOCOL_MAGIC;
  hdr(f)->version = 7;
  assert_int_equal(lgmp_client_session_init(c, &ud, &uds), LGMP_ERR_INVALID_VERSION);
  lgmp_client_unsubscribe(&q);
  lgmp_client_free(&c);
}

static void test_heartbeat_timeout(void **state)
{
  struct fixture *f = *state;
  struct lgmp_client *c = attach(f);
  struct lgmp_client_queue *q = sub(c, 2);
  assert_true(lgmp_client_session_valid(c));
  f->cclock.now += 1000;
  assert_true(lgmp_client_session_valid(c));
  f->cclock.now += 1;
  assert_false(lgmp_client_session_valid(c));
  /* the ON bit vanished with a stale heartbeat: INVALID_SESSION, not UNSUBSCRIBED */
  hdr(f)->queues[0].subs = 0;
  struct lgmp_message m;
  assert_int_equal(lgmp_client_process(q, &m), LGMP_ERR_INVALID_SESSION);
  /* heartbeat moves again: valid, and a vanished bit is now UNSUBSCRIBED */
  tick(f, 10);
  assert_true(lgmp_client_session_valid(c));
  assert_int_equal(lgmp_client_process(q, &m), LGMP_ERR_QUEUE_UNSUBSCRIBED);
  lgmp_client_unsubscribe(&q);
  lgmp_client_free(&c);
}

struct msg_log {
  int count;
  uint32_t sizes[32];
  uint8_t data[32][64];
};

static void on_msg(void *opaque, const void *data, uint32_t size)
{
  struct msg_log *log = opaque;
  assert_true(size <= 64);
  if (log->count < 32) {
    log->sizes[log->count] = size;
    memcpy(log->data[log->count], data, size);
  }
  log->count++;
}

static void test_client_messages(void **state)
{
  struct fixture *f = *state;
  struct lgmp_client *c = attach(f);
  struct lgmp_client_queue *q = sub(c, 1);
  struct lgmp_header_queue *hq = &hdr(f)->queues[1];
  uint8_t payload[65] = {0};
  uint32_t serial = 0;
  assert_int_equal(lgmp_client_send_data(q, payload, 65, &serial), LGMP_ERR_INVALID_SIZE);

  /* serials near the wrap-around point */
  hq->cmsg_wserial = hq->cmsg_rserial = 0xFFFFFFFEu;
  struct msg_log log = {0};
  uint32_t serials[10];
  for (uint32_t i = 0; i < 10; ++i) {
    int32_t xy[3] = {(int32_t)i, -(int32_t)i, 1};
    assert_int_equal(lgmp_client_send_data(q, xy, 12, &serials[i]), LGMP_OK);
    assert_false(lgmp_client_message_acked(q, serials[i]));
  }
  assert_int_equal(serials[0], 0xFFFFFFFFu);
  assert_int_equal(serials[1], 0);
  assert_int_equal(serials[9], 8);
  assert_int_equal(lgmp_client_send_data(q, payload, 12, &serial), LGMP_ERR_QUEUE_FULL);
  assert_int_equal(hq->cmsg_avail, 0);

  f->hclock.now += 10;
  assert_int_equal(lgmp_host_process(f->host, on_msg, &log), LGMP_OK);
  assert_int_equal(log.count, 10);
  for (int i = 0; i < 10; ++i) {
    int32_t xy[3];
    assert_int_equal(log.sizes[i], 12);
    memcpy(xy, log.data[i], 12);
    assert_int_equal(xy[0], i);
    assert_int_equal(xy[1], -i);
    assert_true(lgmp_client_message_acked(q, serials[i]));
  }
  assert_int_equal(hq->cmsg_avail, 10);
  assert_int_equal(hq->cmsg_rserial, 8);

  /* a NULL callback still acknowledges; the ring keeps wrapping */
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 7; ++i)
      assert_int_equal(lgmp_client_send_data(q, payload, (uint32_t)i, &serial), LGMP_OK);
    assert_false(lgmp_client_message_acked(q, serial));
    assert_int_equal(lgmp_host_process(f->host, NULL, NULL), LGMP_OK);
    assert_true(lgmp_client_message_acked(q, serial));
  }
  assert_int_equal(hq->cmsg_rserial, hq->cmsg_wserial);
  lgmp_client_unsubscribe(&q);
  lgmp_client_free(&c);
}

static void test_advance_to_last(void **state)
{
  struct fixture *f = *state;
  struct lgmp_client *c = attach(f);
  struct lgmp_client_queue *q = sub(c, 1);
  struct lgmp_memory cur[4];
  for (int i = 0; i < 4; ++i)
    assert_int_equal(lgmp_host_mem_alloc(f->host, 24, 4, &cur[i]), LGMP_OK);
  assert_int_equal(lgmp_client_advance_to_last(q), LGMP_ERR_QUEUE_EMPTY);
  for (uint32_t i = 0; i < 4; ++i)
    assert_int_equal(lgmp_host_queue_post(f->pointer, i, &cur[i]), LGMP_OK);
  assert_int_equal(lgmp_host_queue_pending(f->pointer), 4);
  assert_int_equal(lgmp_client_advance_to_last(q), LGMP_OK);
  assert_int_equal(lgmp_host_queue_pending(f->pointer), 1);
  struct lgmp_message m;
  assert_int_equal(lgmp_client_process(q, &m), LGMP_OK);
  assert_int_equal(m.udata, 3);
  assert_int_equal(m.offset, cur[3].offset);
  assert_int_equal(lgmp_client_message_done(q), LGMP_OK);
  assert_int_equal(lgmp_host_queue_pending(f->pointer), 0);

  /* a clientID that is not ours: QUEUE_TIMEOUT */
  assert_int_equal(lgmp_host_queue_post(f->pointer, 9, &cur[0]), LGMP_OK);
  hdr(f)->queues[1].client_id[0] ^= 1;
  assert_int_equal(lgmp_client_advance_to_last(q), LGMP_ERR_QUEUE_TIMEOUT);
  hdr(f)->queues[1].client_id[0] ^= 1;
  lgmp_client_unsubscribe(&q);
  lgmp_client_free(&c);
}

/* Garbage in client-visible fields: the client reports errors, never returns a pointer
 * outside the region. */
static void test_hostile_host_values(void **state)
{
  struct fixture *f = *state;
  struct lgmp_header *h = hdr(f);
  struct lgmp_client *c = NULL;
  const uint8_t *ud;
  uint32_t uds;
  assert_int_equal(lgmp_client_init_clock(f->mem, f->size, fake_clock_fn, &f->cclock, &c), LGMP_OK);

  struct {
    uint32_t *field;
    uint32_t value;
  } bad[] = {
      {&h->num_queues, 6},
      {&h->num_queues, 0xFFFFFFFFu},
      {&h->udata_size, REGION_SIZE},
      {&h->queues[1].messages_offset, REGION_SIZE - 16},
      {&h->queues[1].messages_offset, 0xFFFFFFF0u},
      {&h->queues[1].num_messages, 0x10000001u},
      {&h->queues[1].num_messages, 0},
      {&h->queues[0].position, 3},
      {&h->queues[0].start, 77},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
    uint32_t saved = *bad[i].field;
    *bad[i].field = bad[i].value;
    tick(f, 10);
    assert_int_equal(lgmp_client_session_init(c, &ud, &uds), LGMP_ERR_CORRUPTED);
    *bad[i].field = saved;
  }
  tick(f, 10);
  assert_int_equal(lgmp_client_session_init(c, &ud, &uds), LGMP_OK);
  struct lgmp_client_queue *q = sub(c, 2);
  struct lgmp_message m;

  /* position out of range after subscribe */
  h->queues[0].position = 3;
  assert_int_equal(lgmp_client_process(q, &m), LGMP_ERR_CORRUPTED);
  assert_null(m.mem);
  assert_int_equal(lgmp_client_message_done(q), LGMP_ERR_CORRUPTED);
  assert_int_equal(lgmp_client_advance_to_last(q), LGMP_ERR_CORRUPTED);
  h->queues[0].position = 0;

  /* geometry changed under the client */
  h->queues[0].messages_offset = REGION_SIZE - 16;
  assert_int_equal(lgmp_client_process(q, &m), LGMP_ERR_INVALID_SESSION);
  h->queues[0].messages_offset = 5960;

  /* payload past the end of the region */
  struct lgmp_header_message *ring = (struct lgmp_header_message *)(f->mem + 5960);
  struct lgmp_memory past[3] = {
      {REGION_SIZE - 100, 101, NULL}, {0xFFFFFFFFu, 2, NULL}, {16, 0xFFFFFFFFu, NULL}};
  for (int i = 0; i < 3; ++i) {
    assert_int_equal(lgmp_host_queue_post(f->frame, 1, &f->buf[0]), LGMP_OK);
    ring[h->queues[0].position == 0 ? 2 : h->queues[0].position - 1].offset = past[i].offset;
    ring[h->queues[0].position == 0 ? 2 : h->queues[0].position - 1].size = past[i].size;
    m.mem = (void *)1;
    assert_int_equal(lgmp_client_process(q, &m), LGMP_ERR_CORRUPTED);
    assert_null(m.mem);
    assert_int_equal(lgmp_client_message_done(q), LGMP_OK);
  }
  /* the exact end is fine */
  assert_int_equal(lgmp_host_queue_post(f->frame, 1, &f->buf[0]), LGMP_OK);
  ring[h->queues[0].position == 0 ? 2 : h->queues[0].position - 1].offset = REGION_SIZE - 100;
  ring[h->queues[0].position == 0 ? 2 : h->queues[0].position - 1].size = 100;
  assert_int_equal(lgmp_client_process(q, &m), LGMP_OK);
  assert_ptr_equal(m.mem, f->mem + REGION_SIZE - 100);
  assert_int_equal(lgmp_client_message_done(q), LGMP_OK);

  /* the client ring: garbage avail / write position */
  struct lgmp_client_queue *p = sub(c, 1);
  uint32_t serial;
  h->queues[1].cmsg_avail = 11;
  assert_int_equal(lgmp_client_send_data(p, "abc", 3, &serial), LGMP_ERR_CORRUPTED);
  h->queues[1].cmsg_avail = 10;
  h->queues[1].cmsg_wpos = 10;
  assert_int_equal(lgmp_client_send_data(p, "abc", 3, &serial), LGMP_ERR_CORRUPTED);
  h->queues[1].cmsg_wpos = 0;
  lgmp_client_unsubscribe(&p);
  lgmp_client_unsubscribe(&q);
  lgmp_client_free(&c);
}

/* Garbage written by a hostile client into the fields it can reach: the host keeps going. */
static void test_hostile_client_values(void **state)
{
  struct fixture *f = *state;
  struct lgmp_header_queue *hq = &hdr(f)->queues[1];
  struct lgmp_header_queue *fq = &hdr(f)->queues[0];
  struct msg_log log = {0};

  hq->cmsg_avail = 0xFFFFFFFFu; /* would never reach 10 by counting up */
  assert_int_equal(lgmp_host_process(f->host, on_msg, &log), LGMP_OK);
  assert_int_equal(log.count, 0);
  assert_int_equal(hq->cmsg_avail, 10);

  for (int k = 0; k < 10; ++k)
    hq->cmsgs[k].size = 0xFFFFFFFFu; /* the callback sees at most 64 bytes */
  hq->cmsg_avail = 0;
  assert_int_equal(lgmp_host_process(f->host, on_msg, &log), LGMP_OK);
  assert_int_equal(log.count, 10);
  assert_int_equal(log.sizes[0], 64);
  assert_int_equal(hq->cmsg_rserial, 10);

  /* subs / pendingSubs / start / count garbage on the frame queue */
  fq->subs = 0xFFFFFFFF00000000ull;
  fq->count = 0xFFFFFFFFu;
  fq->start = 1000;
  assert_int_equal(lgmp_host_queue_post(f->frame, 1, &f->buf[0]), LGMP_ERR_QUEUE_FULL);
  f->hclock.now += 10;
  assert_int_equal(lgmp_host_process(f->host, NULL, NULL), LGMP_OK);
  assert_true(fq->count <= 2);
  assert_true(fq->start < 3);
  f->hclock.now += 5000; /* the (zero) pendingSubs retire everything */
  assert_int_equal(lgmp_host_process(f->host, NULL, NULL), LGMP_OK);
  assert_int_equal(fq->count, 0);
  /* 32 subscribers that never answer: all BAD after maxTime, the ring drains */
  assert_int_equal(lgmp_host_queue_post(f->frame, 1, &f->buf[0]), LGMP_OK);
  assert_int_equal(lgmp_host_queue_post(f->frame, 1, &f->buf[0]), LGMP_OK);
  f->hclock.now += 1001;
  assert_int_equal(lgmp_host_process(f->host, NULL, NULL), LGMP_OK);
  assert_int_equal(fq->count, 0);
  assert_int_equal(fq->subs, 0xFFFFFFFFFFFFFFFFull);
  /* every subscriber is BAD: nothing to post to */
  assert_int_equal(lgmp_host_queue_post(f->frame, 1, &f->buf[0]), LGMP_OK);
  assert_int_equal(fq->count, 0);

  fq->subs = 1ull << 32;
  struct lgmp_header_message *ring = (struct lgmp_header_message *)(f->mem + 5960);
  for (int i = 0; i < 50; ++i) {
    assert_int_equal(lgmp_host_queue_post(f->frame, 1, &f->buf[0]), LGMP_OK);
    for (int k = 0; k < 3; ++k)
      ring[k].pending_subs = 0xFFFFFFFEu; /* bits that are not ON */
    f->hclock.now += 10;
    assert_int_equal(lgmp_host_process(f->host, NULL, NULL), LGMP_OK);
    assert_int_equal(fq->count, 0);
    assert_true(fq->position < 3);
  }
  /* still inspectable */
  struct lgmp_inspect in;
  assert_true(lgmp_inspect_region(f->mem, f->size, &in));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_init_header, setup, teardown),
      cmocka_unit_test_setup_teardown(test_queue_layout, setup, teardown),
      cmocka_unit_test_setup_teardown(test_post_without_subscribers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_subscribe_process_done, setup, teardown),
      cmocka_unit_test_setup_teardown(test_timeout_bad_and_reap, setup, teardown),
      cmocka_unit_test_setup_teardown(test_session_change, setup, teardown),
      cmocka_unit_test_setup_teardown(test_heartbeat_timeout, setup, teardown),
      cmocka_unit_test_setup_teardown(test_client_messages, setup, teardown),
      cmocka_unit_test_setup_teardown(test_advance_to_last, setup, teardown),
      cmocka_unit_test_setup_teardown(test_hostile_host_values, setup, teardown),
      cmocka_unit_test_setup_teardown(test_hostile_client_values, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
