/* Unit tests of the option registry: every type, bounds, enums, bool spellings, validators,
 * getter misuse, INI input, precedence, command line, suggestions and --help text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lg/option.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const colours[] = {"red", "Green", "blue", NULL};

static bool even_only(const struct lg_option_value *v, char *expect, size_t size)
{
  if (v->i % 2 == 0)
    return true;
  snprintf(expect, size, "an even number");
  return false;
}

static const struct lg_option_desc test_table[] = {
    {.section = "win",
     .name = "fullScreen",
     .short_flag = 'F',
     .type = LG_OPT_BOOL,
     .description = "Full screen",
     .def = "no"},
    {.section = "win",
     .name = "title",
     .short_flag = 't',
     .type = LG_OPT_STRING,
     .description = "Title",
     .def = "LG"},
    {.section = "win",
     .name = "showFPS",
     .short_flag = 'k',
     .type = LG_OPT_BOOL,
     .description = "FPS",
     .def = "no"},
    {.section = "spice",
     .name = "enable",
     .short_flag = 's',
     .type = LG_OPT_BOOL,
     .description = "SPICE on",
     .def = "yes"},
    {.section = "spice",
     .name = "port",
     .short_flag = 'p',
     .type = LG_OPT_INT,
     .description = "Port",
     .def = "5900",
     .min = 0,
     .max = 65535},
    {.section = "input",
     .name = "mouseSens",
     .type = LG_OPT_INT,
     .description = "Sensitivity",
     .def = "0",
     .min = -9,
     .max = 9},
    {.section = "t",
     .name = "big",
     .type = LG_OPT_UINT64,
     .description = "A big number",
     .def = "0x10"},
    {.section = "t", .name = "bytes", .type = LG_OPT_SIZE, .description = "A size", .def = "32M"},
    {.section = "t",
     .name = "ratio",
     .type = LG_OPT_FLOAT,
     .description = "A ratio",
     .def = "0.5",
     .fmin = 0.0,
     .fmax = 1.0},
    {.section = "t", .name = "free", .type = LG_OPT_FLOAT, .description = "Unbounded"},
    {.section = "t",
     .name = "colour",
     .type = LG_OPT_ENUM,
     .description = "A colour",
     .def = "green",
     .values = colours},
    {.section = "t",
     .name = "even",
     .type = LG_OPT_INT,
     .description = "Even",
     .def = "2",
     .validate = even_only},
    {.section = "t", .name = "unset", .type = LG_OPT_STRING, .description = "No default"},
    {.section = "app",
     .name = "configFile",
     .short_flag = 'C',
     .type = LG_OPT_STRING,
     .description = "Extra INI",
     .loads_ini = true},
};
#define TABLE_LEN (sizeof(test_table) / sizeof(test_table[0]))

static int setup(void **state)
{
  struct lg_options *o = lg_options_new();
  if (!o || !lg_options_register(o, test_table, TABLE_LEN))
    return -1;
  *state = o;
  return 0;
}

static int teardown(void **state)
{
  lg_options_free(*state);
  return 0;
}

static bool set(struct lg_options *o, const char *arg)
{
  return lg_option_set_arg(o, arg, LG_OPT_SRC_CMDLINE, "command line");
}

static void test_defaults(void **state)
{
  struct lg_options *o = *state;
  assert_int_equal(lg_options_count(o), TABLE_LEN);
  assert_false(lg_option_get_bool(o, "win", "fullScreen"));
  assert_true(lg_option_get_bool(o, "spice", "enable"));
  assert_string_equal(lg_option_get_string(o, "win", "title"), "LG");
  assert_int_equal(lg_option_get_int(o, "spice", "port"), 5900);
  assert_int_equal(lg_option_get_uint64(o, "t", "big"), 16);
  assert_int_equal(lg_option_get_uint64(o, "t", "bytes"), 32u << 20);
  assert_true(lg_option_get_float(o, "t", "ratio") == 0.5);
  assert_true(lg_option_get_float(o, "t", "free") == 0.0);
  assert_string_equal(lg_option_get_enum(o, "t", "colour"), "Green");
  assert_int_equal(lg_option_get_enum_index(o, "t", "colour"), 1);
  assert_null(lg_option_get_string(o, "t", "unset"));
  assert_int_equal(lg_option_get_source(o, "win", "title"), LG_OPT_SRC_DEFAULT);
  assert_int_equal(lg_options_misuse_count(o), 0);
}

static void test_bool_spellings(void **state)
{
  struct lg_options *o = *state;
  static const char *const yes[] = {"yes", "true", "on", "1", "YES", "True", "oN"};
  static const char *const no[] = {"no", "false", "off", "0", "NO", "False", "OFF"};
  char arg[64];
  for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); ++i) {
    snprintf(arg, sizeof(arg), "win:fullScreen=%s", yes[i]);
    assert_true(set(o, arg));
    assert_true(lg_option_get_bool(o, "win", "fullScreen"));
    snprintf(arg, sizeof(arg), "win:fullScreen=%s", no[i]);
    assert_true(set(o, arg));
    assert_false(lg_option_get_bool(o, "win", "fullScreen"));
  }
  assert_false(set(o, "win:fullScreen=maybe"));
  assert_string_equal(lg_options_error(o),
                      "command line: invalid value 'maybe' for win:fullScreen: expected a bool "
                      "(yes/no, true/false, on/off, 1/0)");
  assert_false(set(o, "win:fullScreen="));
  assert_false(set(o, "win:fullScreen=2"));
  /* a bool alone toggles */
  assert_true(set(o, "win:fullScreen"));
  assert_true(lg_option_get_bool(o, "win", "fullScreen"));
  assert_true(set(o, "win:fullScreen"));
  assert_false(lg_option_get_bool(o, "win", "fullScreen"));
}

