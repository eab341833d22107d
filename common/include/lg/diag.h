/* Diagnostics model: a store of facts (key = typed value, with the source it came from and
 * the half that observed it), pure rules that turn facts into findings, and reports.
 *
 * Halves: GUEST = inside the VM (sent by our looking-glass-host in the LGDIAG record),
 * HOST = the physical machine that runs QEMU (CPU, IOMMU, VFIO, QEMU, libvirt, kvmfr module),
 * CLIENT = the client process itself (region file, LGMP session, DMA-BUF, CPUID).
 *
 * Well-known keys (u64 unless noted; rules only look at these):
 *   guest.ivshmem.bar2, guest.ivshmem.bar2_size, guest.cpu.phys_bits, guest.cpu.virt_bits,
 *   guest.map.stage, guest.map.error, guest.lg.hostver (str)
 *   host.cpu.phys_bits, host.cpu.virt_bits, host.iommu.addr_bits (narrowest unit),
 *   host.iommu.vendor (str), host.iommu.count, host.iommu.<unit>.addr_bits,
 *   host.iommu.<unit>.sagaw (str), host.iommu.groups, host.iommu_group.<n>.reserved_regions
 *   (str), host.vfio.count, host.vfio.devices (str), host.kvmfr.loaded (bool),
 *   host.kvmfr.static_size_mb (str, as in sysfs: "32" or "32,64")
 *   qemu.pid, qemu.cpu (str: model), qemu.cpu.phys_bits, qemu.cpu.host_phys_bits (bool),
 *   qemu.cpu.host_phys_bits_limit, qemu.vfio.count, qemu.vfio.hosts (str),
 *   qemu.ivshmem (bool), qemu.ivshmem.driver (str), qemu.mem.path (str), qemu.mem.size,
 *   qemu.log.dma_einval (bool), qemu.log.dma_addr, qemu.log.dma_size, qemu.log.file (str)
 *   region.path (str), region.type (str: file, chardev, missing, other), region.size,
 *   region.uid, region.gid, region.mode, region.access (bool), region.access_error (str),
 *   region.map (str), client.user (str), client.frame.width, client.frame.height,
 *   client.frame.bytes_per_pixel, client.hypervisor (bool), client.hypervisor.signature (str),
 *   client.dmabuf (bool), client.dmabuf.reason (str), lgmp.heartbeat_age_ms, lgmp.version,
 *   kvmfr.version
 */
#ifndef LG_DIAG_H
#define LG_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lg/cpuinfo.h"

#define LG_DIAG_KEY_MAX 80
#define LG_DIAG_SOURCE_MAX 128
#define LG_DIAG_STR_MAX 4096 /* longer string values are cut */

enum lg_diag_half {
  LG_DIAG_GUEST = 0,
  LG_DIAG_HOST,
  LG_DIAG_CLIENT,
};

enum lg_diag_type {
  LG_DIAG_U64 = 0,
  LG_DIAG_STR,
  LG_DIAG_BOOL,
};

enum lg_diag_severity {
  LG_DIAG_OK = 0,
  LG_DIAG_INFO,
  LG_DIAG_WARNING,
  LG_DIAG_ERROR,
};

struct lg_diag_fact {
  char key[LG_DIAG_KEY_MAX];
  enum lg_diag_type type;
  uint64_t u64;
  bool b;
  char *str; /* owned; set for LG_DIAG_STR */
  char source[LG_DIAG_SOURCE_MAX];
  enum lg_diag_half half;
};

struct lg_diag_finding {
  char id[48];
  enum lg_diag_severity severity;
  char *title;  /* owned, one line */
  char *detail; /* owned, may hold several sentences */
  char *remedy; /* owned, copyable text; may be empty */
};

/* The store; zero-initialise or lg_diag_init, release with lg_diag_free. Not thread-safe. */
struct lg_diag {
  struct lg_diag_fact *facts;
  size_t nfacts, cap_facts;
  struct lg_diag_finding *findings;
  size_t nfindings, cap_findings;
};

