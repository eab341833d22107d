/* Unit tests of the KVMFR udata codec and the LGDIAG record codec: round trips, a B7-like
 * udata, lying record sizes, unknown types, missing NULs and bad headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lg/diag_record.h"
#include "lg/kvmfr_udata.h"

static void put32(uint8_t *p, uint32_t v)
{
  for (int i = 0; i < 4; ++i)
    p[i] = (uint8_t)(v >> (8 * i));
}

static bool has_warning(const struct lg_kvmfr_udata *u, const char *needle)
{
  for (uint32_t i = 0; i < u->warning_count; ++i)
    if (strstr(u->warnings[i], needle))
      return true;
  return false;
}

static void fill_full(struct lg_kvmfr_udata *in)
{
  memset(in, 0, sizeof(*in));
  strcpy(in->hostver, "lg-fork 0.1.0");
  in->features = KVMFR_FEATURE_SETCURSORPOS;
  in->has_vminfo = true;
  for (int i = 0; i < 16; ++i)
    in->vminfo.uuid[i] = (uint8_t)(0xA0 + i);
  strcpy(in->vminfo.capture, "pattern");
  in->vminfo.cpus = 8;
  in->vminfo.cores = 4;
  in->vminfo.sockets = 1;
  strcpy(in->vminfo.model, "Test CPU @ 3.00GHz");
  in->has_osinfo = true;
  in->osinfo.os = KVMFR_OS_WINDOWS;
  strcpy(in->osinfo.name, "Windows 11 Pro");
  in->has_lgdiag = true;
  in->lgdiag.valid =
      LGDIAG_VALID_BAR_ADDR | LGDIAG_VALID_BAR_SIZE | LGDIAG_VALID_PHYS_BITS | LGDIAG_VALID_MAP;
  in->lgdiag.bar_addr = 0x380000000000ull;
  in->lgdiag.bar_size = 32ull << 20;
  in->lgdiag.phys_bits = 46;
  in->lgdiag.virt_bits = 48;
  in->lgdiag.map_stage = LGDIAG_STAGE_GPU_HEAP;
  in->lgdiag.map_failures = 3;
  in->lgdiag.map_error = 0x80070057u;
  in->lgdiag.has_detail = true;
  strcpy(in->lgdiag.detail, "OpenExistingHeapFromAddress failed");
}

static void test_round_trip(void **state)
{
  struct lg_kvmfr_udata in, out;
  uint8_t buf[1024];
  size_t len = 0;
  char msg[200];
  fill_full(&in);
  assert_int_equal(lg_kvmfr_udata_encode(&in, buf, sizeof(buf), &len), LG_KVMFR_UDATA_OK);
  size_t vm = 8 + 51 + strlen(in.vminfo.model) + 1;
  size_t os = 8 + 1 + strlen(in.osinfo.name) + 1;
  size_t dg = 8 + 40 + strlen(in.lgdiag.detail) + 1;
  assert_int_equal(len, 48 + vm + os + dg);
  assert_memory_equal(buf, "KVMFR---", 8);
  assert_int_equal(buf[8], 20);

  assert_int_equal(lg_kvmfr_udata_decode(buf, len, &out, msg, sizeof(msg)), LG_KVMFR_UDATA_OK);
  assert_int_equal(out.version, 20);
  assert_string_equal(out.hostver, in.hostver);
  assert_int_equal(out.features, KVMFR_FEATURE_SETCURSORPOS);
  assert_true(out.has_vminfo);
  assert_memory_equal(out.vminfo.uuid, in.vminfo.uuid, 16);
  assert_string_equal(out.vminfo.capture, "pattern");
  assert_int_equal(out.vminfo.cpus, 8);
  assert_int_equal(out.vminfo.cores, 4);
  assert_int_equal(out.vminfo.sockets, 1);
  assert_string_equal(out.vminfo.model, in.vminfo.model);
  assert_true(out.has_osinfo);
  assert_int_equal(out.osinfo.os, KVMFR_OS_WINDOWS);
  assert_string_equal(out.osinfo.name, "Windows 11 Pro");
  assert_true(out.has_lgdiag);
  assert_int_equal(out.lgdiag.rec_version, 1);
  assert_int_equal(out.lgdiag.fixed_size, 40);
  assert_int_equal(out.lgdiag.valid, 0xF);
  assert_true(out.lgdiag.bar_addr == 0x380000000000ull);
  assert_true(out.lgdiag.bar_size == (32ull << 20));
  assert_int_equal(out.lgdiag.phys_bits, 46);
  assert_int_equal(out.lgdiag.virt_bits, 48);
  assert_int_equal(out.lgdiag.map_stage, LGDIAG_STAGE_GPU_HEAP);
  assert_int_equal(out.lgdiag.map_failures, 3);
  assert_int_equal(out.lgdiag.map_error, 0x80070057u);
  assert_true(out.lgdiag.has_detail);
  assert_false(out.lgdiag.detail_unterminated);
  assert_string_equal(out.lgdiag.detail, in.lgdiag.detail);

  /* order: VMINFO, OSINFO, LGDIAG last, ending exactly at the end */
  assert_int_equal(out.record_count, 3);
  assert_int_equal(out.records[0].type, KVMFR_RECORD_VMINFO);
  assert_int_equal(out.records[0].offset, 48);
  assert_int_equal(out.records[1].type, KVMFR_RECORD_OSINFO);
  assert_int_equal(out.records[1].offset, 48 + vm);
  assert_int_equal(out.records[2].type, KVMFR_RECORD_LGDIAG);
  assert_int_equal(out.records[2].offset, 48 + vm + os);
  assert_true(out.records_complete);
  assert_int_equal(out.parsed_bytes, len);
  assert_int_equal(out.warning_count, 0);
}

