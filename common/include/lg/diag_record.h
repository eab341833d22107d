/* The LGDIAG KVMFR record (type 0x80, spec wire-b7 §5.3): guest facts the host reports
 * to the client. Encoder for the host, validating decoder for the client. The record data
 * is untrusted: the decoder never reads past `size` and bounds the detail string. */
#ifndef LG_DIAG_RECORD_H
#define LG_DIAG_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lg/kvmfr.h"

/* Longest detail string kept by the decoder / accepted by the encoder, without the NUL. */
#define LG_DIAG_DETAIL_MAX 255u

/* Decoded (or to-be-encoded) LGDIAG record. */
struct lg_diag_record {
  uint16_t rec_version; /* decoder: as read (1); encoder: ignored, writes 1 */
  uint16_t fixed_size;  /* decoder: as read (>= 40); encoder: ignored, writes 40 */
  uint32_t valid;       /* LGDIAG_VALID_* bits */
  uint32_t reserved;
  uint64_t bar_addr;
  uint64_t bar_size;
  uint8_t phys_bits;
  uint8_t virt_bits;
  uint8_t map_stage; /* LGDIAG_STAGE_* */
  uint8_t map_failures;
  uint32_t map_error;
  bool has_detail;
  bool detail_unterminated; /* decoder: the detail had no NUL within the record */
  bool detail_truncated;    /* decoder: longer than LG_DIAG_DETAIL_MAX, cut */
  char detail[LG_DIAG_DETAIL_MAX + 1];
};

enum lg_diag_record_error {
  LG_DIAG_RECORD_OK = 0,
  LG_DIAG_RECORD_TOO_SHORT,      /* size < 40 */
  LG_DIAG_RECORD_BAD_MAGIC,      /* not "LGDG" */
  LG_DIAG_RECORD_BAD_VERSION,    /* recVersion != 1 */
  LG_DIAG_RECORD_BAD_FIXED_SIZE, /* fixedSize < 40 or > size */
  LG_DIAG_RECORD_NO_SPACE,       /* encoder: the buffer is too small */
};

/* Number of record data bytes lg_diag_record_encode writes for `rec` (40 + detail + NUL). */
size_t lg_diag_record_encoded_size(const struct lg_diag_record *rec);

/* Writes the record data (no 8-byte record header) into buf[0..cap); `*len` gets the size.
 * The detail is written when has_detail is set (cut to LG_DIAG_DETAIL_MAX bytes). */
enum lg_diag_record_error lg_diag_record_encode(const struct lg_diag_record *rec, void *buf,
                                                size_t cap, size_t *len);

/* Validates and decodes `size` bytes of record data at `data` into `out`. On error `msg`
 * (if not NULL) gets a sentence naming the field and values. */
enum lg_diag_record_error lg_diag_record_decode(const void *data, size_t size,
                                                struct lg_diag_record *out, char *msg,
                                                size_t msg_cap);

/* Name of a decoder/encoder error. */
const char *lg_diag_record_error_string(enum lg_diag_record_error err);

/* Name of a mapStage value ("none", "enumerate", ..., "other", "unknown"). */
const char *lg_diag_map_stage_name(uint8_t stage);

#endif
