/* Windows region opening (a file mapping, or the IVSHMEM device through the virtio-win driver)
 * and guest facts (BAR2 through the Configuration Manager, CPUID).
 *
 * lg_region.fd holds the Win32 handle that keeps the region alive (the file, or the device
 * whose handle owns the driver mapping) as HandleToLong(); -1 when closed. The `root` of the
 * parameters is a Linux sysfs root and is ignored here. */
#include "../region.h"
#include "../region_priv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <windows.h>

#include "ivshmem_win.h"
#include "lg/cpuinfo.h"
#include "lg/log.h"
#include "win_bar.h"

/* One line saying what to install, used when no IVSHMEM interface is present. */
#define NO_DEVICE_HINT                                                                             \
  "install the virtio-win IVSHMEM driver (ivshmem.inf from the virtio-win drivers) and give "      \
  "the VM an ivshmem-plain device, or give a file with -f"

/* Parses exactly min..max hex digits at *s; advances *s. */
#define DEV_MAX 16

/* STATUS_DEVICE_ALREADY_ATTACHED as a Win32 code (missing from mingw-w64 headers). */
#ifndef ERROR_DEVICE_ALREADY_ATTACHED
#define ERROR_DEVICE_ALREADY_ATTACHED 548
#endif

int lg_ivshmem_enumerate(const char *root, struct lg_ivshmem_dev *out, size_t max)
{
  struct lg_win_ivshmem_dev devs[DEV_MAX];
  uint32_t err = 0;
  int n = lg_win_ivshmem_enumerate(devs, DEV_MAX, &err);
  if (n < 0) {
    errno = EIO;
    return -1;
  }
  for (size_t i = 0; i < (size_t)n && i < DEV_MAX && i < max; ++i) {
    lg_region_copy_str(out[i].bdf, sizeof(out[i].bdf), devs[i].name);
    out[i].key = devs[i].key;
  }
  return n;
}

/* Asks the driver for the BAR2 length without mapping (the service may probe this way). */
static bool probe_size(const struct lg_win_ivshmem_dev *d, uint64_t *size)
{
  if (!d->path[0])
    return false;
  HANDLE h = lg_win_ivshmem_open(d->path);
  if (h == INVALID_HANDLE_VALUE)
    return false;
  uint32_t err = 0;
  bool ok = lg_win_ivshmem_size(h, size, &err);
  CloseHandle(h);
  return ok;
}

/* BAR2 of one device from the Configuration Manager; false (and one log line) if unknown. */
static bool query_bar2(const struct lg_win_ivshmem_dev *d, uint64_t *addr, uint64_t *size)
{
  if (lg_win_is_wine()) {
    LG_INFO("region: running under wine; BAR2 address not queried (CM_* calls abort there)");
    return false;
  }
  uint64_t want = 0;
  if (!probe_size(d, &want))
    want = 0;
  struct lg_bar_query q;
  if (!lg_cm_read_mem_ranges(lg_cm_ops_system(), d->devinst, &q)) {
    LG_WARN("region: IVSHMEM %s: no resource list from the Configuration Manager (%s, 0x%02" PRIx32
            ")",
            d->name, lg_cm_cr_name(q.cr), q.cr);
    return false;
  }
  if (!lg_bar2_pick(&q, want)) {
    LG_WARN("region: IVSHMEM %s: BAR2 is ambiguous (%" PRIu64 " memory ranges, driver size %" PRIu64
            ")",
            d->name, (uint64_t)q.count, want);
    for (size_t i = 0; i < q.count; ++i)
      LG_WARN("region:   range %" PRIu64 ": 0x%" PRIx64 ", %" PRIu64 " bytes, flags 0x%" PRIx32,
              (uint64_t)i, q.ranges[i].base, q.ranges[i].size, q.ranges[i].flags);
    return false;
  }
  *addr = q.ranges[q.chosen].base;
  *size = q.ranges[q.chosen].size;
  if (q.log_conf == LG_CM_BOOT_LOG_CONF)
    LG_INFO("region: IVSHMEM %s: BAR2 from the boot configuration (device not started?)", d->name);
  return true;
}