/* The udata of the B7 fixture, byte for byte (with its garbage padding bytes). */
static size_t build_b7(uint8_t *u)
{
  memset(u, 0, 256);
  memcpy(u, "KVMFR---", 8);
  put32(u + 8, 20);
  memcpy(u + 12, "B7", 2);
  put32(u + 44, 0);
  static const uint8_t h1[8] = {0x01, 0x36, 0xD0, 0xBC, 0x3C, 0, 0, 0};
  memcpy(u + 48, h1, 8);
  uint8_t *vm = u + 56;
  memcpy(vm + 16, "XCB", 3);
  vm[48] = 2;
  vm[49] = 2;
  vm[50] = 1;
  memcpy(vm + 51, "AMD EPYC", 9);
  static const uint8_t h2[8] = {0x02, 0x4D, 0x44, 0x20, 0x49, 0, 0, 0};
  memcpy(u + 116, h2, 8);
  const char *name = "Debian GNU/Linux 12 (bookworm), kernel: Linux 6.18.44-fc-v782 on x86_64";
  assert_int_equal(strlen(name) + 1, 72);
  u[124] = 0;
  memcpy(u + 125, name, 72);
  return 197;
}

static void test_b7_without_lgdiag(void **state)
{
  uint8_t u[256];
  struct lg_kvmfr_udata out;
  size_t len = build_b7(u);
  assert_int_equal(lg_kvmfr_udata_decode(u, len, &out, NULL, 0), LG_KVMFR_UDATA_OK);
  assert_string_equal(out.hostver, "B7");
  assert_int_equal(out.features, 0);
  assert_true(out.has_vminfo);
  assert_string_equal(out.vminfo.capture, "XCB");
  assert_string_equal(out.vminfo.model, "AMD EPYC");
  assert_int_equal(out.vminfo.cpus, 2);
  assert_int_equal(out.vminfo.sockets, 1);
  assert_true(out.has_osinfo);
  assert_int_equal(out.osinfo.os, KVMFR_OS_LINUX);
  assert_int_equal(strlen(out.osinfo.name), 71);
  assert_false(out.has_lgdiag);
  assert_int_equal(out.lgdiag_error, LG_DIAG_RECORD_OK);
  assert_int_equal(out.record_count, 2);
  assert_int_equal(out.records[0].size, 60);
  assert_int_equal(out.records[1].offset, 116);
  assert_int_equal(out.records[1].size, 73);
  assert_true(out.records_complete);
  assert_int_equal(out.parsed_bytes, 197);
  assert_int_equal(out.warning_count, 0);
}