/* Prepares an empty store. */
void lg_diag_init(struct lg_diag *d);

/* Releases every fact and finding; the store is empty and reusable afterwards. */
void lg_diag_free(struct lg_diag *d);

/* Sets `key` to a u64 / string / bool value, replacing an earlier value of the same key.
 * Returns false on a bad key or out of memory. */
bool lg_diag_set_u64(struct lg_diag *d, enum lg_diag_half half, const char *key, uint64_t v,
                     const char *source);
bool lg_diag_set_str(struct lg_diag *d, enum lg_diag_half half, const char *key, const char *v,
                     const char *source);
bool lg_diag_set_bool(struct lg_diag *d, enum lg_diag_half half, const char *key, bool v,
                      const char *source);

/* Removes `key`; returns whether it was there. */
bool lg_diag_unset(struct lg_diag *d, const char *key);

/* The fact named `key`, or NULL. */
const struct lg_diag_fact *lg_diag_get(const struct lg_diag *d, const char *key);

/* Reads a u64 / bool fact into *out; false when absent or of another type. */
bool lg_diag_get_u64(const struct lg_diag *d, const char *key, uint64_t *out);
bool lg_diag_get_bool(const struct lg_diag *d, const char *key, bool *out);

/* The string value of `key`, or NULL when absent or not a string. */
const char *lg_diag_get_str(const struct lg_diag *d, const char *key);

/* Formats a fact's value into buf ("0x380000000000" for address-like keys, decimal else). */
void lg_diag_fact_value_text(const struct lg_diag_fact *f, char *buf, size_t len);

/* Adds a finding (strings are copied; NULL detail/remedy become ""). False on OOM. */
bool lg_diag_add_finding(struct lg_diag *d, const char *id, enum lg_diag_severity sev,
                         const char *title, const char *detail, const char *remedy);

/* The finding with `id`, or NULL. */
const struct lg_diag_finding *lg_diag_find_finding(const struct lg_diag *d, const char *id);

/* Removes every finding, keeping the facts (before running the rules again). */
void lg_diag_clear_findings(struct lg_diag *d);

/* The most severe finding (the first of equals), or NULL when there are none. */
const struct lg_diag_finding *lg_diag_worst(const struct lg_diag *d);

/* Lower-case names: "ok"/"info"/"warning"/"error" and "guest"/"host"/"client". */
const char *lg_diag_severity_name(enum lg_diag_severity s);
const char *lg_diag_half_name(enum lg_diag_half h);

/* Adds client.hypervisor and client.hypervisor.signature from CPUID facts. */
void lg_diag_add_cpu_facts(struct lg_diag *d, const struct lg_cpu_facts *cpu);

/* ---- rules (rules.c): pure, facts -> findings; never read files ---- */

/* The region size B7 advises for a WxH frame: 2^ceil(log2(h*pitch*2/2^20 + 10)) MiB. */
uint64_t lg_diag_recommended_region_mib(uint64_t height, uint64_t pitch);

/* Bytes a region needs for two frames of `height` rows of `pitch` plus LGMP and cursors. */
uint64_t lg_diag_region_need_bytes(uint64_t height, uint64_t pitch);

/* Where OVMF puts the 64-bit MMIO window for `phys_bits`: 2^pb - 2^(pb-3) for pb >= 40,
 * 0 when it cannot be predicted (pb < 40 places it after RAM). */
uint64_t lg_diag_ovmf_bar_predict(unsigned phys_bits);

/* Bits needed to address [addr, addr+size): the bit length of addr+size-1. */
unsigned lg_diag_bits_needed(uint64_t addr, uint64_t size);

/* The guest phys-bits implied by the QEMU facts and host.cpu.phys_bits; 0 if unknown. */
unsigned lg_diag_qemu_guest_phys_bits(const struct lg_diag *d);

/* Runs every rule and appends the findings. Returns the number added. */
size_t lg_diag_run_rules(struct lg_diag *d);

