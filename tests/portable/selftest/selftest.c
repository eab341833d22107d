/* Portable self-test: exercises common/ and repos/lgmp on any OS without a test framework.
 * Prints one line per check and a closing "N passed, N failed" line. */
#include <stdio.h>
#include <string.h>

#include "lg/cpuinfo.h"
#include "lg/kvmfr.h"
#include "lg/log.h"
#include "lg/thread.h"
#include "lg/time.h"
#include "lgmp/protocol.h"

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

int main(void)
{
  lg_log_set_level(LG_LOG_WARN);
  check_time();
  check_threads();
  check_cpu();
  check_layout();
  printf("selftest: %u passed, %u failed\n", g_pass, g_fail);
  return g_fail ? 1 : 0;
}
