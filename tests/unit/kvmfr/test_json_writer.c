/* Unit tests of the JSON writer: structure, separators, string escaping (quotes, control
 * characters, invalid UTF-8) and misuse detection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lg/json_writer.h"

struct buf {
  char data[1024];
  size_t len;
};

static void buf_sink(void *ctx, const char *d, size_t n)
{
  struct buf *b = ctx;
  assert_true(b->len + n < sizeof(b->data));
  memcpy(b->data + b->len, d, n);
  b->len += n;
  b->data[b->len] = '\0';
}

static void test_structure(void **state)
{
  struct buf b = {.len = 0};
  struct lg_json j;
  lg_json_init(&j, buf_sink, &b, false);
  lg_json_object_begin(&j);
  lg_json_kv_uint(&j, "a", 18446744073709551615ull);
  lg_json_kv_int(&j, "b", -5);
  lg_json_kv_bool(&j, "c", true);
  lg_json_key(&j, "d");
  lg_json_array_begin(&j);
  lg_json_null(&j);
  lg_json_double(&j, 1.5);
  lg_json_object_begin(&j);
  lg_json_object_end(&j);
  lg_json_array_begin(&j);
  lg_json_array_end(&j);
  lg_json_array_end(&j);
  lg_json_kv_string(&j, "e", NULL);
  lg_json_object_end(&j);
  assert_true(lg_json_finish(&j));
  assert_string_equal(b.data,
                      "{\"a\":18446744073709551615,\"b\":-5,\"c\":true,\"d\":[null,1.5,{},[]],"
                      "\"e\":null}\n");
}

static void test_pretty(void **state)
{
  struct buf b = {.len = 0};
  struct lg_json j;
  lg_json_init(&j, buf_sink, &b, true);
  lg_json_object_begin(&j);
  lg_json_kv_uint(&j, "a", 1);
  lg_json_key(&j, "b");
  lg_json_array_begin(&j);
  lg_json_uint(&j, 2);
  lg_json_array_end(&j);
  lg_json_object_end(&j);
  assert_true(lg_json_finish(&j));
  assert_string_equal(b.data, "{\n  \"a\": 1,\n  \"b\": [\n    2\n  ]\n}\n");
}

static void test_escaping(void **state)
{
  struct buf b = {.len = 0};
  struct lg_json j;
  lg_json_init(&j, buf_sink, &b, false);
  lg_json_array_begin(&j);
  lg_json_string(&j, "q\"b\\s/\n\r\t\b\f\x01\x1f\x7f");
  lg_json_string(&j, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");  /* valid UTF-8 kept */
  lg_json_string(&j, "bad\xff\xc3(\xe2\x82 \xed\xa0\x80 \xc0\xaf"); /* invalid -> U+FFFD */
  lg_json_string_n(&j, "a\0b", 3);
  lg_json_array_end(&j);
  assert_true(lg_json_finish(&j));
  assert_string_equal(b.data, "[\"q\\\"b\\\\s/\\n\\r\\t\\b\\f\\u0001\\u001f\\u007f\","
                              "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\","
                              "\"bad\\ufffd\\ufffd(\\ufffd\\ufffd \\ufffd\\ufffd\\ufffd "
                              "\\ufffd\\ufffd\","
                              "\"a\\u0000b\"]\n");
}

static void test_misuse(void **state)
{
  struct buf b = {.len = 0};
  struct lg_json j;
  lg_json_init(&j, buf_sink, &b, false);
  lg_json_object_begin(&j);
  lg_json_uint(&j, 1); /* value without key */
  lg_json_object_end(&j);
  assert_false(lg_json_finish(&j));

  b.len = 0;
  lg_json_init(&j, buf_sink, &b, false);
  lg_json_array_begin(&j);
  lg_json_object_end(&j); /* mismatched close */
  assert_false(lg_json_finish(&j));

  b.len = 0;
  lg_json_init(&j, buf_sink, &b, false);
  lg_json_object_begin(&j); /* never closed */
  assert_false(lg_json_finish(&j));

  b.len = 0;
  lg_json_init(&j, buf_sink, &b, false);
  for (int i = 0; i < LG_JSON_MAX_DEPTH + 2; ++i)
    lg_json_array_begin(&j);
  assert_true(j.error);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_structure),
      cmocka_unit_test(test_pretty),
      cmocka_unit_test(test_escaping),
      cmocka_unit_test(test_misuse),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
