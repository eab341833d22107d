/* Portable self-test: exercises common/ and repos/lgmp on any OS without a test framework.
 * Prints one line per check and a closing "N passed, N failed" line. */
#include <stdio.h>
#include <string.h>

#include "lg/cpuinfo.h"
#include "lg/kvmfr.h"
#include "lg/log.h"
#include "lg/thread.h"
#include "lg/time.h"
#include "lgmp/client.h"
#include "lgmp/host.h"
#include "lgmp/protocol.h"

#include <stdlib.h>

static unsigned g_pass, g_fail;

#define CHECK(cond)                                                                       \
  do {                                                                                    \
    if (cond) {                                                                           \
      ++g_pass;                                                                           \
    } else {                                                                              \
      ++g_fail;                                                                           \
      printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                              \
    }                                                                                     \
  } while (0)

static void check_time(void)
{
  uint64_t a = lg_time_ns();
  lg_sleep_ms(3);
  uint64_t b = lg_time_ns();
  CHECK(b - a >= 3000000ull);
  CHECK(lg_time_ms() != 0);
}

static int set_flag(void *opaque)
{
  lg_event_signal(opaque);
  return 42;
}

static void check_threads(void)
{
  struct lg_event *e = lg_event_new(true);
  CHECK(e != NULL);
  struct lg_thread *t = lg_thread_create("selftest", set_flag, e);
  CHECK(t != NULL);
  CHECK(lg_event_wait(e, 5000));
  int rc = 0;
  CHECK(lg_thread_join(t, &rc));
  CHECK(rc == 42);
  lg_event_free(e);
}

static void check_cpu(void)
{
  struct lg_cpu_facts f;
  lg_cpu_facts_read(&f);
  CHECK(f.threads >= 1);
  CHECK(f.valid);
  CHECK(f.phys_bits >= 32);
}

static void check_layout(void)
{
  CHECK(sizeof(struct lgmp_header) == 5760);
  CHECK(sizeof(struct lgmp_header_queue) == 1144);
  CHECK(sizeof(struct kvmfr_frame) == 1084);
  CHECK(sizeof(struct kvmfr_cursor) == 24);
}

/* In-process LGMP round trip: host posts, client receives exact bytes, acknowledges,
 * sends a client message that the host's tick drains and acknowledges. */
static unsigned g_msgs_seen;

static void on_client_msg(void *opaque, const void *data, uint32_t size)
{
  (void)opaque;
  if (size == 12 && ((const uint8_t *)data)[4] == 0x5a)
    ++g_msgs_seen;
}

static void check_lgmp(void)
{
  const uint32_t size = 1u << 20;
  uint8_t *mem = calloc(1, size + 4096);
  CHECK(mem != NULL);
  if (!mem)
    return;
  uint8_t *region = (uint8_t *)(((uintptr_t)mem + 4095) & ~(uintptr_t)4095);
  uint8_t udata[64] = {0x4b};
  struct lgmp_host *host = NULL;
  struct lgmp_host_queue *hq = NULL;
  struct lgmp_memory buf;
  CHECK(lgmp_host_init(region, size, udata, sizeof(udata), &host) == LGMP_OK);
  CHECK(lgmp_host_queue_new(host, (struct lgmp_queue_config){2, 2, 1000}, &hq) == LGMP_OK);
  CHECK(lgmp_host_mem_alloc(host, 65536, 4096, &buf) == LGMP_OK);
  CHECK(buf.offset % 4096 == 0);

  struct lgmp_client *client = NULL;
  CHECK(lgmp_client_init(region, size, &client) == LGMP_OK);
  /* The client needs to see the heartbeat move before a session starts. */
  const uint8_t *ud = NULL;
  uint32_t ud_size = 0;
  enum lgmp_status st = LGMP_ERR_INVALID_SESSION;
  for (int i = 0; i < 100 && st != LGMP_OK; ++i) {
    lg_sleep_ms(10);
    lgmp_host_process(host, on_client_msg, NULL);
    st = lgmp_client_session_init(client, &ud, &ud_size);
  }
  CHECK(st == LGMP_OK);
  CHECK(ud_size == sizeof(udata) && ud && ud[0] == 0x4b);

  struct lgmp_client_queue *cq = NULL;
  CHECK(lgmp_client_subscribe(client, 2, &cq) == LGMP_OK);
  for (uint32_t i = 0; i < buf.size; ++i)
    ((uint8_t *)buf.mem)[i] = (uint8_t)(i * 7u);
  CHECK(lgmp_host_queue_has_subs(hq));
  CHECK(lgmp_host_queue_post(hq, 0x77, &buf) == LGMP_OK);

  struct lgmp_message msg;
  CHECK(lgmp_client_process(cq, &msg) == LGMP_OK);
  CHECK(msg.udata == 0x77 && msg.size == buf.size && msg.offset == buf.offset);
  CHECK(memcmp(msg.mem, buf.mem, buf.size) == 0);
  CHECK(lgmp_client_message_done(cq) == LGMP_OK);
  CHECK(lgmp_client_process(cq, &msg) == LGMP_ERR_QUEUE_EMPTY);

  uint8_t payload[12] = {0, 0, 0, 0, 0x5a};
  uint32_t serial = 0;
  CHECK(lgmp_client_send_data(cq, payload, sizeof(payload), &serial) == LGMP_OK);
  CHECK(!lgmp_client_message_acked(cq, serial));
  lgmp_host_process(host, on_client_msg, NULL);
  CHECK(lgmp_client_message_acked(cq, serial));
  CHECK(g_msgs_seen == 1);

  CHECK(lgmp_client_unsubscribe(&cq) == LGMP_OK);
  lgmp_client_free(&client);
  lgmp_host_free(&host);
  free(mem);
}

int main(void)
{
  lg_log_set_level(LG_LOG_WARN);
  check_time();
  check_threads();
  check_cpu();
  check_layout();
  check_lgmp();
  printf("selftest: %u passed, %u failed\n", g_pass, g_fail);
  return g_fail ? 1 : 0;
}
