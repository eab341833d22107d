/* KVMFR version 20: the udata header, records, frame and cursor payloads, client messages.
 * Wire structs use fixed-width integers only; offsets are checked by static asserts. */
#ifndef LG_KVMFR_H
#define LG_KVMFR_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#define KVMFR_MAGIC   "KVMFR---"
#define KVMFR_VERSION 20u

#define LGMP_Q_POINTER     1u
#define LGMP_Q_FRAME       2u
#define LGMP_Q_POINTER_LEN 20u
#define LGMP_Q_FRAME_LEN   2u
#define LG_SUB_TIMEOUT_MS  1000u

#define KVMFR_FEATURE_SETCURSORPOS 0x1u
#define KVMFR_FEATURE_WINDOWSIZE   0x2u /* post-B7, still v20 */

#define KVMFR_MESSAGE_SETCURSORPOS 0u
#define KVMFR_MESSAGE_WINDOWSIZE   1u

#define KVMFR_RECORD_VMINFO 1u
#define KVMFR_RECORD_OSINFO 2u
#define KVMFR_RECORD_LGDIAG 0x80u

#define KVMFR_OS_LINUX   0u
#define KVMFR_OS_BSD     1u
#define KVMFR_OS_OSX     2u
#define KVMFR_OS_WINDOWS 3u
#define KVMFR_OS_OTHER   4u

#define KVMFR_MAX_DAMAGE_RECTS 64u

#define CURSOR_FLAG_POSITION 0x1u
#define CURSOR_FLAG_VISIBLE  0x2u
#define CURSOR_FLAG_SHAPE    0x4u

#define CURSOR_TYPE_COLOR        0u
#define CURSOR_TYPE_MONOCHROME   1u
#define CURSOR_TYPE_MASKED_COLOR 2u

#define FRAME_FLAG_BLOCK_SCREENSAVER  0x1u
#define FRAME_FLAG_REQUEST_ACTIVATION 0x2u
#define FRAME_FLAG_TRUNCATED          0x4u
#define FRAME_FLAG_HDR                0x8u
#define FRAME_FLAG_HDR_PQ             0x10u

#define FRAME_TYPE_INVALID 0u
#define FRAME_TYPE_BGRA    1u
#define FRAME_TYPE_RGBA    2u
#define FRAME_TYPE_RGBA10  3u
#define FRAME_TYPE_RGBA16F 4u
#define FRAME_TYPE_BGR_32  5u
#define FRAME_TYPE_RGB_24  6u
#define FRAME_TYPE_MAX     7u

#define FRAME_ROT_0   0u
#define FRAME_ROT_90  1u
#define FRAME_ROT_180 2u
#define FRAME_ROT_270 3u

#define FB_CHUNK_SIZE        1048576u
#define FB_SPIN_LIMIT        10000u
#define POINTER_SHAPE_BUFFERS 3u
#define MAX_POINTER_SIZE     1048600u /* 24 + 512*512*4 */
#define LG_POINTER_POS_BUFFERS 20u
#define LG_CURSOR_MAX_DIM    512u

/* udata header (48 bytes); records follow back to back. */
struct kvmfr {
  char magic[8];
  uint32_t version;
  char hostver[32];
  uint32_t features;
};

/* Record header (8 bytes, unaligned in the region: read with memcpy). */
struct kvmfr_record {
  uint8_t type;
  uint8_t pad[3]; /* undefined contents */
  uint32_t size;  /* data bytes after the header */
};

/* VMINFO record data, fixed part (51 bytes), then model[] NUL-terminated. */
#pragma pack(push, 1)
struct kvmfr_vminfo {
  uint8_t uuid[16];
  char capture[32];
  uint8_t cpus;
  uint8_t cores;
  uint8_t sockets;
};

/* OSINFO record data, fixed part (1 byte), then name[] NUL-terminated. */
struct kvmfr_osinfo {
  uint8_t os;
};

