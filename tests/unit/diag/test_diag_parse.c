/* Unit tests of the pure QEMU parsers: command lines (key=value and libvirt's JSON forms),
 * sizes, and VFIO failure lines of QEMU logs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lg/diag.h"

#define MIB (UINT64_C(1) << 20)

/* Joins argv with NULs as /proc/<pid>/cmdline does; returns the length. */
static size_t make_cmdline(char *buf, size_t cap, const char *const *argv)
{
  size_t o = 0;
  for (size_t i = 0; argv[i]; ++i) {
    size_t l = strlen(argv[i]) + 1;
    assert_true(o + l <= cap);
    memcpy(buf + o, argv[i], l);
    o += l;
  }
  return o;
}

static uint64_t get_u(struct lg_diag *d, const char *key)
{
  uint64_t v;
  if (!lg_diag_get_u64(d, key, &v))
    fail_msg("missing u64 fact %s", key);
  return v;
}

static bool get_b(struct lg_diag *d, const char *key)
{
  bool v;
  if (!lg_diag_get_bool(d, key, &v))
    fail_msg("missing bool fact %s", key);
  return v;
}

static void test_size(void **state)
{
  uint64_t v;
  assert_true(lg_diag_parse_size("32M", &v));
  assert_true(v == 32 * MIB);
  assert_true(lg_diag_parse_size("33554432", &v));
  assert_true(v == 32 * MIB);
  assert_true(lg_diag_parse_size("1G", &v));
  assert_true(v == 1024 * MIB);
  assert_true(lg_diag_parse_size("64k", &v));
  assert_true(v == 65536);
  assert_false(lg_diag_parse_size("", &v));
  assert_false(lg_diag_parse_size("M", &v));
  assert_false(lg_diag_parse_size("32MB", &v));
  assert_false(lg_diag_parse_size("32X", &v));
  assert_false(lg_diag_parse_size("-1", &v));
  assert_false(lg_diag_parse_size("99999999999999999999", &v));
  assert_false(lg_diag_parse_size("17179869184G", &v)); /* 2^64 */
}

static void test_cmdline_cpu_host_no_limit(void **state)
{
  struct lg_diag d;
  lg_diag_init(&d);
  const char *argv[] = {"/usr/bin/qemu-system-x86_64",
                        "-enable-kvm",
                        "-machine",
                        "q35",
                        "-cpu",
                        "host",
                        "-m",
                        "8G",
                        "-device",
                        "vfio-pci,host=0000:01:00.0,multifunction=on",
                        "-object",
                        "memory-backend-file,id=ivshmem,share=on,mem-path=/dev/kvmfr0,size=32M",
                        "-device",
                        "ivshmem-plain,memdev=ivshmem,bus=pcie.0",
                        NULL};
  char buf[2048];
  size_t len = make_cmdline(buf, sizeof(buf), argv);
  assert_true(lg_diag_parse_qemu_cmdline(&d, buf, len, "pid 812 cmdline"));
  assert_string_equal(lg_diag_get_str(&d, "qemu.cpu"), "host");
  assert_string_equal(lg_diag_get(&d, "qemu.cpu")->source, "pid 812 cmdline");
  assert_null(lg_diag_get(&d, "qemu.cpu.host_phys_bits_limit"));
  assert_null(lg_diag_get(&d, "qemu.cpu.phys_bits"));
  assert_int_equal(get_u(&d, "qemu.vfio.count"), 1);
  assert_string_equal(lg_diag_get_str(&d, "qemu.vfio.hosts"), "0000:01:00.0");
  assert_true(get_b(&d, "qemu.ivshmem"));
  assert_string_equal(lg_diag_get_str(&d, "qemu.ivshmem.driver"), "ivshmem-plain");
  assert_string_equal(lg_diag_get_str(&d, "qemu.mem.path"), "/dev/kvmfr0");
  assert_true(get_u(&d, "qemu.mem.size") == 32 * MIB);
  lg_diag_free(&d);
}

