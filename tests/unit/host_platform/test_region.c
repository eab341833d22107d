/* Region opening and guest facts on fixture sysfs trees: ivshmem discovery order, the chosen
 * device and its BAR2 facts, and one classified failure per way the open can go wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/region.h"

#define MIB (1024u * 1024u)

struct fixture {
  char root[64];
};

static void write_file(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void make_dirs(const char *path)
{
  char tmp[512];
  snprintf(tmp, sizeof(tmp), "%s", path);
  for (char *p = tmp + 1; *p; ++p)
    if (*p == '/') {
      *p = '\0';
      mkdir(tmp, 0755);
      *p = '/';
    }
  mkdir(tmp, 0755);
}

/* One PCI device directory with vendor, device and (if bar2_size) resource + resource2. */
static void add_device(const char *root, const char *bdf, const char *vendor, const char *device,
                       uint64_t bar2, uint64_t bar2_size)
{
  char dir[512], path[600];
  snprintf(dir, sizeof(dir), "%s/sys/bus/pci/devices/%s", root, bdf);
  make_dirs(dir);
  snprintf(path, sizeof(path), "%s/vendor", dir);
  write_file(path, vendor);
  snprintf(path, sizeof(path), "%s/device", dir);
  write_file(path, device);
  if (!bar2_size)
    return;
  char res[1024];
  snprintf(res, sizeof(res),
           "0x00000000fea00000 0x00000000fea000ff 0x0000000000040200\n"
           "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
           "0x%016llx 0x%016llx 0x000000000014220c\n"
           "0x0000000000000000 0x0000000000000000 0x0000000000000000\n",
           (unsigned long long)bar2, (unsigned long long)(bar2 + bar2_size - 1));
  snprintf(path, sizeof(path), "%s/resource", dir);
  write_file(path, res);
  snprintf(path, sizeof(path), "%s/resource2", dir);
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  assert_true(fd >= 0);
  assert_int_equal(ftruncate(fd, (off_t)bar2_size), 0);
  close(fd);
}

static int setup(void **state)
{
  struct fixture *f = calloc(1, sizeof(*f));
  snprintf(f->root, sizeof(f->root), "/tmp/lg-sysfs-%d-XXXXXX", (int)getpid());
  if (!mkdtemp(f->root))
    return -1;
  /* Created out of order: discovery must sort by PCI address. */
  add_device(f->root, "0000:00:10.0", "0x1af4\n", "0x1110\n", 0x380002000000ull, 64ull * MIB);
  add_device(f->root, "0000:00:04.0", "0x8086\n", "0x100e\n", 0, 0);
  add_device(f->root, "0000:00:05.0", "0x1af4\n", "0x1110\n", 0x380000000000ull, 32ull * MIB);
  add_device(f->root, "0000:00:06.0", "0x1af4\n", "0x1000\n", 0, 0); /* virtio-net, not ivshmem */
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *f = *state;
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
  if (system(cmd) != 0)
    return -1;
  free(f);
  return 0;
}

static void test_bdf_key(void **state)
{
  uint64_t k1, k2;
  assert_true(lg_pci_bdf_key("0000:00:05.0", &k1));
  assert_true(lg_pci_bdf_key("0000:00:10.0", &k2));
  assert_true(k1 < k2);
  assert_true(lg_pci_bdf_key("0001:00:00.0", &k2));
  assert_true(k1 < k2);
  assert_int_equal(k2, 1ull << 16);
  assert_false(lg_pci_bdf_key("0000:00:20.0", &k1)); /* device > 31 */
  assert_false(lg_pci_bdf_key("0000:00:05.8", &k1));
  assert_false(lg_pci_bdf_key("0000:00:05.0x", &k1));
  assert_false(lg_pci_bdf_key("devices", &k1));
  assert_false(lg_pci_bdf_key("0000:0:05.0", &k1));
  assert_false(lg_pci_bdf_key("0x00:00:05.0", &k1));
  assert_true(lg_pci_bdf_key("10000:00:1F.7", &k1)); /* VMD-style domain, upper-case hex */
  assert_int_equal(k1, (0x10000ull << 16) | (0x1f << 3) | 7);
}