static void test_int_bounds(void **state)
{
  struct lg_options *o = *state;
  assert_true(set(o, "input:mouseSens=-9"));
  assert_int_equal(lg_option_get_int(o, "input", "mouseSens"), -9);
  assert_true(set(o, "input:mouseSens=9"));
  assert_true(set(o, "input:mouseSens=+3"));
  assert_int_equal(lg_option_get_int(o, "input", "mouseSens"), 3);
  assert_false(set(o, "input:mouseSens=10"));
  assert_string_equal(lg_options_error(o), "command line: invalid value '10' for "
                                           "input:mouseSens: expected an integer from -9 to 9");
  assert_false(set(o, "input:mouseSens=-10"));
  assert_false(set(o, "input:mouseSens=abc"));
  assert_false(set(o, "input:mouseSens=1.5"));
  assert_false(set(o, "input:mouseSens= 1"));
  assert_false(set(o, "input:mouseSens="));
  assert_false(set(o, "input:mouseSens=99999999999999999999999"));
  assert_int_equal(lg_option_get_int(o, "input", "mouseSens"), 3); /* unchanged on error */
  assert_true(set(o, "spice:port=0x10"));
  assert_int_equal(lg_option_get_int(o, "spice", "port"), 16);
  assert_true(set(o, "spice:port=010")); /* decimal, not octal */
  assert_int_equal(lg_option_get_int(o, "spice", "port"), 10);
  assert_false(set(o, "spice:port=65536"));
}

static void test_uint64_size_float(void **state)
{
  struct lg_options *o = *state;
  assert_true(set(o, "t:big=18446744073709551615"));
  assert_true(lg_option_get_uint64(o, "t", "big") == UINT64_MAX);
  assert_false(set(o, "t:big=18446744073709551616"));
  assert_false(set(o, "t:big=-1"));
  assert_false(set(o, "t:big=0x"));
  assert_string_equal(lg_options_error(o),
                      "command line: invalid value '0x' for t:big: expected an unsigned integer");

  assert_true(set(o, "t:bytes=4k"));
  assert_true(lg_option_get_uint64(o, "t", "bytes") == 4096);
  assert_true(set(o, "t:bytes=1GiB"));
  assert_true(lg_option_get_uint64(o, "t", "bytes") == 1ull << 30);
  assert_true(set(o, "t:bytes=16MB"));
  assert_true(lg_option_get_uint64(o, "t", "bytes") == 16ull << 20);
  assert_true(set(o, "t:bytes=2T"));
  assert_true(lg_option_get_uint64(o, "t", "bytes") == 2ull << 40);
  assert_true(set(o, "t:bytes=100"));
  assert_true(lg_option_get_uint64(o, "t", "bytes") == 100);
  assert_false(set(o, "t:bytes=1X"));
  assert_false(set(o, "t:bytes=99999999999T"));
  assert_false(set(o, "t:bytes=k"));

  assert_true(set(o, "t:ratio=0.25"));
  assert_true(lg_option_get_float(o, "t", "ratio") == 0.25);
  assert_true(set(o, "t:ratio=1"));
  assert_false(set(o, "t:ratio=1.01"));
  assert_string_equal(lg_options_error(o), "command line: invalid value '1.01' for t:ratio: "
                                           "expected a number from 0 to 1");
  assert_true(set(o, "t:free=-1e6"));
  assert_true(lg_option_get_float(o, "t", "free") == -1e6);
  assert_false(set(o, "t:free=nan"));
  assert_false(set(o, "t:free=inf"));
  assert_false(set(o, "t:free=1e999"));
  assert_false(set(o, "t:free=2x"));
}

