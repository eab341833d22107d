/* Diagnostic rules: pure functions from facts to findings. They never read files; every
 * input is a fact, so each rule is tested with hand-made fact sets. */
#include "lg/diag.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIB (UINT64_C(1) << 20)
#define TEXT_MAX 1536

#define LGMP_VERSION_WANT 6u
#define KVMFR_VERSION_WANT 20u
#define HEARTBEAT_STALE_MS 1000u

/* Region layout figures from the wire spec (LGMP header, cursor buffers, frame header). */
#define LGMP_HEADER_BYTES 5760u
#define UDATA_QUEUE_SLACK 4096u
#define CURSOR_POS_BYTES (20u * 24u)
#define CURSOR_SHAPE_BYTES (3u * 1048600u)
#define FRAME_HEADER_BYTES (1084u + 4u)
#define FRAME_ALIGN 4096u

struct ctx {
  struct lg_diag *d;
  size_t added;
};

static void add(struct ctx *c, const char *id, enum lg_diag_severity sev, const char *title,
                const char *detail, const char *remedy)
{
  if (lg_diag_add_finding(c->d, id, sev, title, detail, remedy))
    ++c->added;
}

static void fmt(char *buf, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void fmt(char *buf, const char *f, ...)
{
  va_list ap;
  va_start(ap, f);
  vsnprintf(buf, TEXT_MAX, f, ap);
  va_end(ap);
}

static bool get_u(const struct lg_diag *d, const char *key, uint64_t *v)
{
  return lg_diag_get_u64(d, key, v);
}

static const char *src_of(const struct lg_diag *d, const char *key)
{
  const struct lg_diag_fact *f = lg_diag_get(d, key);
  return f && f->source[0] ? f->source : "unknown source";
}

static bool starts_with(const char *s, const char *p) { return s && !strncmp(s, p, strlen(p)); }

/* ---- arithmetic helpers ---- */

uint64_t lg_diag_recommended_region_mib(uint64_t height, uint64_t pitch)
{
  if (pitch && height > UINT64_MAX / 4 / pitch)
    return 0;
  uint64_t need = height * pitch * 2 + 10 * MIB;
  uint64_t mib = 1;
  while (mib * MIB < need && mib < (UINT64_C(1) << 40))
    mib <<= 1;
  return mib;
}

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

uint64_t lg_diag_region_need_bytes(uint64_t height, uint64_t pitch)
{
  if (pitch && height > UINT64_MAX / 4 / pitch)
    return UINT64_MAX;
  uint64_t frame = align_up(FRAME_HEADER_BYTES + height * pitch, FRAME_ALIGN);
  return LGMP_HEADER_BYTES + UDATA_QUEUE_SLACK + CURSOR_POS_BYTES + CURSOR_SHAPE_BYTES + 2 * frame +
         FRAME_ALIGN;
}

uint64_t lg_diag_ovmf_bar_predict(unsigned phys_bits)
{
  if (phys_bits < 40 || phys_bits > 63)
    return 0;
  return (UINT64_C(1) << phys_bits) - (UINT64_C(1) << (phys_bits - 3));
}

unsigned lg_diag_bits_needed(uint64_t addr, uint64_t size)
{
  uint64_t last = addr;
  if (size) {
    if (size - 1 > UINT64_MAX - addr)
      return 64;
    last = addr + (size - 1);
  }
  unsigned bits = 0;
  while (last) {
    ++bits;
    last >>= 1;
  }
  return bits;
}

unsigned lg_diag_qemu_guest_phys_bits(const struct lg_diag *d)
{
  const char *model = lg_diag_get_str(d, "qemu.cpu");
  if (!model)
    return 0;
  bool host_model = strcmp(model, "host") == 0 || strcmp(model, "max") == 0;
  bool hpb = host_model;
  lg_diag_get_bool(d, "qemu.cpu.host_phys_bits", &hpb);
  uint64_t pb = 0, host_pb = 0, limit = 0;
  if (hpb) {
    if (!get_u(d, "host.cpu.phys_bits", &host_pb) || host_pb == 0 || host_pb > 64)
      return 0;
    pb = host_pb;
    if (get_u(d, "qemu.cpu.host_phys_bits_limit", &limit) && limit && limit < pb)
      pb = limit;
    return (unsigned)pb;
  }
  if (get_u(d, "qemu.cpu.phys_bits", &pb) && pb && pb <= 64)
    return (unsigned)pb;
  return 40; /* QEMU's default for models other than host/max */
}

/* 1: VFIO devices are in use, 0: known to be absent, -1: unknown. */
static int vfio_in_use(const struct lg_diag *d)
{
  uint64_t n;
  if (get_u(d, "qemu.vfio.count", &n) || get_u(d, "host.vfio.count", &n))
    return n > 0;
  return -1;
}

/* Remedy text for an IOMMU of `w` bits, in the -cpu form that fits the QEMU model. */
static void iommu_remedy(const struct lg_diag *d, unsigned w, char *out)
{
  const char *model = lg_diag_get_str(d, "qemu.cpu");
  bool hpb = false;
  bool host_like = !model || strcmp(model, "host") == 0 || strcmp(model, "max") == 0 ||
                   (lg_diag_get_bool(d, "qemu.cpu.host_phys_bits", &hpb) && hpb);
  if (!host_like)
    fmt(out,
        "QEMU:    -cpu %s,phys-bits=%u\n"
        "libvirt: <cpu><maxphysaddr mode='emulate' bits='%u'/></cpu>",
        model, w, w);
  else
    fmt(out,
        "QEMU:    -cpu host,host-phys-bits-limit=%u\n"
        "libvirt: <cpu><maxphysaddr mode='passthrough' limit='%u'/></cpu>",
        w, w);
}

static bool iommu_width(const struct lg_diag *d, unsigned *w)
{
  uint64_t v;
  if (!get_u(d, "host.iommu.addr_bits", &v) || v == 0 || v > 64)
    return false;
  *w = (unsigned)v;
  return true;
}

static bool fits(uint64_t addr, uint64_t size, unsigned w)
{
  return lg_diag_bits_needed(addr, size) <= w;
}

/* ---- rules ---- */

static void rule_bar_vs_iommu(struct ctx *c)
{
  struct lg_diag *d = c->d;
  char title[TEXT_MAX], detail[TEXT_MAX], remedy[TEXT_MAX];
  unsigned w;
  uint64_t bar, size = 0;
  if (!iommu_width(d, &w))
    return;
  int vfio = vfio_in_use(d);

  if (get_u(d, "guest.ivshmem.bar2", &bar)) {
    if (!get_u(d, "guest.ivshmem.bar2_size", &size))
      get_u(d, "qemu.mem.size", &size);
    unsigned need = lg_diag_bits_needed(bar, size);
    if (fits(bar, size, w)) {
      fmt(title, "IVSHMEM BAR2 at 0x%" PRIx64 " fits the %u-bit IOMMU", bar, w);
      fmt(detail, "BAR2 needs %u address bits; the IOMMU accepts IOVAs below 2^%u.", need, w);
      add(c, "vfio.bar_fits", LG_DIAG_OK, title, detail, NULL);
      return;
    }
    iommu_remedy(d, w, remedy);
    if (vfio == 0) {
      fmt(title, "IVSHMEM BAR2 at 0x%" PRIx64 " is above the %u-bit IOMMU (no VFIO device)", bar,
          w);
      fmt(detail,
          "BAR2 needs %u address bits. This VM has no VFIO device, so nothing maps it now; "
          "adding a passed-through device would make QEMU fail VFIO_MAP_DMA with -22.",
          need);
      add(c, "vfio.bar_above_iommu_novfio", LG_DIAG_INFO, title, detail, remedy);
      return;
    }
    fmt(title,
        "QEMU will fail VFIO_MAP_DMA with -22: IVSHMEM BAR2 0x%" PRIx64
        " is above the %u-bit IOMMU",
        bar, w);
    char size_text[40] = "size unknown";
    if (size)
      snprintf(size_text, sizeof(size_text), "size 0x%" PRIx64, size);
    fmt(detail,
        "The guest placed IVSHMEM BAR2 at 0x%" PRIx64 " (%s), which needs %u "
        "address bits. The IOMMU (%s) accepts IOVAs below 2^%u = 0x%" PRIx64 " only. QEMU "
        "DMA-maps RAM-backed BARs of every device into the VFIO container, so this mapping "
        "fails with -22 (Invalid argument) and the VM stops. OVMF puts its 64-bit MMIO window "
        "in the top eighth of the guest physical address space, so limiting the guest's "
        "phys-bits to %u moves the BAR below the limit.",
        bar, size_text, need, src_of(d, "host.iommu.addr_bits"), w,
        w < 64 ? (UINT64_C(1) << w) : UINT64_MAX, w);
    add(c, "vfio.bar_above_iommu", LG_DIAG_ERROR, title, detail, remedy);
    return;
  }

  /* No BAR from the guest: predict it from the QEMU command line and the host CPU. */
  bool ivshmem = true;
  lg_diag_get_bool(d, "qemu.ivshmem", &ivshmem);
  if (!ivshmem || vfio == 0)
    return;
  uint64_t gpb = 0;
  const char *pb_src;
  if (get_u(d, "guest.cpu.phys_bits", &gpb) && gpb) {
    pb_src = src_of(d, "guest.cpu.phys_bits");
  } else {
    gpb = lg_diag_qemu_guest_phys_bits(d);
    pb_src = "the QEMU -cpu options and the host CPU";
  }
  if (gpb <= w)
    return;
  uint64_t pred = lg_diag_ovmf_bar_predict((unsigned)gpb);
  if (!pred)
    return;
  iommu_remedy(d, w, remedy);
  fmt(title,
      "QEMU is likely to fail VFIO_MAP_DMA with -22: guest phys-bits %" PRIu64
      " exceed the %u-bit IOMMU",
      gpb, w);
  fmt(detail,
      "The guest will have %" PRIu64 " physical address bits (from %s). OVMF then puts its "
      "64-bit MMIO window, and IVSHMEM BAR2, at about 0x%" PRIx64 " (needs %u bits), but the "
      "IOMMU (%s) accepts IOVAs below 2^%u only. QEMU DMA-maps RAM-backed BARs into the VFIO "
      "container, so the mapping fails with -22 and the VM stops.",
      gpb, pb_src, pred, lg_diag_bits_needed(pred, 1), src_of(d, "host.iommu.addr_bits"), w);
  add(c, "vfio.bar_predicted_above_iommu", LG_DIAG_WARNING, title, detail, remedy);
}

static void rule_guest_physbits(struct ctx *c)
{
  struct lg_diag *d = c->d;
  uint64_t host_pb, gpb = 0;
  const char *src = NULL;
  if (!get_u(d, "host.cpu.phys_bits", &host_pb) || !host_pb)
    return;
  if (get_u(d, "guest.cpu.phys_bits", &gpb) && gpb) {
    src = src_of(d, "guest.cpu.phys_bits");
  } else if ((gpb = lg_diag_qemu_guest_phys_bits(d)) != 0) {
    src = "the QEMU -cpu options";
  }
  if (!src || gpb <= host_pb)
    return;
  char title[TEXT_MAX], detail[TEXT_MAX], remedy[TEXT_MAX];
  fmt(title, "Guest phys-bits %" PRIu64 " exceed the host CPU's %" PRIu64, gpb, host_pb);
  fmt(detail,
      "The guest believes it has %" PRIu64 " physical address bits (%s) but the host CPU has "
      "%" PRIu64 " (%s). Memory or BARs placed above 2^%" PRIu64 " cannot be backed and the "
      "guest may crash or misbehave.",
      gpb, src, host_pb, src_of(d, "host.cpu.phys_bits"), host_pb);
  fmt(remedy, "QEMU:    -cpu host,host-phys-bits=on\n"
              "libvirt: <cpu mode='host-passthrough'><maxphysaddr mode='passthrough'/></cpu>");
  add(c, "cpu.guest_physbits_above_host", LG_DIAG_WARNING, title, detail, remedy);
}

static void rule_qemu_log(struct ctx *c)
{
  struct lg_diag *d = c->d;
  bool einval = false;
  if (!lg_diag_get_bool(d, "qemu.log.dma_einval", &einval) || !einval)
    return;
  char title[TEXT_MAX], detail[TEXT_MAX], remedy[TEXT_MAX], what[TEXT_MAX];
  unsigned w = 0;
  bool have_w = iommu_width(d, &w);
  uint64_t addr, size = 0;
  bool have_addr = get_u(d, "qemu.log.dma_addr", &addr);
  get_u(d, "qemu.log.dma_size", &size);
  const char *file = lg_diag_get_str(d, "qemu.log.file");

  if (have_addr)
    fmt(what, "QEMU could not DMA-map 0x%" PRIx64 " bytes at IOVA 0x%" PRIx64 " (needs %u bits)",
        size, addr, lg_diag_bits_needed(addr, size));
  else
    fmt(what, "QEMU logged \"VFIO_MAP_DMA failed: Invalid argument\"");

  if (have_addr && have_w && fits(addr, size, w)) {
    fmt(title, "QEMU failed VFIO_MAP_DMA with -22 at 0x%" PRIx64, addr);
    fmt(detail,
        "%s%s%s. The address fits the %u-bit IOMMU, so the range probably overlaps a reserved "
        "IOVA region (MSI window, AMD HyperTransport hole) of the device's IOMMU group.",
        what, file ? " in " : "", file ? file : "", w);
    fmt(remedy,
        "Compare 0x%" PRIx64 " with /sys/kernel/iommu_groups/*/reserved_regions and "
        "move the device or lower the guest's phys-bits.",
        addr);
    add(c, "qemu.vfio_map_dma_einval", LG_DIAG_ERROR, title, detail, remedy);
    return;
  }
  if (have_addr)
    fmt(title, "QEMU failed VFIO_MAP_DMA with -22: 0x%" PRIx64 " needs %u address bits", addr,
        lg_diag_bits_needed(addr, size));
  else
    fmt(title, "QEMU failed VFIO_MAP_DMA with -22 (Invalid argument)");
  if (have_w) {
    fmt(detail,
        "%s%s%s. The IOMMU (%s) accepts IOVAs below 2^%u only, and QEMU DMA-maps RAM-backed "
        "BARs of every device (IVSHMEM BAR2 included) into the VFIO container, so the VM "
        "stopped. The guest's phys-bits put OVMF's 64-bit MMIO window too high.",
        what, file ? " in " : "", file ? file : "", src_of(d, "host.iommu.addr_bits"), w);
    iommu_remedy(d, w, remedy);
  } else {
    fmt(detail,
        "%s%s%s. The IOMMU's address width W is unknown here (see `dmesg | grep -i 'address "
        "width'`); an IOMMU accepts IOVAs below 2^W only, and the guest's phys-bits put OVMF's "
        "64-bit MMIO window above that.",
        what, file ? " in " : "", file ? file : "");
    fmt(remedy,
        "QEMU:    -cpu host,host-phys-bits-limit=W   (W = the IOMMU address width, e.g. 39)\n"
        "libvirt: <cpu><maxphysaddr mode='passthrough' limit='W'/></cpu>");
  }
  add(c, "qemu.vfio_map_dma_einval", LG_DIAG_ERROR, title, detail, remedy);
}

/* Region size: the size the client maps, else the size QEMU was given. */
static bool region_size(const struct lg_diag *d, uint64_t *sz, const char **key)
{
  if (get_u(d, "region.size", sz) && *sz) {
    *key = "region.size";
    return true;
  }
  if (get_u(d, "qemu.mem.size", sz) && *sz) {
    *key = "qemu.mem.size";
    return true;
  }
  return false;
}

static void rule_region(struct ctx *c)
{
  struct lg_diag *d = c->d;
  char title[TEXT_MAX], detail[TEXT_MAX], remedy[TEXT_MAX];
  const char *path = lg_diag_get_str(d, "region.path");
  const char *type = lg_diag_get_str(d, "region.type");
  const char *user = lg_diag_get_str(d, "client.user");
  bool kvmfr_path = starts_with(path, "/dev/kvmfr");
  if (!user)
    user = "$USER";
  uint64_t sz = 0, qsz = 0;
  const char *szkey = NULL;
  bool have_sz = region_size(d, &sz, &szkey);
  uint64_t mib_hint = get_u(d, "qemu.mem.size", &qsz) && qsz >= MIB ? qsz / MIB
                      : have_sz && sz >= MIB                        ? sz / MIB
                                                                    : 32;

  if (path && type && strcmp(type, "missing") == 0) {
    fmt(title, "The shared-memory region %s does not exist", path);
    fmt(detail, "The client cannot open %s.", path);
    if (kvmfr_path)
      fmt(remedy, "sudo modprobe kvmfr static_size_mb=%" PRIu64, mib_hint);
    else
      fmt(remedy, "Start the VM first (QEMU creates %s), or pass the right path with -f.", path);
    add(c, "region.missing", LG_DIAG_ERROR, title, detail, remedy);
    return;
  }
  if (kvmfr_path && type && strcmp(type, "file") == 0) {
    fmt(title, "%s is a regular file, not the kvmfr device", path);
    fmt(detail,
        "QEMU created %s as a plain file because the VM started before the kvmfr module was "
        "loaded. The client then maps a file in /dev (RAM-backed tmpfs) instead of the module's "
        "memory and DMA-BUF import is impossible.",
        path);
    fmt(remedy,
        "Stop the VM, then:\nsudo rm %s\nsudo modprobe kvmfr static_size_mb=%" PRIu64
        "\nand start the VM again.",
        path, mib_hint);
    add(c, "region.kvmfr_regular_file", LG_DIAG_ERROR, title, detail, remedy);
  }

  bool access = true;
  if (path && lg_diag_get_bool(d, "region.access", &access) && !access) {
    uint64_t uid = 0, gid = 0, mode = 0;
    bool own = get_u(d, "region.uid", &uid) && get_u(d, "region.gid", &gid) &&
               get_u(d, "region.mode", &mode);
    const char *why = lg_diag_get_str(d, "region.access_error");
    fmt(title, "This user cannot open %s for reading and writing", path);
    if (own)
      fmt(detail,
          "%s is owned by uid %" PRIu64 ", gid %" PRIu64 " with mode 0%" PRIo64 " (%s). The "
          "client writes to the region (subscriptions, locks), so it needs O_RDWR.",
          path, uid, gid, mode & 07777, why ? why : "access denied");
    else
      fmt(detail, "Opening %s O_RDWR failed (%s). The client needs read and write access.", path,
          why ? why : "access denied");
    if (kvmfr_path)
      fmt(remedy,
          "Add /etc/udev/rules.d/99-kvmfr.rules:\n"
          "SUBSYSTEM==\"kvmfr\", OWNER=\"%s\", GROUP=\"kvm\", MODE=\"0660\"\n"
          "then: sudo udevadm control --reload && sudo udevadm trigger\n"
          "(now: sudo chown %s:kvm %s && sudo chmod 0660 %s)",
          user, user, path, path);
    else
      fmt(remedy, "sudo chown %s:kvm %s && sudo chmod 0660 %s", user, path, path);
    add(c, "region.no_access", LG_DIAG_ERROR, title, detail, remedy);
  }

  if (!have_sz)
    return;
  if (sz & (sz - 1)) {
    fmt(title, "The region size %" PRIu64 " bytes is not a power of two", sz);
    fmt(detail,
        "PCI BARs are a power of two in size, so IVSHMEM wastes or rejects the rest "
        "(size from %s).",
        src_of(d, szkey));
    uint64_t p = 1;
    while (p < sz / MIB && p < (UINT64_C(1) << 40))
      p <<= 1;
    fmt(remedy, "Use a power-of-two size in MiB, e.g. %" PRIu64 " MiB.", p);
    add(c, "region.size_not_pow2", LG_DIAG_WARNING, title, detail, remedy);
  }
  if (sz >= 2048 * MIB) {
    fmt(title, "The region is 2 GiB or larger (%" PRIu64 " MiB)", sz / MIB);
    fmt(detail, "B7 clients keep the region size in an int and B7 hosts truncate it to 32 "
                "bits; keep it under 2 GiB.");
    fmt(remedy, "Use at most 1024 MiB.");
    add(c, "region.over_2gib", LG_DIAG_WARNING, title, detail, remedy);
  }

  uint64_t w = 0, h = 0, bpp = 4;
  if (get_u(d, "client.frame.width", &w) && get_u(d, "client.frame.height", &h) && w && h &&
      w <= 65536 && h <= 65536) {
    get_u(d, "client.frame.bytes_per_pixel", &bpp);
    if (!bpp || bpp > 16)
      bpp = 4;
    uint64_t pitch = w * bpp;
    uint64_t need = lg_diag_region_need_bytes(h, pitch);
    uint64_t rec = lg_diag_recommended_region_mib(h, pitch);
    if (sz < need) {
      fmt(title, "The region (%" PRIu64 " MiB) is too small for %" PRIu64 "x%" PRIu64 " frames",
          sz / MIB, w, h);
      fmt(detail,
          "Two %" PRIu64 "x%" PRIu64 " frames at %" PRIu64 " bytes per pixel plus the LGMP "
          "header and cursor buffers need %" PRIu64 " bytes; the region has %" PRIu64
          " (%s). The host will cut frames short.",
          w, h, bpp, need, sz, src_of(d, szkey));
      if (kvmfr_path || starts_with(lg_diag_get_str(d, "qemu.mem.path"), "/dev/kvmfr"))
        fmt(remedy,
            "sudo modprobe -r kvmfr && sudo modprobe kvmfr static_size_mb=%" PRIu64 "\n"
            "QEMU: -object memory-backend-file,id=ivshmem,share=on,mem-path=/dev/kvmfr0,"
            "size=%" PRIu64 "M",
            rec, rec);
      else
        fmt(remedy,
            "libvirt: <shmem name='looking-glass'><model type='ivshmem-plain'/>"
            "<size unit='M'>%" PRIu64 "</size></shmem>\n"
            "QEMU: -object memory-backend-file,id=ivshmem,share=on,"
            "mem-path=/dev/shm/looking-glass,size=%" PRIu64 "M",
            rec, rec);
      add(c, "region.too_small", LG_DIAG_ERROR, title, detail, remedy);
    } else {
      fmt(title, "The region (%" PRIu64 " MiB) fits %" PRIu64 "x%" PRIu64 " frames", sz / MIB, w,
          h);
      fmt(detail, "Needs %" PRIu64 " bytes; B7 advises %" PRIu64 " MiB.", need, rec);
      add(c, "region.size_ok", LG_DIAG_OK, title, detail, NULL);
    }
  }
}

/* Entry `index` of a comma-separated MiB list such as "32,64"; false if absent. */
static bool list_entry(const char *list, unsigned index, uint64_t *out)
{
  const char *p = list;
  for (unsigned i = 0; i < index && p; ++i) {
    p = strchr(p, ',');
    if (p)
      ++p;
  }
  if (!p || *p < '0' || *p > '9')
    return false;
  char *e;
  unsigned long long v = strtoull(p, &e, 10);
  if (*e && *e != ',' && *e != '\n')
    return false;
  *out = v;
  return true;
}

static void rule_kvmfr_size(struct ctx *c)
{
  struct lg_diag *d = c->d;
  const char *mpath = lg_diag_get_str(d, "qemu.mem.path");
  const char *list = lg_diag_get_str(d, "host.kvmfr.static_size_mb");
  uint64_t qsz, kmib;
  if (!starts_with(mpath, "/dev/kvmfr") || !list || !get_u(d, "qemu.mem.size", &qsz))
    return;
  char *e;
  unsigned long idx = strtoul(mpath + 10, &e, 10);
  if (e == mpath + 10 || *e || idx > 9)
    return;
  if (!list_entry(list, (unsigned)idx, &kmib) || kmib > (UINT64_MAX / MIB) || kmib * MIB == qsz)
    return;
  char title[TEXT_MAX], detail[TEXT_MAX], remedy[TEXT_MAX];
  bool bigger = qsz > kmib * MIB;
  fmt(title, "kvmfr%lu is %" PRIu64 " MiB but QEMU maps %" PRIu64 " bytes (%" PRIu64 " MiB)", idx,
      kmib, qsz, qsz / MIB);
  fmt(detail,
      "The kvmfr module was loaded with static_size_mb=%s (%s) while QEMU's memory-backend-file "
      "for %s has size=%" PRIu64 " (%s). %s",
      list, src_of(d, "host.kvmfr.static_size_mb"), mpath, qsz, src_of(d, "qemu.mem.size"),
      bigger ? "QEMU cannot map more than the device holds, so the VM fails to start."
             : "The guest sees a smaller region than the device; the rest is wasted.");
  fmt(remedy,
      "Stop the VM, then: sudo modprobe -r kvmfr && sudo modprobe kvmfr static_size_mb=%" PRIu64
      "\n(or set QEMU's size=%" PRIu64 "M to match)",
      qsz / MIB, kmib);
  add(c, "kvmfr.size_mismatch", bigger ? LG_DIAG_ERROR : LG_DIAG_WARNING, title, detail, remedy);
}

static void rule_host_session(struct ctx *c)
{
  struct lg_diag *d = c->d;
  char title[TEXT_MAX], detail[TEXT_MAX], remedy[TEXT_MAX];
  uint64_t lv = LGMP_VERSION_WANT, kv = KVMFR_VERSION_WANT, age;
  bool have_l = get_u(d, "lgmp.version", &lv), have_k = get_u(d, "kvmfr.version", &kv);
  if ((have_l && lv != LGMP_VERSION_WANT) || (have_k && kv != KVMFR_VERSION_WANT)) {
    const char *hostver = lg_diag_get_str(d, "guest.lg.hostver");
    char lvs[24] = "unknown", kvs[24] = "unknown";
    if (have_l)
      snprintf(lvs, sizeof(lvs), "%" PRIu64, lv);
    if (have_k)
      snprintf(kvs, sizeof(kvs), "%" PRIu64, kv);
    fmt(title, "Incompatible host: LGMP %s / KVMFR %s, this client needs LGMP %u / KVMFR %u", lvs,
        kvs, LGMP_VERSION_WANT, KVMFR_VERSION_WANT);
    fmt(detail,
        "The looking-glass-host in the guest%s%s%s speaks LGMP version %s and KVMFR version %s; "
        "this client speaks LGMP %u and KVMFR %u (Looking Glass B7) and will not start a "
        "session.",
        hostver ? " (" : "", hostver ? hostver : "", hostver ? ")" : "", lvs, kvs,
        LGMP_VERSION_WANT, KVMFR_VERSION_WANT);
    fmt(remedy,
        "Install a looking-glass-host release matching B7 (LGMP %u, KVMFR %u) in the guest, "
        "e.g. this fork's host or the B7 host, or a client matching the host's version.",
        LGMP_VERSION_WANT, KVMFR_VERSION_WANT);
    add(c, "host.version_mismatch", LG_DIAG_ERROR, title, detail, remedy);
  }
  if (get_u(d, "lgmp.heartbeat_age_ms", &age)) {
    if (age > HEARTBEAT_STALE_MS) {
      fmt(title, "The Looking Glass host is not running (heartbeat %" PRIu64 " ms old)", age);
      fmt(detail,
          "The LGMP heartbeat in the region has not moved for %" PRIu64 " ms (limit %u ms): "
          "looking-glass-host in the guest is stopped, paused or not installed, or the VM "
          "is paused.",
          age, HEARTBEAT_STALE_MS);
      fmt(remedy, "Start looking-glass-host in the guest (on Windows, the \"Looking Glass "
                  "(host)\" service) and check its log.");
      add(c, "host.not_running", LG_DIAG_ERROR, title, detail, remedy);
    } else {
      fmt(title, "The Looking Glass host is running (heartbeat %" PRIu64 " ms old)", age);
      add(c, "host.running", LG_DIAG_OK, title, NULL, NULL);
    }
  }
}

static void rule_client(struct ctx *c)
{
  struct lg_diag *d = c->d;
  char title[TEXT_MAX], detail[TEXT_MAX], remedy[TEXT_MAX];
  bool b;
  if (lg_diag_get_bool(d, "client.dmabuf", &b) && !b) {
    const char *why = lg_diag_get_str(d, "client.dmabuf.reason");
    const char *path = lg_diag_get_str(d, "region.path");
    fmt(title, "DMA-BUF import is unavailable%s%s", why ? ": " : "", why ? why : "");
    fmt(detail, "Frames are copied to the GPU instead of imported; this costs CPU time and "
                "latency but works.");
    if (path && !starts_with(path, "/dev/kvmfr"))
      fmt(remedy, "Use the kvmfr module: sudo modprobe kvmfr static_size_mb=32, point QEMU's "
                  "memory-backend-file at /dev/kvmfr0 and start the client with -f "
                  "/dev/kvmfr0.");
    else
      remedy[0] = '\0';
    add(c, "client.dmabuf_unavailable", LG_DIAG_INFO, title, detail, remedy);
  }
  if (lg_diag_get_bool(d, "client.hypervisor", &b) && b) {
    const char *sig = lg_diag_get_str(d, "client.hypervisor.signature");
    fmt(title, "The client runs inside a virtual machine%s%s%s (nested virtualization)",
        sig ? " (" : "", sig ? sig : "", sig ? ")" : "");
    fmt(detail, "CPUID reports a hypervisor. Shared memory between a nested guest and this "
                "client is not a supported setup; timings and DMA-BUF may not work.");
    fmt(remedy, "Run looking-glass-client on the physical machine that runs the VM.");
    add(c, "client.nested", LG_DIAG_WARNING, title, detail, remedy);
  }
}

static const char *map_stage_name(uint64_t s)
{
  static const char *const names[] = {"none",       "enumerate", "open",
                                      "size query", "map",       "GPU heap import"};
  return s < 6 ? names[s] : "other";
}

static void rule_guest_map(struct ctx *c)
{
  struct lg_diag *d = c->d;
  uint64_t stage, err = 0;
  if (!get_u(d, "guest.map.stage", &stage) || stage == 0)
    return;
  get_u(d, "guest.map.error", &err);
  char title[TEXT_MAX], detail[TEXT_MAX];
  fmt(title, "The guest had trouble mapping IVSHMEM (stage: %s, error 0x%" PRIx64 ")",
      map_stage_name(stage), err);
  fmt(detail, "looking-glass-host reported a failure it survived at the %s stage (%s).",
      map_stage_name(stage), src_of(d, "guest.map.stage"));
  add(c, "guest.map_failed", LG_DIAG_WARNING, title, detail,
      "Check the IVSHMEM driver in the guest and looking-glass-host's log.");
}

size_t lg_diag_run_rules(struct lg_diag *d)
{
  struct ctx c = {.d = d, .added = 0};
  rule_qemu_log(&c);
  rule_bar_vs_iommu(&c);
  rule_guest_physbits(&c);
  rule_region(&c);
  rule_kvmfr_size(&c);
  rule_host_session(&c);
  rule_client(&c);
  rule_guest_map(&c);
  return c.added;
}
