/* Frame and cursor posting (spec wire-b7 3.4, 3.5, 3.7). Runs on the capture thread; no
 * allocation and no unthrottled log line per frame. */
#include "app.h"

#include <inttypes.h>
#include <string.h>

#include "lg/log.h"
#include "lg/time.h"

uint32_t lg_host_frame_alloc_size(uint32_t size, uint32_t next_free, uint32_t align)
{
  uint64_t start = ((uint64_t)next_free + align - 1) & ~(uint64_t)(align - 1);
  if (start >= size)
    return 0;
  uint64_t per = ((uint64_t)size - start) / (2ull * align) * align;
  return per > align ? (uint32_t)per : 0;
}

/* Waits (sleeping) until the frame queue has fewer than 2 pending messages. */
static bool wait_frame_slot(struct lg_host_session *s)
{
  for (int i = 0; i < 200; ++i) {
    if (lgmp_host_queue_pending(s->frame_q) < 2)
      return true;
    lg_sleep_ms(1);
  }
  return false;
}

void lg_host_note_damage(struct lg_host_session *s, const struct lg_capture_frame *f)
{
  bool full = f->full_damage || f->damage_count == 0;
  for (int i = 0; i < 2; ++i)
    lg_damage_acc_add(&s->acc[i], full ? NULL : f->damage, full ? 0 : f->damage_count);
  lg_damage_acc_add(&s->acc_post, full ? NULL : f->damage, full ? 0 : f->damage_count);
}

/* Progress from write_frame: publish the new prefix to the reader. Copy-pool threads may
 * report out of order, so wp only ever grows within a frame (lg_fb_prepare reset it). */
static void publish_wp(void *opaque, size_t done)
{
  struct lg_framebuffer *fb = opaque;
  uint32_t v = (uint32_t)done;
  uint32_t cur = atomic_load_explicit(&fb->wp, memory_order_relaxed);
  while (cur < v && !atomic_compare_exchange_weak_explicit(&fb->wp, &cur, v, memory_order_release,
                                                           memory_order_relaxed)) {
  }
}

