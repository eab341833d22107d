/* Unit tests of the fact store, the findings list, the text and JSON reports and the exit
 * status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lg/diag.h"

static void test_facts(void **state)
{
  struct lg_diag d;
  lg_diag_init(&d);
  assert_true(lg_diag_set_u64(&d, LG_DIAG_GUEST, "guest.ivshmem.bar2", UINT64_C(0x380000000000),
                              "guest sysfs"));
  assert_true(lg_diag_set_str(&d, LG_DIAG_HOST, "qemu.cpu", "host", "pid 812 cmdline"));
  assert_true(lg_diag_set_bool(&d, LG_DIAG_CLIENT, "region.access", false, "open O_RDWR"));

  uint64_t v;
  bool b;
  assert_true(lg_diag_get_u64(&d, "guest.ivshmem.bar2", &v));
  assert_true(v == UINT64_C(0x380000000000));
  assert_string_equal(lg_diag_get_str(&d, "qemu.cpu"), "host");
  assert_true(lg_diag_get_bool(&d, "region.access", &b));
  assert_false(b);
  const struct lg_diag_fact *f = lg_diag_get(&d, "qemu.cpu");
  assert_string_equal(f->source, "pid 812 cmdline");
  assert_int_equal(f->half, LG_DIAG_HOST);

  /* Wrong types and absent keys. */
  assert_false(lg_diag_get_u64(&d, "qemu.cpu", &v));
  assert_false(lg_diag_get_bool(&d, "guest.ivshmem.bar2", &b));
  assert_null(lg_diag_get_str(&d, "guest.ivshmem.bar2"));
  assert_null(lg_diag_get(&d, "nope"));

  /* Replacing keeps one fact and may change its type. */
  size_t n = d.nfacts;
  assert_true(lg_diag_set_u64(&d, LG_DIAG_HOST, "qemu.cpu", 5, "again"));
  assert_int_equal(d.nfacts, n);
  assert_true(lg_diag_get_u64(&d, "qemu.cpu", &v));
  assert_int_equal(v, 5);
  assert_null(lg_diag_get_str(&d, "qemu.cpu"));

  /* Bad keys; long strings are cut. */
  char longkey[LG_DIAG_KEY_MAX + 10];
  memset(longkey, 'k', sizeof(longkey) - 1);
  longkey[sizeof(longkey) - 1] = '\0';
  assert_false(lg_diag_set_u64(&d, LG_DIAG_HOST, longkey, 1, "x"));
  assert_false(lg_diag_set_u64(&d, LG_DIAG_HOST, "", 1, "x"));
  assert_false(lg_diag_set_str(&d, LG_DIAG_HOST, "a", NULL, "x"));
  char *big = malloc(LG_DIAG_STR_MAX * 2);
  assert_non_null(big);
  memset(big, 'x', LG_DIAG_STR_MAX * 2 - 1);
  big[LG_DIAG_STR_MAX * 2 - 1] = '\0';
  assert_true(lg_diag_set_str(&d, LG_DIAG_HOST, "big", big, NULL));
  assert_int_equal(strlen(lg_diag_get_str(&d, "big")), LG_DIAG_STR_MAX - 1);
  free(big);

  /* Many facts grow the store. */
  for (int i = 0; i < 300; ++i) {
    char key[32];
    snprintf(key, sizeof(key), "k.%d", i);
    assert_true(lg_diag_set_u64(&d, LG_DIAG_HOST, key, (uint64_t)i, "loop"));
  }
  assert_true(lg_diag_get_u64(&d, "k.299", &v));
  assert_int_equal(v, 299);
  assert_true(lg_diag_unset(&d, "k.0"));
  assert_false(lg_diag_unset(&d, "k.0"));
  assert_true(lg_diag_get_u64(&d, "k.1", &v));
  assert_int_equal(v, 1);

  char text[64];
  lg_diag_fact_value_text(lg_diag_get(&d, "guest.ivshmem.bar2"), text, sizeof(text));
  assert_string_equal(text, "0x380000000000");
  lg_diag_fact_value_text(lg_diag_get(&d, "k.299"), text, sizeof(text));
  assert_string_equal(text, "299");
  lg_diag_fact_value_text(lg_diag_get(&d, "region.access"), text, sizeof(text));
  assert_string_equal(text, "no");
  lg_diag_set_u64(&d, LG_DIAG_CLIENT, "region.mode", 0660, "stat");
  lg_diag_fact_value_text(lg_diag_get(&d, "region.mode"), text, sizeof(text));
  assert_string_equal(text, "0660");

  lg_diag_free(&d);
  assert_int_equal(d.nfacts, 0);
  lg_diag_free(&d); /* twice is harmless */
}