/* ---- QEMU text parsers (qemu.c): pure, portable ---- */

/* Parses a NUL-separated QEMU command line (as /proc/<pid>/cmdline) into qemu.* facts. */
bool lg_diag_parse_qemu_cmdline(struct lg_diag *d, const char *buf, size_t len, const char *source);

/* Parses a QEMU size ("32M", "33554432", "1G") in binary units; false on garbage. */
bool lg_diag_parse_size(const char *s, uint64_t *out);

/* State of a QEMU log scan; zero-initialise. */
struct lg_diag_log_scan {
  bool einval;   /* "VFIO_MAP_DMA failed: Invalid argument" or a -22 map seen */
  bool have_map; /* addr/size decoded from a vfio_dma_map(...) = -22 line */
  uint64_t addr, size;
};

/* Feeds one log line; a libvirt "starting up" line resets the scan (a new VM start). */
void lg_diag_scan_qemu_log_line(struct lg_diag_log_scan *s, const char *line);

/* ---- collectors (collect_host.c): read under `root` ("/" or a fixture tree) ---- */

struct lg_diag_host_opts {
  const char *root;        /* NULL or "" means "/" */
  const char *region_path; /* e.g. "/dev/kvmfr0"; NULL skips the region collectors */
  uint32_t qemu_pid;       /* 0: find the QEMU process that has the region */
};

/* host.cpu.* from <root>/proc/cpuinfo "address sizes". Linux only; false if absent. */
bool lg_diag_collect_cpuinfo(struct lg_diag *d, const char *root);

/* host.iommu.* from <root>/sys/class/iommu: Intel cap MGAW/SAGAW; AMD EFR HATS (levels
 * 4/5/6 -> 48/57/64 bits), 48 bits "AMD default" when unreadable. False with no IOMMU. */
bool lg_diag_collect_iommu(struct lg_diag *d, const char *root);

/* host.vfio.* from <root>/sys/bus/pci/drivers/vfio-pci and host.iommu.groups plus the
 * reserved regions of the groups holding those devices. */
bool lg_diag_collect_vfio(struct lg_diag *d, const char *root);

/* Finds the QEMU process that maps or opens `region_path` (else whose command line names
 * it, else the only QEMU); returns its pid, 0 if none. */
uint32_t lg_diag_find_qemu(const char *root, const char *region_path);

/* Parses <root>/proc/<pid>/cmdline into qemu.* facts. */
bool lg_diag_collect_qemu(struct lg_diag *d, const char *root, uint32_t pid);

/* Scans <root>/var/log/libvirt/qemu/<*>.log for VFIO -22 failures since the last start. */
bool lg_diag_collect_libvirt_logs(struct lg_diag *d, const char *root);

/* region.* from stat() of <root><path>; region.access only if not already set (tests
 * inject it); a /dev/kvmfrN char device takes its size from host.kvmfr.static_size_mb. */
bool lg_diag_collect_region(struct lg_diag *d, const char *root, const char *path);

/* host.kvmfr.* from <root>/sys/module/kvmfr. */
bool lg_diag_collect_kvmfr(struct lg_diag *d, const char *root);

/* Runs every host-side collector above; returns the number that found something. */
size_t lg_diag_collect_host(struct lg_diag *d, const struct lg_diag_host_opts *opts);

/* ---- reports (report.c) ---- */

/* Text report: verdict (worst title and remedy), all findings, facts grouped by half.
 * Returns a malloc'd string (free it), NULL on OOM. */
char *lg_diag_report_text(const struct lg_diag *d);

/* JSON report {"verdict", "exit_status", "findings": [...], "facts": [...]}; malloc'd. */
char *lg_diag_report_json(const struct lg_diag *d, bool pretty);

/* 0 when the worst finding is ok/info (or none), 1 for a warning, 2 for an error. */
int lg_diag_exit_status(const struct lg_diag *d);

#endif