static void test_enumerate_order(void **state)
{
  struct fixture *f = *state;
  struct lg_ivshmem_dev devs[4];
  assert_int_equal(lg_ivshmem_enumerate(f->root, devs, 4), 2);
  assert_string_equal(devs[0].bdf, "0000:00:05.0");
  assert_string_equal(devs[1].bdf, "0000:00:10.0");
  /* A short output array still reports the total. */
  assert_int_equal(lg_ivshmem_enumerate(f->root, devs, 1), 2);
  assert_string_equal(devs[0].bdf, "0000:00:05.0");
}

static void test_bar_facts(void **state)
{
  struct fixture *f = *state;
  struct lg_guest_facts g;
  lg_guest_facts_init(&g);
  assert_true(lg_guest_facts_read_bar(&g, f->root, 0));
  assert_int_equal(g.ivshmem_count, 2);
  assert_string_equal(g.bdf, "0000:00:05.0");
  assert_int_equal(g.bar_addr, 0x380000000000ull);
  assert_int_equal(g.bar_size, 32ull * MIB);
  assert_int_equal(g.valid, LGDIAG_VALID_BAR_ADDR | LGDIAG_VALID_BAR_SIZE);

  lg_guest_facts_init(&g);
  assert_true(lg_guest_facts_read_bar(&g, f->root, 1));
  assert_string_equal(g.bdf, "0000:00:10.0");
  assert_int_equal(g.bar_addr, 0x380002000000ull);
  assert_int_equal(g.bar_size, 64ull * MIB);

  lg_guest_facts_init(&g);
  assert_false(lg_guest_facts_read_bar(&g, f->root, 2));
  assert_int_equal(g.valid, 0);
}

static void test_open_ivshmem(void **state)
{
  struct fixture *f = *state;
  struct lg_region r;
  struct lg_guest_facts g;
  lg_guest_facts_init(&g);
  struct lg_region_params p = {.root = f->root, .device = 0, .min_size = MIB};
  assert_true(lg_region_open(&p, &r, &g));
  assert_int_equal(r.kind, LG_REGION_IVSHMEM);
  assert_int_equal(r.size, 32 * MIB);
  assert_non_null(strstr(r.path, "/sys/bus/pci/devices/0000:00:05.0/resource2"));
  assert_int_equal(r.fail_stage, LGDIAG_STAGE_NONE);
  assert_true(g.valid & LGDIAG_VALID_MAP);
  assert_int_equal(g.map_failures, 0);
  /* Writable and shared: a second mapping sees the bytes. */
  memcpy((char *)r.mem + 32 * MIB - 4, "LGMP", 4);
  struct lg_region r2;
  assert_true(lg_region_open(&p, &r2, NULL));
  assert_memory_equal((char *)r2.mem + 32 * MIB - 4, "LGMP", 4);
  lg_region_close(&r2);
  lg_region_close(&r);
  assert_null(r.mem);
  assert_int_equal(r.fd, -1);

  p.device = 1;
  assert_true(lg_region_open(&p, &r, NULL));
  assert_int_equal(r.size, 64 * MIB);
  lg_region_close(&r);
}

static void test_enumerate_failures(void **state)
{
  struct fixture *f = *state;
  struct lg_region r;
  struct lg_guest_facts g;
  lg_guest_facts_init(&g);

  struct lg_region_params p = {.root = f->root, .device = 2};
  assert_false(lg_region_open(&p, &r, &g));
  assert_int_equal(r.fail_stage, LGDIAG_STAGE_ENUMERATE);
  assert_int_equal(r.fail_errno, ENODEV);
  assert_int_equal(g.map_stage, LGDIAG_STAGE_ENUMERATE);
  assert_int_equal(g.map_failures, 1);
  assert_int_equal(g.map_error, ENODEV);
  assert_non_null(strstr(g.detail, "os:shmDevice=2"));
  assert_null(r.mem);

  /* A root without any PCI directory. */
  char empty[128];
  snprintf(empty, sizeof(empty), "%s/empty", f->root);
  mkdir(empty, 0755);
  p.root = empty;
  p.device = 0;
  assert_false(lg_region_open(&p, &r, &g));
  assert_int_equal(r.fail_stage, LGDIAG_STAGE_ENUMERATE);
  assert_int_equal(r.fail_errno, ENOENT);
  assert_int_equal(g.map_failures, 2);

  /* PCI devices but no ivshmem among them. */
  char other[128];
  snprintf(other, sizeof(other), "%s/other", f->root);
  add_device(other, "0000:00:04.0", "0x8086\n", "0x100e\n", 0, 0);
  p.root = other;
  assert_false(lg_region_open(&p, &r, &g));
  assert_int_equal(r.fail_errno, ENODEV);
  assert_non_null(strstr(r.message, "no IVSHMEM device"));
}

