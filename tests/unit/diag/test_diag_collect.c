/* Unit tests of the host collectors against committed fixture trees (Intel 39/48-bit,
 * AMD, no IOMMU) and trees built at run time (/proc/<pid>/cmdline with NULs, maps, fd
 * links, region files), including garbage files that must not crash them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lg/diag.h"

#define MIB (UINT64_C(1) << 20)

static char fixture_root[4096];

static const char *fx(const char *name)
{
  snprintf(fixture_root, sizeof(fixture_root), "%s/%s", DIAG_FIXTURES, name);
  return fixture_root;
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

/* ---- a temporary tree, removed afterwards ---- */

static char tmp_root[256];

static void tree_new(void)
{
  snprintf(tmp_root, sizeof(tmp_root), "/tmp/lg-diag-test-%d-XXXXXX", (int)getpid());
  assert_non_null(mkdtemp(tmp_root));
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
  return remove(p);
}

static void tree_free(void) { nftw(tmp_root, rm_cb, 16, FTW_DEPTH | FTW_PHYS); }

/* Creates the parent directories of root/rel and returns the full path in a static buffer. */
static const char *tree_path(const char *rel)
{
  static char path[4096];
  snprintf(path, sizeof(path), "%s/%s", tmp_root, rel);
  for (char *p = path + strlen(tmp_root) + 1; *p; ++p)
    if (*p == '/') {
      *p = '\0';
      mkdir(path, 0755);
      *p = '/';
    }
  return path;
}

static void tree_write(const char *rel, const void *data, size_t len)
{
  FILE *f = fopen(tree_path(rel), "wb");
  assert_non_null(f);
  if (len)
    assert_int_equal(fwrite(data, 1, len, f), len);
  fclose(f);
}

static void tree_text(const char *rel, const char *text) { tree_write(rel, text, strlen(text)); }

static void tree_cmdline(const char *pid, const char *const *argv)
{
  char buf[4096], rel[64];
  size_t o = 0;
  for (size_t i = 0; argv[i]; ++i) {
    size_t l = strlen(argv[i]) + 1;
    assert_true(o + l <= sizeof(buf));
    memcpy(buf + o, argv[i], l);
    o += l;
  }
  snprintf(rel, sizeof(rel), "proc/%s/cmdline", pid);
  tree_write(rel, buf, o);
}

/* ---- fixtures ---- */

static void test_intel39(void **state)
{
  struct lg_diag d;
  lg_diag_init(&d);
  const char *root = fx("intel-39");
  assert_true(lg_diag_collect_cpuinfo(&d, root));
  assert_int_equal(get_u(&d, "host.cpu.phys_bits"), 46);
  assert_int_equal(get_u(&d, "host.cpu.virt_bits"), 48);

  assert_true(lg_diag_collect_iommu(&d, root));
  assert_int_equal(get_u(&d, "host.iommu.addr_bits"), 39);
  assert_non_null(strstr(lg_diag_get(&d, "host.iommu.addr_bits")->source, "cap MGAW"));
  assert_int_equal(get_u(&d, "host.iommu.dmar0.addr_bits"), 39);
  assert_string_equal(lg_diag_get_str(&d, "host.iommu.dmar0.sagaw"), "48");
  assert_int_equal(get_u(&d, "host.iommu.count"), 2);
  assert_string_equal(lg_diag_get_str(&d, "host.iommu.vendor"), "intel");

  assert_true(lg_diag_collect_vfio(&d, root));
  assert_int_equal(get_u(&d, "host.vfio.count"), 2);
  assert_non_null(strstr(lg_diag_get_str(&d, "host.vfio.devices"), "0000:01:00.1"));
  assert_int_equal(get_u(&d, "host.iommu.groups"), 2);
  assert_non_null(strstr(lg_diag_get_str(&d, "host.iommu_group.12.reserved_regions"), "msi"));
  assert_null(lg_diag_get(&d, "host.iommu_group.3.reserved_regions"));

  assert_true(lg_diag_collect_kvmfr(&d, root));
  assert_true(get_b(&d, "host.kvmfr.loaded"));
  assert_string_equal(lg_diag_get_str(&d, "host.kvmfr.static_size_mb"), "32");

  assert_true(lg_diag_collect_libvirt_logs(&d, root));
  assert_true(get_b(&d, "qemu.log.dma_einval"));
  assert_true(get_u(&d, "qemu.log.dma_addr") == UINT64_C(0x380000000000));
  assert_true(get_u(&d, "qemu.log.dma_size") == 0x2000000);
  assert_string_equal(lg_diag_get_str(&d, "qemu.log.file"), "/var/log/libvirt/qemu/win10.log");

  lg_diag_run_rules(&d);
  const struct lg_diag_finding *f = lg_diag_find_finding(&d, "qemu.vfio_map_dma_einval");
  assert_non_null(f);
  assert_non_null(strstr(f->title, "needs 46 address bits"));
  assert_non_null(strstr(f->remedy, "host-phys-bits-limit=39"));

  /* The guest's BAR from the classic case gives the VFIO error, limit 39. */
  lg_diag_clear_findings(&d);
  lg_diag_set_u64(&d, LG_DIAG_GUEST, "guest.ivshmem.bar2", UINT64_C(0x382000000000), "test");
  lg_diag_set_u64(&d, LG_DIAG_GUEST, "guest.cpu.phys_bits", 46, "test");
  lg_diag_run_rules(&d);
  f = lg_diag_find_finding(&d, "vfio.bar_above_iommu");
  assert_non_null(f);
  assert_int_equal(f->severity, LG_DIAG_ERROR);
  assert_non_null(strstr(f->remedy, "-cpu host,host-phys-bits-limit=39"));
  lg_diag_free(&d);
}