bool lg_host_post_frame(struct lg_host_session *s, const struct lg_capture_frame *f)
{
  uint32_t bpp = kvmfr_frame_type_bpp(f->format);
  if (!bpp || f->pitch == 0 || f->width == 0 || f->height == 0) {
    LG_ERROR_RL("host: backend gave an invalid frame (type %u, %ux%u, pitch %u)", f->format,
                f->width, f->height, f->pitch);
    return false;
  }
  uint32_t rows = s->frame_rows_bytes / f->pitch;
  if (rows > f->height)
    rows = f->height;
  if (rows == 0) {
    LG_ERROR_RL("host: a %u-byte row does not fit the %u-byte frame buffer", f->pitch,
                s->frame_rows_bytes);
    return false;
  }
  if (!wait_frame_slot(s)) {
    LG_WARN_RL("host: the client holds both frame buffers; frame dropped");
    return true; /* damage stays accumulated */
  }

  unsigned idx = s->next_buf;
  struct lgmp_memory *mem = &s->frame_mem[idx];
  struct kvmfr_frame *hdr = mem->mem;
  struct lg_framebuffer *fb = (struct lg_framebuffer *)((uint8_t *)mem->mem + LG_HOST_ALIGN - 4);

  uint32_t flags = 0;
  if (rows < f->height)
    flags |= FRAME_FLAG_TRUNCATED;
  if (f->hdr)
    flags |= FRAME_FLAG_HDR | (f->hdr_pq ? FRAME_FLAG_HDR_PQ : 0);
  uint32_t hdr_flags = flags & (FRAME_FLAG_HDR | FRAME_FLAG_HDR_PQ);
  struct kvmfr_frame *l = &s->last_fmt;
  if (s->last_buf < 0 || l->type != f->format || l->frame_width != f->width ||
      l->frame_height != f->height || l->pitch != f->pitch || l->stride != f->stride ||
      l->rotation != f->rotation || l->data_height != rows ||
      (l->flags & (FRAME_FLAG_HDR | FRAME_FLAG_HDR_PQ)) != hdr_flags ||
      l->screen_width != f->screen_width || l->screen_height != f->screen_height) {
    ++s->format_ver;
    lg_damage_acc_init(&s->acc[0]);
    lg_damage_acc_init(&s->acc[1]);
    lg_damage_acc_init(&s->acc_post);
  }

  /* Header (every field but offset, which was set once at allocation). */
  struct kvmfr_frame h;
  memset(&h, 0, sizeof(h));
  h.format_ver = s->format_ver;
  h.frame_serial = ++s->frame_serial;
  h.type = f->format;
  h.screen_width = f->screen_width;
  h.screen_height = f->screen_height;
  h.data_width = f->width;
  h.data_height = rows;
  h.frame_width = f->width;
  h.frame_height = f->height;
  h.rotation = f->rotation;
  h.stride = f->stride;
  h.pitch = f->pitch;
  h.offset = LG_HOST_ALIGN - 4;
  /* The header's rects are the change since the previous posted frame (frames captured
   * but not posted included); 0 rects = full. */
  if (!s->acc_post.full && s->acc_post.count > 0 && s->acc_post.count <= KVMFR_MAX_DAMAGE_RECTS) {
    h.damage_rects_count = s->acc_post.count;
    memcpy(h.damage_rects, s->acc_post.rects, s->acc_post.count * sizeof(s->acc_post.rects[0]));
  }
  h.flags = flags;
  memcpy(hdr, &h, offsetof(struct kvmfr_frame, offset));
  memcpy(&hdr->damage_rects_count, &h.damage_rects_count,
         sizeof(h) - offsetof(struct kvmfr_frame, damage_rects_count));
  *l = h;
  lg_damage_acc_clear(&s->acc_post);

  lg_fb_prepare(fb);
  enum lgmp_status st = lgmp_host_queue_post(s->frame_q, 0, mem);
  if (st != LGMP_OK) {
    LG_WARN_RL("host: frame post failed: %s", lgmp_status_string(st));
    return st != LGMP_ERR_QUEUE_FULL ? false : true;
  }
  if (s->timing_log)
    fprintf(s->timing_log, "post %" PRIu32 " %" PRIu64 "\n", h.frame_serial, lg_time_ns());

  struct lg_damage_acc *acc = &s->acc[idx];
  struct lg_capture_dest d = {
      .data = fb->data,
      .pitch = f->pitch,
      .rows = rows,
      .rects = acc->full ? NULL : acc->rects,
      .rect_count = acc->full ? 0 : acc->count,
      .progress = publish_wp,
      .opaque = fb,
      .pool = s->copy_pool,
  };
  bool ok = lg_capture_write_frame(s->cap, f, &d);
  publish_wp(fb, (size_t)rows * f->pitch); /* never leave the reader short */
  if (ok)
    lg_damage_acc_clear(acc);
  else
    lg_damage_acc_init(acc);
  s->last_buf = (int)idx;
  s->next_buf = idx ^ 1u;
  return ok;
}

bool lg_host_repost_frame(struct lg_host_session *s)
{
  if (s->last_buf < 0 || !wait_frame_slot(s))
    return false;
  enum lgmp_status st = lgmp_host_queue_post(s->frame_q, 0, &s->frame_mem[s->last_buf]);
  return st == LGMP_OK;
}

/* Posts one pointer message, retrying briefly while the ring is full. */
static bool post_pointer(struct lg_host_session *s, uint32_t flags, const struct lgmp_memory *m)
{
  for (int i = 0; i < 100; ++i) {
    enum lgmp_status st = lgmp_host_queue_post(s->pointer_q, flags, m);
    if (st == LGMP_OK)
      return true;
    if (st != LGMP_ERR_QUEUE_FULL) {
      LG_WARN_RL("host: cursor post failed: %s", lgmp_status_string(st));
      return false;
    }
    lg_sleep_ns(100000);
  }
  LG_WARN_RL("host: pointer queue full; cursor update deferred");
  return false;
}

