/* looking-glass-host --diagnose: guest facts, guest-side findings and the report. */
#include "diagnose.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "lg/log.h"

#define TEXT_MAX 1024

#ifdef _WIN32
/* Where the device facts come from, and the no-device verdict, on a Windows guest. */
#define SRC_DEVICES "SetupAPI IVSHMEM driver interfaces"
#define SRC_BAR "cfgmgr32 resources of %.100s"
#define NO_DEV_TITLE "No IVSHMEM device in this guest: is the virtio-win IVSHMEM driver installed?"
#define NO_DEV_DETAIL                                                                              \
  "looking-glass-host needs the shared memory of an ivshmem-plain PCI device (1af4:1110) "         \
  "through the virtio-win IVSHMEM driver (or a file given with -f); Windows lists no device "      \
  "with that driver's interface."
#define NO_DEV_REMEDY                                                                              \
  "Install the virtio-win IVSHMEM driver: Device Manager > 'PCI standard RAM Controller' > "       \
  "Update driver > the virtio-win ISO's ivshmem folder (ivshmem.inf).\n"                           \
  "If no such device is listed, give the VM one: QEMU -device ivshmem-plain,memdev=ivshmem; "      \
  "libvirt <shmem name='looking-glass'><model type='ivshmem-plain'/></shmem>"
#else
#define SRC_DEVICES "sysfs PCI devices 1af4:1110"
#define SRC_BAR "sysfs %.100s/resource"
#define NO_DEV_TITLE "No IVSHMEM device (PCI 1af4:1110) in this guest"
#define NO_DEV_DETAIL                                                                              \
  "looking-glass-host needs the shared memory of an ivshmem-plain PCI device (or a file "          \
  "given with -f); sysfs lists none."
#define NO_DEV_REMEDY                                                                              \
  "QEMU:    -device ivshmem-plain,memdev=ivshmem -object memory-backend-file,id=ivshmem,"          \
  "share=on,mem-path=/dev/kvmfr0,size=128M\n"                                                      \
  "libvirt: <shmem name='looking-glass'><model type='ivshmem-plain'/>"                             \
  "<size unit='M'>128</size></shmem>"
#endif

bool lg_host_diag_parse_format(const char *arg, enum lg_host_diag_format *out)
{
  if (!arg || !*arg || strcmp(arg, "text") == 0) {
    *out = LG_HOST_DIAG_TEXT;
    return true;
  }
  if (strcmp(arg, "json") == 0) {
    *out = LG_HOST_DIAG_JSON;
    return true;
  }
  return false;
}

void lg_host_diag_add_facts(struct lg_diag *d, const struct lg_guest_facts *f,
                            const struct lg_region *r, bool region_ok, bool file_given)
{
  const enum lg_diag_half g = LG_DIAG_GUEST;
  char src[LG_DIAG_SOURCE_MAX];
  lg_diag_set_u64(d, g, "guest.ivshmem.count", f->ivshmem_count, SRC_DEVICES);
  if (f->bdf[0]) {
    lg_diag_set_str(d, g, "guest.ivshmem.bdf", f->bdf, SRC_DEVICES);
    snprintf(src, sizeof(src), SRC_BAR, f->bdf);
    if (f->valid & LGDIAG_VALID_BAR_ADDR)
      lg_diag_set_u64(d, g, "guest.ivshmem.bar2", f->bar_addr, src);
    if (f->valid & LGDIAG_VALID_BAR_SIZE)
      lg_diag_set_u64(d, g, "guest.ivshmem.bar2_size", f->bar_size, src);
  }
  if (f->valid & LGDIAG_VALID_PHYS_BITS) {
    lg_diag_set_u64(d, g, "guest.cpu.phys_bits", f->phys_bits, "guest CPUID 0x80000008");
    lg_diag_set_u64(d, g, "guest.cpu.virt_bits", f->virt_bits, "guest CPUID 0x80000008");
  }
  lg_diag_set_bool(d, g, "guest.hypervisor", f->hypervisor, "guest CPUID 1 ECX bit 31");
  if (f->hypervisor && f->hv_signature[0])
    lg_diag_set_str(d, g, "guest.hypervisor.signature", f->hv_signature, "guest CPUID 0x40000000");

  lg_diag_set_str(d, g, "guest.region.requested", file_given ? "file" : "ivshmem", "command line");
  if (r) {
    if (r->path[0])
      lg_diag_set_str(d, g, "guest.region.path", r->path, "region probe (read-only)");
    lg_diag_set_bool(d, g, "guest.region.ok", region_ok, "region probe (read-only)");
    if (region_ok) {
      lg_diag_set_str(d, g, "guest.region.kind", lg_region_kind_name(r->kind),
                      "region probe (read-only)");
      lg_diag_set_u64(d, g, "guest.region.size", r->size, "region probe (read-only)");
      lg_diag_set_bool(d, g, "guest.region.writable", access(r->path, W_OK) == 0, "access(W_OK)");
    }
  }
  if (f->map_failures) {
    lg_diag_set_u64(d, g, "guest.region.stage", f->map_stage, "region probe (read-only)");
    lg_diag_set_str(d, g, "guest.region.stage_name", lg_region_stage_name(f->map_stage),
                    "region probe (read-only)");
    lg_diag_set_u64(d, g, "guest.region.errno", f->map_error, "region probe (read-only)");
    lg_diag_set_u64(d, g, "guest.region.failures", f->map_failures, "region probe (read-only)");
    if (f->detail[0])
      lg_diag_set_str(d, g, "guest.region.error", f->detail, "region probe (read-only)");
  }
}