static void test_intel48(void **state)
{
  struct lg_diag d;
  lg_diag_init(&d);
  const char *root = fx("intel-48");
  struct lg_diag_host_opts o = {.root = root};
  assert_true(lg_diag_collect_host(&d, &o) >= 4);
  assert_int_equal(get_u(&d, "host.iommu.addr_bits"), 48);
  assert_string_equal(lg_diag_get_str(&d, "host.iommu.dmar0.sagaw"), "48");
  /* The only failure in the log is older than the last start. */
  assert_false(get_b(&d, "qemu.log.dma_einval"));
  lg_diag_set_u64(&d, LG_DIAG_GUEST, "guest.ivshmem.bar2", UINT64_C(0x382000000000), "test");
  lg_diag_run_rules(&d);
  assert_null(lg_diag_find_finding(&d, "vfio.bar_above_iommu"));
  assert_null(lg_diag_find_finding(&d, "qemu.vfio_map_dma_einval"));
  assert_non_null(lg_diag_find_finding(&d, "vfio.bar_fits"));
  assert_int_equal(lg_diag_exit_status(&d), 0);
  lg_diag_free(&d);
}

static void test_amd(void **state)
{
  struct lg_diag d;
  lg_diag_init(&d);
  assert_true(lg_diag_collect_iommu(&d, fx("amd")));
  assert_int_equal(get_u(&d, "host.iommu.addr_bits"), 64); /* EFR HATS = 2: 6 levels */
  assert_string_equal(lg_diag_get(&d, "host.iommu.addr_bits")->source, "ivhd0 EFR HATS");
  assert_string_equal(lg_diag_get_str(&d, "host.iommu.vendor"), "amd");
  assert_true(lg_diag_collect_cpuinfo(&d, fx("amd")));
  assert_int_equal(get_u(&d, "host.cpu.phys_bits"), 48);
  assert_true(lg_diag_collect_vfio(&d, fx("amd")));
  assert_non_null(strstr(lg_diag_get_str(&d, "host.iommu_group.12.reserved_regions"),
                         "0x000000fd00000000 0x000000ffffffffff reserved"));
  lg_diag_free(&d);

  lg_diag_init(&d);
  assert_true(lg_diag_collect_iommu(&d, fx("amd-nofeatures")));
  assert_int_equal(get_u(&d, "host.iommu.addr_bits"), 48);
  assert_string_equal(lg_diag_get(&d, "host.iommu.addr_bits")->source, "AMD default");
  lg_diag_free(&d);
}

static void test_no_iommu(void **state)
{
  struct lg_diag d;
  lg_diag_init(&d);
  struct lg_diag_host_opts o = {.root = fx("no-iommu")};
  lg_diag_collect_host(&d, &o);
  assert_null(lg_diag_get(&d, "host.iommu.addr_bits"));
  assert_int_equal(get_u(&d, "host.cpu.phys_bits"), 39);
  assert_int_equal(get_u(&d, "host.vfio.count"), 0);
  assert_false(get_b(&d, "host.kvmfr.loaded"));
  assert_null(lg_diag_get(&d, "qemu.pid"));
  lg_diag_run_rules(&d);
  assert_int_equal(lg_diag_exit_status(&d), 0);
  lg_diag_free(&d);

  /* A root with nothing at all. */
  lg_diag_init(&d);
  o.root = "/nonexistent-lg-diag-root";
  o.region_path = NULL;
  assert_int_equal(lg_diag_collect_host(&d, &o), 0);
  assert_int_equal(d.nfacts, 0);
  lg_diag_free(&d);
}

