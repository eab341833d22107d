/* DMA-BUF frame path (spec wire-b7 §4.2): decides between importing frames as DMA-BUFs and
 * copying them, and caches the kvmfr KVMFR_DMABUF_CREATE fds, one per KVMFRFrame address
 * (the host uses two), re-created only when a frame needs more bytes than the cached fd
 * covers. The ioctl is a function pointer so tests can fake the device. */
#ifndef CLIENT_DMABUF_H
#define CLIENT_DMABUF_H

#include "region.h"
#include "session.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DMABUF_SLOTS 2u
#define DMABUF_REASON_MAX 160u

/* KVMFR_DMABUF_CREATE = _IOW('u', 0x42, struct kvmfr_dmabuf_create), spec §4.2. */
#define DMABUF_KVMFR_CREATE 0x40187542ul
#define DMABUF_KVMFR_FLAG_CLOEXEC 0x1u

/* The ioctl argument: 24 bytes, offset and size page multiples. */
struct dmabuf_kvmfr_create {
  uint8_t flags;
  uint8_t pad[7];
  uint64_t offset;
  uint64_t size;
};

_Static_assert(sizeof(struct dmabuf_kvmfr_create) == 24, "kvmfr_dmabuf_create is 24 bytes");

/* ioctl(2)-shaped call: returns a new fd (>= 0) or -1 with errno set. */
typedef int (*dmabuf_ioctl_fn)(int fd, unsigned long request, void *arg);

struct dmabuf_slot {
  bool used;
  uint64_t key;    /* region offset of the KVMFRFrame */
  uint64_t offset; /* region offset the fd starts at (page aligned) */
  uint64_t size;   /* bytes the fd covers (page multiple) */
  int fd;
  uint64_t last_use;
};

struct dmabuf_cache {
  int dev_fd;
  uint64_t region_size;
  uint64_t page;
  dmabuf_ioctl_fn ioctl_fn;
  struct dmabuf_slot slot[DMABUF_SLOTS];
  uint64_t tick;
  uint64_t creates; /* successful KVMFR_DMABUF_CREATE calls */
};

/* Sets up an empty cache for kvmfr device `dev_fd` of `region_size` bytes. `fn` NULL uses
 * ioctl(2); `page` 0 uses sysconf(_SC_PAGESIZE). */
void dmabuf_cache_init(struct dmabuf_cache *c, int dev_fd, uint64_t region_size, dmabuf_ioctl_fn fn,
                       uint64_t page);

/* Closes every cached fd; the cache may be reused after dmabuf_cache_init. */
void dmabuf_cache_free(struct dmabuf_cache *c);

/* An fd covering `len` bytes at region offset `data_pos` for the frame at region offset
 * `frame_pos`, created on first use or when it must grow; `*offset_in_fd` is where the data
 * starts inside it. -1 on failure (logged, rate limited). The fd stays owned by the cache. */
int dmabuf_cache_get(struct dmabuf_cache *c, uint64_t frame_pos, uint64_t data_pos, uint64_t len,
                     uint32_t *offset_in_fd);

/* Rounds `n` up to a multiple of `page` (a power of two); UINT64_MAX on overflow. */
uint64_t dmabuf_round_page(uint64_t n, uint64_t page);

/* Decides the frame path. `renderer_why` explains a renderer refusal (may be NULL). Writes a
 * one-line human reason into `reason` and returns true for the DMA-BUF path. */
bool dmabuf_decide(bool allow_dma, bool is_kvmfr, const char *path, bool renderer_ok,
                   const char *renderer_why, char *reason, size_t cap);

/* The app's view: the decision, its reason and the fd cache for one mapped region. */
struct dmabuf_path {
  bool enabled;
  char reason[DMABUF_REASON_MAX];
  uint32_t failures; /* import failures in a row */
  struct dmabuf_cache cache;
};

/* Decides the path for `region` (dmabuf_decide) and sets up the cache; `p->reason` tells
 * the user which path and why. `fn` NULL uses ioctl(2). True for the DMA-BUF path. */
bool dmabuf_path_setup(struct dmabuf_path *p, bool allow_dma, const struct region *region,
                       bool renderer_ok, const char *renderer_why, dmabuf_ioctl_fn fn);

/* Render thread: the DMA-BUF fd for a frame from session_frame_take (its bytes are all
 * written: the frame thread waited for wp), or -1 to use the copy path for this frame. */
int dmabuf_path_fd(struct dmabuf_path *p, const struct session_frame *f, uint32_t *offset_in_fd);

/* Reports whether the renderer showed the frame from dmabuf_path_fd; after 3 failures in a
 * row the path switches to copying for good (the reason says so). */
void dmabuf_path_result(struct dmabuf_path *p, bool shown);

/* Closes the cached fds (before the region is closed). */
void dmabuf_path_free(struct dmabuf_path *p);

#endif