static bool get_u(const struct lg_diag *d, const char *key, uint64_t *v)
{
  return lg_diag_get_u64(d, key, v);
}

/* Region findings: missing device, failed probe, read-only. */
static size_t region_rules(struct lg_diag *d)
{
  char title[TEXT_MAX], detail[TEXT_MAX];
  const char *req = lg_diag_get_str(d, "guest.region.requested");
  const char *path = lg_diag_get_str(d, "guest.region.path");
  bool ok = false, writable = true, file = req && strcmp(req, "file") == 0;
  uint64_t count = 0, stage = 0, err = 0;
  get_u(d, "guest.ivshmem.count", &count);
  if (!lg_diag_get_bool(d, "guest.region.ok", &ok))
    return 0;
  if (!ok) {
    const char *msg = lg_diag_get_str(d, "guest.region.error");
    get_u(d, "guest.region.stage", &stage);
    get_u(d, "guest.region.errno", &err);
    if (!file && count == 0) {
      lg_diag_add_finding(d, "guest.no_ivshmem", LG_DIAG_ERROR, NO_DEV_TITLE, NO_DEV_DETAIL,
                          NO_DEV_REMEDY);
      return 1;
    }
    snprintf(title, sizeof(title),
             "The region %s%s%s cannot be used (stage: %s, errno %" PRIu64 ")", path ? "'" : "",
             path ? path : "", path ? "'" : "", lg_region_stage_name((uint8_t)stage), err);
    snprintf(detail, sizeof(detail), "%s", msg ? msg : "The read-only probe failed.");
    lg_diag_add_finding(d, "guest.region_unusable", LG_DIAG_ERROR, title, detail,
                        file ? "Give -f a regular file or /dev/kvmfrN of at least a few MiB "
                               "that this user can read and write."
                             : "Check os:shmDevice, the device's permissions and its size.");
    return 1;
  }
  if (lg_diag_get_bool(d, "guest.region.writable", &writable) && !writable) {
    snprintf(title, sizeof(title), "The region '%s' is not writable by this user",
             path ? path : "?");
    lg_diag_add_finding(d, "guest.region_read_only", LG_DIAG_ERROR, title,
                        "The host writes frames into the region; it opened read-only for this "
                        "check but a normal start opens it read-write and will fail.",
                        "Run looking-glass-host as a user that can write the region, or fix "
                        "its permissions.");
    return 1;
  }
  uint64_t size = 0;
  get_u(d, "guest.region.size", &size);
  snprintf(title, sizeof(title), "The region '%s' opens and maps (%" PRIu64 " MiB)",
           path ? path : "?", size >> 20);
  lg_diag_add_finding(d, "guest.region_ok", LG_DIAG_OK, title, NULL, NULL);
  return 1;
}

