/* Unit tests of the diagnostic rules: each rule fires on its broken setup (positive) and stays
 * silent on the healthy one next to it (negative). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "lg/diag.h"

#define MIB (UINT64_C(1) << 20)

static int setup(void **state)
{
  struct lg_diag *d = test_malloc(sizeof(*d));
  lg_diag_init(d);
  *state = d;
  return 0;
}

static int teardown(void **state)
{
  lg_diag_free(*state);
  test_free(*state);
  return 0;
}

static void u(struct lg_diag *d, const char *key, uint64_t v)
{
  assert_true(lg_diag_set_u64(d, LG_DIAG_HOST, key, v, "test"));
}
static void s(struct lg_diag *d, const char *key, const char *v)
{
  assert_true(lg_diag_set_str(d, LG_DIAG_HOST, key, v, "test"));
}
static void b(struct lg_diag *d, const char *key, bool v)
{
  assert_true(lg_diag_set_bool(d, LG_DIAG_HOST, key, v, "test"));
}

static void run(struct lg_diag *d)
{
  lg_diag_clear_findings(d);
  lg_diag_run_rules(d);
}

/* The finding `id`, asserted present with severity `sev`. */
static const struct lg_diag_finding *expect(struct lg_diag *d, const char *id,
                                            enum lg_diag_severity sev)
{
  const struct lg_diag_finding *f = lg_diag_find_finding(d, id);
  if (!f)
    fail_msg("expected finding %s", id);
  assert_int_equal(f->severity, sev);
  return f;
}

static void absent(struct lg_diag *d, const char *id)
{
  if (lg_diag_find_finding(d, id))
    fail_msg("unexpected finding %s", id);
}

static void contains(const char *hay, const char *needle)
{
  if (!strstr(hay, needle))
    fail_msg("\"%s\" not found in \"%s\"", needle, hay);
}

/* Guest-reported BAR with a 46-bit host and a VFIO device. */
static void bar_setup(struct lg_diag *d, uint64_t bar, uint64_t iommu)
{
  u(d, "guest.ivshmem.bar2", bar);
  u(d, "guest.ivshmem.bar2_size", 32 * MIB);
  u(d, "guest.cpu.phys_bits", 46);
  u(d, "host.cpu.phys_bits", 46);
  u(d, "host.iommu.addr_bits", iommu);
  u(d, "qemu.vfio.count", 1);
  s(d, "qemu.cpu", "host");
}

static void test_helpers(void **state)
{
  assert_true(lg_diag_ovmf_bar_predict(46) == UINT64_C(0x380000000000));
  assert_true(lg_diag_ovmf_bar_predict(40) == UINT64_C(0xe000000000));
  assert_true(lg_diag_ovmf_bar_predict(48) == UINT64_C(0xe00000000000));
  assert_true(lg_diag_ovmf_bar_predict(39) == 0);
  assert_int_equal(lg_diag_bits_needed(UINT64_C(0x380000000000), 32 * MIB), 46);
  assert_int_equal(lg_diag_bits_needed(UINT64_C(0x800000000), 32 * MIB), 36);
  assert_int_equal(lg_diag_bits_needed(UINT64_C(0x7ffe000000), 32 * MIB), 39);
  assert_int_equal(lg_diag_bits_needed(UINT64_C(0x7ffe000000), 32 * MIB + 1), 40);
  assert_int_equal(lg_diag_bits_needed(UINT64_MAX, 16), 64);
  assert_int_equal(lg_diag_recommended_region_mib(1080, 1920 * 4), 32);
  assert_int_equal(lg_diag_recommended_region_mib(1440, 2560 * 4), 64);
  assert_int_equal(lg_diag_recommended_region_mib(2160, 3840 * 4), 128);
  assert_int_equal(lg_diag_recommended_region_mib(1, 4), 16);
  uint64_t need = lg_diag_region_need_bytes(1080, 1920 * 4);
  assert_true(need > 16 * MIB && need < 32 * MIB);
  assert_true(lg_diag_region_need_bytes(UINT64_MAX, UINT64_MAX) == UINT64_MAX);
}