static void test_string_enum_validator(void **state)
{
  struct lg_options *o = *state;
  assert_true(set(o, "win:title=a = b : c"));
  assert_string_equal(lg_option_get_string(o, "win", "title"), "a = b : c");
  assert_true(set(o, "win:title="));
  assert_string_equal(lg_option_get_string(o, "win", "title"), "");

  assert_true(set(o, "t:colour=BLUE"));
  assert_string_equal(lg_option_get_enum(o, "t", "colour"), "blue");
  assert_int_equal(lg_option_get_enum_index(o, "t", "colour"), 2);
  assert_false(set(o, "t:colour=pink"));
  assert_string_equal(lg_options_error(o), "command line: invalid value 'pink' for t:colour: "
                                           "expected one of: red, Green, blue");
  assert_string_equal(lg_option_get_enum(o, "t", "colour"), "blue");

  assert_true(set(o, "t:even=4"));
  assert_false(set(o, "t:even=3"));
  assert_string_equal(lg_options_error(o),
                      "command line: invalid value '3' for t:even: expected an even number");
  assert_int_equal(lg_option_get_int(o, "t", "even"), 4);
}

static void test_getter_misuse(void **state)
{
  struct lg_options *o = *state;
  assert_false(lg_option_get_bool(o, "win", "nope"));
  assert_int_equal(lg_options_misuse_count(o), 1);
  assert_int_equal(lg_option_get_int(o, "win", "fullScreen"), 0); /* wrong type */
  assert_int_equal(lg_options_misuse_count(o), 2);
  assert_false(lg_option_get_bool(o, "spice", "port"));
  assert_true(lg_option_get_uint64(o, "win", "title") == 0);
  assert_true(lg_option_get_float(o, "t", "big") == 0.0);
  assert_null(lg_option_get_string(o, "t", "colour"));
  assert_null(lg_option_get_enum(o, "win", "title"));
  assert_int_equal(lg_option_get_enum_index(o, "win", "title"), -1);
  assert_null(lg_option_get_string(o, "Win", "title")); /* names are case-sensitive */
  assert_int_equal(lg_options_misuse_count(o), 9);
  /* uint64 getter reads both UINT64 and SIZE */
  assert_true(lg_option_get_uint64(o, "t", "bytes") == 32u << 20);
  assert_int_equal(lg_options_misuse_count(o), 9);
}

