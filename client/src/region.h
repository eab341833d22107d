/* The shared-memory region the client maps (spec wire-b7 §4.1): a /dev/shm or regular file
 * (size = st_size) or a /dev/kvmfrN device (size from the KVMFR_DMABUF_GETSIZE ioctl), opened
 * read-write and mapped MAP_SHARED. Failures come back classified, with a message and a
 * remedy written for the user (they feed the status screen). */
#ifndef CLIENT_REGION_H
#define CLIENT_REGION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum region_error {
  REGION_OK = 0,
  REGION_MISSING,      /* ENOENT */
  REGION_PERMISSION,   /* EACCES / EPERM / read-only file system */
  REGION_IS_DIRECTORY, /* the path is a directory */
  REGION_NOT_DEVICE,   /* /dev/kvmfrN exists but is a regular file */
  REGION_TOO_SMALL,    /* smaller than the 5760-byte LGMP header */
  REGION_TOO_LARGE,    /* 4 GiB or more (LGMP takes a u32 size) */
  REGION_BAD_TYPE,     /* neither a regular file nor a kvmfr device */
  REGION_IOCTL,        /* the kvmfr size ioctl failed */
  REGION_MAP,          /* mmap failed */
  REGION_OTHER,        /* any other open/stat error */
};

#define REGION_MSG_MAX 512

/* A mapped region. */
struct region {
  char path[4096];
  int fd;
  void *mem;
  uint64_t size;
  bool is_kvmfr; /* a kvmfr device: DMA-BUF export is possible */
};

/* Opens and maps `path`. On failure `msg` gets "what went wrong" and `remedy` "how to fix
 * it" (both NUL-terminated, may be NULL) and `out` is left unmapped. */
enum region_error region_open(struct region *out, const char *path, char *msg, size_t msg_cap,
                              char *remedy, size_t remedy_cap);

/* Unmaps and closes; safe on a region that failed to open. */
void region_close(struct region *r);

/* True if the first `len` bytes of the region (clamped to its size) are all zero. */
bool region_is_zero(const struct region *r, size_t len);

/* Short name of an error ("missing", "permission denied", ...). */
const char *region_error_string(enum region_error err);

#endif
