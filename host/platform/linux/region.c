/* Linux region opening (file, kvmfr device, ivshmem sysfs BAR) and guest facts. */
#include "../region.h"
#include "../region_priv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lg/cpuinfo.h"
#include "lg/log.h"

static_assert(LG_REGION_ERR_TOO_SMALL == EMSGSIZE, "too-small code is EMSGSIZE");

#define PCI_DEVICES "sys/bus/pci/devices"

/* Joins root and a relative path; false if it does not fit. */
static bool join_path(char *out, size_t size, const char *root, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool join_path(char *out, size_t size, const char *root, const char *fmt, ...)
{
  if (!root || !*root)
    root = "/";
  size_t rl = strlen(root);
  int n = snprintf(out, size, "%s%s", root, root[rl - 1] == '/' ? "" : "/");
  if (n < 0 || (size_t)n >= size)
    return false;
  va_list ap;
  va_start(ap, fmt);
  int m = vsnprintf(out + n, size - (size_t)n, fmt, ap);
  va_end(ap);
  return m >= 0 && (size_t)m < size - (size_t)n;
}

/* Reads a small text file into buf (NUL-terminated); false on error. */
static bool read_small(const char *path, char *buf, size_t size)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  ssize_t n = read(fd, buf, size - 1);
  int e = errno;
  close(fd);
  if (n < 0) {
    errno = e;
    return false;
  }
  buf[n] = '\0';
  return true;
}

static bool read_hex_id(const char *root, const char *bdf, const char *file, unsigned long *out)
{
  char path[1024], buf[32];
  if (!join_path(path, sizeof(path), root, PCI_DEVICES "/%s/%s", bdf, file) ||
      !read_small(path, buf, sizeof(buf)))
    return false;
  char *end;
  errno = 0;
  *out = strtoul(buf, &end, 16);
  return errno == 0 && end != buf;
}

/* Parses exactly `min`..`max` hex digits at *s; advances *s. */
static int cmp_dev(const void *a, const void *b)
{
  const struct lg_ivshmem_dev *x = a, *y = b;
  return x->key < y->key ? -1 : x->key > y->key ? 1 : 0;
}

#define ENUM_MAX 64

int lg_ivshmem_enumerate(const char *root, struct lg_ivshmem_dev *out, size_t max)
{
  char path[1024];
  if (!join_path(path, sizeof(path), root, PCI_DEVICES)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  DIR *d = opendir(path);
  if (!d)
    return -1;
  struct lg_ivshmem_dev all[ENUM_MAX];
  size_t n = 0;
  int total = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    uint64_t key;
    unsigned long vendor, device;
    if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof(all[0].bdf) ||
        !lg_pci_bdf_key(e->d_name, &key))
      continue;
    if (!read_hex_id(root, e->d_name, "vendor", &vendor) ||
        !read_hex_id(root, e->d_name, "device", &device) || vendor != LG_IVSHMEM_VENDOR ||
        device != LG_IVSHMEM_DEVICE)
      continue;
    ++total;
    if (n < ENUM_MAX) {
      lg_region_copy_str(all[n].bdf, sizeof(all[n].bdf), e->d_name);
      all[n].key = key;
      ++n;
    }
  }
  closedir(d);
  qsort(all, n, sizeof(all[0]), cmp_dev);
  for (size_t i = 0; i < n && i < max; ++i)
    out[i] = all[i];
  return total;
}

bool lg_ivshmem_bar2(const char *root, const char *bdf, uint64_t *addr, uint64_t *size)
{
  char path[1024], buf[2048];
  if (!join_path(path, sizeof(path), root, PCI_DEVICES "/%s/resource", bdf) ||
      !read_small(path, buf, sizeof(buf)))
    return false;
  char *line = buf;
  for (int i = 0; i < 2; ++i) {
    line = strchr(line, '\n');
    if (!line)
      return false;
    ++line;
  }
  char *end;
  errno = 0;
  uint64_t start = strtoull(line, &end, 16);
  if (errno || end == line)
    return false;
  char *p = end;
  uint64_t last = strtoull(p, &end, 16);
  if (errno || end == p || (start == 0 && last == 0) || last < start)
    return false;
  *addr = start;
  *size = last - start + 1;
  return true;
}

