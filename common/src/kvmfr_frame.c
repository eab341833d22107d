/* Frame and cursor message validation: see lg/kvmfr_frame.h. */
#include "lg/kvmfr_frame.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define FRAME_HEADER_SIZE ((uint64_t)sizeof(struct kvmfr_frame))
#define CURSOR_HEADER_SIZE ((uint64_t)sizeof(struct kvmfr_cursor))

static void set_msg(char *msg, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_msg(char *msg, size_t cap, const char *fmt, ...)
{
  if (!msg || !cap)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, cap, fmt, ap);
  va_end(ap);
}

static void clip_damage(struct lg_frame_view *v)
{
  const struct kvmfr_frame *h = &v->header;
  uint32_t n = 0;
  for (uint32_t i = 0; i < h->damage_rects_count; ++i) {
    struct frame_damage_rect r = h->damage_rects[i];
    if (r.x >= h->frame_width || r.y >= h->frame_height || r.width == 0 || r.height == 0)
      continue;
    if (r.width > h->frame_width - r.x)
      r.width = h->frame_width - r.x;
    if (r.height > h->frame_height - r.y)
      r.height = h->frame_height - r.y;
    v->damage[n++] = r;
  }
  v->damage_count = n;
  v->damage_all_clipped = (h->damage_rects_count > 0 && n == 0);
}

enum lg_frame_error lg_frame_validate_header(const struct kvmfr_frame *hdr, uint64_t msg_size,
                                             struct lg_frame_view *out, char *msg, size_t msg_cap)
{
  memset(out, 0, sizeof(*out));
  out->header = *hdr;
  const struct kvmfr_frame *h = &out->header;
  set_msg(msg, msg_cap, "ok");

  if (msg_size < FRAME_HEADER_SIZE) {
    set_msg(msg, msg_cap,
            "frame message size %" PRIu64 " is below the %" PRIu64 "-byte KVMFRFrame header",
            msg_size, FRAME_HEADER_SIZE);
    return LG_FRAME_MSG_TOO_SMALL;
  }
  uint32_t bpp = kvmfr_frame_type_bpp(h->type);
  if (bpp == 0) {
    set_msg(msg, msg_cap, "frame type %u is not a valid FrameType (1..6)", h->type);
    return LG_FRAME_BAD_TYPE;
  }
  if (h->frame_width == 0 || h->frame_height == 0 || h->data_width == 0) {
    set_msg(msg, msg_cap, "frame size is empty: frameWidth %u, frameHeight %u, dataWidth %u",
            h->frame_width, h->frame_height, h->data_width);
    return LG_FRAME_ZERO_SIZE;
  }
  if (h->data_height > h->frame_height) {
    set_msg(msg, msg_cap, "frame dataHeight %u exceeds frameHeight %u", h->data_height,
            h->frame_height);
    return LG_FRAME_DATA_HEIGHT;
  }
  uint64_t row = (uint64_t)h->data_width * bpp;
  if ((uint64_t)h->pitch < row) {
    set_msg(msg, msg_cap, "frame pitch %u is below dataWidth %u x %u bytes per texel = %" PRIu64,
            h->pitch, h->data_width, bpp, row);
    return LG_FRAME_PITCH;
  }
  if ((uint64_t)h->stride * bpp > h->pitch) {
    set_msg(msg, msg_cap, "frame stride %u x %u bytes per texel exceeds pitch %u", h->stride, bpp,
            h->pitch);
    return LG_FRAME_STRIDE;
  }
  if ((uint64_t)h->offset < FRAME_HEADER_SIZE) {
    set_msg(msg, msg_cap, "frame offset %u is inside the %" PRIu64 "-byte KVMFRFrame header",
            h->offset, FRAME_HEADER_SIZE);
    return LG_FRAME_OFFSET;
  }
  uint64_t data_size = (uint64_t)h->data_height * h->pitch;
  uint64_t need = (uint64_t)h->offset + KVMFR_FRAMEBUFFER_HEADER + data_size;
  if (need > msg_size) {
    set_msg(msg, msg_cap,
            "frame data does not fit its message: offset %u + 4 + dataHeight %u x pitch %u = "
            "%" PRIu64 " > message size %" PRIu64,
            h->offset, h->data_height, h->pitch, need, msg_size);
    return LG_FRAME_DATA_BOUNDS;
  }
  if (h->damage_rects_count > KVMFR_MAX_DAMAGE_RECTS) {
    set_msg(msg, msg_cap, "frame damageRectsCount %u exceeds %u", h->damage_rects_count,
            KVMFR_MAX_DAMAGE_RECTS);
    return LG_FRAME_DAMAGE_COUNT;
  }

  out->bpp = bpp;
  out->rotation = h->rotation <= FRAME_ROT_270 ? h->rotation : FRAME_ROT_0;
  out->data_size = data_size;
  clip_damage(out);
  return LG_FRAME_OK;
}