static void test_open_missing_and_dir(void **state)
{
  struct fixture *f = *state;
  struct lg_region r;
  struct lg_guest_facts g;
  lg_guest_facts_init(&g);
  char path[128];

  snprintf(path, sizeof(path), "%s/nope", f->root);
  struct lg_region_params p = {.path = path, .min_size = 4096};
  assert_false(lg_region_open(&p, &r, &g));
  assert_int_equal(r.fail_stage, LGDIAG_STAGE_OPEN);
  assert_int_equal(r.fail_errno, ENOENT);
  assert_non_null(strstr(r.message, "does not exist"));
  assert_string_equal(g.detail, r.message);

  p.path = f->root;
  assert_false(lg_region_open(&p, &r, &g));
  assert_int_equal(r.fail_stage, LGDIAG_STAGE_OPEN);
  assert_int_equal(r.fail_errno, EISDIR);
  assert_non_null(strstr(r.message, "is a directory"));
  assert_int_equal(g.map_failures, 2);
  assert_int_equal(g.map_error, EISDIR);
}

static void test_open_too_small_and_empty(void **state)
{
  struct fixture *f = *state;
  struct lg_region r;
  struct lg_guest_facts g;
  lg_guest_facts_init(&g);
  char path[128];
  snprintf(path, sizeof(path), "%s/small", f->root);
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  assert_true(fd >= 0);
  assert_int_equal(ftruncate(fd, 4096), 0);
  close(fd);

  struct lg_region_params p = {.path = path, .min_size = 2 * MIB};
  assert_false(lg_region_open(&p, &r, &g));
  assert_int_equal(r.fail_stage, LGDIAG_STAGE_SIZE);
  assert_int_equal(r.fail_errno, LG_REGION_ERR_TOO_SMALL);
  assert_non_null(strstr(r.message, "too small: 4096 bytes"));
  assert_int_equal(r.fd, -1);

  /* The same file is fine when the host needs less. */
  p.min_size = 4096;
  assert_true(lg_region_open(&p, &r, &g));
  assert_int_equal(r.kind, LG_REGION_FILE);
  assert_int_equal(r.size, 4096);
  lg_region_close(&r);

  /* An empty file with no minimum fails in mmap (length 0). */
  assert_int_equal(truncate(path, 0), 0);
  p.min_size = 0;
  assert_false(lg_region_open(&p, &r, &g));
  assert_int_equal(r.fail_stage, LGDIAG_STAGE_MAP);
  assert_int_equal(r.fail_errno, EINVAL);
  assert_int_equal(g.map_stage, LGDIAG_STAGE_MAP);
  assert_int_equal(g.map_failures, 2);
}

/* A path that O_RDWR refuses even for root: kernfs (sysfs) rejects write opens of
 * attributes without a store method with EACCES, whatever the caller's capabilities. As
 * non-root, a chmod 0444 file does the same. */
static const char *read_only_path(char *buf, size_t size, const char *root)
{
  if (geteuid() != 0) {
    snprintf(buf, size, "%s/ro", root);
    int fd = open(buf, O_RDWR | O_CREAT | O_TRUNC, 0444);
    if (fd < 0 || ftruncate(fd, 8192) != 0)
      return NULL;
    close(fd);
    return buf;
  }
  static const char *const candidates[] = {"/sys/devices/system/cpu/online",
                                           "/sys/kernel/mm/transparent_hugepage/hpage_pmd_size",
                                           "/sys/devices/system/cpu/possible", NULL};
  for (int i = 0; candidates[i]; ++i) {
    int fd = open(candidates[i], O_RDWR);
    if (fd >= 0) {
      close(fd);
      continue;
    }
    if (errno == EACCES || errno == EROFS || errno == EPERM) {
      snprintf(buf, size, "%s", candidates[i]);
      return buf;
    }
  }
  return NULL;
}

