/* Validation of KVMFR frame and cursor messages read from the region (spec wire-b7 §5.1
 * items 7-10 and 12). The validators copy the header out of shared memory first and check
 * only the copy, so a host rewriting it concurrently cannot make a checked value change.
 * All size arithmetic is 64-bit: no input can overflow it. */
#ifndef LG_KVMFR_FRAME_H
#define LG_KVMFR_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lg/kvmfr.h"

enum lg_frame_error {
  LG_FRAME_OK = 0,
  LG_FRAME_MSG_BOUNDS,    /* message offset + size past the region (item 7) */
  LG_FRAME_MSG_TOO_SMALL, /* message size < 1084, the KVMFRFrame header */
  LG_FRAME_BAD_TYPE,      /* type not in 1..6 */
  LG_FRAME_ZERO_SIZE,     /* frameWidth, frameHeight or dataWidth is 0 */
  LG_FRAME_DATA_HEIGHT,   /* dataHeight > frameHeight */
  LG_FRAME_PITCH,         /* pitch < dataWidth * bytesPerTexel */
  LG_FRAME_STRIDE,        /* stride * bytesPerTexel > pitch */
  LG_FRAME_OFFSET,        /* offset < 1084 */
  LG_FRAME_WP_ALIGN,      /* the FrameBuffer wp is not 4-byte aligned in the region */
  LG_FRAME_DATA_BOUNDS,   /* offset + 4 + dataHeight * pitch > message size */
  LG_FRAME_DAMAGE_COUNT,  /* damageRectsCount > 64 */
};

/* A validated frame: a private copy of the header plus derived, checked values. */
struct lg_frame_view {
  struct kvmfr_frame header; /* copy; damage_rects here are as sent (unclipped) */
  uint32_t bpp;              /* bytes per texel of header.type */
  uint32_t rotation;         /* header.rotation, or FRAME_ROT_0 when out of range */
  uint64_t msg_offset;       /* region offset of the KVMFRFrame */
  uint64_t wp_offset;        /* region offset of the FrameBuffer wp (0 if no region) */
  uint64_t data_offset;      /* region offset of the pixel data (0 if no region) */
  uint64_t data_size;        /* dataHeight * pitch */
  uint32_t damage_count;     /* clipped rects; 0 = full damage */
  struct frame_damage_rect damage[KVMFR_MAX_DAMAGE_RECTS]; /* clipped to the frame */
  bool damage_all_clipped; /* rects were sent but none was inside the frame */
};

/* Validates a KVMFRFrame header copy against the message size `msg_size` (items 8-9) and
 * fills `out` (region offsets left 0). `msg`, if not NULL, gets the reason on failure. */
enum lg_frame_error lg_frame_validate_header(const struct kvmfr_frame *hdr, uint64_t msg_size,
                                             struct lg_frame_view *out, char *msg, size_t msg_cap);

/* Copies the frame at region offset `msg_offset` (message allocation `msg_size`) out of
 * the region and validates it, including the message bounds (item 7) and wp alignment. */
enum lg_frame_error lg_frame_validate(const void *region, uint64_t region_size, uint32_t msg_offset,
                                      uint32_t msg_size, struct lg_frame_view *out, char *msg,
                                      size_t msg_cap);

/* Pointers to the wp and the pixel data of a frame validated by lg_frame_validate on the
 * same region; false if the view has no region offsets or they lie outside the region. */
bool lg_frame_pointers(const void *region, uint64_t region_size, const struct lg_frame_view *v,
                       const uint8_t **data, const uint32_t **wp);

/* Atomically loads a FrameBuffer write pointer (acquire), as the reader must. */
uint32_t lg_frame_load_wp(const uint32_t *wp);

/* Name of a frame error. */
const char *lg_frame_error_string(enum lg_frame_error err);

/* Name of a FRAME_TYPE_* value ("BGRA", ..., "invalid"). */
const char *lg_frame_type_name(uint32_t type);

enum lg_cursor_error {
  LG_CURSOR_OK = 0,
  LG_CURSOR_MSG_BOUNDS,    /* message offset + size past the region (item 7) */
  LG_CURSOR_MSG_TOO_SMALL, /* message size < 24, the KVMFRCursor header */
  LG_CURSOR_BAD_TYPE,      /* SHAPE with a type not in 0..2 */
  LG_CURSOR_WIDTH,         /* SHAPE with width > 512 */
  LG_CURSOR_HEIGHT,        /* SHAPE with height > 512 (1024 for MONOCHROME) */
  LG_CURSOR_PITCH,         /* SHAPE with pitch < the row size */
  LG_CURSOR_SHAPE_BOUNDS,  /* SHAPE with 24 + height * pitch > message size */
};

/* A validated cursor message. */
struct lg_cursor_view {
  struct kvmfr_cursor header; /* copy */
  uint32_t flags;             /* CURSOR_FLAG_* from the message udata */
  bool has_shape;
  uint32_t row_size;     /* bytes of one shape row: width*4, or ceil(width/8) */
  uint64_t shape_size;   /* height * pitch when has_shape */
  uint64_t shape_offset; /* region offset of the shape data (0 if no region) */
};

/* Validates a KVMFRCursor header copy with message flags `flags` against `msg_size`. */
enum lg_cursor_error lg_cursor_validate_header(const struct kvmfr_cursor *hdr, uint32_t flags,
                                               uint64_t msg_size, struct lg_cursor_view *out,
                                               char *msg, size_t msg_cap);

/* Copies the cursor at region offset `msg_offset` out of the region and validates it. */
enum lg_cursor_error lg_cursor_validate(const void *region, uint64_t region_size,
                                        uint32_t msg_offset, uint32_t msg_size, uint32_t flags,
                                        struct lg_cursor_view *out, char *msg, size_t msg_cap);

/* Name of a cursor error. */
const char *lg_cursor_error_string(enum lg_cursor_error err);

/* Name of a CURSOR_TYPE_* value ("COLOR", "MONOCHROME", "MASKED_COLOR", "unknown"). */
const char *lg_cursor_type_name(uint32_t type);

/* True when wrapping u32 counter `a` is newer than `b` (a != b, less than 2^31 ahead). */
static inline bool lg_serial_newer(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }

/* True when wrapping u32 counter `current` has reached `target` (equal or newer). */
static inline bool lg_serial_reached(uint32_t current, uint32_t target)
{
  return (int32_t)(current - target) >= 0;
}

#endif