static void test_qemu_guest_phys_bits(void **state)
{
  struct lg_diag *d = *state;
  assert_int_equal(lg_diag_qemu_guest_phys_bits(d), 0);
  s(d, "qemu.cpu", "host");
  assert_int_equal(lg_diag_qemu_guest_phys_bits(d), 0); /* host CPU unknown */
  u(d, "host.cpu.phys_bits", 46);
  assert_int_equal(lg_diag_qemu_guest_phys_bits(d), 46);
  u(d, "qemu.cpu.host_phys_bits_limit", 39);
  assert_int_equal(lg_diag_qemu_guest_phys_bits(d), 39);
  u(d, "qemu.cpu.host_phys_bits_limit", 52); /* a limit above the host changes nothing */
  assert_int_equal(lg_diag_qemu_guest_phys_bits(d), 46);
  s(d, "qemu.cpu", "Skylake-Client");
  lg_diag_unset(d, "qemu.cpu.host_phys_bits_limit");
  assert_int_equal(lg_diag_qemu_guest_phys_bits(d), 40); /* QEMU default */
  u(d, "qemu.cpu.phys_bits", 42);
  assert_int_equal(lg_diag_qemu_guest_phys_bits(d), 42);
  b(d, "qemu.cpu.host_phys_bits", true);
  assert_int_equal(lg_diag_qemu_guest_phys_bits(d), 46);
}

static void test_bar_above_39bit_iommu(void **state)
{
  struct lg_diag *d = *state;
  bar_setup(d, UINT64_C(0x382000000000), 39);
  run(d);
  const struct lg_diag_finding *f = expect(d, "vfio.bar_above_iommu", LG_DIAG_ERROR);
  contains(f->title, "QEMU will fail VFIO_MAP_DMA with -22");
  contains(f->title, "0x382000000000");
  contains(f->detail, "needs 46");
  contains(f->remedy, "-cpu host,host-phys-bits-limit=39");
  contains(f->remedy, "<cpu><maxphysaddr mode='passthrough' limit='39'/></cpu>");
  absent(d, "vfio.bar_fits");
  absent(d, "vfio.bar_predicted_above_iommu");
  assert_int_equal(lg_diag_exit_status(d), 2);
}

static void test_bar_48bit_iommu_fine(void **state)
{
  struct lg_diag *d = *state;
  bar_setup(d, UINT64_C(0x382000000000), 48);
  run(d);
  absent(d, "vfio.bar_above_iommu");
  expect(d, "vfio.bar_fits", LG_DIAG_OK);
  assert_int_equal(lg_diag_exit_status(d), 0);
}

static void test_bar_low_on_39bit_fine(void **state)
{
  struct lg_diag *d = *state;
  bar_setup(d, UINT64_C(0x800000000), 39);
  u(d, "guest.cpu.phys_bits", 39);
  run(d);
  absent(d, "vfio.bar_above_iommu");
  expect(d, "vfio.bar_fits", LG_DIAG_OK);
  assert_int_equal(lg_diag_exit_status(d), 0);
}

static void test_bar_40bit_on_39bit(void **state)
{
  struct lg_diag *d = *state;
  bar_setup(d, UINT64_C(0xe000000000), 39);
  u(d, "guest.cpu.phys_bits", 40);
  run(d);
  const struct lg_diag_finding *f = expect(d, "vfio.bar_above_iommu", LG_DIAG_ERROR);
  contains(f->detail, "needs 40");
  /* The advice is the IOMMU width, not a fixed 40. */
  contains(f->remedy, "limit=39");
}

