/* Generic capture front-end: backend lookup, option helpers, dispatch and the CPU copy. */
#include "capture.h"

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lg/fastcopy.h"
#include "lg/log.h"

const struct lg_capture_backend *lg_capture_find(const char *name)
{
  if (!name)
    return NULL;
  for (size_t i = 0; lg_capture_backends[i]; ++i)
    if (strcasecmp(lg_capture_backends[i]->name, name) == 0)
      return lg_capture_backends[i];
  return NULL;
}

const struct lg_capture_backend *lg_capture_probe_all(void)
{
  for (size_t i = 0; lg_capture_backends[i]; ++i) {
    const struct lg_capture_backend *b = lg_capture_backends[i];
    if (b->probe && b->probe()) {
      LG_INFO("capture: probe %s: yes", b->name);
      return b;
    }
    LG_INFO("capture: probe %s: no", b->name);
  }
  return NULL;
}

const char *lg_capture_opt_str(const struct lg_capture_backend *b,
                               const struct lg_capture_options *opts, const char *name)
{
  if (!b || !name || !b->options)
    return NULL;
  for (const struct lg_capture_option_desc *d = b->options; d->name; ++d) {
    if (strcmp(d->name, name) != 0)
      continue;
    if (opts && opts->get) {
      const char *v = opts->get(opts->opaque, b->name, name);
      if (v)
        return v;
    }
    return d->default_value;
  }
  return NULL;
}

bool lg_capture_opt_uint(const struct lg_capture_backend *b, const struct lg_capture_options *opts,
                         const char *name, uint32_t min, uint32_t max, uint32_t *out)
{
  const char *v = lg_capture_opt_str(b, opts, name);
  if (!v) {
    LG_ERROR("%s:%s: no such option", b ? b->name : "?", name);
    return false;
  }
  char *end = NULL;
  errno = 0;
  unsigned long long n = strtoull(v, &end, 10);
  if (errno || end == v || *end != '\0' || v[0] == '-' || n < min || n > max) {
    LG_ERROR("%s:%s: '%s' is not a number in %u..%u", b->name, name, v, min, max);
    return false;
  }
  *out = (uint32_t)n;
  return true;
}

bool lg_capture_opt_choice(const struct lg_capture_backend *b,
                           const struct lg_capture_options *opts, const char *name,
                           const char *const *choices, unsigned *out)
{
  const char *v = lg_capture_opt_str(b, opts, name);
  if (!v) {
    LG_ERROR("%s:%s: no such option", b ? b->name : "?", name);
    return false;
  }
  char list[256];
  size_t used = 0;
  list[0] = '\0';
  for (unsigned i = 0; choices[i]; ++i) {
    if (strcasecmp(v, choices[i]) == 0) {
      *out = i;
      return true;
    }
    int n = snprintf(list + used, sizeof(list) - used, "%s%s", i ? "|" : "", choices[i]);
    if (n > 0 && (size_t)n < sizeof(list) - used)
      used += (size_t)n;
  }
  LG_ERROR("%s:%s: '%s' is not one of %s", b->name, name, v, list);
  return false;
}

bool lg_capture_start(struct lg_capture *cap) { return cap->impl->start(cap); }

void lg_capture_stop(struct lg_capture *cap) { cap->impl->stop(cap); }

enum lg_capture_result lg_capture_capture(struct lg_capture *cap, uint32_t timeout_ms,
                                          struct lg_capture_frame *out)
{
  return cap->impl->capture(cap, timeout_ms, out);
}

bool lg_capture_write_frame(struct lg_capture *cap, const struct lg_capture_frame *frame,
                            const struct lg_capture_dest *dst)
{
  return cap->impl->write_frame(cap, frame, dst);
}

bool lg_capture_cursor(struct lg_capture *cap, struct lg_capture_cursor *out)
{
  return cap->impl->cursor(cap, out);
}

void lg_capture_set_cursor_pos(struct lg_capture *cap, int32_t x, int32_t y)
{
  if (cap->impl->set_cursor_pos)
    cap->impl->set_cursor_pos(cap, x, y);
}

bool lg_capture_can_set_cursor_pos(const struct lg_capture *cap)
{
  return cap->impl->set_cursor_pos != NULL;
}

void lg_capture_destroy(struct lg_capture *cap)
{
  if (cap)
    cap->impl->destroy(cap);
}

/* Bytes one pixel covers in a packed row (BGR_32 packs 3-byte pixels into 4-byte texels). */
static uint32_t pixel_bytes(uint32_t format)
{
  switch (format) {
  case FRAME_TYPE_BGR_32:
  case FRAME_TYPE_RGB_24:
    return 3;
  default:
    return kvmfr_frame_type_bpp(format);
  }
}

#define COPY_CHUNK ((size_t)FB_CHUNK_SIZE)

/* A full-frame copy split into chunks that the pool's threads claim in order; the finished
 * prefix is published after each chunk by whichever thread extends it. */
#define PAR_MAX_CHUNKS 1024u

struct par_job {
  uint8_t *dst;
  const uint8_t *src;
  size_t total, chunk;
  unsigned chunks;
  bool stream;
  const struct lg_capture_dest *d;
  _Atomic unsigned prefix; /* chunks [0, prefix) are complete and were published */
  atomic_bool done[PAR_MAX_CHUNKS];
};