static void test_cmdline_limit_and_json(void **state)
{
  struct lg_diag d;
  lg_diag_init(&d);
  /* As libvirt 9 writes it: JSON -object/-device, keyval -cpu. */
  const char *argv[] = {
      "/usr/bin/qemu-system-x86_64",
      "-name",
      "guest=win10,debug-threads=on",
      "-object",
      "{\"qom-type\":\"memory-backend-memfd\",\"id\":\"pc.ram\",\"size\":17179869184}",
      "-cpu",
      "host,migratable=on,host-phys-bits=on,host-phys-bits-limit=39",
      "-object",
      "{\"qom-type\":\"memory-backend-file\",\"id\":\"hugepages\",\"mem-path\":"
      "\"/dev/hugepages/libvirt\",\"size\":1073741824}",
      "-object",
      "{\"qom-type\":\"memory-backend-file\",\"id\":\"shmmem-shmem0\",\"mem-path\":"
      "\"/dev/shm/looking-glass\",\"size\":67108864,\"share\":true}",
      "--device",
      "{\"driver\":\"vfio-pci\",\"host\":\"0000:01:00.0\",\"id\":\"hostdev0\",\"bus\":"
      "\"pci.5\",\"addr\":\"0x0\"}",
      "-device",
      "{\"driver\":\"vfio-pci\",\"host\":\"0000:01:00.1\",\"id\":\"hostdev1\"}",
      "-device",
      "{\"driver\":\"ivshmem-plain\",\"id\":\"shmem0\",\"memdev\":\"shmmem-shmem0\",\"bus\":"
      "\"pcie.0\",\"addr\":\"0x10\"}",
      NULL};
  char buf[4096];
  size_t len = make_cmdline(buf, sizeof(buf), argv);
  assert_true(lg_diag_parse_qemu_cmdline(&d, buf, len, "pid 900 cmdline"));
  assert_string_equal(lg_diag_get_str(&d, "qemu.cpu"), "host");
  assert_true(get_b(&d, "qemu.cpu.host_phys_bits"));
  assert_int_equal(get_u(&d, "qemu.cpu.host_phys_bits_limit"), 39);
  assert_int_equal(get_u(&d, "qemu.vfio.count"), 2);
  assert_string_equal(lg_diag_get_str(&d, "qemu.vfio.hosts"), "0000:01:00.0,0000:01:00.1");
  assert_string_equal(lg_diag_get_str(&d, "qemu.mem.path"), "/dev/shm/looking-glass");
  assert_true(get_u(&d, "qemu.mem.size") == 64 * MIB);
  lg_diag_free(&d);
}

static void test_cmdline_phys_bits_no_cpu_no_devices(void **state)
{
  struct lg_diag d;
  lg_diag_init(&d);
  const char *argv1[] = {"qemu-system-x86_64", "-cpu", "Skylake-Client,phys-bits=42,+vmx", NULL};
  char buf[512];
  size_t len = make_cmdline(buf, sizeof(buf), argv1);
  assert_true(lg_diag_parse_qemu_cmdline(&d, buf, len, NULL));
  assert_string_equal(lg_diag_get_str(&d, "qemu.cpu"), "Skylake-Client");
  assert_int_equal(get_u(&d, "qemu.cpu.phys_bits"), 42);
  assert_int_equal(get_u(&d, "qemu.vfio.count"), 0);
  assert_false(get_b(&d, "qemu.ivshmem"));
  lg_diag_free(&d);

  lg_diag_init(&d);
  const char *argv2[] = {"qemu-system-x86_64", "-m", "2G", NULL};
  len = make_cmdline(buf, sizeof(buf), argv2);
  assert_true(lg_diag_parse_qemu_cmdline(&d, buf, len, "x"));
  assert_string_equal(lg_diag_get_str(&d, "qemu.cpu"), "qemu64");
  lg_diag_free(&d);
}