static void test_lying_size_keeps_parsed(void **state)
{
  uint8_t u[256];
  struct lg_kvmfr_udata out;
  size_t len = build_b7(u);
  /* OSINFO claims 74 bytes: one more than remain */
  put32(u + 116 + 4, 74);
  assert_int_equal(lg_kvmfr_udata_decode(u, len, &out, NULL, 0), LG_KVMFR_UDATA_OK);
  assert_true(out.has_vminfo);
  assert_string_equal(out.vminfo.model, "AMD EPYC");
  assert_false(out.has_osinfo);
  assert_false(out.records_complete);
  assert_int_equal(out.record_count, 1);
  assert_int_equal(out.parsed_bytes, 116);
  assert_true(has_warning(&out, "size 74 exceeds the 73 bytes remaining"));

  /* exactly fitting is fine */
  put32(u + 116 + 4, 73);
  assert_int_equal(lg_kvmfr_udata_decode(u, len, &out, NULL, 0), LG_KVMFR_UDATA_OK);
  assert_true(out.records_complete);

  /* a huge size on the first record: nothing parsed, no overflow */
  put32(u + 48 + 4, 0xFFFFFFFFu);
  assert_int_equal(lg_kvmfr_udata_decode(u, len, &out, NULL, 0), LG_KVMFR_UDATA_OK);
  assert_false(out.has_vminfo);
  assert_false(out.has_osinfo);
  assert_false(out.records_complete);
  assert_int_equal(out.record_count, 0);
}

static void test_lying_lgdiag_keeps_vminfo_osinfo(void **state)
{
  struct lg_kvmfr_udata in, out;
  uint8_t buf[1024];
  size_t len;
  fill_full(&in);
  assert_int_equal(lg_kvmfr_udata_encode(&in, buf, sizeof(buf), &len), LG_KVMFR_UDATA_OK);
  assert_int_equal(lg_kvmfr_udata_decode(buf, len, &out, NULL, 0), LG_KVMFR_UDATA_OK);
  uint32_t at = out.records[2].offset;
  put32(buf + at + 4, out.records[2].size + 1);
  assert_int_equal(lg_kvmfr_udata_decode(buf, len, &out, NULL, 0), LG_KVMFR_UDATA_OK);
  assert_true(out.has_vminfo);
  assert_true(out.has_osinfo);
  assert_false(out.has_lgdiag);
  assert_false(out.records_complete);
}

static void test_unknown_types_skipped(void **state)
{
  uint8_t buf[512];
  size_t len = 48;
  struct lg_kvmfr_udata out;
  const uint8_t junk[5] = {1, 2, 3, 4, 5};
  uint8_t os[6] = {KVMFR_OS_LINUX, 'L', 'i', 'n', 'u', 'x'};
  assert_int_equal(lg_kvmfr_udata_write_header(buf, sizeof(buf), 20, "x", 0), LG_KVMFR_UDATA_OK);
  assert_true(lg_kvmfr_udata_append_record(buf, sizeof(buf), &len, 0x7F, junk, 5));
  assert_true(lg_kvmfr_udata_append_record(buf, sizeof(buf), &len, 3, NULL, 0));
  os[5] = 'x'; /* no NUL: bounded by the record */
  assert_true(lg_kvmfr_udata_append_record(buf, sizeof(buf), &len, 2, os, 6));
  assert_true(lg_kvmfr_udata_append_record(buf, sizeof(buf), &len, 0xFF, junk, 1));
  assert_int_equal(lg_kvmfr_udata_decode(buf, len, &out, NULL, 0), LG_KVMFR_UDATA_OK);
  assert_int_equal(out.record_count, 4);
  assert_true(out.has_osinfo);
  assert_string_equal(out.osinfo.name, "Linux");
  assert_true(has_warning(&out, "unknown record type 127 (size 5)"));
  assert_true(has_warning(&out, "unknown record type 3 (size 0)"));
  assert_true(has_warning(&out, "unknown record type 255"));
  assert_true(has_warning(&out, "OSINFO name is not NUL-terminated"));
  assert_true(out.records_complete);
}