static void test_open_read_only(void **state)
{
  struct fixture *f = *state;
  char buf[256];
  const char *path = read_only_path(buf, sizeof(buf), f->root);
  if (!path) {
    print_message("no read-only path found for this user; skipping\n");
    skip();
  }
  struct lg_region r;
  struct lg_guest_facts g;
  lg_guest_facts_init(&g);
  struct lg_region_params p = {.path = path, .min_size = 0};
  assert_false(lg_region_open(&p, &r, &g));
  assert_int_equal(r.fail_stage, LGDIAG_STAGE_OPEN);
  assert_true(r.fail_errno == EACCES || r.fail_errno == EROFS || r.fail_errno == EPERM);
  assert_non_null(strstr(r.message, "cannot be opened read-write"));
  assert_int_equal(g.map_stage, LGDIAG_STAGE_OPEN);
}

static void test_open_shm_and_chardev(void **state)
{
  char path[128];
  snprintf(path, sizeof(path), "/dev/shm/lg-test-region-%d", (int)getpid());
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  assert_true(fd >= 0);
  assert_int_equal(ftruncate(fd, 2 * MIB), 0);
  close(fd);
  struct lg_region r;
  struct lg_region_params p = {.path = path, .min_size = MIB};
  bool ok = lg_region_open(&p, &r, NULL);
  unlink(path);
  assert_true(ok);
  assert_int_equal(r.kind, LG_REGION_FILE);
  assert_int_equal(r.size, 2 * MIB);
  ((volatile uint8_t *)r.mem)[2 * MIB - 1] = 0xa5;
  lg_region_close(&r);

  /* A character device is treated as kvmfr; /dev/null has no size ioctl. */
  struct lg_guest_facts g;
  lg_guest_facts_init(&g);
  p.path = "/dev/null";
  assert_false(lg_region_open(&p, &r, &g));
  assert_int_equal(r.kind, LG_REGION_KVMFR);
  assert_int_equal(r.fail_stage, LGDIAG_STAGE_SIZE);
  assert_int_equal(r.fail_errno, ENOTTY);
  assert_int_equal(g.map_stage, LGDIAG_STAGE_SIZE);
}

static void test_cpu_facts(void **state)
{
  struct lg_guest_facts g;
  lg_guest_facts_init(&g);
  lg_guest_facts_read_cpu(&g);
#if defined(__x86_64__)
  /* Every x86-64 CPU reports leaf 0x80000008. */
  assert_true(g.valid & LGDIAG_VALID_PHYS_BITS);
  assert_true(g.phys_bits >= 32 && g.phys_bits <= 64);
  assert_true(g.virt_bits >= 48);
#endif
  assert_true(strlen(g.hv_signature) < sizeof(g.hv_signature));
}

static void test_stage_names(void **state)
{
  assert_string_equal(lg_region_stage_name(LGDIAG_STAGE_OPEN), "open");
  assert_string_equal(lg_region_stage_name(LGDIAG_STAGE_MAP), "map");
  assert_string_equal(lg_region_stage_name(77), "other");
  assert_string_equal(lg_region_kind_name(LG_REGION_KVMFR), "kvmfr");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bdf_key),
      cmocka_unit_test_setup_teardown(test_enumerate_order, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bar_facts, setup, teardown),
      cmocka_unit_test_setup_teardown(test_open_ivshmem, setup, teardown),
      cmocka_unit_test_setup_teardown(test_enumerate_failures, setup, teardown),
      cmocka_unit_test_setup_teardown(test_open_missing_and_dir, setup, teardown),
      cmocka_unit_test_setup_teardown(test_open_too_small_and_empty, setup, teardown),
      cmocka_unit_test_setup_teardown(test_open_read_only, setup, teardown),
      cmocka_unit_test(test_open_shm_and_chardev),
      cmocka_unit_test(test_cpu_facts),
      cmocka_unit_test(test_stage_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