/* Our diagnostics record data (KVMFR_RECORD_LGDIAG), fixed part 40 bytes, then detail[]. */
struct kvmfr_lgdiag {
  char magic[4]; /* "LGDG" */
  uint16_t rec_version;
  uint16_t fixed_size;
  uint32_t valid;
  uint32_t reserved;
  uint64_t bar_addr;
  uint64_t bar_size;
  uint8_t phys_bits;
  uint8_t virt_bits;
  uint8_t map_stage;
  uint8_t map_failures;
  uint32_t map_error;
};
#pragma pack(pop)

#define LGDIAG_MAGIC       "LGDG"
#define LGDIAG_REC_VERSION 1u
#define LGDIAG_FIXED_SIZE  40u
#define LGDIAG_VALID_BAR_ADDR  0x1u
#define LGDIAG_VALID_BAR_SIZE  0x2u
#define LGDIAG_VALID_PHYS_BITS 0x4u
#define LGDIAG_VALID_MAP       0x8u

#define LGDIAG_STAGE_NONE      0u
#define LGDIAG_STAGE_ENUMERATE 1u
#define LGDIAG_STAGE_OPEN      2u
#define LGDIAG_STAGE_SIZE      3u
#define LGDIAG_STAGE_MAP       4u
#define LGDIAG_STAGE_GPU_HEAP  5u
#define LGDIAG_STAGE_OTHER     255u

struct frame_damage_rect {
  uint32_t x, y, width, height;
};

/* Frame payload header (1084 bytes); the FrameBuffer (u32 wp + data) is at +offset. */
struct kvmfr_frame {
  uint32_t format_ver;
  uint32_t frame_serial;
  uint32_t type;
  uint32_t screen_width, screen_height;
  uint32_t data_width, data_height;
  uint32_t frame_width, frame_height;
  uint32_t rotation;
  uint32_t stride;
  uint32_t pitch;
  uint32_t offset;
  uint32_t damage_rects_count;
  struct frame_damage_rect damage_rects[KVMFR_MAX_DAMAGE_RECTS];
  uint32_t flags;
};

/* Cursor payload header (24 bytes); shape data follows when SHAPE is set. */
struct kvmfr_cursor {
  int16_t x, y;
  uint32_t type;
  int8_t hx, hy;
  uint8_t pad[2];
  uint32_t width, height, pitch;
};

/* Client -> host messages (12 bytes each). */
struct kvmfr_set_cursor_pos {
  uint32_t msg;
  int32_t x, y;
};

struct kvmfr_window_size {
  uint32_t msg;
  uint32_t w, h;
};

