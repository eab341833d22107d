/* KVMFR v20 udata codec: see lg/kvmfr_udata.h. */
#include "lg/kvmfr_udata.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define KVMFR_HEADER_SIZE ((uint32_t)sizeof(struct kvmfr))
#define RECORD_HEADER_SIZE ((uint32_t)sizeof(struct kvmfr_record))
#define VMINFO_FIXED ((uint32_t)sizeof(struct kvmfr_vminfo))
#define OSINFO_FIXED ((uint32_t)sizeof(struct kvmfr_osinfo))

static void put_u32(uint8_t *p, uint32_t v)
{
  for (int i = 0; i < 4; ++i)
    p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static void warn(struct lg_kvmfr_udata *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void warn(struct lg_kvmfr_udata *out, const char *fmt, ...)
{
  if (out->warning_count >= LG_KVMFR_MAX_WARNINGS) {
    ++out->warnings_dropped;
    return;
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(out->warnings[out->warning_count], LG_KVMFR_WARNING_LEN, fmt, ap);
  va_end(ap);
  ++out->warning_count;
}

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

/* Copies a string of at most `avail` bytes that may lack its NUL into dst[0..cap); returns
 * true when a NUL was found within `avail`. */
static bool copy_bounded(char *dst, size_t cap, const uint8_t *src, size_t avail, bool *cut)
{
  size_t n = strnlen((const char *)src, avail);
  bool terminated = n < avail;
  *cut = false;
  if (n >= cap) {
    n = cap - 1;
    *cut = true;
  }
  memcpy(dst, src, n);
  dst[n] = '\0';
  return terminated;
}

static void decode_vminfo(const uint8_t *d, uint32_t size, uint32_t at, struct lg_kvmfr_udata *out)
{
  bool cut;
  if (size < VMINFO_FIXED) {
    warn(out, "VMINFO record at udata+%u: size %u is below its fixed part of %u; ignored", at, size,
         VMINFO_FIXED);
    return;
  }
  if (out->has_vminfo) {
    warn(out, "second VMINFO record at udata+%u ignored", at);
    return;
  }
  struct lg_kvmfr_vminfo *v = &out->vminfo;
  memcpy(v->uuid, d + offsetof(struct kvmfr_vminfo, uuid), sizeof(v->uuid));
  if (!copy_bounded(v->capture, sizeof(v->capture), d + offsetof(struct kvmfr_vminfo, capture),
                    LG_KVMFR_CAPTURE_MAX, &cut))
    warn(out, "VMINFO capture name is not NUL-terminated within 32 bytes");
  v->cpus = d[offsetof(struct kvmfr_vminfo, cpus)];
  v->cores = d[offsetof(struct kvmfr_vminfo, cores)];
  v->sockets = d[offsetof(struct kvmfr_vminfo, sockets)];
  if (size == VMINFO_FIXED) {
    warn(out, "VMINFO record at udata+%u has no model string", at);
  } else {
    if (!copy_bounded(v->model, sizeof(v->model), d + VMINFO_FIXED, size - VMINFO_FIXED, &cut))
      warn(out, "VMINFO model is not NUL-terminated within its record (size %u)", size);
    if (cut)
      warn(out, "VMINFO model is longer than %u bytes; cut", LG_KVMFR_STRING_MAX);
  }
  out->has_vminfo = true;
}

static void decode_osinfo(const uint8_t *d, uint32_t size, uint32_t at, struct lg_kvmfr_udata *out)
{
  bool cut;
  if (size < OSINFO_FIXED) {
    warn(out, "OSINFO record at udata+%u is empty; ignored", at);
    return;
  }
  if (out->has_osinfo) {
    warn(out, "second OSINFO record at udata+%u ignored", at);
    return;
  }
  out->osinfo.os = d[0];
  if (size == OSINFO_FIXED) {
    warn(out, "OSINFO record at udata+%u has no name string", at);
  } else {
    if (!copy_bounded(out->osinfo.name, sizeof(out->osinfo.name), d + OSINFO_FIXED,
                      size - OSINFO_FIXED, &cut))
      warn(out, "OSINFO name is not NUL-terminated within its record (size %u)", size);
    if (cut)
      warn(out, "OSINFO name is longer than %u bytes; cut", LG_KVMFR_STRING_MAX);
  }
  out->has_osinfo = true;
}

static void decode_lgdiag(const uint8_t *d, uint32_t size, uint32_t at, struct lg_kvmfr_udata *out)
{
  char why[128];
  if (out->has_lgdiag) {
    warn(out, "second LGDIAG record at udata+%u ignored", at);
    return;
  }
  enum lg_diag_record_error err = lg_diag_record_decode(d, size, &out->lgdiag, why, sizeof(why));
  if (err != LG_DIAG_RECORD_OK) {
    out->lgdiag_error = err;
    memset(&out->lgdiag, 0, sizeof(out->lgdiag));
    warn(out, "LGDIAG record at udata+%u ignored: %s", at, why);
    return;
  }
  if (out->lgdiag.detail_unterminated)
    warn(out, "LGDIAG detail is not NUL-terminated within its record (size %u)", size);
  out->has_lgdiag = true;
}

enum lg_kvmfr_udata_error lg_kvmfr_udata_decode(const void *udata, size_t size,
                                                struct lg_kvmfr_udata *out, char *msg,
                                                size_t msg_cap)
{
  const uint8_t *u = udata;
  memset(out, 0, sizeof(*out));
  set_msg(msg, msg_cap, "ok");

  if (size < KVMFR_HEADER_SIZE) {
    set_msg(msg, msg_cap, "udata is %" PRIu64 " bytes, below the %u-byte KVMFR header",
            (uint64_t)size, KVMFR_HEADER_SIZE);
    return LG_KVMFR_UDATA_TOO_SMALL;
  }
  /* udataSize is a u32 on the wire; never walk more than that */
  if ((uint64_t)size > UINT32_MAX)
    size = UINT32_MAX;

  if (memcmp(u + offsetof(struct kvmfr, magic), KVMFR_MAGIC, 8) != 0) {
    char shown[9];
    for (int i = 0; i < 8; ++i) {
      uint8_t c = u[i];
      shown[i] = (c >= 0x20 && c < 0x7F) ? (char)c : '.';
    }
    shown[8] = '\0';
    set_msg(msg, msg_cap, "incompatible host: KVMFR magic is \"%s\", expected \"%s\"", shown,
            KVMFR_MAGIC);
    return LG_KVMFR_UDATA_BAD_MAGIC;
  }

  out->version = get_u32(u + offsetof(struct kvmfr, version));
  bool cut;
  if (!copy_bounded(out->hostver, sizeof(out->hostver), u + offsetof(struct kvmfr, hostver),
                    LG_KVMFR_HOSTVER_MAX, &cut))
    warn(out, "hostver is not NUL-terminated within 32 bytes");
  out->features = get_u32(u + offsetof(struct kvmfr, features));

  if (out->version != KVMFR_VERSION) {
    set_msg(msg, msg_cap,
            "incompatible host: KVMFR version %u (host \"%s\"), this client needs version %u",
            out->version, out->hostver, KVMFR_VERSION);
    return LG_KVMFR_UDATA_BAD_VERSION;
  }

  uint32_t pos = KVMFR_HEADER_SIZE;
  uint32_t end = (uint32_t)size;
  out->records_complete = true;
  while (end - pos >= RECORD_HEADER_SIZE) {
    uint8_t type = u[pos];
    uint32_t rsize = get_u32(u + pos + offsetof(struct kvmfr_record, size));
    uint32_t at = pos;
    uint32_t remaining = end - pos - RECORD_HEADER_SIZE;
    if (rsize > remaining) {
      warn(out,
           "record %u (type %u) at udata+%u: size %u exceeds the %u bytes remaining; "
           "parsing stopped",
           out->record_count + 1, type, at, rsize, remaining);
      out->records_complete = false;
      break;
    }
    const uint8_t *data = u + pos + RECORD_HEADER_SIZE;
    if (out->record_count < LG_KVMFR_MAX_RECORDS) {
      struct lg_kvmfr_record_info *ri = &out->records[out->record_count];
      ri->type = type;
      ri->size = rsize;
      ri->offset = at;
    }
    ++out->record_count;
    switch (type) {
    case KVMFR_RECORD_VMINFO:
      decode_vminfo(data, rsize, at, out);
      break;
    case KVMFR_RECORD_OSINFO:
      decode_osinfo(data, rsize, at, out);
      break;
    case KVMFR_RECORD_LGDIAG:
      decode_lgdiag(data, rsize, at, out);
      break;
    default:
      warn(out, "unknown record type %u (size %u) at udata+%u skipped", type, rsize, at);
      break;
    }
    pos += RECORD_HEADER_SIZE + rsize;
  }
  if (out->records_complete && pos != end)
    warn(out, "%u trailing bytes after the last record ignored", end - pos);
  out->parsed_bytes = pos;
  return LG_KVMFR_UDATA_OK;
}

enum lg_kvmfr_udata_error lg_kvmfr_udata_write_header(void *buf, size_t cap, uint32_t version,
                                                      const char *hostver, uint32_t features)
{
  uint8_t *p = buf;
  if (cap < KVMFR_HEADER_SIZE)
    return LG_KVMFR_UDATA_NO_SPACE;
  memset(p, 0, KVMFR_HEADER_SIZE);
  memcpy(p + offsetof(struct kvmfr, magic), KVMFR_MAGIC, 8);
  put_u32(p + offsetof(struct kvmfr, version), version);
  if (hostver) {
    size_t n = strnlen(hostver, LG_KVMFR_HOSTVER_MAX - 1); /* keep the NUL */
    memcpy(p + offsetof(struct kvmfr, hostver), hostver, n);
  }
  put_u32(p + offsetof(struct kvmfr, features), features);
  return LG_KVMFR_UDATA_OK;
}

bool lg_kvmfr_udata_append_record(void *buf, size_t cap, size_t *len, uint8_t type,
                                  const void *data, uint32_t size)
{
  uint8_t *p = buf;
  if (*len > cap || cap - *len < (size_t)RECORD_HEADER_SIZE + size)
    return false;
  uint8_t *h = p + *len;
  memset(h, 0, RECORD_HEADER_SIZE);
  h[0] = type;
  put_u32(h + offsetof(struct kvmfr_record, size), size);
  if (size)
    memcpy(h + RECORD_HEADER_SIZE, data, size);
  *len += RECORD_HEADER_SIZE + size;
  return true;
}

enum lg_kvmfr_udata_error lg_kvmfr_udata_encode(const struct lg_kvmfr_udata *in, void *buf,
                                                size_t cap, size_t *len)
{
  uint8_t tmp[LGDIAG_FIXED_SIZE + LG_DIAG_DETAIL_MAX + 1];
  enum lg_kvmfr_udata_error err =
      lg_kvmfr_udata_write_header(buf, cap, KVMFR_VERSION, in->hostver, in->features);
  if (err != LG_KVMFR_UDATA_OK)
    return err;
  size_t n = KVMFR_HEADER_SIZE;

  if (in->has_vminfo) {
    const struct lg_kvmfr_vminfo *v = &in->vminfo;
    size_t model = strnlen(v->model, LG_KVMFR_STRING_MAX);
    uint8_t rec[VMINFO_FIXED + LG_KVMFR_STRING_MAX + 1];
    memset(rec, 0, sizeof(rec));
    memcpy(rec + offsetof(struct kvmfr_vminfo, uuid), v->uuid, sizeof(v->uuid));
    memcpy(rec + offsetof(struct kvmfr_vminfo, capture), v->capture,
           strnlen(v->capture, LG_KVMFR_CAPTURE_MAX - 1));
    rec[offsetof(struct kvmfr_vminfo, cpus)] = v->cpus;
    rec[offsetof(struct kvmfr_vminfo, cores)] = v->cores;
    rec[offsetof(struct kvmfr_vminfo, sockets)] = v->sockets;
    memcpy(rec + VMINFO_FIXED, v->model, model);
    if (!lg_kvmfr_udata_append_record(buf, cap, &n, KVMFR_RECORD_VMINFO, rec,
                                      (uint32_t)(VMINFO_FIXED + model + 1)))
      return LG_KVMFR_UDATA_NO_SPACE;
  }

  if (in->has_osinfo) {
    size_t name = strnlen(in->osinfo.name, LG_KVMFR_STRING_MAX);
    uint8_t rec[OSINFO_FIXED + LG_KVMFR_STRING_MAX + 1];
    rec[0] = in->osinfo.os;
    memcpy(rec + OSINFO_FIXED, in->osinfo.name, name);
    rec[OSINFO_FIXED + name] = '\0';
    if (!lg_kvmfr_udata_append_record(buf, cap, &n, KVMFR_RECORD_OSINFO, rec,
                                      (uint32_t)(OSINFO_FIXED + name + 1)))
      return LG_KVMFR_UDATA_NO_SPACE;
  }

  if (in->has_lgdiag) {
    size_t dlen;
    if (lg_diag_record_encode(&in->lgdiag, tmp, sizeof(tmp), &dlen) != LG_DIAG_RECORD_OK)
      return LG_KVMFR_UDATA_NO_SPACE;
    if (!lg_kvmfr_udata_append_record(buf, cap, &n, KVMFR_RECORD_LGDIAG, tmp, (uint32_t)dlen))
      return LG_KVMFR_UDATA_NO_SPACE;
  }
  *len = n;
  return LG_KVMFR_UDATA_OK;
}

const char *lg_kvmfr_record_type_name(uint8_t type)
{
  switch (type) {
  case KVMFR_RECORD_VMINFO:
    return "VMINFO";
  case KVMFR_RECORD_OSINFO:
    return "OSINFO";
  case KVMFR_RECORD_LGDIAG:
    return "LGDIAG";
  default:
    return "unknown";
  }
}

const char *lg_kvmfr_os_name(uint8_t os)
{
  switch (os) {
  case KVMFR_OS_LINUX:
    return "Linux";
  case KVMFR_OS_BSD:
    return "BSD";
  case KVMFR_OS_OSX:
    return "macOS";
  case KVMFR_OS_WINDOWS:
    return "Windows";
  case KVMFR_OS_OTHER:
    return "other";
  default:
    return "unknown";
  }
}

const char *lg_kvmfr_udata_error_string(enum lg_kvmfr_udata_error err)
{
  switch (err) {
  case LG_KVMFR_UDATA_OK:
    return "ok";
  case LG_KVMFR_UDATA_TOO_SMALL:
    return "udata too small";
  case LG_KVMFR_UDATA_BAD_MAGIC:
    return "bad KVMFR magic";
  case LG_KVMFR_UDATA_BAD_VERSION:
    return "incompatible KVMFR version";
  case LG_KVMFR_UDATA_NO_SPACE:
    return "buffer too small";
  }
  return "unknown error";
}