static int16_t clamp16(int32_t v)
{
  return (int16_t)(v < INT16_MIN ? INT16_MIN : v > INT16_MAX ? INT16_MAX : v);
}

/* Bytes of one shape row for a cursor type and width. */
static uint64_t shape_row_bytes(uint32_t type, uint32_t width)
{
  return type == CURSOR_TYPE_MONOCHROME ? (width + 7u) / 8u : (uint64_t)width * 4u;
}

bool lg_host_post_cursor(struct lg_host_session *s, const struct lg_capture_cursor *c, bool full)
{
  bool shape = c->shape_changed && c->shape;
  if (shape) {
    uint32_t max_h = c->type == CURSOR_TYPE_MONOCHROME ? 2 * LG_CURSOR_MAX_DIM : LG_CURSOR_MAX_DIM;
    if (c->type > CURSOR_TYPE_MASKED_COLOR || c->width > LG_CURSOR_MAX_DIM || c->height > max_h ||
        c->pitch < shape_row_bytes(c->type, c->width) ||
        (uint64_t)c->pitch * c->height > MAX_POINTER_SIZE - sizeof(struct kvmfr_cursor)) {
      LG_WARN_RL("host: cursor shape %ux%u (type %u, pitch %u) not sent", c->width, c->height,
                 c->type, c->pitch);
      shape = false;
    }
  }
  if (c->position_changed || c->visible_changed || c->shape_changed) {
    s->cursor.x = c->x;
    s->cursor.y = c->y;
    s->cursor.visible = c->visible;
    s->cursor_known = true;
  }
  uint32_t flags = CURSOR_FLAG_POSITION | (s->cursor.visible ? CURSOR_FLAG_VISIBLE : 0);
  const struct lgmp_memory *m;
  if (shape) {
    unsigned i = s->next_shape;
    s->next_shape = (i + 1) % POINTER_SHAPE_BUFFERS;
    m = &s->shape_mem[i];
    struct kvmfr_cursor h = {.x = clamp16(c->x),
                             .y = clamp16(c->y),
                             .type = c->type,
                             .hx = (int8_t)(c->hx < INT8_MIN   ? INT8_MIN
                                            : c->hx > INT8_MAX ? INT8_MAX
                                                               : c->hx),
                             .hy = (int8_t)(c->hy < INT8_MIN   ? INT8_MIN
                                            : c->hy > INT8_MAX ? INT8_MAX
                                                               : c->hy),
                             .width = c->width,
                             .height = c->height,
                             .pitch = c->pitch};
    memcpy(m->mem, &h, sizeof(h));
    memcpy((uint8_t *)m->mem + sizeof(h), c->shape, (size_t)c->pitch * c->height);
    s->last_shape = (int)i;
    flags |= CURSOR_FLAG_SHAPE;
  } else if (full && s->last_shape >= 0) {
    m = &s->shape_mem[s->last_shape];
    struct kvmfr_cursor *h = m->mem;
    h->x = clamp16(s->cursor.x);
    h->y = clamp16(s->cursor.y);
    flags |= CURSOR_FLAG_SHAPE;
  } else {
    unsigned i = s->next_pos;
    s->next_pos = (i + 1) % LG_POINTER_POS_BUFFERS;
    m = &s->pos_mem[i];
    struct kvmfr_cursor h = {.x = clamp16(s->cursor.x), .y = clamp16(s->cursor.y)};
    memcpy(m->mem, &h, sizeof(h));
  }
  bool ok = post_pointer(s, flags, m);
  /* A lost shape must be resent with the next update. */
  s->cursor_resend = !ok && (flags & CURSOR_FLAG_SHAPE);
  return ok;
}