#define KVMFR_CHECK(type, field, off) \
  static_assert(offsetof(struct type, field) == (off), #type "." #field " offset")

static_assert(sizeof(struct kvmfr) == 48, "kvmfr size");
KVMFR_CHECK(kvmfr, magic, 0);
KVMFR_CHECK(kvmfr, version, 8);
KVMFR_CHECK(kvmfr, hostver, 12);
KVMFR_CHECK(kvmfr, features, 44);

static_assert(sizeof(struct kvmfr_record) == 8, "kvmfr_record size");
KVMFR_CHECK(kvmfr_record, type, 0);
KVMFR_CHECK(kvmfr_record, size, 4);

static_assert(sizeof(struct kvmfr_vminfo) == 51, "kvmfr_vminfo size");
KVMFR_CHECK(kvmfr_vminfo, uuid, 0);
KVMFR_CHECK(kvmfr_vminfo, capture, 16);
KVMFR_CHECK(kvmfr_vminfo, cpus, 48);
KVMFR_CHECK(kvmfr_vminfo, cores, 49);
KVMFR_CHECK(kvmfr_vminfo, sockets, 50);
static_assert(sizeof(struct kvmfr_osinfo) == 1, "kvmfr_osinfo size");

static_assert(sizeof(struct kvmfr_lgdiag) == LGDIAG_FIXED_SIZE, "kvmfr_lgdiag size");
KVMFR_CHECK(kvmfr_lgdiag, magic, 0);
KVMFR_CHECK(kvmfr_lgdiag, rec_version, 4);
KVMFR_CHECK(kvmfr_lgdiag, fixed_size, 6);
KVMFR_CHECK(kvmfr_lgdiag, valid, 8);
KVMFR_CHECK(kvmfr_lgdiag, reserved, 12);
KVMFR_CHECK(kvmfr_lgdiag, bar_addr, 16);
KVMFR_CHECK(kvmfr_lgdiag, bar_size, 24);
KVMFR_CHECK(kvmfr_lgdiag, phys_bits, 32);
KVMFR_CHECK(kvmfr_lgdiag, virt_bits, 33);
KVMFR_CHECK(kvmfr_lgdiag, map_stage, 34);
KVMFR_CHECK(kvmfr_lgdiag, map_failures, 35);
KVMFR_CHECK(kvmfr_lgdiag, map_error, 36);

static_assert(sizeof(struct frame_damage_rect) == 16, "frame_damage_rect size");
static_assert(sizeof(struct kvmfr_frame) == 1084, "kvmfr_frame size");
KVMFR_CHECK(kvmfr_frame, format_ver, 0);
KVMFR_CHECK(kvmfr_frame, frame_serial, 4);
KVMFR_CHECK(kvmfr_frame, type, 8);
KVMFR_CHECK(kvmfr_frame, screen_width, 12);
KVMFR_CHECK(kvmfr_frame, screen_height, 16);
KVMFR_CHECK(kvmfr_frame, data_width, 20);
KVMFR_CHECK(kvmfr_frame, data_height, 24);
KVMFR_CHECK(kvmfr_frame, frame_width, 28);
KVMFR_CHECK(kvmfr_frame, frame_height, 32);
KVMFR_CHECK(kvmfr_frame, rotation, 36);
KVMFR_CHECK(kvmfr_frame, stride, 40);
KVMFR_CHECK(kvmfr_frame, pitch, 44);
KVMFR_CHECK(kvmfr_frame, offset, 48);
KVMFR_CHECK(kvmfr_frame, damage_rects_count, 52);
KVMFR_CHECK(kvmfr_frame, damage_rects, 56);
KVMFR_CHECK(kvmfr_frame, flags, 1080);

static_assert(sizeof(struct kvmfr_cursor) == 24, "kvmfr_cursor size");
KVMFR_CHECK(kvmfr_cursor, x, 0);
KVMFR_CHECK(kvmfr_cursor, y, 2);
KVMFR_CHECK(kvmfr_cursor, type, 4);
KVMFR_CHECK(kvmfr_cursor, hx, 8);
KVMFR_CHECK(kvmfr_cursor, hy, 9);
KVMFR_CHECK(kvmfr_cursor, width, 12);
KVMFR_CHECK(kvmfr_cursor, height, 16);
KVMFR_CHECK(kvmfr_cursor, pitch, 20);

static_assert(sizeof(struct kvmfr_set_cursor_pos) == 12, "kvmfr_set_cursor_pos size");
static_assert(sizeof(struct kvmfr_window_size) == 12, "kvmfr_window_size size");

/* FrameBuffer header size: one atomic u32 write pointer before the data. */
#define KVMFR_FRAMEBUFFER_HEADER 4u

/* Bytes per texel for a frame type; 0 for an invalid type. */
static inline uint32_t kvmfr_frame_type_bpp(uint32_t type)
{
  switch (type) {
  case FRAME_TYPE_BGRA:
  case FRAME_TYPE_RGBA:
  case FRAME_TYPE_RGBA10:
  case FRAME_TYPE_BGR_32:
    return 4;
  case FRAME_TYPE_RGBA16F:
    return 8;
  case FRAME_TYPE_RGB_24:
    return 3;
  default:
    return 0;
  }
}

#endif