/* BAR2 placement against the guest's phys-bits and a narrow host IOMMU. */
static size_t bar_rules(struct lg_diag *d)
{
  char title[TEXT_MAX], detail[TEXT_MAX], remedy[TEXT_MAX];
  uint64_t bar, size = 0, pb = 0;
  if (!get_u(d, "guest.ivshmem.bar2", &bar))
    return 0;
  get_u(d, "guest.ivshmem.bar2_size", &size);
  unsigned need = lg_diag_bits_needed(bar, size);
  if (get_u(d, "guest.cpu.phys_bits", &pb) && pb && need > pb) {
    snprintf(title, sizeof(title),
             "IVSHMEM BAR2 at 0x%" PRIx64 " needs %u bits, above the guest's %" PRIu64 " phys-bits",
             bar, need, pb);
    lg_diag_add_finding(d, "guest.bar_above_physbits", LG_DIAG_ERROR, title,
                        "The firmware placed BAR2 where this guest's CPU cannot address it; "
                        "the mapping will not work.",
                        "Give the guest the host's phys-bits: QEMU -cpu host,host-phys-bits=on");
    return 1;
  }
  unsigned w = LG_HOST_DIAG_NARROW_IOMMU_BITS;
  if (need <= w) {
    snprintf(title, sizeof(title),
             "IVSHMEM BAR2 at 0x%" PRIx64 " needs %u address bits (fits a %u-bit host IOMMU)", bar,
             need, w);
    lg_diag_add_finding(d, "guest.bar_low", LG_DIAG_OK, title, NULL, NULL);
    return 1;
  }
  snprintf(title, sizeof(title),
           "IVSHMEM BAR2 at 0x%" PRIx64 " is above 2^%u (needs %u address bits)", bar, w, need);
  snprintf(detail, sizeof(detail),
           "OVMF puts the 64-bit MMIO window, and with it IVSHMEM BAR2, in the top of the "
           "guest's physical address space. When a PCI device is passed through with VFIO, "
           "QEMU DMA-maps this BAR in the host IOMMU; a host IOMMU narrower than %u bits (many "
           "Intel client CPUs have %u) makes QEMU fail VFIO_MAP_DMA with -22 (Invalid argument) "
           "and the VM stops. This guest is running, so that is not happening now; it will if "
           "such a device is added. Run looking-glass-client --diagnose on the host to check "
           "its IOMMU.",
           need, w);
  snprintf(remedy, sizeof(remedy),
           "Limit the guest's phys-bits to the host IOMMU width W (e.g. %u):\n"
           "QEMU:    -cpu host,host-phys-bits-limit=%u\n"
           "libvirt: <cpu><maxphysaddr mode='passthrough' limit='%u'/></cpu>",
           w, w, w);
  lg_diag_add_finding(d, "guest.bar_above_39bit", LG_DIAG_INFO, title, detail, remedy);
  return 1;
}

size_t lg_host_diag_guest_rules(struct lg_diag *d)
{
  size_t n = region_rules(d) + bar_rules(d);
  bool hv = true;
  if (lg_diag_get_bool(d, "guest.hypervisor", &hv) && !hv) {
    lg_diag_add_finding(d, "guest.bare_metal", LG_DIAG_INFO,
                        "CPUID reports no hypervisor: this does not look like a VM guest",
                        "looking-glass-host is meant to run inside the VM whose display the "
                        "client shows; here it can only work on a shared-memory file.",
                        NULL);
    ++n;
  }
  return n;
}

int lg_host_diagnose(const struct lg_host_diag_opts *o, enum lg_host_diag_format format, FILE *out)
{
  struct lg_guest_facts facts;
  lg_guest_facts_init(&facts);
  lg_guest_facts_read_cpu(&facts);
  lg_guest_facts_read_bar(&facts, o->root, o->device);

  bool file_given = o->shm_file && *o->shm_file;
  struct lg_region region;
  struct lg_region_params rp = {.path = o->shm_file,
                                .root = o->root,
                                .device = o->device,
                                .min_size = lg_host_min_region_size(),
                                .read_only = true};
  bool ok = lg_region_open(&rp, &region, &facts);

  struct lg_diag d;
  lg_diag_init(&d);
  lg_host_diag_add_facts(&d, &facts, &region, ok, file_given);
  lg_region_close(&region);
  if (o->version)
    lg_diag_set_str(&d, LG_DIAG_GUEST, "guest.lg.hostver", o->version, "looking-glass-host");
  lg_diag_run_rules(&d);
  lg_host_diag_guest_rules(&d);

  char *text =
      format == LG_HOST_DIAG_JSON ? lg_diag_report_json(&d, true) : lg_diag_report_text(&d);
  int rc = lg_diag_exit_status(&d);
  if (!text) {
    LG_ERROR("diagnose: out of memory");
    rc = 2;
  } else {
    fputs(text, out);
    size_t len = strlen(text);
    if (len && text[len - 1] != '\n')
      fputc('\n', out);
    fflush(out);
  }
  free(text);
  lg_diag_free(&d);
  return rc;
}