bool lg_guest_facts_read_bar(struct lg_guest_facts *facts, const char *root, unsigned device)
{
  struct lg_ivshmem_dev devs[16];
  int n = lg_ivshmem_enumerate(root, devs, 16);
  facts->ivshmem_count = n > 0 ? (unsigned)n : 0;
  if (n <= 0 || device >= (unsigned)n || device >= 16)
    return false;
  lg_region_copy_str(facts->bdf, sizeof(facts->bdf), devs[device].bdf);
  uint64_t addr, size;
  if (!lg_ivshmem_bar2(root, devs[device].bdf, &addr, &size))
    return false;
  facts->bar_addr = addr;
  facts->bar_size = size;
  facts->valid |= LGDIAG_VALID_BAR_ADDR | LGDIAG_VALID_BAR_SIZE;
  return true;
}

/* Records the failure, logs it once (at the caller's line) and leaves the region closed. */
static bool fail_at(int line, struct lg_region *r, struct lg_guest_facts *facts, uint8_t stage,
                    int err, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#define fail(...) fail_at(__LINE__, __VA_ARGS__)

static bool fail_at(int line, struct lg_region *r, struct lg_guest_facts *facts, uint8_t stage,
                    int err, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->message, sizeof(r->message), fmt, ap);
  va_end(ap);
  if (r->mem && r->mem != MAP_FAILED)
    munmap(r->mem, r->size);
  if (r->fd >= 0)
    close(r->fd);
  r->mem = NULL;
  r->fd = -1;
  r->size = 0;
  r->fail_stage = stage;
  r->fail_errno = err;
  lg_log(LG_LOG_ERROR, __FILE__, line, "%s", r->message);
  lg_guest_facts_add_failure(facts, stage, (uint32_t)err, r->message);
  return false;
}

static bool is_read_only_errno(int e) { return e == EACCES || e == EROFS || e == EPERM; }

/* Resolves the ivshmem device's resource2 path and BAR size. */
static bool pick_ivshmem(const struct lg_region_params *p, struct lg_region *r,
                         struct lg_guest_facts *facts, uint64_t *bar_size)
{
  struct lg_ivshmem_dev devs[16];
  int n = lg_ivshmem_enumerate(p->root, devs, 16);
  if (n < 0)
    return fail(r, facts, LGDIAG_STAGE_ENUMERATE, errno,
                "region: cannot list PCI devices under '%s': %s", p->root ? p->root : "/",
                strerror(errno));
  if (n == 0)
    return fail(r, facts, LGDIAG_STAGE_ENUMERATE, ENODEV,
                "region: no IVSHMEM device (PCI 1af4:1110) found; add an ivshmem-plain device "
                "to the VM or give a file with -f");
  if (p->device >= (unsigned)n || p->device >= 16)
    return fail(r, facts, LGDIAG_STAGE_ENUMERATE, ENODEV,
                "region: os:shmDevice=%u but only %d IVSHMEM device(s) exist", p->device, n);
  if (!join_path(r->path, sizeof(r->path), p->root, PCI_DEVICES "/%s/resource2",
                 devs[p->device].bdf))
    return fail(r, facts, LGDIAG_STAGE_ENUMERATE, ENAMETOOLONG, "region: sysfs path too long");
  uint64_t addr = 0;
  *bar_size = 0;
  if (lg_ivshmem_bar2(p->root, devs[p->device].bdf, &addr, bar_size))
    LG_INFO("region: IVSHMEM %s (%u of %d), BAR2 at 0x%" PRIx64 ", %" PRIu64 " MiB",
            devs[p->device].bdf, p->device, n, addr, *bar_size >> 20);
  return true;
}