static void test_register_errors(void **state)
{
  struct lg_options *o = *state;
  const struct lg_option_desc dup_name[] = {
      {.section = "x", .name = "a", .type = LG_OPT_BOOL, .description = "d"},
      {.section = "x", .name = "a", .type = LG_OPT_BOOL, .description = "d"},
  };
  const struct lg_option_desc dup_existing[] = {
      {.section = "win", .name = "title", .type = LG_OPT_STRING, .description = "d"}};
  const struct lg_option_desc dup_flag[] = {
      {.section = "x", .name = "b", .short_flag = 'F', .type = LG_OPT_BOOL, .description = "d"}};
  const struct lg_option_desc help_flag[] = {
      {.section = "x", .name = "c", .short_flag = 'h', .type = LG_OPT_BOOL, .description = "d"}};
  const struct lg_option_desc bad_default[] = {{.section = "x",
                                                .name = "d",
                                                .type = LG_OPT_INT,
                                                .description = "d",
                                                .def = "5",
                                                .min = 0,
                                                .max = 3}};
  const struct lg_option_desc bad_name[] = {
      {.section = "x", .name = "a:b", .type = LG_OPT_BOOL, .description = "d"}};
  const struct lg_option_desc empty_enum[] = {
      {.section = "x", .name = "e", .type = LG_OPT_ENUM, .description = "d"}};
  const struct lg_option_desc good_then_bad[] = {
      {.section = "x", .name = "ok", .type = LG_OPT_STRING, .description = "d", .def = "v"},
      {.section = "x", .name = "bad", .type = LG_OPT_BOOL, .description = "d", .def = "nah"}};
  assert_false(lg_options_register(o, dup_name, 2));
  assert_false(lg_options_register(o, dup_existing, 1));
  assert_false(lg_options_register(o, dup_flag, 1));
  assert_false(lg_options_register(o, help_flag, 1));
  assert_false(lg_options_register(o, bad_default, 1));
  assert_false(lg_options_register(o, bad_name, 1));
  assert_false(lg_options_register(o, empty_enum, 1));
  assert_false(lg_options_register(o, good_then_bad, 2));
  assert_int_equal(lg_options_count(o), TABLE_LEN);
  assert_false(set(o, "x:ok=1")); /* nothing of a failed table stays */

  const struct lg_option_desc extra[] = {{.section = "x",
                                          .name = "later",
                                          .short_flag = 'L',
                                          .type = LG_OPT_INT,
                                          .description = "A second module",
                                          .def = "7"}};
  assert_true(lg_options_register(o, extra, 1));
  assert_int_equal(lg_options_count(o), TABLE_LEN + 1);
  assert_int_equal(lg_option_get_int(o, "x", "later"), 7);
}

static void test_unknown_suggestions(void **state)
{
  struct lg_options *o = *state;
  assert_false(set(o, "win:fulscreen=yes"));
  assert_string_equal(lg_options_error(o),
                      "command line: unknown option 'win:fulscreen'; did you mean "
                      "'win:fullScreen'?");
  assert_false(set(o, "win:fullscreen")); /* case differs only */
  assert_string_equal(lg_options_error(o),
                      "command line: unknown option 'win:fullscreen'; did you mean "
                      "'win:fullScreen'?");
  assert_false(set(o, "fullScreen=yes")); /* section left out */
  assert_string_equal(lg_options_error(o), "command line: unknown option 'fullScreen'; did you "
                                           "mean 'win:fullScreen'?");
  assert_false(set(o, "spice:prot=1"));
  assert_string_equal(lg_options_error(o),
                      "command line: unknown option 'spice:prot'; did you mean 'spice:port'?");
  assert_false(set(o, "zzzz:qqqqqq=1"));
  assert_string_equal(lg_options_error(o),
                      "command line: unknown option 'zzzz:qqqqqq' (see --help for the list)");
  assert_false(lg_option_set(o, "win", "titel", "x", LG_OPT_SRC_FILE, "f.ini:4"));
  assert_string_equal(lg_options_error(o),
                      "f.ini:4: unknown option 'win:titel'; did you mean 'win:title'?");
}

static void test_cmdline(void **state)
{
  struct lg_options *o = *state;
  char *argv[] = {"prog",         "-F", "-t", "short title", "-p4000", "-sk", "input:mouseSens=-2",
                  "t:colour=red", NULL};
  assert_int_equal(lg_options_parse_cmdline(o, 8, argv), LG_CMDLINE_RUN);
  assert_true(lg_option_get_bool(o, "win", "fullScreen"));
  assert_string_equal(lg_option_get_string(o, "win", "title"), "short title");
  assert_int_equal(lg_option_get_int(o, "spice", "port"), 4000);
  assert_false(lg_option_get_bool(o, "spice", "enable")); /* -s toggles the default yes off */
  assert_true(lg_option_get_bool(o, "win", "showFPS"));
  assert_int_equal(lg_option_get_int(o, "input", "mouseSens"), -2);
  assert_string_equal(lg_option_get_enum(o, "t", "colour"), "red");
  assert_int_equal(lg_option_get_source(o, "win", "title"), LG_OPT_SRC_CMDLINE);
  assert_int_equal(lg_option_get_source(o, "t", "big"), LG_OPT_SRC_DEFAULT);

  char *show[] = {"prog", "--show-options", "win:title=x", NULL};
  assert_int_equal(lg_options_parse_cmdline(o, 3, show), LG_CMDLINE_SHOW);
  assert_string_equal(lg_option_get_string(o, "win", "title"), "x");

  char *help[] = {"prog", "win:title=y", "--help", NULL};
  assert_int_equal(lg_options_parse_cmdline(o, 3, help), LG_CMDLINE_HELP);
  assert_string_equal(lg_option_get_string(o, "win", "title"), "x"); /* nothing applied */
  char *h[] = {"prog", "-h", NULL};
  assert_int_equal(lg_cmdline_peek(2, h), LG_CMDLINE_HELP);
  char *ver[] = {"prog", "--version", NULL};
  assert_int_equal(lg_options_parse_cmdline(o, 2, ver), LG_CMDLINE_VERSION);
}

