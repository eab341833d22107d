/* DMA-BUF path decision and kvmfr fd cache; see dmabuf.h. */
#include "dmabuf.h"

#include "lg/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int default_ioctl(int fd, unsigned long request, void *arg)
{
  return ioctl(fd, request, arg);
}

void dmabuf_cache_init(struct dmabuf_cache *c, int dev_fd, uint64_t region_size, dmabuf_ioctl_fn fn,
                       uint64_t page)
{
  memset(c, 0, sizeof(*c));
  c->dev_fd = dev_fd;
  c->region_size = region_size;
  c->ioctl_fn = fn ? fn : default_ioctl;
  if (page == 0) {
    long p = sysconf(_SC_PAGESIZE);
    page = p > 0 ? (uint64_t)p : 4096u;
  }
  c->page = page;
  for (unsigned i = 0; i < DMABUF_SLOTS; ++i)
    c->slot[i].fd = -1;
}

static void drop_slot(struct dmabuf_slot *s)
{
  if (s->fd >= 0)
    close(s->fd);
  memset(s, 0, sizeof(*s));
  s->fd = -1;
}

void dmabuf_cache_free(struct dmabuf_cache *c)
{
  for (unsigned i = 0; i < DMABUF_SLOTS; ++i)
    drop_slot(&c->slot[i]);
}

uint64_t dmabuf_round_page(uint64_t n, uint64_t page)
{
  if (page == 0 || (page & (page - 1)) != 0)
    return UINT64_MAX;
  if (n > UINT64_MAX - (page - 1))
    return UINT64_MAX;
  return (n + page - 1) & ~(page - 1);
}

/* The slot for `key`: its own, else a free one, else the least recently used. */
static struct dmabuf_slot *pick_slot(struct dmabuf_cache *c, uint64_t key)
{
  struct dmabuf_slot *lru = &c->slot[0];
  for (unsigned i = 0; i < DMABUF_SLOTS; ++i)
    if (c->slot[i].used && c->slot[i].key == key)
      return &c->slot[i];
  for (unsigned i = 0; i < DMABUF_SLOTS; ++i) {
    if (!c->slot[i].used)
      return &c->slot[i];
    if (c->slot[i].last_use < lru->last_use)
      lru = &c->slot[i];
  }
  return lru;
}

int dmabuf_cache_get(struct dmabuf_cache *c, uint64_t frame_pos, uint64_t data_pos, uint64_t len,
                     uint32_t *offset_in_fd)
{
  const uint64_t start = data_pos & ~(c->page - 1);
  const uint64_t lead = data_pos - start; /* 0 for B7 hosts: their data is page aligned */
  if (len == 0 || data_pos > c->region_size || len > c->region_size - data_pos) {
    LG_WARN_RL("dmabuf: frame bytes %llu+%llu lie outside the %llu byte region",
               (unsigned long long)data_pos, (unsigned long long)len,
               (unsigned long long)c->region_size);
    return -1;
  }
  const uint64_t need = dmabuf_round_page(lead + len, c->page);
  if (need == UINT64_MAX || need > c->region_size - start) {
    LG_WARN_RL("dmabuf: %llu page-rounded bytes at %llu exceed the %llu byte region",
               (unsigned long long)need, (unsigned long long)start,
               (unsigned long long)c->region_size);
    return -1;
  }

  struct dmabuf_slot *s = pick_slot(c, frame_pos);
  c->tick++;
  if (s->used && s->key == frame_pos && s->offset == start && s->size >= need) {
    s->last_use = c->tick;
    *offset_in_fd = (uint32_t)lead;
    return s->fd;
  }
  /* grow only: a smaller frame later reuses the larger fd */
  uint64_t size = need;
  if (s->used && s->key == frame_pos && s->offset == start && s->size > size)
    size = s->size;
  drop_slot(s);

  struct dmabuf_kvmfr_create req;
  memset(&req, 0, sizeof(req));
  req.flags = DMABUF_KVMFR_FLAG_CLOEXEC;
  req.offset = start;
  req.size = size;
  int fd = c->ioctl_fn(c->dev_fd, DMABUF_KVMFR_CREATE, &req);
  if (fd < 0) {
    LG_WARN_RL("dmabuf: KVMFR_DMABUF_CREATE(offset %llu, size %llu) failed: %s",
               (unsigned long long)start, (unsigned long long)size, strerror(errno));
    return -1;
  }
  s->used = true;
  s->key = frame_pos;
  s->offset = start;
  s->size = size;
  s->fd = fd;
  s->last_use = c->tick;
  c->creates++;
  *offset_in_fd = (uint32_t)lead;
  return fd;
}

bool dmabuf_decide(bool allow_dma, bool is_kvmfr, const char *path, bool renderer_ok,
                   const char *renderer_why, char *reason, size_t cap)
{
  if (!path)
    path = "the region";
  if (!allow_dma) {
    snprintf(reason, cap, "copy path: DMA-BUF disabled (app:allowDMA=no)");
    return false;
  }
  if (!is_kvmfr) {
    if (strncmp(path, "/dev/shm/", 9) == 0)
      snprintf(reason, cap, "copy path: /dev/shm files cannot be DMA-BUFs (use the kvmfr module)");
    else
      snprintf(reason, cap, "copy path: %s is not a kvmfr device (use the kvmfr module)", path);
    return false;
  }
  if (!renderer_ok) {
    snprintf(reason, cap, "copy path: DMA-BUF: %s",
             renderer_why && *renderer_why ? renderer_why : "the renderer cannot import it");
    return false;
  }
  snprintf(reason, cap, "DMA-BUF: frames imported from %s without a copy", path);
  return true;
}

#define DMABUF_MAX_FAILURES 3u

bool dmabuf_path_setup(struct dmabuf_path *p, bool allow_dma, const struct region *region,
                       bool renderer_ok, const char *renderer_why, dmabuf_ioctl_fn fn)
{
  memset(p, 0, sizeof(*p));
  dmabuf_cache_init(&p->cache, region->fd, region->size, fn, 0);
  p->enabled = dmabuf_decide(allow_dma, region->is_kvmfr, region->path, renderer_ok, renderer_why,
                             p->reason, sizeof(p->reason));
  return p->enabled;
}

int dmabuf_path_fd(struct dmabuf_path *p, const struct session_frame *f, uint32_t *offset_in_fd)
{
  if (!p->enabled || !f->data)
    return -1;
  const uint64_t len = (uint64_t)f->format.data_height * f->format.pitch;
  int fd = dmabuf_cache_get(&p->cache, f->frame_pos, f->data_pos, len, offset_in_fd);
  if (fd < 0)
    dmabuf_path_result(p, false);
  return fd;
}

void dmabuf_path_result(struct dmabuf_path *p, bool shown)
{
  if (shown) {
    p->failures = 0;
    return;
  }
  if (++p->failures < DMABUF_MAX_FAILURES || !p->enabled)
    return;
  p->enabled = false;
  snprintf(p->reason, sizeof(p->reason),
           "copy path: DMA-BUF import failed %u times in a row (see the log)", p->failures);
  LG_WARN("%s", p->reason);
  dmabuf_cache_free(&p->cache);
}

void dmabuf_path_free(struct dmabuf_path *p)
{
  dmabuf_cache_free(&p->cache);
  p->enabled = false;
}