/* ---- run-time trees: QEMU processes ---- */

static void make_processes(void)
{
  const char *q812[] = {"/usr/bin/qemu-system-x86_64",
                        "-machine",
                        "q35,accel=kvm",
                        "-cpu",
                        "host",
                        "-m",
                        "8G",
                        "-device",
                        "vfio-pci,host=0000:01:00.0",
                        "-object",
                        "memory-backend-file,id=ivshmem,share=on,mem-path=/dev/kvmfr0,size=32M",
                        "-device",
                        "ivshmem-plain,memdev=ivshmem",
                        NULL};
  const char *q900[] = {"qemu-system-x86_64",
                        "-cpu",
                        "host,host-phys-bits=on,host-phys-bits-limit=39",
                        "-device",
                        "vfio-pci,host=0000:02:00.0",
                        "-object",
                        "memory-backend-file,id=shm,share=on,mem-path=/dev/shm/other,size=64M",
                        "-device",
                        "ivshmem-plain,memdev=shm",
                        NULL};
  const char *client[] = {"looking-glass-client", "-f", "/dev/kvmfr0", NULL};
  const char *init[] = {"/sbin/init", NULL};
  tree_cmdline("812", q812);
  tree_cmdline("900", q900);
  tree_cmdline("77", client);
  tree_cmdline("1", init);
  tree_text("proc/77/maps", "7f5a3c000000-7f5a3e000000 rw-s 00000000 00:05 1043   /dev/kvmfr0\n");
  tree_text("proc/812/maps",
            "55d5c4000000-55d5c4a00000 r-xp 00000000 fd:01 393  /usr/bin/qemu-system-x86_64\n"
            "7f5a3c000000-7f5a3e000000 rw-s 00000000 00:05 1043                       "
            "/dev/kvmfr0\n"
            "7ffd1c000000-7ffd1c021000 rw-p 00000000 00:00 0                          [stack]\n");
  tree_text("proc/900/maps", "00400000-00401000 r-xp 00000000 fd:01 1 /usr/bin/qemu\n");
  tree_path("proc/900/fd/x");
  assert_int_equal(symlink("/dev/shm/other", tree_path("proc/900/fd/23")), 0);
  assert_int_equal(symlink("/dev/null", tree_path("proc/900/fd/0")), 0);
  tree_text("proc/cpuinfo", "address sizes\t: 46 bits physical, 48 bits virtual\n");
  tree_text("proc/self", "not a directory");
}

static void test_find_and_parse_qemu(void **state)
{
  tree_new();
  make_processes();
  assert_int_equal(lg_diag_find_qemu(tmp_root, "/dev/kvmfr0"), 812);
  assert_int_equal(lg_diag_find_qemu(tmp_root, "/dev/shm/other"), 900);
  assert_int_equal(lg_diag_find_qemu(tmp_root, "/dev/shm/none"), 0); /* two QEMUs: ambiguous */

  struct lg_diag d;
  lg_diag_init(&d);
  assert_true(lg_diag_collect_qemu(&d, tmp_root, 812));
  assert_int_equal(get_u(&d, "qemu.pid"), 812);
  assert_string_equal(lg_diag_get_str(&d, "qemu.cpu"), "host");
  assert_string_equal(lg_diag_get(&d, "qemu.cpu")->source, "pid 812 cmdline");
  assert_string_equal(lg_diag_get_str(&d, "qemu.mem.path"), "/dev/kvmfr0");
  assert_true(get_u(&d, "qemu.mem.size") == 32 * MIB);
  assert_int_equal(get_u(&d, "qemu.vfio.count"), 1);

  /* 46-bit host CPU (run-time tree) + the 39-bit IOMMU fixture: warn before the VM starts. */
  assert_true(lg_diag_collect_cpuinfo(&d, tmp_root));
  assert_true(lg_diag_collect_iommu(&d, fx("intel-39")));
  lg_diag_run_rules(&d);
  const struct lg_diag_finding *f = lg_diag_find_finding(&d, "vfio.bar_predicted_above_iommu");
  assert_non_null(f);
  assert_non_null(strstr(f->detail, "0x380000000000"));
  assert_non_null(strstr(f->remedy, "host-phys-bits-limit=39"));
  lg_diag_free(&d);

  /* The QEMU with host-phys-bits-limit=39: no warning. */
  lg_diag_init(&d);
  assert_true(lg_diag_collect_qemu(&d, tmp_root, 900));
  assert_int_equal(get_u(&d, "qemu.cpu.host_phys_bits_limit"), 39);
  assert_true(lg_diag_collect_cpuinfo(&d, tmp_root));
  assert_true(lg_diag_collect_iommu(&d, fx("intel-39")));
  lg_diag_run_rules(&d);
  assert_null(lg_diag_find_finding(&d, "vfio.bar_predicted_above_iommu"));
  assert_int_equal(lg_diag_exit_status(&d), 0);
  lg_diag_free(&d);

  assert_false(lg_diag_collect_qemu(&d, tmp_root, 4242));
  tree_free();
}