static void test_bar_width_follows_iommu(void **state)
{
  struct lg_diag *d = *state;
  bar_setup(d, UINT64_C(0x380000000000), 42);
  run(d);
  const struct lg_diag_finding *f = expect(d, "vfio.bar_above_iommu", LG_DIAG_ERROR);
  contains(f->remedy, "host-phys-bits-limit=42");
  contains(f->remedy, "limit='42'");
}

static void test_bar_without_vfio_is_info(void **state)
{
  struct lg_diag *d = *state;
  bar_setup(d, UINT64_C(0x380000000000), 39);
  u(d, "qemu.vfio.count", 0);
  run(d);
  absent(d, "vfio.bar_above_iommu");
  expect(d, "vfio.bar_above_iommu_novfio", LG_DIAG_INFO);
  assert_int_equal(lg_diag_exit_status(d), 0);
}

static void test_bar_no_iommu_no_finding(void **state)
{
  struct lg_diag *d = *state;
  bar_setup(d, UINT64_C(0x380000000000), 39);
  lg_diag_unset(d, "host.iommu.addr_bits");
  run(d);
  absent(d, "vfio.bar_above_iommu");
  absent(d, "vfio.bar_fits");
}

/* QEMU command line facts for -cpu host with no limit on a 46-bit host. */
static void predict_setup(struct lg_diag *d, uint64_t iommu)
{
  s(d, "qemu.cpu", "host");
  u(d, "host.cpu.phys_bits", 46);
  u(d, "host.iommu.addr_bits", iommu);
  u(d, "qemu.vfio.count", 1);
  b(d, "qemu.ivshmem", true);
}

static void test_predict_before_start(void **state)
{
  struct lg_diag *d = *state;
  predict_setup(d, 39);
  run(d);
  const struct lg_diag_finding *f = expect(d, "vfio.bar_predicted_above_iommu", LG_DIAG_WARNING);
  contains(f->detail, "0x380000000000");
  contains(f->remedy, "-cpu host,host-phys-bits-limit=39");
  absent(d, "vfio.bar_above_iommu");
  assert_int_equal(lg_diag_exit_status(d), 1);
}

static void test_predict_negatives(void **state)
{
  struct lg_diag *d = *state;
  predict_setup(d, 39);
  u(d, "qemu.cpu.host_phys_bits_limit", 39);
  run(d);
  absent(d, "vfio.bar_predicted_above_iommu");

  lg_diag_unset(d, "qemu.cpu.host_phys_bits_limit");
  u(d, "host.iommu.addr_bits", 48);
  run(d);
  absent(d, "vfio.bar_predicted_above_iommu");

  u(d, "host.iommu.addr_bits", 39);
  b(d, "qemu.ivshmem", false);
  run(d);
  absent(d, "vfio.bar_predicted_above_iommu");

  b(d, "qemu.ivshmem", true);
  u(d, "qemu.vfio.count", 0);
  run(d);
  absent(d, "vfio.bar_predicted_above_iommu");

  /* A 39-bit host CPU cannot give the guest more than 39 bits. */
  u(d, "qemu.vfio.count", 1);
  u(d, "host.cpu.phys_bits", 39);
  run(d);
  absent(d, "vfio.bar_predicted_above_iommu");
  assert_int_equal(lg_diag_exit_status(d), 0);
}

static void test_predict_explicit_phys_bits(void **state)
{
  struct lg_diag *d = *state;
  predict_setup(d, 39);
  s(d, "qemu.cpu", "Skylake-Client");
  u(d, "qemu.cpu.phys_bits", 43);
  run(d);
  const struct lg_diag_finding *f = expect(d, "vfio.bar_predicted_above_iommu", LG_DIAG_WARNING);
  contains(f->detail, "0x70000000000");
  contains(f->remedy, "-cpu Skylake-Client,phys-bits=39");
  contains(f->remedy, "bits='39'");
}