static void par_part(void *opaque, unsigned part, unsigned parts)
{
  struct par_job *j = opaque;
  (void)parts;
  size_t begin = (size_t)part * j->chunk;
  size_t n = j->total - begin < j->chunk ? j->total - begin : j->chunk;
  if (j->stream) {
    lg_copy_stream(j->dst + begin, j->src + begin, n);
    lg_copy_fence(); /* this thread's streaming stores before the done flag */
  } else {
    memcpy(j->dst + begin, j->src + begin, n);
  }
  atomic_store_explicit(&j->done[part], true, memory_order_release);
  unsigned p = atomic_load_explicit(&j->prefix, memory_order_acquire);
  while (p < j->chunks && atomic_load_explicit(&j->done[p], memory_order_acquire)) {
    if (atomic_compare_exchange_weak_explicit(&j->prefix, &p, p + 1, memory_order_acq_rel,
                                              memory_order_acquire)) {
      ++p;
      if (j->d->progress) {
        size_t upto = (size_t)p * j->chunk;
        j->d->progress(j->d->opaque, upto < j->total ? upto : j->total);
      }
    }
  }
}

static void copy_parallel(uint8_t *dst, const uint8_t *src, size_t total,
                          const struct lg_capture_dest *d)
{
  struct par_job j = {.dst = dst, .src = src, .total = total, .d = d};
  j.chunk = COPY_CHUNK;
  if (total / j.chunk >= PAR_MAX_CHUNKS) /* frames over 1 GiB: bigger chunks */
    j.chunk = ((total + PAR_MAX_CHUNKS - 1) / PAR_MAX_CHUNKS + 4095u) & ~(size_t)4095u;
  j.chunks = (unsigned)((total + j.chunk - 1) / j.chunk);
  j.stream = total >= lg_copy_nt_threshold();
  atomic_init(&j.prefix, 0);
  for (unsigned i = 0; i < j.chunks; ++i)
    atomic_init(&j.done[i], false);
  lg_copy_pool_run(d->pool, par_part, &j, j.chunks);
}

bool lg_capture_copy_cpu(const struct lg_capture_frame *frame, const uint8_t *src, size_t src_pitch,
                         const struct lg_capture_dest *dst)
{
  uint32_t px = pixel_bytes(frame->format);
  if (!px || !src || !dst || !dst->data) {
    LG_ERROR_RL("capture: cannot copy a frame of type %u", frame->format);
    return false;
  }
  size_t row_bytes = (size_t)frame->width * px;
  if (row_bytes > dst->pitch || row_bytes > src_pitch) {
    LG_ERROR_RL("capture: row of %" PRIu64 " bytes does not fit pitch %" PRIu64 "/%" PRIu64,
                (uint64_t)row_bytes, (uint64_t)dst->pitch, (uint64_t)src_pitch);
    return false;
  }
  uint32_t rows = frame->height < dst->rows ? frame->height : dst->rows;
  size_t done = 0;

  if (dst->rect_count == 0 || !dst->rects) {
    if (src_pitch == dst->pitch) {
      size_t total = (size_t)rows * dst->pitch;
      if (lg_copy_pool_threads(dst->pool) > 1 && total >= 2 * COPY_CHUNK) {
        copy_parallel(dst->data, src, total, dst);
        return true;
      }
      while (done < total) {
        size_t n = total - done < COPY_CHUNK ? total - done : COPY_CHUNK;
        lg_copy(dst->data + done, src + done, n);
        done += n;
        if (dst->progress)
          dst->progress(dst->opaque, done);
      }
      return true;
    }
    size_t since = 0;
    for (uint32_t y = 0; y < rows; ++y) {
      memcpy(dst->data + (size_t)y * dst->pitch, src + (size_t)y * src_pitch, row_bytes);
      since += dst->pitch;
      if (since >= COPY_CHUNK || y + 1 == rows) {
        since = 0;
        if (dst->progress)
          dst->progress(dst->opaque, (size_t)(y + 1) * dst->pitch);
      }
    }
    return true;
  }

  /* Damage copy: clip every rect, then walk the covered rows top to bottom. */
  uint32_t count = dst->rect_count > LG_CAPTURE_MAX_RECTS ? LG_CAPTURE_MAX_RECTS : dst->rect_count;
  struct frame_damage_rect r[LG_CAPTURE_MAX_RECTS];
  uint32_t n = 0, y0 = UINT32_MAX, y1 = 0;
  for (uint32_t i = 0; i < count; ++i) {
    struct frame_damage_rect c = dst->rects[i];
    if (c.x >= frame->width || c.y >= rows || c.width == 0 || c.height == 0)
      continue;
    if (c.width > frame->width - c.x)
      c.width = frame->width - c.x;
    if (c.height > rows - c.y)
      c.height = rows - c.y;
    r[n++] = c;
    if (c.y < y0)
      y0 = c.y;
    if (c.y + c.height > y1)
      y1 = c.y + c.height;
  }
  for (uint32_t y = y0; n && y < y1; ++y) {
    bool any = false;
    for (uint32_t i = 0; i < n; ++i) {
      if (y < r[i].y || y >= r[i].y + r[i].height)
        continue;
      size_t off = (size_t)r[i].x * px;
      size_t len = (size_t)r[i].width * px;
      memcpy(dst->data + (size_t)y * dst->pitch + off, src + (size_t)y * src_pitch + off, len);
      any = true;
    }
    if (any && dst->progress)
      dst->progress(dst->opaque, (size_t)y * dst->pitch + row_bytes);
  }
  if (dst->progress)
    dst->progress(dst->opaque, (size_t)rows * dst->pitch);
  return true;
}