static void expect_cmdline_error(struct lg_options *o, int argc, char **argv, const char *msg)
{
  assert_int_equal(lg_options_parse_cmdline(o, argc, argv), LG_CMDLINE_ERROR);
  assert_string_equal(lg_options_error(o), msg);
}

static void test_cmdline_errors(void **state)
{
  struct lg_options *o = *state;
  char *a1[] = {"prog", "-p", NULL};
  expect_cmdline_error(o, 2, a1, "command line: flag -p (spice:port) needs a value");
  char *a2[] = {"prog", "-x", NULL};
  expect_cmdline_error(o, 2, a2, "command line: unknown flag '-x' (see --help)");
  char *a3[] = {"prog", "--fullscreen", NULL};
  expect_cmdline_error(o, 2, a3,
                       "command line: unknown argument '--fullscreen' (options are "
                       "section:name=value; see --help)");
  char *a4[] = {"prog", "win:title", NULL};
  expect_cmdline_error(o, 2, a4, "command line: option win:title needs a value (win:title=VALUE)");
  char *a5[] = {"prog", "-p", "70000", NULL};
  expect_cmdline_error(o, 3, a5,
                       "command line: invalid value '70000' for spice:port: expected "
                       "an integer from 0 to 65535");
  char *a6[] = {"prog", "win:fulscreen", NULL};
  expect_cmdline_error(o, 2, a6,
                       "command line: unknown option 'win:fulscreen'; did you mean "
                       "'win:fullScreen'?");
}

static char tmpdir[64];