static void test_missing_nuls(void **state)
{
  uint8_t buf[512];
  size_t len = 48;
  struct lg_kvmfr_udata out;
  assert_int_equal(lg_kvmfr_udata_write_header(buf, sizeof(buf), 20, NULL, 0), LG_KVMFR_UDATA_OK);
  memset(buf + 12, 'H', 32); /* hostver with no NUL */
  uint8_t vm[51 + 4];
  memset(vm, 0, sizeof(vm));
  memset(vm + 16, 'C', 32);   /* capture with no NUL */
  memcpy(vm + 51, "ABCD", 4); /* model with no NUL, ends with the record */
  assert_true(lg_kvmfr_udata_append_record(buf, sizeof(buf), &len, 1, vm, sizeof(vm)));
  /* a record byte after the model that must not be read as part of it */
  assert_true(lg_kvmfr_udata_append_record(buf, sizeof(buf), &len, 0x41, "ZZZZ", 4));
  assert_int_equal(lg_kvmfr_udata_decode(buf, len, &out, NULL, 0), LG_KVMFR_UDATA_OK);
  assert_int_equal(strlen(out.hostver), 32);
  assert_true(has_warning(&out, "hostver is not NUL-terminated"));
  assert_int_equal(strlen(out.vminfo.capture), 32);
  assert_true(has_warning(&out, "capture name is not NUL-terminated"));
  assert_string_equal(out.vminfo.model, "ABCD");
  assert_true(has_warning(&out, "VMINFO model is not NUL-terminated"));

  /* VMINFO shorter than its fixed part is ignored, not read past */
  len = 48;
  assert_true(lg_kvmfr_udata_append_record(buf, sizeof(buf), &len, 1, vm, 50));
  assert_int_equal(lg_kvmfr_udata_decode(buf, len, &out, NULL, 0), LG_KVMFR_UDATA_OK);
  assert_false(out.has_vminfo);
  assert_true(has_warning(&out, "size 50 is below its fixed part of 51"));
}

static void test_too_small(void **state)
{
  uint8_t u[256];
  struct lg_kvmfr_udata out;
  char msg[200];
  build_b7(u);
  assert_int_equal(lg_kvmfr_udata_decode(u, 47, &out, msg, sizeof(msg)), LG_KVMFR_UDATA_TOO_SMALL);
  assert_non_null(strstr(msg, "47"));
  assert_int_equal(lg_kvmfr_udata_decode(u, 0, &out, msg, sizeof(msg)), LG_KVMFR_UDATA_TOO_SMALL);
  /* exactly the header: no records, complete */
  assert_int_equal(lg_kvmfr_udata_decode(u, 48, &out, msg, sizeof(msg)), LG_KVMFR_UDATA_OK);
  assert_int_equal(out.record_count, 0);
  assert_true(out.records_complete);
  /* header + 7 bytes: not a record header; noted as trailing */
  assert_int_equal(lg_kvmfr_udata_decode(u, 55, &out, msg, sizeof(msg)), LG_KVMFR_UDATA_OK);
  assert_int_equal(out.record_count, 0);
  assert_true(has_warning(&out, "7 trailing bytes"));
}

static void test_wrong_magic(void **state)
{
  uint8_t u[256];
  struct lg_kvmfr_udata out;
  char msg[200];
  size_t len = build_b7(u);
  u[7] = '_';
  assert_int_equal(lg_kvmfr_udata_decode(u, len, &out, msg, sizeof(msg)), LG_KVMFR_UDATA_BAD_MAGIC);
  assert_non_null(strstr(msg, "incompatible host"));
  assert_non_null(strstr(msg, "KVMFR--_"));
  assert_false(out.has_vminfo);
}

static void test_wrong_version(void **state)
{
  uint8_t u[256];
  struct lg_kvmfr_udata out;
  char msg[200];
  size_t len = build_b7(u);
  const uint32_t bad[] = {0, 19, 21, 0xFFFFFFFFu};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
    char want[32];
    put32(u + 8, bad[i]);
    assert_int_equal(lg_kvmfr_udata_decode(u, len, &out, msg, sizeof(msg)),
                     LG_KVMFR_UDATA_BAD_VERSION);
    snprintf(want, sizeof(want), "KVMFR version %u", bad[i]);
    assert_non_null(strstr(msg, "incompatible host"));
    assert_non_null(strstr(msg, want));
    assert_non_null(strstr(msg, "needs version 20"));
    assert_non_null(strstr(msg, "\"B7\""));
    assert_int_equal(out.record_count, 0);
    assert_false(out.has_vminfo);
  }
}