enum lg_frame_error lg_frame_validate(const void *region, uint64_t region_size, uint32_t msg_offset,
                                      uint32_t msg_size, struct lg_frame_view *out, char *msg,
                                      size_t msg_cap)
{
  if ((uint64_t)msg_offset + msg_size > region_size) {
    memset(out, 0, sizeof(*out));
    set_msg(msg, msg_cap,
            "frame message offset %u + size %u = %" PRIu64 " is past the region size %" PRIu64,
            msg_offset, msg_size, (uint64_t)msg_offset + msg_size, region_size);
    return LG_FRAME_MSG_BOUNDS;
  }
  struct kvmfr_frame hdr;
  if (msg_size < FRAME_HEADER_SIZE) {
    memset(out, 0, sizeof(*out));
    set_msg(msg, msg_cap, "frame message size %u is below the %" PRIu64 "-byte KVMFRFrame header",
            msg_size, FRAME_HEADER_SIZE);
    return LG_FRAME_MSG_TOO_SMALL;
  }
  memcpy(&hdr, (const uint8_t *)region + msg_offset, sizeof(hdr));
  enum lg_frame_error err = lg_frame_validate_header(&hdr, msg_size, out, msg, msg_cap);
  if (err != LG_FRAME_OK)
    return err;
  uint64_t wp_offset = (uint64_t)msg_offset + hdr.offset;
  if (wp_offset % 4 != 0) {
    set_msg(msg, msg_cap,
            "frame wp at region offset %" PRIu64 " (message %u + offset %u) is not 4-aligned",
            wp_offset, msg_offset, hdr.offset);
    return LG_FRAME_WP_ALIGN;
  }
  out->msg_offset = msg_offset;
  out->wp_offset = wp_offset;
  out->data_offset = wp_offset + KVMFR_FRAMEBUFFER_HEADER;
  return LG_FRAME_OK;
}

bool lg_frame_pointers(const void *region, uint64_t region_size, const struct lg_frame_view *v,
                       const uint8_t **data, const uint32_t **wp)
{
  if (v->data_offset == 0 || v->data_offset != v->wp_offset + KVMFR_FRAMEBUFFER_HEADER ||
      v->wp_offset % 4 != 0 || v->data_offset > region_size ||
      v->data_size > region_size - v->data_offset)
    return false;
  const uint8_t *base = region;
  *data = base + v->data_offset;
  *wp = (const uint32_t *)(const void *)(base + v->wp_offset);
  return true;
}

uint32_t lg_frame_load_wp(const uint32_t *wp) { return __atomic_load_n(wp, __ATOMIC_ACQUIRE); }

const char *lg_frame_error_string(enum lg_frame_error err)
{
  switch (err) {
  case LG_FRAME_OK:
    return "ok";
  case LG_FRAME_MSG_BOUNDS:
    return "message outside the region";
  case LG_FRAME_MSG_TOO_SMALL:
    return "message smaller than the frame header";
  case LG_FRAME_BAD_TYPE:
    return "invalid frame type";
  case LG_FRAME_ZERO_SIZE:
    return "empty frame size";
  case LG_FRAME_DATA_HEIGHT:
    return "dataHeight above frameHeight";
  case LG_FRAME_PITCH:
    return "pitch below the row size";
  case LG_FRAME_STRIDE:
    return "stride above the pitch";
  case LG_FRAME_OFFSET:
    return "offset inside the frame header";
  case LG_FRAME_WP_ALIGN:
    return "misaligned write pointer";
  case LG_FRAME_DATA_BOUNDS:
    return "frame data past its message";
  case LG_FRAME_DAMAGE_COUNT:
    return "too many damage rects";
  }
  return "unknown error";
}

const char *lg_frame_type_name(uint32_t type)
{
  switch (type) {
  case FRAME_TYPE_BGRA:
    return "BGRA";
  case FRAME_TYPE_RGBA:
    return "RGBA";
  case FRAME_TYPE_RGBA10:
    return "RGBA10";
  case FRAME_TYPE_RGBA16F:
    return "RGBA16F";
  case FRAME_TYPE_BGR_32:
    return "BGR_32";
  case FRAME_TYPE_RGB_24:
    return "RGB_24";
  default:
    return "invalid";
  }
}