static void test_findings_and_exit_status(void **state)
{
  struct lg_diag d;
  lg_diag_init(&d);
  assert_int_equal(lg_diag_exit_status(&d), 0);
  assert_true(lg_diag_add_finding(&d, "a", LG_DIAG_OK, "fine", NULL, NULL));
  assert_int_equal(lg_diag_exit_status(&d), 0);
  assert_true(lg_diag_add_finding(&d, "b", LG_DIAG_INFO, "note", "d", ""));
  assert_int_equal(lg_diag_exit_status(&d), 0);
  assert_true(lg_diag_add_finding(&d, "c", LG_DIAG_WARNING, "warn1", "d", "r"));
  assert_true(lg_diag_add_finding(&d, "c2", LG_DIAG_WARNING, "warn2", "d", "r"));
  assert_int_equal(lg_diag_exit_status(&d), 1);
  assert_string_equal(lg_diag_worst(&d)->id, "c");
  assert_true(lg_diag_add_finding(&d, "e", LG_DIAG_ERROR, "bad", "d", "fix"));
  assert_int_equal(lg_diag_exit_status(&d), 2);
  assert_string_equal(lg_diag_worst(&d)->id, "e");
  assert_string_equal(lg_diag_find_finding(&d, "a")->remedy, "");
  assert_false(lg_diag_add_finding(&d, "", LG_DIAG_ERROR, "x", NULL, NULL));
  lg_diag_clear_findings(&d);
  assert_int_equal(d.nfindings, 0);
  assert_null(lg_diag_worst(&d));
  assert_string_equal(lg_diag_severity_name(LG_DIAG_WARNING), "warning");
  assert_string_equal(lg_diag_half_name(LG_DIAG_CLIENT), "client");
  lg_diag_free(&d);
}

/* The classic case as facts from all three halves. */
static void classic(struct lg_diag *d)
{
  lg_diag_set_u64(d, LG_DIAG_GUEST, "guest.ivshmem.bar2", UINT64_C(0x380000000000), "guest sysfs");
  lg_diag_set_u64(d, LG_DIAG_GUEST, "guest.cpu.phys_bits", 46, "cpuid 0x80000008");
  lg_diag_set_u64(d, LG_DIAG_HOST, "host.iommu.addr_bits", 39, "dmar0 cap MGAW");
  lg_diag_set_u64(d, LG_DIAG_HOST, "host.cpu.phys_bits", 46, "/proc/cpuinfo");
  lg_diag_set_str(d, LG_DIAG_HOST, "qemu.cpu", "host", "pid 812 cmdline");
  lg_diag_set_u64(d, LG_DIAG_HOST, "qemu.vfio.count", 1, "pid 812 cmdline");
  lg_diag_set_str(d, LG_DIAG_CLIENT, "region.path", "/dev/kvmfr0", "client option");
  lg_diag_set_str(d, LG_DIAG_CLIENT, "region.type", "chardev", "stat");
  lg_diag_set_bool(d, LG_DIAG_CLIENT, "region.access", false, "open O_RDWR");
  lg_diag_set_str(d, LG_DIAG_CLIENT, "client.user", "al\"ice", "getpwuid");
  lg_diag_run_rules(d);
}