static void test_every_prefix(void **state)
{
  struct lg_kvmfr_udata in, out;
  uint8_t buf[1024];
  size_t len;
  fill_full(&in);
  assert_int_equal(lg_kvmfr_udata_encode(&in, buf, sizeof(buf), &len), LG_KVMFR_UDATA_OK);
  for (size_t n = 0; n <= len; ++n) {
    /* copy into an exact-size heap block so ASan catches any over-read */
    uint8_t *p = test_malloc(n ? n : 1);
    memcpy(p, buf, n);
    enum lg_kvmfr_udata_error e = lg_kvmfr_udata_decode(p, n, &out, NULL, 0);
    assert_int_equal(e, n < 48 ? LG_KVMFR_UDATA_TOO_SMALL : LG_KVMFR_UDATA_OK);
    if (n == len)
      assert_true(out.has_lgdiag && out.records_complete);
    test_free(p);
  }
}

static void test_encoder_bounds(void **state)
{
  struct lg_kvmfr_udata in;
  uint8_t buf[1024];
  size_t len, full;
  fill_full(&in);
  assert_int_equal(lg_kvmfr_udata_encode(&in, buf, sizeof(buf), &full), LG_KVMFR_UDATA_OK);
  for (size_t cap = 0; cap < full; ++cap) {
    memset(buf, 0xEE, sizeof(buf));
    assert_int_equal(lg_kvmfr_udata_encode(&in, buf, cap, &len), LG_KVMFR_UDATA_NO_SPACE);
    for (size_t i = cap; i < sizeof(buf); ++i)
      assert_int_equal(buf[i], 0xEE);
  }
  assert_int_equal(lg_kvmfr_udata_encode(&in, buf, full, &len), LG_KVMFR_UDATA_OK);
  assert_int_equal(len, full);
}

static size_t make_diag(uint8_t *p, const char *detail)
{
  struct lg_diag_record r;
  size_t len;
  memset(&r, 0, sizeof(r));
  r.valid = 0x5;
  r.bar_addr = 0xe000000000ull;
  r.phys_bits = 40;
  r.map_stage = LGDIAG_STAGE_MAP;
  if (detail) {
    r.has_detail = true;
    snprintf(r.detail, sizeof(r.detail), "%s", detail);
  }
  assert_int_equal(lg_diag_record_encode(&r, p, 512, &len), LG_DIAG_RECORD_OK);
  return len;
}

static void test_lgdiag_codec(void **state)
{
  uint8_t p[512];
  struct lg_diag_record r;
  char msg[160];
  size_t len = make_diag(p, NULL);
  assert_int_equal(len, 40);
  assert_memory_equal(p, "LGDG\x01\x00\x28\x00", 8);
  assert_int_equal(lg_diag_record_decode(p, len, &r, msg, sizeof(msg)), LG_DIAG_RECORD_OK);
  assert_false(r.has_detail);
  assert_true(r.bar_addr == 0xe000000000ull);
  assert_int_equal(r.phys_bits, 40);
  assert_int_equal(r.map_stage, LGDIAG_STAGE_MAP);
  assert_string_equal(lg_diag_map_stage_name(r.map_stage), "map");
  assert_string_equal(lg_diag_map_stage_name(255), "other");
  assert_string_equal(lg_diag_map_stage_name(77), "unknown");

  /* short size */
  assert_int_equal(lg_diag_record_decode(p, 39, &r, msg, sizeof(msg)), LG_DIAG_RECORD_TOO_SHORT);
  assert_non_null(strstr(msg, "39"));
  assert_int_equal(lg_diag_record_decode(p, 0, &r, msg, sizeof(msg)), LG_DIAG_RECORD_TOO_SHORT);

  /* bad magic */
  p[3] = 'X';
  assert_int_equal(lg_diag_record_decode(p, len, &r, msg, sizeof(msg)), LG_DIAG_RECORD_BAD_MAGIC);
  p[3] = 'G';

  /* future recVersion */
  p[4] = 2;
  assert_int_equal(lg_diag_record_decode(p, len, &r, msg, sizeof(msg)), LG_DIAG_RECORD_BAD_VERSION);
  assert_non_null(strstr(msg, "recVersion is 2"));
  p[4] = 1;

  /* fixedSize below 40 or beyond the record */
  p[6] = 39;
  assert_int_equal(lg_diag_record_decode(p, len, &r, msg, sizeof(msg)),
                   LG_DIAG_RECORD_BAD_FIXED_SIZE);
  p[6] = 41;
  assert_int_equal(lg_diag_record_decode(p, len, &r, msg, sizeof(msg)),
                   LG_DIAG_RECORD_BAD_FIXED_SIZE);
  p[6] = 40;
}

