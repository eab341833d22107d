/* LGDIAG record codec: see lg/diag_record.h. Fields are little-endian on the wire. */
#include "lg/diag_record.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void put_u16(uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v)
{
  for (int i = 0; i < 4; ++i)
    p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
  for (int i = 0; i < 8; ++i)
    p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

static uint32_t get_u32(const uint8_t *p)
{
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint64_t get_u64(const uint8_t *p)
{
  return (uint64_t)get_u32(p) | ((uint64_t)get_u32(p + 4) << 32);
}

static size_t detail_len(const struct lg_diag_record *rec)
{
  if (!rec->has_detail)
    return 0;
  return strnlen(rec->detail, LG_DIAG_DETAIL_MAX);
}

size_t lg_diag_record_encoded_size(const struct lg_diag_record *rec)
{
  return LGDIAG_FIXED_SIZE + (rec->has_detail ? detail_len(rec) + 1 : 0);
}

enum lg_diag_record_error lg_diag_record_encode(const struct lg_diag_record *rec, void *buf,
                                                size_t cap, size_t *len)
{
  size_t need = lg_diag_record_encoded_size(rec);
  if (cap < need)
    return LG_DIAG_RECORD_NO_SPACE;
  uint8_t *p = buf;
  memcpy(p + offsetof(struct kvmfr_lgdiag, magic), LGDIAG_MAGIC, 4);
  put_u16(p + offsetof(struct kvmfr_lgdiag, rec_version), LGDIAG_REC_VERSION);
  put_u16(p + offsetof(struct kvmfr_lgdiag, fixed_size), LGDIAG_FIXED_SIZE);
  put_u32(p + offsetof(struct kvmfr_lgdiag, valid), rec->valid);
  put_u32(p + offsetof(struct kvmfr_lgdiag, reserved), 0);
  put_u64(p + offsetof(struct kvmfr_lgdiag, bar_addr), rec->bar_addr);
  put_u64(p + offsetof(struct kvmfr_lgdiag, bar_size), rec->bar_size);
  p[offsetof(struct kvmfr_lgdiag, phys_bits)] = rec->phys_bits;
  p[offsetof(struct kvmfr_lgdiag, virt_bits)] = rec->virt_bits;
  p[offsetof(struct kvmfr_lgdiag, map_stage)] = rec->map_stage;
  p[offsetof(struct kvmfr_lgdiag, map_failures)] = rec->map_failures;
  put_u32(p + offsetof(struct kvmfr_lgdiag, map_error), rec->map_error);
  if (rec->has_detail) {
    size_t n = detail_len(rec);
    memcpy(p + LGDIAG_FIXED_SIZE, rec->detail, n);
    p[LGDIAG_FIXED_SIZE + n] = '\0';
  }
  *len = need;
  return LG_DIAG_RECORD_OK;
}

static enum lg_diag_record_error fail(enum lg_diag_record_error err, char *msg, size_t cap,
                                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum lg_diag_record_error fail(enum lg_diag_record_error err, char *msg, size_t cap,
                                      const char *fmt, ...)
{
  if (msg && cap) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, cap, fmt, ap);
    va_end(ap);
  }
  return err;
}

enum lg_diag_record_error lg_diag_record_decode(const void *data, size_t size,
                                                struct lg_diag_record *out, char *msg,
                                                size_t msg_cap)
{
  const uint8_t *p = data;
  memset(out, 0, sizeof(*out));
  if (msg && msg_cap)
    msg[0] = '\0';

  if (size < LGDIAG_FIXED_SIZE)
    return fail(LG_DIAG_RECORD_TOO_SHORT, msg, msg_cap,
                "LGDIAG record size %" PRIu64 " is below the fixed size %u", (uint64_t)size,
                LGDIAG_FIXED_SIZE);
  if (memcmp(p, LGDIAG_MAGIC, 4) != 0)
    return fail(LG_DIAG_RECORD_BAD_MAGIC, msg, msg_cap,
                "LGDIAG magic is %02x %02x %02x %02x, expected \"LGDG\"", p[0], p[1], p[2], p[3]);

  out->rec_version = get_u16(p + offsetof(struct kvmfr_lgdiag, rec_version));
  out->fixed_size = get_u16(p + offsetof(struct kvmfr_lgdiag, fixed_size));
  if (out->rec_version != LGDIAG_REC_VERSION)
    return fail(LG_DIAG_RECORD_BAD_VERSION, msg, msg_cap,
                "LGDIAG recVersion is %u, this client understands %u", out->rec_version,
                LGDIAG_REC_VERSION);
  if (out->fixed_size < LGDIAG_FIXED_SIZE || out->fixed_size > size)
    return fail(LG_DIAG_RECORD_BAD_FIXED_SIZE, msg, msg_cap,
                "LGDIAG fixedSize %u is outside %u..%" PRIu64 " (the record size)", out->fixed_size,
                LGDIAG_FIXED_SIZE, (uint64_t)size);

  out->valid = get_u32(p + offsetof(struct kvmfr_lgdiag, valid));
  out->reserved = get_u32(p + offsetof(struct kvmfr_lgdiag, reserved));
  out->bar_addr = get_u64(p + offsetof(struct kvmfr_lgdiag, bar_addr));
  out->bar_size = get_u64(p + offsetof(struct kvmfr_lgdiag, bar_size));
  out->phys_bits = p[offsetof(struct kvmfr_lgdiag, phys_bits)];
  out->virt_bits = p[offsetof(struct kvmfr_lgdiag, virt_bits)];
  out->map_stage = p[offsetof(struct kvmfr_lgdiag, map_stage)];
  out->map_failures = p[offsetof(struct kvmfr_lgdiag, map_failures)];
  out->map_error = get_u32(p + offsetof(struct kvmfr_lgdiag, map_error));

  /* Fields a later recVersion-1 writer appends before fixedSize are skipped; the detail
   * string, if any, fills the rest of the record. */
  size_t avail = size - out->fixed_size;
  if (avail > 0) {
    const char *d = (const char *)p + out->fixed_size;
    size_t n = strnlen(d, avail);
    out->has_detail = true;
    out->detail_unterminated = (n == avail);
    if (n > LG_DIAG_DETAIL_MAX) {
      n = LG_DIAG_DETAIL_MAX;
      out->detail_truncated = true;
    }
    memcpy(out->detail, d, n);
    out->detail[n] = '\0';
  }
  return LG_DIAG_RECORD_OK;
}

const char *lg_diag_record_error_string(enum lg_diag_record_error err)
{
  switch (err) {
  case LG_DIAG_RECORD_OK:
    return "ok";
  case LG_DIAG_RECORD_TOO_SHORT:
    return "record too short";
  case LG_DIAG_RECORD_BAD_MAGIC:
    return "bad magic";
  case LG_DIAG_RECORD_BAD_VERSION:
    return "unsupported recVersion";
  case LG_DIAG_RECORD_BAD_FIXED_SIZE:
    return "bad fixedSize";
  case LG_DIAG_RECORD_NO_SPACE:
    return "buffer too small";
  }
  return "unknown error";
}

const char *lg_diag_map_stage_name(uint8_t stage)
{
  switch (stage) {
  case LGDIAG_STAGE_NONE:
    return "none";
  case LGDIAG_STAGE_ENUMERATE:
    return "enumerate";
  case LGDIAG_STAGE_OPEN:
    return "open";
  case LGDIAG_STAGE_SIZE:
    return "size query";
  case LGDIAG_STAGE_MAP:
    return "map";
  case LGDIAG_STAGE_GPU_HEAP:
    return "GPU heap import";
  case LGDIAG_STAGE_OTHER:
    return "other";
  default:
    return "unknown";
  }
}