static void test_guest_physbits_above_host(void **state)
{
  struct lg_diag *d = *state;
  u(d, "host.cpu.phys_bits", 39);
  u(d, "guest.cpu.phys_bits", 46);
  run(d);
  const struct lg_diag_finding *f = expect(d, "cpu.guest_physbits_above_host", LG_DIAG_WARNING);
  contains(f->title, "46");
  contains(f->title, "39");

  u(d, "guest.cpu.phys_bits", 39);
  run(d);
  absent(d, "cpu.guest_physbits_above_host");

  lg_diag_unset(d, "guest.cpu.phys_bits");
  s(d, "qemu.cpu", "EPYC");
  u(d, "qemu.cpu.phys_bits", 48);
  run(d);
  expect(d, "cpu.guest_physbits_above_host", LG_DIAG_WARNING);

  b(d, "qemu.cpu.host_phys_bits", true);
  run(d);
  absent(d, "cpu.guest_physbits_above_host");

  /* -cpu host takes the host's bits even when phys-bits= is also given. */
  lg_diag_unset(d, "qemu.cpu.host_phys_bits");
  s(d, "qemu.cpu", "host");
  run(d);
  absent(d, "cpu.guest_physbits_above_host");
}

static void test_qemu_log_einval(void **state)
{
  struct lg_diag *d = *state;
  b(d, "qemu.log.dma_einval", true);
  u(d, "qemu.log.dma_addr", UINT64_C(0x380000000000));
  u(d, "qemu.log.dma_size", 0x2000000);
  s(d, "qemu.log.file", "/var/log/libvirt/qemu/win10.log");
  u(d, "host.iommu.addr_bits", 39);
  run(d);
  const struct lg_diag_finding *f = expect(d, "qemu.vfio_map_dma_einval", LG_DIAG_ERROR);
  contains(f->title, "needs 46 address bits");
  contains(f->title, "0x380000000000");
  contains(f->detail, "0x380000000000");
  contains(f->detail, "2^39");
  contains(f->detail, "win10.log");
  contains(f->remedy, "host-phys-bits-limit=39");
  contains(f->remedy, "limit='39'");
  assert_int_equal(lg_diag_exit_status(d), 2);
}

static void test_qemu_log_einval_unknown_width(void **state)
{
  struct lg_diag *d = *state;
  b(d, "qemu.log.dma_einval", true);
  run(d);
  const struct lg_diag_finding *f = expect(d, "qemu.vfio_map_dma_einval", LG_DIAG_ERROR);
  contains(f->remedy, "host-phys-bits-limit=W");
}

static void test_qemu_log_einval_fits(void **state)
{
  struct lg_diag *d = *state;
  b(d, "qemu.log.dma_einval", true);
  u(d, "qemu.log.dma_addr", UINT64_C(0xfd00000000));
  u(d, "qemu.log.dma_size", 0x2000000);
  u(d, "host.iommu.addr_bits", 48);
  run(d);
  const struct lg_diag_finding *f = expect(d, "qemu.vfio_map_dma_einval", LG_DIAG_ERROR);
  contains(f->detail, "reserved");
}

static void test_qemu_log_clean(void **state)
{
  struct lg_diag *d = *state;
  b(d, "qemu.log.dma_einval", false);
  u(d, "host.iommu.addr_bits", 39);
  run(d);
  absent(d, "qemu.vfio_map_dma_einval");
}

static void region_setup(struct lg_diag *d, const char *path, const char *type, uint64_t size)
{
  s(d, "region.path", path);
  s(d, "region.type", type);
  u(d, "region.size", size);
  b(d, "region.access", true);
  s(d, "client.user", "alice");
}