static void test_lgdiag_detail(void **state)
{
  uint8_t p[512];
  struct lg_diag_record r;
  size_t len = make_diag(p, "hello");
  assert_int_equal(len, 46);
  assert_int_equal(lg_diag_record_decode(p, len, &r, NULL, 0), LG_DIAG_RECORD_OK);
  assert_true(r.has_detail);
  assert_string_equal(r.detail, "hello");
  assert_false(r.detail_unterminated);

  /* the record cut before the NUL: detail bounded by the size */
  assert_int_equal(lg_diag_record_decode(p, 43, &r, NULL, 0), LG_DIAG_RECORD_OK);
  assert_string_equal(r.detail, "hel");
  assert_true(r.detail_unterminated);

  /* a larger fixedSize: bytes up to it are ignored, detail follows it */
  memmove(p + 48, p + 40, 6);
  memset(p + 40, 0x99, 8);
  p[6] = 48;
  assert_int_equal(lg_diag_record_decode(p, 54, &r, NULL, 0), LG_DIAG_RECORD_OK);
  assert_int_equal(r.fixed_size, 48);
  assert_string_equal(r.detail, "hello");
  assert_int_equal(r.map_stage, LGDIAG_STAGE_MAP);

  /* an over-long detail is cut to LG_DIAG_DETAIL_MAX */
  uint8_t big[40 + 400];
  len = make_diag(big, NULL);
  memset(big + 40, 'a', 400);
  assert_int_equal(lg_diag_record_decode(big, sizeof(big), &r, NULL, 0), LG_DIAG_RECORD_OK);
  assert_int_equal(strlen(r.detail), LG_DIAG_DETAIL_MAX);
  assert_true(r.detail_truncated);
  assert_true(r.detail_unterminated);
}

static void test_lgdiag_bad_in_udata(void **state)
{
  struct lg_kvmfr_udata in, out;
  uint8_t buf[1024];
  size_t len;
  fill_full(&in);
  assert_int_equal(lg_kvmfr_udata_encode(&in, buf, sizeof(buf), &len), LG_KVMFR_UDATA_OK);
  assert_int_equal(lg_kvmfr_udata_decode(buf, len, &out, NULL, 0), LG_KVMFR_UDATA_OK);
  uint32_t data = out.records[2].offset + 8;
  buf[data + 4] = 7; /* recVersion 7 */
  assert_int_equal(lg_kvmfr_udata_decode(buf, len, &out, NULL, 0), LG_KVMFR_UDATA_OK);
  assert_false(out.has_lgdiag);
  assert_int_equal(out.lgdiag_error, LG_DIAG_RECORD_BAD_VERSION);
  assert_true(out.has_osinfo);
  assert_true(out.records_complete);
  assert_true(has_warning(&out, "LGDIAG record at udata+"));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_b7_without_lgdiag),
      cmocka_unit_test(test_lying_size_keeps_parsed),
      cmocka_unit_test(test_lying_lgdiag_keeps_vminfo_osinfo),
      cmocka_unit_test(test_unknown_types_skipped),
      cmocka_unit_test(test_missing_nuls),
      cmocka_unit_test(test_too_small),
      cmocka_unit_test(test_wrong_magic),
      cmocka_unit_test(test_wrong_version),
      cmocka_unit_test(test_every_prefix),
      cmocka_unit_test(test_encoder_bounds),
      cmocka_unit_test(test_lgdiag_codec),
      cmocka_unit_test(test_lgdiag_detail),
      cmocka_unit_test(test_lgdiag_bad_in_udata),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