static void test_report_text(void **state)
{
  struct lg_diag d;
  lg_diag_init(&d);
  classic(&d);
  char *t = lg_diag_report_text(&d);
  assert_non_null(t);
  /* Verdict first: the worst finding's title, then its remedy. */
  assert_true(strncmp(t, "Verdict: ERROR: ", 16) == 0);
  const char *vfio = strstr(t, "QEMU will fail VFIO_MAP_DMA with -22");
  const char *access = strstr(t, "cannot open /dev/kvmfr0");
  assert_non_null(vfio);
  assert_non_null(access);
  assert_true(vfio < access);
  const char *fix = strstr(t, "Fix:\n  QEMU:    -cpu host,host-phys-bits-limit=39\n");
  assert_non_null(fix);
  assert_true(fix < strstr(t, "Findings:"));
  /* Facts grouped by half, in guest, host, client order, with sources. */
  const char *g = strstr(t, "Facts (guest):\n");
  const char *h = strstr(t, "Facts (host):\n");
  const char *c = strstr(t, "Facts (client):\n");
  assert_non_null(g);
  assert_non_null(h);
  assert_non_null(c);
  assert_true(g < h && h < c);
  assert_non_null(strstr(g, "  guest.ivshmem.bar2 = 0x380000000000 (guest sysfs)\n"));
  assert_true(strstr(t, "host.iommu.addr_bits = 39 (dmar0 cap MGAW)") > h);
  assert_true(strstr(t, "region.access = no (open O_RDWR)") > c);
  free(t);
  lg_diag_free(&d);

  lg_diag_init(&d);
  lg_diag_set_u64(&d, LG_DIAG_CLIENT, "lgmp.heartbeat_age_ms", 3, "lgmp");
  lg_diag_run_rules(&d);
  t = lg_diag_report_text(&d);
  assert_non_null(t);
  assert_true(strncmp(t, "Verdict: OK", 11) == 0);
  free(t);
  lg_diag_free(&d);
}

static void test_report_json(void **state)
{
  struct lg_diag d;
  lg_diag_init(&d);
  classic(&d);
  char *j = lg_diag_report_json(&d, false);
  assert_non_null(j);
  assert_true(strncmp(j, "{\"verdict\":\"error\",\"exit_status\":2,", 35) == 0);
  assert_non_null(strstr(j, "\"id\":\"vfio.bar_above_iommu\""));
  assert_non_null(strstr(j, "\"severity\":\"error\""));
  /* Quotes and newlines escaped. */
  assert_non_null(strstr(j, "SUBSYSTEM==\\\"kvmfr\\\", OWNER=\\\"al\\\"ice\\\""));
  assert_non_null(strstr(j, "limit=39\\nlibvirt:"));
  assert_non_null(strstr(j, "{\"key\":\"guest.ivshmem.bar2\",\"type\":\"u64\",\"value\":"
                            "61572651155456,\"text\":\"0x380000000000\",\"source\":\"guest "
                            "sysfs\",\"half\":\"guest\"}"));
  assert_non_null(strstr(j, "\"value\":false"));
  assert_true(strchr(j, '\n') == j + strlen(j) - 1); /* only the final newline */
  /* Balanced braces and brackets outside strings. */
  int depth = 0;
  bool in_str = false;
  for (const char *p = j; *p; ++p) {
    if (in_str) {
      if (*p == '\\')
        ++p;
      else if (*p == '"')
        in_str = false;
      continue;
    }
    if (*p == '"')
      in_str = true;
    else if (*p == '{' || *p == '[')
      ++depth;
    else if (*p == '}' || *p == ']')
      --depth;
    assert_true(depth >= 0);
  }
  assert_int_equal(depth, 0);
  free(j);

  j = lg_diag_report_json(&d, true);
  assert_non_null(j);
  assert_non_null(strstr(j, "\n  \"findings\": ["));
  free(j);
  lg_diag_free(&d);

  lg_diag_init(&d);
  j = lg_diag_report_json(&d, false);
  assert_non_null(j);
  assert_non_null(strstr(j, "\"verdict\":\"ok\",\"exit_status\":0,\"findings\":[],\"facts\":[]"));
  free(j);
  lg_diag_free(&d);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_facts),
      cmocka_unit_test(test_findings_and_exit_status),
      cmocka_unit_test(test_report_text),
      cmocka_unit_test(test_report_json),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