bool lg_ivshmem_bar2(const char *root, const char *bdf, uint64_t *addr, uint64_t *size)
{
  struct lg_win_ivshmem_dev devs[DEV_MAX];
  uint32_t err = 0;
  int n = lg_win_ivshmem_enumerate(devs, DEV_MAX, &err);
  for (int i = 0; i < n && i < DEV_MAX; ++i)
    if (strcmp(devs[i].name, bdf) == 0)
      return query_bar2(&devs[i], addr, size);
  return false;
}

bool lg_guest_facts_read_bar(struct lg_guest_facts *facts, const char *root, unsigned device)
{
  struct lg_win_ivshmem_dev devs[DEV_MAX];
  uint32_t err = 0;
  int n = lg_win_ivshmem_enumerate(devs, DEV_MAX, &err);
  facts->ivshmem_count = n > 0 ? (unsigned)n : 0;
  if (n <= 0 || device >= (unsigned)n || device >= DEV_MAX)
    return false;
  lg_region_copy_str(facts->bdf, sizeof(facts->bdf), devs[device].name);
  uint64_t addr, size;
  if (!query_bar2(&devs[device], &addr, &size))
    return false;
  facts->bar_addr = addr;
  facts->bar_size = size;
  facts->valid |= LGDIAG_VALID_BAR_ADDR | LGDIAG_VALID_BAR_SIZE;
  return true;
}

static HANDLE region_handle(const struct lg_region *r) { return LongToHandle(r->fd); }

/* Releases whatever `r` holds and marks it closed. */
static void release(struct lg_region *r)
{
  HANDLE h = region_handle(r);
  if (r->mem) {
    if (r->kind == LG_REGION_IVSHMEM) {
      uint32_t err = 0;
      if (!lg_win_ivshmem_unmap(h, &err))
        LG_WARN("region: IVSHMEM release failed (Win32 error %" PRIu32 ")", err);
    } else {
      UnmapViewOfFile(r->mem);
    }
  }
  if (r->fd != -1)
    CloseHandle(h);
  r->mem = NULL;
  r->fd = -1;
  r->size = 0;
}

/* Records the failure, logs it once (at the caller's line) and leaves the region closed. The
 * message gets the Win32 error text appended unless err is LG_REGION_ERR_TOO_SMALL. */