enum lg_cursor_error lg_cursor_validate_header(const struct kvmfr_cursor *hdr, uint32_t flags,
                                               uint64_t msg_size, struct lg_cursor_view *out,
                                               char *msg, size_t msg_cap)
{
  memset(out, 0, sizeof(*out));
  out->header = *hdr;
  out->flags = flags;
  const struct kvmfr_cursor *h = &out->header;
  set_msg(msg, msg_cap, "ok");

  if (msg_size < CURSOR_HEADER_SIZE) {
    set_msg(msg, msg_cap,
            "cursor message size %" PRIu64 " is below the %" PRIu64 "-byte KVMFRCursor header",
            msg_size, CURSOR_HEADER_SIZE);
    return LG_CURSOR_MSG_TOO_SMALL;
  }
  if (!(flags & CURSOR_FLAG_SHAPE))
    return LG_CURSOR_OK;

  uint32_t max_height = LG_CURSOR_MAX_DIM;
  uint64_t row;
  switch (h->type) {
  case CURSOR_TYPE_COLOR:
  case CURSOR_TYPE_MASKED_COLOR:
    row = (uint64_t)h->width * 4;
    break;
  case CURSOR_TYPE_MONOCHROME:
    row = ((uint64_t)h->width + 7) / 8;
    max_height = 2 * LG_CURSOR_MAX_DIM;
    break;
  default:
    set_msg(msg, msg_cap, "cursor type %u is not a valid CursorType (0..2)", h->type);
    return LG_CURSOR_BAD_TYPE;
  }
  if (h->width > LG_CURSOR_MAX_DIM) {
    set_msg(msg, msg_cap, "cursor width %u exceeds %u", h->width, LG_CURSOR_MAX_DIM);
    return LG_CURSOR_WIDTH;
  }
  if (h->height > max_height) {
    set_msg(msg, msg_cap, "cursor height %u exceeds %u for type %s", h->height, max_height,
            lg_cursor_type_name(h->type));
    return LG_CURSOR_HEIGHT;
  }
  if ((uint64_t)h->pitch < row) {
    set_msg(msg, msg_cap, "cursor pitch %u is below the row size %" PRIu64 " (width %u, %s)",
            h->pitch, row, h->width, lg_cursor_type_name(h->type));
    return LG_CURSOR_PITCH;
  }
  uint64_t shape = (uint64_t)h->height * h->pitch;
  if (CURSOR_HEADER_SIZE + shape > msg_size) {
    set_msg(msg, msg_cap,
            "cursor shape does not fit its message: 24 + height %u x pitch %u = %" PRIu64
            " > message size %" PRIu64,
            h->height, h->pitch, CURSOR_HEADER_SIZE + shape, msg_size);
    return LG_CURSOR_SHAPE_BOUNDS;
  }
  out->has_shape = true;
  out->row_size = (uint32_t)row;
  out->shape_size = shape;
  return LG_CURSOR_OK;
}

enum lg_cursor_error lg_cursor_validate(const void *region, uint64_t region_size,
                                        uint32_t msg_offset, uint32_t msg_size, uint32_t flags,
                                        struct lg_cursor_view *out, char *msg, size_t msg_cap)
{
  if ((uint64_t)msg_offset + msg_size > region_size) {
    memset(out, 0, sizeof(*out));
    set_msg(msg, msg_cap,
            "cursor message offset %u + size %u = %" PRIu64 " is past the region size %" PRIu64,
            msg_offset, msg_size, (uint64_t)msg_offset + msg_size, region_size);
    return LG_CURSOR_MSG_BOUNDS;
  }
  if (msg_size < CURSOR_HEADER_SIZE) {
    memset(out, 0, sizeof(*out));
    set_msg(msg, msg_cap, "cursor message size %u is below the %" PRIu64 "-byte KVMFRCursor header",
            msg_size, CURSOR_HEADER_SIZE);
    return LG_CURSOR_MSG_TOO_SMALL;
  }
  struct kvmfr_cursor hdr;
  memcpy(&hdr, (const uint8_t *)region + msg_offset, sizeof(hdr));
  enum lg_cursor_error err = lg_cursor_validate_header(&hdr, flags, msg_size, out, msg, msg_cap);
  if (err == LG_CURSOR_OK && out->has_shape)
    out->shape_offset = (uint64_t)msg_offset + CURSOR_HEADER_SIZE;
  return err;
}

const char *lg_cursor_error_string(enum lg_cursor_error err)
{
  switch (err) {
  case LG_CURSOR_OK:
    return "ok";
  case LG_CURSOR_MSG_BOUNDS:
    return "message outside the region";
  case LG_CURSOR_MSG_TOO_SMALL:
    return "message smaller than the cursor header";
  case LG_CURSOR_BAD_TYPE:
    return "invalid cursor type";
  case LG_CURSOR_WIDTH:
    return "cursor too wide";
  case LG_CURSOR_HEIGHT:
    return "cursor too tall";
  case LG_CURSOR_PITCH:
    return "pitch below the row size";
  case LG_CURSOR_SHAPE_BOUNDS:
    return "shape past its message";
  }
  return "unknown error";
}

const char *lg_cursor_type_name(uint32_t type)
{
  switch (type) {
  case CURSOR_TYPE_COLOR:
    return "COLOR";
  case CURSOR_TYPE_MONOCHROME:
    return "MONOCHROME";
  case CURSOR_TYPE_MASKED_COLOR:
    return "MASKED_COLOR";
  default:
    return "unknown";
  }
}