static void test_cmdline_garbage(void **state)
{
  struct lg_diag d;
  lg_diag_init(&d);
  /* Truncated: "-cpu" is the last argument, then an unterminated one. */
  const char trunc[] = {'q', 'e', 'm', 'u', 0,   '-', 'c', 'p', 'u', 0,   'h', 'o', 's',
                        't', ',', 'p', 'h', 'y', 's', '-', 'b', 'i', 't', 's', '='};
  assert_true(lg_diag_parse_qemu_cmdline(&d, trunc, sizeof(trunc), "t"));
  assert_string_equal(lg_diag_get_str(&d, "qemu.cpu"), "host");
  assert_null(lg_diag_get(&d, "qemu.cpu.phys_bits"));
  assert_false(lg_diag_parse_qemu_cmdline(&d, NULL, 0, "t"));
  assert_false(lg_diag_parse_qemu_cmdline(&d, trunc, 0, "t"));

  /* Random bytes, long arguments and broken JSON must not crash. */
  size_t n = 200000;
  char *junk = malloc(n);
  assert_non_null(junk);
  uint32_t x = 12345;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    junk[i] = (char)(x >> 16);
  }
  static const char dev[] = "\0-device\0{\"driver\":\"vfio-pci\",\"host\":\"";
  static const char obj[] = "\0-object\0memory-backend-file,,,,=,id";
  memcpy(junk + 1000, dev, sizeof(dev) - 1);
  memcpy(junk + 5000, obj, sizeof(obj) - 1);
  assert_true(lg_diag_parse_qemu_cmdline(&d, junk, n, "junk"));
  memset(junk, 'A', n);
  assert_true(lg_diag_parse_qemu_cmdline(&d, junk, n, "junk"));
  free(junk);
  lg_diag_free(&d);
}

static void test_log_lines(void **state)
{
  struct lg_diag_log_scan s = {0};
  lg_diag_scan_qemu_log_line(&s, "2024-03-02 09:12:41.118+0000: starting up libvirt version");
  assert_false(s.einval);
  lg_diag_scan_qemu_log_line(
      &s, "2024-03-02T09:12:44.402011Z qemu-system-x86_64: VFIO_MAP_DMA failed: Invalid argument");
  assert_true(s.einval);
  assert_false(s.have_map);
  lg_diag_scan_qemu_log_line(&s, "qemu-system-x86_64: vfio_dma_map(0x55d5c5c4b1a0, "
                                 "0x380000000000, 0x2000000, 0x7f5a3c000000) = -22 (Invalid "
                                 "argument)\n");
  assert_true(s.have_map);
  assert_true(s.addr == UINT64_C(0x380000000000));
  assert_true(s.size == 0x2000000);

  /* A new start forgets the old failure. */
  lg_diag_scan_qemu_log_line(&s, "2024-03-03 08:00:00.000+0000: starting up libvirt version");
  assert_false(s.einval);
  assert_false(s.have_map);

  /* Newer QEMU names the function differently. */
  lg_diag_scan_qemu_log_line(&s, "qemu: vfio_container_dma_map(0x5600, 0xe000000000, "
                                 "0x4000000, 0x7f00) = -22 (Invalid argument)");
  assert_true(s.have_map);
  assert_true(s.addr == UINT64_C(0xe000000000));
  assert_true(s.size == 0x4000000);

  /* Other errors and garbage are not -22 map failures. */
  struct lg_diag_log_scan t = {0};
  lg_diag_scan_qemu_log_line(&t, "vfio_dma_map(0x1, 0x2, 0x3, 0x4) = -12 (Cannot allocate)");
  lg_diag_scan_qemu_log_line(&t, "vfio_dma_map(0x1, 0x2");
  lg_diag_scan_qemu_log_line(&t, "vfio_dma_map(");
  lg_diag_scan_qemu_log_line(&t, "vfio_dma_map(zz, 0x2, 0x3, 0x4) = -22");
  lg_diag_scan_qemu_log_line(&t, "");
  lg_diag_scan_qemu_log_line(&t, NULL);
  lg_diag_scan_qemu_log_line(NULL, "x");
  assert_false(t.einval);
  assert_false(t.have_map);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_size),
      cmocka_unit_test(test_cmdline_cpu_host_no_limit),
      cmocka_unit_test(test_cmdline_limit_and_json),
      cmocka_unit_test(test_cmdline_phys_bits_no_cpu_no_devices),
      cmocka_unit_test(test_cmdline_garbage),
      cmocka_unit_test(test_log_lines),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