/* ---- run-time trees: the region file ---- */

static void test_region(void **state)
{
  tree_new();
  struct lg_diag d;
  lg_diag_init(&d);
  int fd = open(tree_path("dev/shm/looking-glass"), O_CREAT | O_RDWR, 0600);
  assert_true(fd >= 0);
  assert_int_equal(ftruncate(fd, (off_t)(32 * MIB)), 0);
  close(fd);
  assert_int_equal(chmod(tree_path("dev/shm/looking-glass"), 0640), 0);

  /* An injected access result is kept (the collector does not overwrite it). */
  lg_diag_set_bool(&d, LG_DIAG_CLIENT, "region.access", false, "injected");
  lg_diag_set_str(&d, LG_DIAG_CLIENT, "client.user", "alice", "injected");
  assert_true(lg_diag_collect_region(&d, tmp_root, "/dev/shm/looking-glass"));
  assert_string_equal(lg_diag_get_str(&d, "region.type"), "file");
  assert_true(get_u(&d, "region.size") == 32 * MIB);
  assert_int_equal(get_u(&d, "region.mode"), 0640);
  assert_int_equal(get_u(&d, "region.uid"), getuid());
  assert_false(get_b(&d, "region.access"));
  assert_string_equal(lg_diag_get(&d, "region.access")->source, "injected");
  lg_diag_run_rules(&d);
  const struct lg_diag_finding *f = lg_diag_find_finding(&d, "region.no_access");
  assert_non_null(f);
  assert_non_null(strstr(f->remedy, "chown alice:kvm /dev/shm/looking-glass"));
  lg_diag_free(&d);

  /* Not injected: we own the file, so it opens read-write. */
  lg_diag_init(&d);
  assert_true(lg_diag_collect_region(&d, tmp_root, "/dev/shm/looking-glass"));
  assert_true(get_b(&d, "region.access"));
  assert_non_null(lg_diag_get_str(&d, "client.user"));
  lg_diag_free(&d);

  /* /dev/kvmfr0 as a regular file: the VM started before the module. */
  lg_diag_init(&d);
  tree_write("dev/kvmfr0", "", 0);
  assert_true(lg_diag_collect_region(&d, tmp_root, "/dev/kvmfr0"));
  lg_diag_run_rules(&d);
  assert_non_null(lg_diag_find_finding(&d, "region.kvmfr_regular_file"));
  lg_diag_free(&d);

  /* /dev/kvmfr1 a char device (a link to /dev/null): the size comes from the module. */
  lg_diag_init(&d);
  assert_int_equal(symlink("/dev/null", tree_path("dev/kvmfr1")), 0);
  lg_diag_set_str(&d, LG_DIAG_HOST, "host.kvmfr.static_size_mb", "32,128", "test");
  assert_true(lg_diag_collect_region(&d, tmp_root, "/dev/kvmfr1"));
  assert_string_equal(lg_diag_get_str(&d, "region.type"), "chardev");
  assert_true(get_u(&d, "region.size") == 128 * MIB);
  lg_diag_run_rules(&d);
  assert_null(lg_diag_find_finding(&d, "region.kvmfr_regular_file"));
  lg_diag_free(&d);

  /* Missing. */
  lg_diag_init(&d);
  assert_true(lg_diag_collect_region(&d, tmp_root, "/dev/kvmfr5"));
  assert_string_equal(lg_diag_get_str(&d, "region.type"), "missing");
  assert_null(lg_diag_get(&d, "region.access"));
  assert_false(lg_diag_collect_region(&d, tmp_root, NULL));
  lg_diag_free(&d);
  tree_free();
}

/* ---- garbage ---- */

static void fill_random(char *p, size_t n, uint32_t seed)
{
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 1664525u + 1013904223u;
    p[i] = (char)(seed >> 24);
  }
}