bool lg_region_open(const struct lg_region_params *p, struct lg_region *r,
                    struct lg_guest_facts *facts)
{
  memset(r, 0, sizeof(*r));
  r->fd = -1;
  uint64_t bar_size = 0;
  if (p->path && *p->path) {
    if (strlen(p->path) >= sizeof(r->path))
      return fail(r, facts, LGDIAG_STAGE_OPEN, ENAMETOOLONG, "region: path too long");
    lg_region_copy_str(r->path, sizeof(r->path), p->path);
    r->kind = LG_REGION_FILE;
  } else {
    r->kind = LG_REGION_IVSHMEM;
    if (!pick_ivshmem(p, r, facts, &bar_size))
      return false;
  }

  struct stat st;
  if (stat(r->path, &st) != 0)
    return fail(r, facts, LGDIAG_STAGE_OPEN, errno, "region: '%s' %s", r->path,
                errno == ENOENT ? "does not exist" : strerror(errno));
  if (S_ISDIR(st.st_mode))
    return fail(r, facts, LGDIAG_STAGE_OPEN, EISDIR,
                "region: '%s' is a directory, not a shared-memory file or device", r->path);
  if (S_ISCHR(st.st_mode) && r->kind == LG_REGION_FILE)
    r->kind = LG_REGION_KVMFR;

  r->fd = open(r->path, (p->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
  if (r->fd < 0) {
    int e = errno;
    if (is_read_only_errno(e) && !p->read_only)
      return fail(r, facts, LGDIAG_STAGE_OPEN, e,
                  "region: '%s' cannot be opened read-write (%s); the host writes the region, "
                  "fix its permissions or mount",
                  r->path, strerror(e));
    return fail(r, facts, LGDIAG_STAGE_OPEN, e, "region: cannot open '%s': %s", r->path,
                strerror(e));
  }

  uint64_t size;
  if (r->kind == LG_REGION_KVMFR) {
    long s = ioctl(r->fd, LG_KVMFR_DMABUF_GETSIZE, 0);
    if (s < 0)
      return fail(r, facts, LGDIAG_STAGE_SIZE, errno,
                  "region: '%s' is not a kvmfr device (size ioctl: %s)", r->path, strerror(errno));
    size = (uint64_t)s;
  } else {
    if (fstat(r->fd, &st) != 0)
      return fail(r, facts, LGDIAG_STAGE_SIZE, errno, "region: fstat '%s': %s", r->path,
                  strerror(errno));
    size = (uint64_t)st.st_size;
    if (r->kind == LG_REGION_IVSHMEM && bar_size) {
      if (size == 0 || size > bar_size)
        size = bar_size;
      else if (size < bar_size)
        LG_WARN("region: '%s' is %" PRIu64 " bytes, BAR2 is %" PRIu64 "; using the smaller",
                r->path, size, bar_size);
    }
  }
  if (size < p->min_size)
    return fail(r, facts, LGDIAG_STAGE_SIZE, EMSGSIZE,
                "region: '%s' is too small: %" PRIu64 " bytes, the host needs at least %zu",
                r->path, size, p->min_size);
#if SIZE_MAX < UINT64_MAX
  if (size > SIZE_MAX)
    return fail(r, facts, LGDIAG_STAGE_SIZE, EFBIG, "region: '%s' is too large", r->path);
#endif

  r->size = (size_t)size;
  int prot = p->read_only ? PROT_READ : PROT_READ | PROT_WRITE;
  r->mem = mmap(NULL, r->size, prot, MAP_SHARED, r->fd, 0);
  if (r->mem == MAP_FAILED) {
    int e = errno;
    r->mem = NULL;
    return fail(r, facts, LGDIAG_STAGE_MAP, e, "region: cannot map %zu bytes of '%s': %s", r->size,
                r->path, strerror(e));
  }
  r->fail_stage = LGDIAG_STAGE_NONE;
  if (facts)
    facts->valid |= LGDIAG_VALID_MAP;
  LG_INFO("region: %s '%s', %zu bytes (%zu MiB) mapped%s", lg_region_kind_name(r->kind), r->path,
          r->size, r->size >> 20, p->read_only ? " read-only" : "");
  return true;
}

void lg_region_close(struct lg_region *r)
{
  if (r->mem)
    munmap(r->mem, r->size);
  if (r->fd >= 0)
    close(r->fd);
  r->mem = NULL;
  r->fd = -1;
  r->size = 0;
}
