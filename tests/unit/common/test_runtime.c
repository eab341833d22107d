/* Unit tests of the common runtime: log levels, rate limiting, time, events, CPU facts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lg/cpuinfo.h"
#include "lg/log.h"
#include "lg/thread.h"
#include "lg/time.h"

static void test_level_parse(void **state)
{
  enum lg_log_level l;
  assert_true(lg_log_level_parse("debug", &l));
  assert_int_equal(l, LG_LOG_DEBUG);
  assert_true(lg_log_level_parse("WARN", &l));
  assert_int_equal(l, LG_LOG_WARN);
  assert_false(lg_log_level_parse("loud", &l));
}

static void test_ratelimit(void **state)
{
  struct lg_ratelimit rl = {.interval_ms = 200};
  uint32_t sup;
  assert_true(lg_ratelimit_allow(&rl, &sup));
  assert_int_equal(sup, 0);
  for (int i = 0; i < 100; ++i)
    assert_false(lg_ratelimit_allow(&rl, &sup));
  lg_sleep_ms(210);
  assert_true(lg_ratelimit_allow(&rl, &sup));
  assert_int_equal(sup, 100);
}

static void test_time_monotonic(void **state)
{
  uint64_t a = lg_time_ns();
  lg_sleep_ms(5);
  uint64_t b = lg_time_ns();
  assert_true(b - a >= 5000000ull);
  assert_true(lg_time_ms() != 0);
}

static int signal_later(void *opaque)
{
  lg_sleep_ms(20);
  lg_event_signal(opaque);
  return 7;
}

static void test_event_thread(void **state)
{
  struct lg_event *e = lg_event_new(true);
  assert_non_null(e);
  assert_false(lg_event_wait(e, 1));
  struct lg_thread *t = lg_thread_create("sig", signal_later, e);
  assert_non_null(t);
  assert_true(lg_event_wait(e, 2000));
  /* auto-reset: consumed by the wait */
  assert_false(lg_event_wait(e, 1));
  int rc = 0;
  assert_true(lg_thread_join(t, &rc));
  assert_int_equal(rc, 7);
  lg_event_free(e);
}

static void test_cpu_facts(void **state)
{
  struct lg_cpu_facts f;
  lg_cpu_facts_read(&f);
  assert_true(f.threads >= 1);
#if defined(__x86_64__)
  assert_true(f.valid);
  assert_true(f.vendor[0] != '\0');
  /* x86-64 machines have 36..57 physical and 48 or 57 virtual address bits */
  assert_in_range(f.phys_bits, 32, 57);
  assert_in_range(f.virt_bits, 48, 57);
  assert_true(f.sse2);
#endif
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_level_parse),   cmocka_unit_test(test_ratelimit),
      cmocka_unit_test(test_time_monotonic), cmocka_unit_test(test_event_thread),
      cmocka_unit_test(test_cpu_facts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