static void test_region_too_small(void **state)
{
  struct lg_diag *d = *state;
  region_setup(d, "/dev/shm/looking-glass", "file", 16 * MIB);
  u(d, "client.frame.width", 1920);
  u(d, "client.frame.height", 1080);
  run(d);
  const struct lg_diag_finding *f = expect(d, "region.too_small", LG_DIAG_ERROR);
  contains(f->remedy, "<size unit='M'>32</size>");

  u(d, "region.size", 32 * MIB);
  run(d);
  absent(d, "region.too_small");
  expect(d, "region.size_ok", LG_DIAG_OK);

  u(d, "client.frame.width", 3840);
  u(d, "client.frame.height", 2160);
  s(d, "region.path", "/dev/kvmfr0");
  s(d, "region.type", "chardev");
  u(d, "region.size", 64 * MIB);
  run(d);
  f = expect(d, "region.too_small", LG_DIAG_ERROR);
  contains(f->remedy, "static_size_mb=128");
  u(d, "region.size", 128 * MIB);
  run(d);
  absent(d, "region.too_small");
  assert_int_equal(lg_diag_exit_status(d), 0);
}

static void test_region_not_pow2(void **state)
{
  struct lg_diag *d = *state;
  region_setup(d, "/dev/shm/looking-glass", "file", 48 * MIB);
  run(d);
  const struct lg_diag_finding *f = expect(d, "region.size_not_pow2", LG_DIAG_WARNING);
  contains(f->remedy, "64 MiB");
  u(d, "region.size", 64 * MIB);
  run(d);
  absent(d, "region.size_not_pow2");
}

static void test_region_over_2gib(void **state)
{
  struct lg_diag *d = *state;
  region_setup(d, "/dev/shm/looking-glass", "file", 2048 * MIB);
  run(d);
  expect(d, "region.over_2gib", LG_DIAG_WARNING);
  u(d, "region.size", 1024 * MIB);
  run(d);
  absent(d, "region.over_2gib");
}

static void test_region_no_access(void **state)
{
  struct lg_diag *d = *state;
  region_setup(d, "/dev/kvmfr0", "chardev", 32 * MIB);
  b(d, "region.access", false);
  s(d, "region.access_error", "Permission denied");
  u(d, "region.uid", 0);
  u(d, "region.gid", 0);
  u(d, "region.mode", 0600);
  run(d);
  const struct lg_diag_finding *f = expect(d, "region.no_access", LG_DIAG_ERROR);
  contains(f->remedy, "SUBSYSTEM==\"kvmfr\", OWNER=\"alice\", GROUP=\"kvm\", MODE=\"0660\"");
  contains(f->detail, "0600");
  contains(f->detail, "Permission denied");

  region_setup(d, "/dev/shm/looking-glass", "file", 32 * MIB);
  b(d, "region.access", false);
  run(d);
  f = expect(d, "region.no_access", LG_DIAG_ERROR);
  contains(f->remedy, "sudo chown alice:kvm /dev/shm/looking-glass");
  contains(f->remedy, "chmod 0660");

  b(d, "region.access", true);
  run(d);
  absent(d, "region.no_access");
  assert_int_equal(lg_diag_exit_status(d), 0);
}

static void test_region_kvmfr_regular_file(void **state)
{
  struct lg_diag *d = *state;
  region_setup(d, "/dev/kvmfr0", "file", 32 * MIB);
  u(d, "qemu.mem.size", 64 * MIB);
  run(d);
  const struct lg_diag_finding *f = expect(d, "region.kvmfr_regular_file", LG_DIAG_ERROR);
  contains(f->remedy, "sudo rm /dev/kvmfr0");
  contains(f->remedy, "modprobe kvmfr static_size_mb=64");
  contains(f->remedy, "Stop the VM");

  s(d, "region.type", "chardev");
  run(d);
  absent(d, "region.kvmfr_regular_file");

  region_setup(d, "/dev/shm/looking-glass", "file", 64 * MIB);
  run(d);
  absent(d, "region.kvmfr_regular_file");
}

static void test_region_missing(void **state)
{
  struct lg_diag *d = *state;
  s(d, "region.path", "/dev/kvmfr0");
  s(d, "region.type", "missing");
  run(d);
  const struct lg_diag_finding *f = expect(d, "region.missing", LG_DIAG_ERROR);
  contains(f->remedy, "modprobe kvmfr");
  s(d, "region.type", "chardev");
  run(d);
  absent(d, "region.missing");
}