static void test_garbage(void **state)
{
  tree_new();
  size_t n = 2 * MIB;
  char *junk = malloc(n);
  assert_non_null(junk);
  fill_random(junk, n, 7);

  tree_write("proc/cpuinfo", junk, n);
  tree_write("sys/class/iommu/dmar0/intel-iommu/cap", junk, 300);
  tree_write("sys/class/iommu/dmar1/intel-iommu/cap", "", 0);
  tree_text("sys/class/iommu/dmar2/intel-iommu/cap", "ffffffffffffffff\n");
  tree_text("sys/class/iommu/ivhd0/amd-iommu/features", "zzzz");
  tree_write("sys/module/kvmfr/parameters/static_size_mb", junk, 100);
  tree_write("sys/bus/pci/drivers/vfio-pci/0000:01:00.0", "", 0);
  tree_write("sys/kernel/iommu_groups/1/devices/0000:01:00.0", "", 0);
  tree_write("sys/kernel/iommu_groups/1/reserved_regions", junk, 5000);
  tree_write("sys/kernel/iommu_groups/zz/reserved_regions", junk, 10);
  tree_write("var/log/libvirt/qemu/junk.log", junk, n);
  /* The cmdline of a "qemu" followed by random bytes, and binary maps. */
  memcpy(junk, "qemu-system-x86_64\0-cpu\0", 24);
  tree_write("proc/5/cmdline", junk, n);
  tree_write("proc/5/maps", junk + 100, n - 100);
  assert_int_equal(mkfifo(tree_path("proc/6/cmdline"), 0600), 0);

  struct lg_diag d;
  lg_diag_init(&d);
  struct lg_diag_host_opts o = {.root = tmp_root, .region_path = "/dev/kvmfr0"};
  lg_diag_collect_host(&d, &o);
  assert_null(lg_diag_get(&d, "host.cpu.phys_bits"));
  /* The unreadable caps are skipped; the all-ones cap is bounded to 64 bits; AMD default. */
  uint64_t w;
  if (lg_diag_get_u64(&d, "host.iommu.addr_bits", &w))
    assert_true(w >= 1 && w <= 64);
  assert_null(lg_diag_get(&d, "host.kvmfr.static_size_mb"));
  assert_false(get_b(&d, "qemu.log.dma_einval"));
  assert_int_equal(get_u(&d, "qemu.pid"), 5);
  lg_diag_run_rules(&d);
  char *txt = lg_diag_report_text(&d);
  assert_non_null(txt);
  free(txt);
  char *json = lg_diag_report_json(&d, false);
  assert_non_null(json);
  free(json);
  lg_diag_free(&d);

  /* A truncated cpuinfo and a huge log whose failure is at the very end. */
  lg_diag_init(&d);
  tree_text("proc/cpuinfo", "processor\t: 0\naddress sizes\t: 4");
  assert_false(lg_diag_collect_cpuinfo(&d, tmp_root));
  tree_text("proc/cpuinfo", "processor\t: 0\naddress sizes\t: 46");
  assert_true(lg_diag_collect_cpuinfo(&d, tmp_root));
  assert_int_equal(get_u(&d, "host.cpu.phys_bits"), 46);
  assert_null(lg_diag_get(&d, "host.cpu.virt_bits"));
  tree_text("proc/cpuinfo", "address sizes\t: 999 bits physical, 48 bits virtual\n");
  lg_diag_unset(&d, "host.cpu.phys_bits");
  assert_false(lg_diag_collect_cpuinfo(&d, tmp_root));
  assert_null(lg_diag_get(&d, "host.cpu.phys_bits"));

  FILE *f = fopen(tree_path("var/log/libvirt/qemu/junk.log"), "wb");
  assert_non_null(f);
  memset(junk, 'x', n);
  for (int i = 0; i < 6; ++i)
    assert_int_equal(fwrite(junk, 1, n, f), n); /* 12 MiB without a newline */
  fputs("\nqemu-system-x86_64: vfio_dma_map(0x55d5c5c4b1a0, 0xe000000000, 0x2000000, "
        "0x7f5a3c000000) = -22 (Invalid argument)\n",
        f);
  fclose(f);
  assert_true(lg_diag_collect_libvirt_logs(&d, tmp_root));
  assert_true(get_b(&d, "qemu.log.dma_einval"));
  assert_true(get_u(&d, "qemu.log.dma_addr") == UINT64_C(0xe000000000));
  lg_diag_free(&d);
  free(junk);
  tree_free();
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_intel39),
      cmocka_unit_test(test_intel48),
      cmocka_unit_test(test_amd),
      cmocka_unit_test(test_no_iommu),
      cmocka_unit_test(test_find_and_parse_qemu),
      cmocka_unit_test(test_region),
      cmocka_unit_test(test_garbage),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
