/* KVMFR v20 udata (spec wire-b7 §3.1, §5.1 items 3-4 and 11, §5.3): the 48-byte KVMFR
 * header followed by records. The encoder (host) writes the header, VMINFO, OSINFO and
 * our LGDIAG record last. The decoder (client) validates untrusted udata: it reads
 * records with memcpy, bounds every string by its record and never reads past `size`. */
#ifndef LG_KVMFR_UDATA_H
#define LG_KVMFR_UDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lg/diag_record.h"
#include "lg/kvmfr.h"

#define LG_KVMFR_HOSTVER_MAX 32u /* hostver field bytes (a NUL may be missing) */
#define LG_KVMFR_CAPTURE_MAX 32u /* VMINFO capture field bytes */
#define LG_KVMFR_STRING_MAX 255u /* longest model / OS name kept, without the NUL */
#define LG_KVMFR_MAX_WARNINGS 8u
#define LG_KVMFR_WARNING_LEN 160u
#define LG_KVMFR_MAX_RECORDS 16u /* records listed in lg_kvmfr_udata.records */

/* VMINFO record (type 1). */
struct lg_kvmfr_vminfo {
  uint8_t uuid[16];
  char capture[LG_KVMFR_CAPTURE_MAX + 1];
  uint8_t cpus, cores, sockets;
  char model[LG_KVMFR_STRING_MAX + 1];
};

/* OSINFO record (type 2). */
struct lg_kvmfr_osinfo {
  uint8_t os; /* KVMFR_OS_* */
  char name[LG_KVMFR_STRING_MAX + 1];
};

/* Where one record sits: type, data size, and the udata offset of its 8-byte header. */
struct lg_kvmfr_record_info {
  uint8_t type;
  uint32_t size;
  uint32_t offset;
};

/* Decoded udata, also the encoder's input (version, records and warnings are ignored by
 * the encoder, which always writes version 20). */
struct lg_kvmfr_udata {
  uint32_t version;
  char hostver[LG_KVMFR_HOSTVER_MAX + 1]; /* always NUL-terminated here */
  uint32_t features;

  bool has_vminfo;
  struct lg_kvmfr_vminfo vminfo;
  bool has_osinfo;
  struct lg_kvmfr_osinfo osinfo;
  bool has_lgdiag;
  struct lg_diag_record lgdiag;
  enum lg_diag_record_error lgdiag_error; /* why an LGDIAG record was rejected */

  uint32_t record_count; /* records walked (listed up to LG_KVMFR_MAX_RECORDS) */
  struct lg_kvmfr_record_info records[LG_KVMFR_MAX_RECORDS];
  bool records_complete; /* false: a record size lied and parsing stopped early */
  uint32_t parsed_bytes; /* udata bytes consumed by the header and whole records */

  uint32_t warning_count; /* warnings stored (up to LG_KVMFR_MAX_WARNINGS) */
  uint32_t warnings_dropped;
  char warnings[LG_KVMFR_MAX_WARNINGS][LG_KVMFR_WARNING_LEN];
};

enum lg_kvmfr_udata_error {
  LG_KVMFR_UDATA_OK = 0,
  LG_KVMFR_UDATA_TOO_SMALL,   /* udataSize < 48 */
  LG_KVMFR_UDATA_BAD_MAGIC,   /* not "KVMFR---" */
  LG_KVMFR_UDATA_BAD_VERSION, /* version != 20: incompatible host */
  LG_KVMFR_UDATA_NO_SPACE,    /* encoder: the buffer is too small */
};

/* Decodes `size` bytes of udata. On a header error nothing after the header is parsed and
 * `msg` names the problem ("incompatible host: KVMFR version 19, this client needs 20").
 * Record problems do not fail the call: they go to out->warnings (records_complete tells
 * whether a lying size stopped the walk); every record parsed before it is kept. */
enum lg_kvmfr_udata_error lg_kvmfr_udata_decode(const void *udata, size_t size,
                                                struct lg_kvmfr_udata *out, char *msg,
                                                size_t msg_cap);

/* Encodes `in` as udata into buf[0..cap): header (version 20), then VMINFO if has_vminfo,
 * OSINFO if has_osinfo and LGDIAG if has_lgdiag, in that order. `*len` gets the size. */
enum lg_kvmfr_udata_error lg_kvmfr_udata_encode(const struct lg_kvmfr_udata *in, void *buf,
                                                size_t cap, size_t *len);

/* Writes only the 48-byte KVMFR header with an explicit version (tests, tools). */
enum lg_kvmfr_udata_error lg_kvmfr_udata_write_header(void *buf, size_t cap, uint32_t version,
                                                      const char *hostver, uint32_t features);

/* Appends one record (8-byte header + `size` data bytes) at buf[*len]; advances *len.
 * Returns false if it does not fit in `cap`. */
bool lg_kvmfr_udata_append_record(void *buf, size_t cap, size_t *len, uint8_t type,
                                  const void *data, uint32_t size);

/* Name of a record type ("VMINFO", "OSINFO", "LGDIAG" or "unknown"). */
const char *lg_kvmfr_record_type_name(uint8_t type);

/* Name of a KVMFR_OS_* value ("Linux", ..., "unknown"). */
const char *lg_kvmfr_os_name(uint8_t os);

/* Name of a udata error. */
const char *lg_kvmfr_udata_error_string(enum lg_kvmfr_udata_error err);

#endif
