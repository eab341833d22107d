/* Opening and mapping the shared-memory region; see region.h. */
#include "region.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define KVMFR_DMABUF_GETSIZE 0x7544u /* _IO('u', 0x44), spec §4.2 */
#define REGION_MIN_SIZE 5760u        /* sizeof(LGMPHeader), spec §2.1 */

static void put(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void put(char *buf, size_t cap, const char *fmt, ...)
{
  if (!buf || cap == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, cap, fmt, ap);
  va_end(ap);
}

static bool is_kvmfr_path(const char *path) { return strncmp(path, "/dev/kvmfr", 10) == 0; }

static enum region_error classify_errno(int err, const char *path, char *msg, size_t msg_cap,
                                        char *remedy, size_t remedy_cap)
{
  switch (err) {
  case ENOENT:
    put(msg, msg_cap, "Cannot open %s: no such file", path);
    if (is_kvmfr_path(path))
      put(remedy, remedy_cap,
          "Load the kvmfr module (modprobe kvmfr static_size_mb=...) and check the path (-f)");
    else
      put(remedy, remedy_cap, "Is the VM running? Is the path right (-f / app:shmFile)?");
    return REGION_MISSING;
  case EACCES:
  case EPERM:
  case EROFS:
    put(msg, msg_cap, "Cannot open %s: permission denied", path);
    if (is_kvmfr_path(path))
      put(remedy, remedy_cap,
          "The client needs read and write access: add a udev rule giving your user the "
          "device (e.g. OWNER=\"you\" MODE=\"0660\")");
    else
      put(remedy, remedy_cap,
          "The client needs read and write access: chown the file to your user or make it "
          "group-writable for your group");
    return REGION_PERMISSION;
  case EISDIR:
    put(msg, msg_cap, "Cannot open %s: it is a directory", path);
    put(remedy, remedy_cap, "Point -f / app:shmFile at the shared-memory file itself");
    return REGION_IS_DIRECTORY;
  default:
    put(msg, msg_cap, "Cannot open %s: %s", path, strerror(err));
    put(remedy, remedy_cap, "Check the path given with -f / app:shmFile");
    return REGION_OTHER;
  }
}

enum region_error region_open(struct region *out, const char *path, char *msg, size_t msg_cap,
                              char *remedy, size_t remedy_cap)
{
  memset(out, 0, sizeof(*out));
  out->fd = -1;
  put(msg, msg_cap, "%s", "");
  put(remedy, remedy_cap, "%s", "");
  if (!path || !*path) {
    put(msg, msg_cap, "No shared-memory file given");
    put(remedy, remedy_cap, "Set -f / app:shmFile");
    return REGION_OTHER;
  }
  snprintf(out->path, sizeof(out->path), "%s", path);

  struct stat st;
  if (stat(path, &st) != 0)
    return classify_errno(errno, path, msg, msg_cap, remedy, remedy_cap);
  if (S_ISDIR(st.st_mode))
    return classify_errno(EISDIR, path, msg, msg_cap, remedy, remedy_cap);
  if (is_kvmfr_path(path) && S_ISREG(st.st_mode)) {
    put(msg, msg_cap, "%s is a regular file, not the kvmfr device", path);
    put(remedy, remedy_cap,
        "The VM was started before the kvmfr module was loaded and QEMU created a plain file: "
        "stop the VM, delete %s, load kvmfr, then start the VM",
        path);
    return REGION_NOT_DEVICE;
  }
  if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) {
    put(msg, msg_cap, "%s is neither a file nor a kvmfr device", path);
    put(remedy, remedy_cap, "Point -f / app:shmFile at /dev/shm/<name> or /dev/kvmfrN");
    return REGION_BAD_TYPE;
  }

  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return classify_errno(errno, path, msg, msg_cap, remedy, remedy_cap);

  uint64_t size = 0;
  if (S_ISCHR(st.st_mode)) {
    int ret = ioctl(fd, KVMFR_DMABUF_GETSIZE, 0);
    if (ret < 0) {
      int err = errno;
      close(fd);
      put(msg, msg_cap, "%s: the kvmfr size request failed: %s", path, strerror(err));
      put(remedy, remedy_cap, "Is this a kvmfr device? Check the kvmfr module is loaded");
      return REGION_IOCTL;
    }
    size = (uint64_t)ret;
    out->is_kvmfr = true;
  } else {
    size = (uint64_t)st.st_size;
  }

  if (size < REGION_MIN_SIZE) {
    close(fd);
    put(msg, msg_cap, "%s is too small: %llu bytes, need at least %u", path,
        (unsigned long long)size, REGION_MIN_SIZE);
    put(remedy, remedy_cap,
        "Is the VM running with the ivshmem device? Give the region a size in MiB "
        "(e.g. 32 or 64) on the QEMU command line");
    return REGION_TOO_SMALL;
  }
  if (size > UINT32_MAX) {
    close(fd);
    put(msg, msg_cap, "%s is too large: %llu bytes, at most 4 GiB works", path,
        (unsigned long long)size);
    put(remedy, remedy_cap, "Use a smaller ivshmem region (64 MiB suits 4K SDR)");
    return REGION_TOO_LARGE;
  }

  void *mem = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (mem == MAP_FAILED) {
    int err = errno;
    close(fd);
    put(msg, msg_cap, "Cannot map %s (%llu bytes): %s", path, (unsigned long long)size,
        strerror(err));
    put(remedy, remedy_cap, "Check the file size and the memory limits (ulimit -l for kvmfr)");
    return REGION_MAP;
  }
  out->fd = fd;
  out->mem = mem;
  out->size = size;
  return REGION_OK;
}

void region_close(struct region *r)
{
  if (r->mem)
    munmap(r->mem, (size_t)r->size);
  if (r->fd >= 0)
    close(r->fd);
  r->mem = NULL;
  r->fd = -1;
  r->size = 0;
}

bool region_is_zero(const struct region *r, size_t len)
{
  if (!r->mem)
    return false;
  if (len > r->size)
    len = (size_t)r->size;
  const volatile uint8_t *p = r->mem;
  for (size_t i = 0; i < len; ++i)
    if (p[i])
      return false;
  return true;
}

const char *region_error_string(enum region_error err)
{
  switch (err) {
  case REGION_OK:
    return "ok";
  case REGION_MISSING:
    return "missing";
  case REGION_PERMISSION:
    return "permission denied";
  case REGION_IS_DIRECTORY:
    return "is a directory";
  case REGION_NOT_DEVICE:
    return "regular file instead of the kvmfr device";
  case REGION_TOO_SMALL:
    return "too small";
  case REGION_TOO_LARGE:
    return "too large";
  case REGION_BAD_TYPE:
    return "not a file or device";
  case REGION_IOCTL:
    return "size ioctl failed";
  case REGION_MAP:
    return "mmap failed";
  case REGION_OTHER:
    return "cannot open";
  }
  return "unknown";
}