static void test_kvmfr_size_mismatch(void **state)
{
  struct lg_diag *d = *state;
  s(d, "qemu.mem.path", "/dev/kvmfr0");
  u(d, "qemu.mem.size", 64 * MIB);
  s(d, "host.kvmfr.static_size_mb", "32");
  run(d);
  const struct lg_diag_finding *f = expect(d, "kvmfr.size_mismatch", LG_DIAG_ERROR);
  contains(f->remedy, "static_size_mb=64");

  s(d, "host.kvmfr.static_size_mb", "64");
  run(d);
  absent(d, "kvmfr.size_mismatch");

  s(d, "qemu.mem.path", "/dev/kvmfr1");
  s(d, "host.kvmfr.static_size_mb", "32,64");
  run(d);
  absent(d, "kvmfr.size_mismatch");

  u(d, "qemu.mem.size", 32 * MIB);
  run(d);
  expect(d, "kvmfr.size_mismatch", LG_DIAG_WARNING);

  s(d, "qemu.mem.path", "/dev/shm/looking-glass");
  run(d);
  absent(d, "kvmfr.size_mismatch");
}

static void test_heartbeat(void **state)
{
  struct lg_diag *d = *state;
  u(d, "lgmp.heartbeat_age_ms", 5000);
  run(d);
  const struct lg_diag_finding *f = expect(d, "host.not_running", LG_DIAG_ERROR);
  contains(f->title, "5000 ms");
  u(d, "lgmp.heartbeat_age_ms", 1000);
  run(d);
  absent(d, "host.not_running");
  expect(d, "host.running", LG_DIAG_OK);
}

static void test_version_mismatch(void **state)
{
  struct lg_diag *d = *state;
  u(d, "lgmp.version", 6);
  u(d, "kvmfr.version", 19);
  s(d, "guest.lg.hostver", "B6-rc1");
  run(d);
  const struct lg_diag_finding *f = expect(d, "host.version_mismatch", LG_DIAG_ERROR);
  contains(f->title, "KVMFR 19");
  contains(f->title, "KVMFR 20");
  contains(f->detail, "B6-rc1");
  contains(f->remedy, "B7");
  contains(f->remedy, "KVMFR 20");

  u(d, "kvmfr.version", 20);
  run(d);
  absent(d, "host.version_mismatch");

  u(d, "lgmp.version", 5);
  run(d);
  f = expect(d, "host.version_mismatch", LG_DIAG_ERROR);
  contains(f->title, "LGMP 5");
}

static void test_dmabuf_and_nested(void **state)
{
  struct lg_diag *d = *state;
  b(d, "client.dmabuf", false);
  s(d, "client.dmabuf.reason", "region is not a kvmfr device");
  s(d, "region.path", "/dev/shm/looking-glass");
  run(d);
  const struct lg_diag_finding *f = expect(d, "client.dmabuf_unavailable", LG_DIAG_INFO);
  contains(f->title, "region is not a kvmfr device");
  contains(f->remedy, "/dev/kvmfr0");
  assert_int_equal(lg_diag_exit_status(d), 0);
  b(d, "client.dmabuf", true);
  run(d);
  absent(d, "client.dmabuf_unavailable");

  struct lg_cpu_facts cpu = {.valid = true, .hypervisor = true};
  strcpy(cpu.hv_signature, "KVMKVMKVM");
  lg_diag_add_cpu_facts(d, &cpu);
  run(d);
  f = expect(d, "client.nested", LG_DIAG_WARNING);
  contains(f->title, "KVMKVMKVM");
  cpu.hypervisor = false;
  lg_diag_add_cpu_facts(d, &cpu);
  run(d);
  absent(d, "client.nested");
}

