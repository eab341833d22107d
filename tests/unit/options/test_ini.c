/* Unit tests of the INI reader: sections, comments, quoting, trimming and error lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lg/ini.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_KEYS 16

struct collected {
  size_t n;
  char section[MAX_KEYS][64];
  char name[MAX_KEYS][64];
  char value[MAX_KEYS][256];
  unsigned line[MAX_KEYS];
  size_t stop_after; /* 0: never stop */
};

static bool collect(void *opaque, const char *section, const char *name, const char *value,
                    const char *source, unsigned line)
{
  struct collected *c = opaque;
  assert_true(c->n < MAX_KEYS);
  snprintf(c->section[c->n], 64, "%s", section);
  snprintf(c->name[c->n], 64, "%s", name);
  snprintf(c->value[c->n], 256, "%s", value);
  c->line[c->n] = line;
  c->n++;
  return !(c->stop_after && c->n >= c->stop_after);
}

static bool parse(const char *text, struct collected *c, char *err, size_t err_size)
{
  memset(c, 0, sizeof(*c));
  err[0] = '\0';
  return lg_ini_parse_buffer(text, strlen(text), "t.ini", collect, c, err, err_size);
}

static void test_sections_comments_trim(void **state)
{
  struct collected c;
  char err[256];
  const char *text = "; leading comment\n"
                     "# another\n"
                     "\n"
                     "[win]\n"
                     "  title   =   My  Title  \n"
                     "fullScreen=yes ; inline comment\n"
                     "  [ spice ]  # header comment\n"
                     "host=a#b\n"
                     "port=\n";
  assert_true(parse(text, &c, err, sizeof(err)));
  assert_int_equal(c.n, 4);
  assert_string_equal(c.section[0], "win");
  assert_string_equal(c.name[0], "title");
  assert_string_equal(c.value[0], "My  Title");
  assert_int_equal(c.line[0], 5);
  assert_string_equal(c.value[1], "yes");
  assert_string_equal(c.section[2], "spice");
  assert_string_equal(c.value[2], "a#b"); /* '#' not after whitespace is kept */
  assert_string_equal(c.name[3], "port");
  assert_string_equal(c.value[3], "");
  assert_int_equal(c.line[3], 9);
}

static void test_quotes(void **state)
{
  struct collected c;
  char err[256];
  const char *text = "[s]\n"
                     "a = \"  spaced ; not a comment # \"  ; comment\n"
                     "b = 'single \\n kept'\n"
                     "c = \"esc \\\"q\\\" \\\\ end\"\n"
                     "d = \"\"\n";
  assert_true(parse(text, &c, err, sizeof(err)));
  assert_int_equal(c.n, 4);
  assert_string_equal(c.value[0], "  spaced ; not a comment # ");
  assert_string_equal(c.value[1], "single \\n kept");
  assert_string_equal(c.value[2], "esc \"q\" \\ end");
  assert_string_equal(c.value[3], "");
}

static void test_crlf_bom_no_final_newline(void **state)
{
  struct collected c;
  char err[256];
  assert_true(parse("\xEF\xBB\xBF[a]\r\nx=1\r\ny=2", &c, err, sizeof(err)));
  assert_int_equal(c.n, 2);
  assert_string_equal(c.section[0], "a");
  assert_string_equal(c.value[0], "1");
  assert_string_equal(c.value[1], "2");
  assert_int_equal(c.line[1], 3);
}

static void expect_error(const char *text, const char *message)
{
  struct collected c;
  char err[256];
  assert_false(parse(text, &c, err, sizeof(err)));
  assert_string_equal(err, message);
}

static void test_errors_name_the_line(void **state)
{
  expect_error("x=1\n", "t.ini:1: 'x' is outside any [section]");
  expect_error("[a]\n\nnovalue\n", "t.ini:3: expected 'name=value' or '[section]'");
  expect_error("[a\n", "t.ini:1: missing ']' in section header");
  expect_error("[a] junk\n", "t.ini:1: unexpected text after section header");
  expect_error("[]\n", "t.ini:1: invalid section name ''");
  expect_error("[a]\n=v\n", "t.ini:2: invalid option name ''");
  expect_error("[a]\nbad name=v\n", "t.ini:2: invalid option name 'bad name'");
  expect_error("[a]\nk=\"open\n", "t.ini:2: unterminated quoted value");
  expect_error("[a]\nk=\"v\" x\n", "t.ini:2: unexpected text after the closing quote");
}

static void test_nul_and_long_lines(void **state)
{
  struct collected c;
  char err[256];
  static const char nul[] = "[a]\nk=v\0x\n";
  assert_false(lg_ini_parse_buffer(nul, sizeof(nul) - 1, "n.ini", collect, &c, err, sizeof(err)));
  assert_string_equal(err, "n.ini:2: NUL byte in line");

  size_t len = LG_INI_MAX_LINE + 16;
  char *big = malloc(len + 8);
  assert_non_null(big);
  memcpy(big, "[a]\nk=", 6);
  memset(big + 6, 'v', len - 6);
  big[len] = '\0';
  memset(&c, 0, sizeof(c));
  assert_false(lg_ini_parse_buffer(big, len, "n.ini", collect, &c, err, sizeof(err)));
  assert_non_null(strstr(err, "n.ini:2: line too long"));
  free(big);
}

static void test_callback_stops(void **state)
{
  struct collected c;
  memset(&c, 0, sizeof(c));
  c.stop_after = 1;
  char err[64] = "";
  const char *text = "[a]\nx=1\ny=2\n";
  assert_false(lg_ini_parse_buffer(text, strlen(text), "t.ini", collect, &c, err, sizeof(err)));
  assert_int_equal(c.n, 1);
}

static void test_file(void **state)
{
  char path[64];
  snprintf(path, sizeof(path), "/tmp/lg-test-ini-%d.ini", (int)getpid());
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("[x]\nk = v\n[y]\nbad\n", f);
  fclose(f);

  struct collected c;
  memset(&c, 0, sizeof(c));
  char err[256];
  bool missing = true;
  assert_false(lg_ini_parse_file(path, collect, &c, &missing, err, sizeof(err)));
  assert_false(missing);
  assert_int_equal(c.n, 1);
  char want[128];
  snprintf(want, sizeof(want), "%s:4: expected 'name=value' or '[section]'", path);
  assert_string_equal(err, want);
  unlink(path);

  assert_false(lg_ini_parse_file(path, collect, &c, &missing, err, sizeof(err)));
  assert_true(missing);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sections_comments_trim),
      cmocka_unit_test(test_quotes),
      cmocka_unit_test(test_crlf_bom_no_final_newline),
      cmocka_unit_test(test_errors_name_the_line),
      cmocka_unit_test(test_nul_and_long_lines),
      cmocka_unit_test(test_callback_stops),
      cmocka_unit_test(test_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