static bool fail_at(int line, struct lg_region *r, struct lg_guest_facts *facts, uint8_t stage,
                    uint32_t err, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#define fail(...) fail_at(__LINE__, __VA_ARGS__)

static bool fail_at(int line, struct lg_region *r, struct lg_guest_facts *facts, uint8_t stage,
                    uint32_t err, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(r->message, sizeof(r->message), fmt, ap);
  va_end(ap);
  if (err != LG_REGION_ERR_TOO_SMALL && n >= 0 && (size_t)n < sizeof(r->message)) {
    char text[160];
    snprintf(r->message + n, sizeof(r->message) - (size_t)n, " (%s)",
             lg_win_error_text(err, text, sizeof(text)));
  }
  release(r);
  r->fail_stage = stage;
  r->fail_errno = (int)err;
  lg_log(LG_LOG_ERROR, __FILE__, line, "%s", r->message);
  lg_guest_facts_add_failure(facts, stage, err, r->message);
  return false;
}

static bool open_file(const struct lg_region_params *p, struct lg_region *r,
                      struct lg_guest_facts *facts)
{
  DWORD attrs = GetFileAttributesA(r->path);
  if (attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_DIRECTORY))
    return fail(r, facts, LGDIAG_STAGE_OPEN, ERROR_DIRECTORY,
                "region: '%s' is a directory, not a shared-memory file", r->path);
  DWORD access = p->read_only ? GENERIC_READ : GENERIC_READ | GENERIC_WRITE;
  HANDLE h = CreateFileA(r->path, access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                         NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
  if (h == INVALID_HANDLE_VALUE) {
    DWORD e = GetLastError();
    if (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND)
      return fail(r, facts, LGDIAG_STAGE_OPEN, e, "region: '%s' does not exist", r->path);
    if (e == ERROR_ACCESS_DENIED && !p->read_only)
      return fail(r, facts, LGDIAG_STAGE_OPEN, e,
                  "region: '%s' cannot be opened read-write; the host writes the region, fix "
                  "its permissions",
                  r->path);
    return fail(r, facts, LGDIAG_STAGE_OPEN, e, "region: cannot open '%s'", r->path);
  }
  r->fd = HandleToLong(h);

  LARGE_INTEGER li;
  if (!GetFileSizeEx(h, &li))
    return fail(r, facts, LGDIAG_STAGE_SIZE, GetLastError(), "region: cannot read the size of '%s'",
                r->path);
  uint64_t size = (uint64_t)li.QuadPart;
  if (size < p->min_size)
    return fail(r, facts, LGDIAG_STAGE_SIZE, LG_REGION_ERR_TOO_SMALL,
                "region: '%s' is too small: %" PRIu64 " bytes, the host needs at least %" PRIu64,
                r->path, size, (uint64_t)p->min_size);
  if (size == 0)
    return fail(r, facts, LGDIAG_STAGE_SIZE, ERROR_FILE_INVALID,
                "region: '%s' is empty and cannot be mapped", r->path);
  if (size > SIZE_MAX)
    return fail(r, facts, LGDIAG_STAGE_SIZE, ERROR_ARITHMETIC_OVERFLOW, "region: '%s' is too large",
                r->path);
  r->size = (size_t)size;

  HANDLE map =
      CreateFileMappingA(h, NULL, p->read_only ? PAGE_READONLY : PAGE_READWRITE, 0, 0, NULL);
  if (!map)
    return fail(r, facts, LGDIAG_STAGE_MAP, GetLastError(),
                "region: cannot create a mapping of '%s'", r->path);
  /* The view keeps the mapping object alive; its handle is not needed afterwards. */
  r->mem = MapViewOfFile(map, p->read_only ? FILE_MAP_READ : FILE_MAP_WRITE, 0, 0, r->size);
  DWORD e = GetLastError();
  CloseHandle(map);
  if (!r->mem)
    return fail(r, facts, LGDIAG_STAGE_MAP, e, "region: cannot map %" PRIu64 " bytes of '%s'",
                (uint64_t)r->size, r->path);
  return true;
}

static bool open_ivshmem(const struct lg_region_params *p, struct lg_region *r,
                         struct lg_guest_facts *facts)
{
  struct lg_win_ivshmem_dev devs[DEV_MAX];
  uint32_t err = 0;
  int n = lg_win_ivshmem_enumerate(devs, DEV_MAX, &err);
  if (facts)
    facts->ivshmem_count = n > 0 ? (unsigned)n : 0;
  if (n < 0)
    return fail(r, facts, LGDIAG_STAGE_ENUMERATE, err,
                "region: cannot list IVSHMEM devices (SetupAPI failed)");
  if (n == 0) {
    uint32_t problem = 0;
    if (lg_win_ivshmem_find_driverless(&problem))
      return fail(r, facts, LGDIAG_STAGE_ENUMERATE, ERROR_NO_MORE_ITEMS,
                  "region: the IVSHMEM PCI device (1af4:1110) has no driver (device manager "
                  "problem code %" PRIu32 "): install the virtio-win IVSHMEM driver",
                  problem);
    return fail(r, facts, LGDIAG_STAGE_ENUMERATE, ERROR_NO_MORE_ITEMS,
                "region: no IVSHMEM device found: " NO_DEVICE_HINT);
  }
  if (p->device >= (unsigned)n || p->device >= DEV_MAX)
    return fail(r, facts, LGDIAG_STAGE_ENUMERATE, ERROR_DEV_NOT_EXIST,
                "region: os:shmDevice=%u but only %d IVSHMEM device(s) exist", p->device, n);
  const struct lg_win_ivshmem_dev *d = &devs[p->device];
  if (facts)
    lg_region_copy_str(facts->bdf, sizeof(facts->bdf), d->name);
  if (!d->path[0])
    return fail(r, facts, LGDIAG_STAGE_ENUMERATE, ERROR_INVALID_DATA,
                "region: IVSHMEM %s has no readable interface path", d->name);
  lg_region_copy_str(r->path, sizeof(r->path), d->path);

  HANDLE h = lg_win_ivshmem_open(d->path);
  if (h == INVALID_HANDLE_VALUE)
    return fail(r, facts, LGDIAG_STAGE_OPEN, GetLastError(), "region: cannot open IVSHMEM %s",
                d->name);
  r->fd = HandleToLong(h);

  uint64_t size = 0;
  if (!lg_win_ivshmem_size(h, &size, &err))
    return fail(r, facts, LGDIAG_STAGE_SIZE, err, "region: IVSHMEM %s: size request failed%s",
                d->name, err == ERROR_NOT_READY ? " (the device has no memory yet)" : "");
  if (size == 0)
    return fail(r, facts, LGDIAG_STAGE_SIZE, ERROR_INVALID_DATA,
                "region: IVSHMEM %s reports size 0 (the driver ignores a BAR2 of 4 GiB or more; "
                "use a smaller region)",
                d->name);
  if (size < p->min_size)
    return fail(r, facts, LGDIAG_STAGE_SIZE, LG_REGION_ERR_TOO_SMALL,
                "region: IVSHMEM %s is too small: %" PRIu64
                " bytes, the host needs at least %" PRIu64,
                d->name, size, (uint64_t)p->min_size);

  struct lg_ivshmem_mmap m;
  if (!lg_win_ivshmem_map(h, LG_IVSHMEM_CACHE_WRITECOMBINED, &m, &err))
    return fail(r, facts, LGDIAG_STAGE_MAP, err, "region: IVSHMEM %s: map request failed%s",
                d->name,
                err == ERROR_DEVICE_ALREADY_ATTACHED
                    ? " (another process has it mapped; only one mapping per device)"
                    : "");
  r->mem = m.ptr;
  r->size = (size_t)(m.size < size ? m.size : size);
  if (m.size != size)
    LG_WARN("region: IVSHMEM %s mapped %" PRIu64 " bytes of %" PRIu64, d->name, m.size, size);
  if (r->size < p->min_size)
    return fail(r, facts, LGDIAG_STAGE_MAP, LG_REGION_ERR_TOO_SMALL,
                "region: IVSHMEM %s mapping is too small: %" PRIu64 " bytes", d->name,
                (uint64_t)r->size);
  if (p->read_only)
    LG_INFO("region: the IVSHMEM driver maps read-write; nothing will be written");
  return true;
}

bool lg_region_open(const struct lg_region_params *p, struct lg_region *r,
                    struct lg_guest_facts *facts)
{
  memset(r, 0, sizeof(*r));
  r->fd = -1;
  bool ok;
  if (p->path && *p->path) {
    r->kind = LG_REGION_FILE;
    if (strlen(p->path) >= sizeof(r->path))
      return fail(r, facts, LGDIAG_STAGE_OPEN, ERROR_FILENAME_EXCED_RANGE, "region: path too long");
    lg_region_copy_str(r->path, sizeof(r->path), p->path);
    ok = open_file(p, r, facts);
  } else {
    r->kind = LG_REGION_IVSHMEM;
    ok = open_ivshmem(p, r, facts);
  }
  if (!ok)
    return false;
  r->fail_stage = LGDIAG_STAGE_NONE;
  if (facts)
    facts->valid |= LGDIAG_VALID_MAP;
  LG_INFO("region: %s '%s', %" PRIu64 " bytes (%" PRIu64 " MiB) mapped%s",
          lg_region_kind_name(r->kind), r->path, (uint64_t)r->size, (uint64_t)r->size >> 20,
          p->read_only ? " read-only" : "");
  return true;
}

void lg_region_close(struct lg_region *r) { release(r); }