static void test_guest_map_failed(void **state)
{
  struct lg_diag *d = *state;
  u(d, "guest.map.stage", 4);
  u(d, "guest.map.error", 0x80070005);
  run(d);
  const struct lg_diag_finding *f = expect(d, "guest.map_failed", LG_DIAG_WARNING);
  contains(f->title, "map");
  contains(f->title, "0x80070005");
  u(d, "guest.map.stage", 0);
  run(d);
  absent(d, "guest.map_failed");
}

/* A complete healthy setup: 39-bit limit applied, BAR low, kvmfr sized right, host alive. */
static void test_healthy_setup_no_alarms(void **state)
{
  struct lg_diag *d = *state;
  u(d, "host.cpu.phys_bits", 46);
  u(d, "host.iommu.addr_bits", 39);
  u(d, "host.vfio.count", 2);
  s(d, "host.kvmfr.static_size_mb", "32");
  s(d, "qemu.cpu", "host");
  b(d, "qemu.cpu.host_phys_bits", true);
  u(d, "qemu.cpu.host_phys_bits_limit", 39);
  u(d, "qemu.vfio.count", 1);
  b(d, "qemu.ivshmem", true);
  s(d, "qemu.mem.path", "/dev/kvmfr0");
  u(d, "qemu.mem.size", 32 * MIB);
  b(d, "qemu.log.dma_einval", false);
  u(d, "guest.ivshmem.bar2", UINT64_C(0x800000000));
  u(d, "guest.ivshmem.bar2_size", 32 * MIB);
  u(d, "guest.cpu.phys_bits", 39);
  u(d, "guest.map.stage", 0);
  region_setup(d, "/dev/kvmfr0", "chardev", 32 * MIB);
  u(d, "client.frame.width", 1920);
  u(d, "client.frame.height", 1080);
  b(d, "client.hypervisor", false);
  b(d, "client.dmabuf", true);
  u(d, "lgmp.heartbeat_age_ms", 12);
  u(d, "lgmp.version", 6);
  u(d, "kvmfr.version", 20);
  run(d);
  for (size_t i = 0; i < d->nfindings; ++i)
    if (d->findings[i].severity > LG_DIAG_OK)
      fail_msg("false alarm: %s: %s", d->findings[i].id, d->findings[i].title);
  assert_int_equal(lg_diag_exit_status(d), 0);
  expect(d, "vfio.bar_fits", LG_DIAG_OK);
  expect(d, "region.size_ok", LG_DIAG_OK);
  expect(d, "host.running", LG_DIAG_OK);
}

static void test_empty_no_findings(void **state)
{
  struct lg_diag *d = *state;
  assert_int_equal(lg_diag_run_rules(d), 0);
  assert_null(lg_diag_worst(d));
  assert_int_equal(lg_diag_exit_status(d), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
  const struct CMUnitTest tests[] = {
      T(test_helpers),
      T(test_qemu_guest_phys_bits),
      T(test_bar_above_39bit_iommu),
      T(test_bar_48bit_iommu_fine),
      T(test_bar_low_on_39bit_fine),
      T(test_bar_40bit_on_39bit),
      T(test_bar_width_follows_iommu),
      T(test_bar_without_vfio_is_info),
      T(test_bar_no_iommu_no_finding),
      T(test_predict_before_start),
      T(test_predict_negatives),
      T(test_predict_explicit_phys_bits),
      T(test_guest_physbits_above_host),
      T(test_qemu_log_einval),
      T(test_qemu_log_einval_unknown_width),
      T(test_qemu_log_einval_fits),
      T(test_qemu_log_clean),
      T(test_region_too_small),
      T(test_region_not_pow2),
      T(test_region_over_2gib),
      T(test_region_no_access),
      T(test_region_kvmfr_regular_file),
      T(test_region_missing),
      T(test_kvmfr_size_mismatch),
      T(test_heartbeat),
      T(test_version_mismatch),
      T(test_dmabuf_and_nested),
      T(test_guest_map_failed),
      T(test_healthy_setup_no_alarms),
      T(test_empty_no_findings),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