static void write_file(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static int setup_dir(void **state)
{
  snprintf(tmpdir, sizeof(tmpdir), "/tmp/lg-test-options-%d-XXXXXX", (int)getpid());
  if (!mkdtemp(tmpdir))
    return -1;
  return setup(state);
}

static int teardown_dir(void **state)
{
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
  if (system(cmd) != 0)
    return -1;
  return teardown(state);
}

static void test_ini_and_precedence(void **state)
{
  struct lg_options *o = *state;
  char sys[128], user[128], extra[128];
  snprintf(sys, sizeof(sys), "%s/system.ini", tmpdir);
  snprintf(user, sizeof(user), "%s/user.ini", tmpdir);
  snprintf(extra, sizeof(extra), "%s/extra.ini", tmpdir);
  write_file(sys, "; system\n[win]\ntitle = \"System Title\"\nfullScreen = yes\n"
                  "[spice]\nport=1000\n[input]\nmouseSens=1\n");
  write_file(user, "[win]\ntitle = User Title # comment\n[spice]\nport = 2000\n");
  write_file(extra, "[spice]\nport=3000\n[input]\nmouseSens=5\n");

  assert_true(lg_options_load_ini(o, sys, false));
  assert_true(lg_options_load_ini(o, user, false));
  char missing[128];
  snprintf(missing, sizeof(missing), "%s/none.ini", tmpdir);
  assert_true(lg_options_load_ini(o, missing, false)); /* optional file absent: fine */
  assert_false(lg_options_load_ini(o, missing, true));
  assert_non_null(strstr(lg_options_error(o), "cannot open"));

  assert_string_equal(lg_option_get_string(o, "win", "title"), "User Title");
  assert_true(lg_option_get_bool(o, "win", "fullScreen"));
  assert_int_equal(lg_option_get_int(o, "spice", "port"), 2000);
  assert_int_equal(lg_option_get_source(o, "spice", "port"), LG_OPT_SRC_FILE);

  /* -C loads extra.ini before the rest of the command line, wherever it appears */
  char *argv[] = {"prog", "spice:port=4000", "-C", extra, NULL};
  assert_int_equal(lg_options_parse_cmdline(o, 4, argv), LG_CMDLINE_RUN);
  assert_int_equal(lg_option_get_int(o, "spice", "port"), 4000);
  assert_int_equal(lg_option_get_int(o, "input", "mouseSens"), 5);
  assert_string_equal(lg_option_get_string(o, "app", "configFile"), extra);
  assert_string_equal(lg_option_get_string(o, "win", "title"), "User Title");

  char *bad[] = {"prog", "app:configFile=/nonexistent/lg.ini", NULL};
  assert_int_equal(lg_options_parse_cmdline(o, 2, bad), LG_CMDLINE_ERROR);
  assert_non_null(strstr(lg_options_error(o), "/nonexistent/lg.ini: cannot open"));
}

static void test_ini_errors(void **state)
{
  struct lg_options *o = *state;
  const char *t1 = "[win]\ntitle=ok\n[spice]\nport = 99999\n";
  assert_false(lg_options_load_ini_buffer(o, t1, strlen(t1), "a.ini"));
  assert_string_equal(lg_options_error(o), "a.ini:4: invalid value '99999' for spice:port: "
                                           "expected an integer from 0 to 65535");
  assert_string_equal(lg_option_get_string(o, "win", "title"), "ok");
  const char *t2 = "[win]\n\nfulScreen=yes\n";
  assert_false(lg_options_load_ini_buffer(o, t2, strlen(t2), "b.ini"));
  assert_string_equal(lg_options_error(o),
                      "b.ini:3: unknown option 'win:fulScreen'; did you mean 'win:fullScreen'?");
  const char *t3 = "[win]\ntitle\n";
  assert_false(lg_options_load_ini_buffer(o, t3, strlen(t3), "c.ini"));
  assert_string_equal(lg_options_error(o), "c.ini:2: expected 'name=value' or '[section]'");
}

static char *capture(const struct lg_options *o, bool help)
{
  FILE *f = tmpfile();
  assert_non_null(f);
  if (help)
    lg_options_print_help(o, "prog", f);
  else
    lg_options_print_values(o, f);
  long len = ftell(f);
  assert_true(len > 0);
  char *buf = calloc(1, (size_t)len + 1);
  assert_non_null(buf);
  rewind(f);
  assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
  fclose(f);
  return buf;
}

/* The line of `text` holding `needle`, copied into line. */
static bool find_line(const char *text, const char *needle, char *line, size_t size)
{
  const char *p = strstr(text, needle);
  if (!p)
    return false;
  while (p > text && p[-1] != '\n')
    --p;
  size_t n = strcspn(p, "\n");
  snprintf(line, size, "%.*s", (int)n, p);
  return true;
}

static void test_help_lists_everything(void **state)
{
  struct lg_options *o = *state;
  assert_true(lg_option_set_default(o, "win", "title", "Changed Default"));
  assert_string_equal(lg_option_get_string(o, "win", "title"), "Changed Default");
  char *help = capture(o, true);
  assert_non_null(strstr(help, "Usage: prog"));
  assert_non_null(strstr(help, "\n[win]\n"));
  assert_non_null(strstr(help, "\n[spice]\n"));
  long desc_col = -1;
  for (size_t i = 0; i < TABLE_LEN; ++i) {
    const struct lg_option_desc *d = lg_options_desc_at(o, i);
    char full[64], line[512], def[128];
    snprintf(full, sizeof(full), "  %s:%s ", d->section, d->name);
    assert_true(find_line(help, full, line, sizeof(line)));
    if (d->type == LG_OPT_STRING && !d->def && strcmp(d->name, "title") != 0)
      snprintf(def, sizeof(def), " (unset) ");
    else {
      char v[64];
      struct lg_options *fresh = lg_options_new();
      assert_true(lg_options_register(fresh, test_table, TABLE_LEN));
      assert_true(lg_option_format(fresh, d->section, d->name, v, sizeof(v)));
      lg_options_free(fresh);
      snprintf(def, sizeof(def), " %s ", strcmp(d->name, "title") == 0 ? "Changed Default" : v);
    }
    assert_non_null(strstr(line, def));
    if (d->short_flag) {
      char flag[8];
      snprintf(flag, sizeof(flag), " -%c ", d->short_flag);
      assert_non_null(strstr(line, flag));
    }
    const char *dp = NULL; /* last occurrence: "FPS" also occurs in "win:showFPS" */
    for (const char *q = strstr(line, d->description); q; q = strstr(q + 1, d->description))
      dp = q;
    assert_non_null(dp);
    if (desc_col < 0)
      desc_col = dp - line;
    assert_int_equal(dp - line, desc_col); /* aligned columns */
  }
  char line[512];
  assert_true(find_line(help, "  input:mouseSens ", line, sizeof(line)));
  assert_non_null(strstr(line, " int "));
  assert_non_null(strstr(line, "(an integer from -9 to 9)"));
  assert_true(find_line(help, "  t:colour ", line, sizeof(line)));
  assert_non_null(strstr(line, "(one of: red, Green, blue)"));
  free(help);
}

static void test_print_values(void **state)
{
  struct lg_options *o = *state;
  assert_true(set(o, "win:fullScreen=on"));
  assert_true(set(o, "t:bytes=1k"));
  char *vals = capture(o, false);
  assert_non_null(strstr(vals, "win:fullScreen=yes\n"));
  assert_non_null(strstr(vals, "win:title=LG\n"));
  assert_non_null(strstr(vals, "t:bytes=1024\n"));
  assert_non_null(strstr(vals, "t:ratio=0.5\n"));
  assert_non_null(strstr(vals, "t:colour=Green\n"));
  assert_non_null(strstr(vals, "t:unset=\n"));
  size_t lines = 0;
  for (const char *p = vals; *p; ++p)
    lines += *p == '\n';
  assert_int_equal(lines, TABLE_LEN);
  free(vals);
  lg_options_log_values(o); /* must not crash */
}

/* Pseudo-random INI-like garbage: every call either succeeds or explains why (no crash; the
 * sanitizer build catches out-of-bounds reads). */
static void test_garbage_input(void **state)
{
  struct lg_options *o = *state;
  static const char alphabet[] = "[]=;#\"'\\\n\r \t:winspcetlportfuSx0123456789-.\xEF\xBB\xBF";
  uint32_t seed = 12345;
  char buf[400];
  unsigned ok = 0, failed = 0;
  for (int iter = 0; iter < 5000; ++iter) {
    seed = seed * 1103515245u + 12345u;
    size_t len = (seed >> 8) % sizeof(buf);
    for (size_t i = 0; i < len; ++i) {
      seed = seed * 1103515245u + 12345u;
      buf[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
    }
    if (iter % 3 == 0 && len > 10)
      memcpy(buf, "[win]\ntitle", 11);
    if (lg_options_load_ini_buffer(o, buf, len, "fuzz.ini")) {
      ok++;
    } else {
      failed++;
      assert_true(strncmp(lg_options_error(o), "fuzz.ini:", 9) == 0);
    }
    buf[len] = '\0';
    if (!lg_option_set_arg(o, buf, LG_OPT_SRC_CMDLINE, "command line"))
      assert_true(lg_options_error(o)[0] != '\0');
  }
  assert_true(ok > 0);
  assert_true(failed > 0);
  assert_int_equal(lg_options_misuse_count(o), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bool_spellings, setup, teardown),
      cmocka_unit_test_setup_teardown(test_int_bounds, setup, teardown),
      cmocka_unit_test_setup_teardown(test_uint64_size_float, setup, teardown),
      cmocka_unit_test_setup_teardown(test_string_enum_validator, setup, teardown),
      cmocka_unit_test_setup_teardown(test_getter_misuse, setup, teardown),
      cmocka_unit_test_setup_teardown(test_register_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unknown_suggestions, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cmdline, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cmdline_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_ini_and_precedence, setup_dir, teardown_dir),
      cmocka_unit_test_setup_teardown(test_ini_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_help_lists_everything, setup, teardown),
      cmocka_unit_test_setup_teardown(test_print_values, setup, teardown),
      cmocka_unit_test_setup_teardown(test_garbage_input, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
