/* Unit tests of the client's option table: B7 names and short flags, defaults, the value
 * syntaxes of win:size / win:position / input:escapeKey, and the default INI locations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "client_options.h"

#include <string.h>

static int setup(void **state)
{
  struct lg_options *o = lg_options_new();
  if (!o || !client_options_register(o))
    return -1;
  *state = o;
  return 0;
}

static int teardown(void **state)
{
  lg_options_free(*state);
  return 0;
}

struct expect {
  const char *section, *name;
  char flag;
  enum lg_option_type type;
  const char *def; /* as lg_option_format prints it; NULL: not checked */
};

static const struct expect b7[] = {
    {"app", "shmFile", 'f', LG_OPT_STRING, NULL},
    {"app", "renderer", 'g', LG_OPT_STRING, "auto"},
    {"app", "allowDMA", 0, LG_OPT_BOOL, "yes"},
    {"app", "configFile", 'C', LG_OPT_STRING, ""},
    {"win", "title", 0, LG_OPT_STRING, "Looking Glass (client)"},
    {"win", "position", 0, LG_OPT_STRING, "center"},
    {"win", "size", 0, LG_OPT_STRING, "1024x768"},
    {"win", "autoResize", 'a', LG_OPT_BOOL, "no"},
    {"win", "allowResize", 'n', LG_OPT_BOOL, "yes"},
    {"win", "keepAspect", 'r', LG_OPT_BOOL, "yes"},
    {"win", "forceAspect", 0, LG_OPT_BOOL, "yes"},
    {"win", "dontUpscale", 0, LG_OPT_BOOL, "no"},
    {"win", "intUpscale", 0, LG_OPT_BOOL, "no"},
    {"win", "borderless", 'd', LG_OPT_BOOL, "no"},
    {"win", "fullScreen", 'F', LG_OPT_BOOL, "no"},
    {"win", "maximize", 'T', LG_OPT_BOOL, "no"},
    {"win", "showFPS", 'k', LG_OPT_BOOL, "no"},
    {"win", "ignoreQuit", 'Q', LG_OPT_BOOL, "no"},
    {"win", "noScreensaver", 'S', LG_OPT_BOOL, "no"},
    {"win", "rotate", 0, LG_OPT_INT, "0"},
    {"input", "grabKeyboard", 'G', LG_OPT_BOOL, "yes"},
    {"input", "escapeKey", 'm', LG_OPT_STRING, "KEY_SCROLLLOCK"},
    {"input", "hideCursor", 'M', LG_OPT_BOOL, "yes"},
    {"input", "rawMouse", 0, LG_OPT_BOOL, "no"},
    {"input", "mouseSens", 0, LG_OPT_INT, "0"},
    {"spice", "enable", 's', LG_OPT_BOOL, "yes"},
    {"spice", "host", 'c', LG_OPT_STRING, "127.0.0.1"},
    {"spice", "port", 'p', LG_OPT_INT, "5900"},
    {"spice", "input", 0, LG_OPT_BOOL, "yes"},
    {"spice", "clipboard", 0, LG_OPT_BOOL, "yes"},
    {"spice", "captureOnStart", 0, LG_OPT_BOOL, "no"},
    {"egl", "vsync", 0, LG_OPT_BOOL, "no"},
    {"egl", "doubleBuffer", 0, LG_OPT_BOOL, "no"},
    {"egl", "scale", 0, LG_OPT_INT, "0"},
    {"debug", "logLevel", 0, LG_OPT_ENUM, "info"},
};

static void test_b7_names_flags_defaults(void **state)
{
  struct lg_options *o = *state;
  for (size_t i = 0; i < sizeof(b7) / sizeof(b7[0]); ++i) {
    const struct lg_option_desc *found = NULL;
    for (size_t j = 0; j < lg_options_count(o) && !found; ++j) {
      const struct lg_option_desc *d = lg_options_desc_at(o, j);
      if (strcmp(d->section, b7[i].section) == 0 && strcmp(d->name, b7[i].name) == 0)
        found = d;
    }
    if (!found)
      fail_msg("missing %s:%s", b7[i].section, b7[i].name);
    assert_int_equal(found->short_flag, b7[i].flag);
    assert_int_equal(found->type, b7[i].type);
    if (b7[i].def) {
      char v[128];
      assert_true(lg_option_format(o, b7[i].section, b7[i].name, v, sizeof(v)));
      assert_string_equal(v, b7[i].def);
    }
  }
  const char *shm = lg_option_get_string(o, "app", "shmFile");
  assert_true(strcmp(shm, "/dev/kvmfr0") == 0 || strcmp(shm, "/dev/shm/looking-glass") == 0);
}

static void test_short_flags(void **state)
{
  struct lg_options *o = *state;
  char *argv[] = {"lgc",           "-F", "-k", "-s", "-f", "/dev/shm/x", "-c", "h", "-p", "1", "-m",
                  "KEY_RIGHTCTRL", NULL};
  assert_int_equal(lg_options_parse_cmdline(o, 12, argv), LG_CMDLINE_RUN);
  assert_true(lg_option_get_bool(o, "win", "fullScreen"));
  assert_true(lg_option_get_bool(o, "win", "showFPS"));
  assert_false(lg_option_get_bool(o, "spice", "enable"));
  assert_string_equal(lg_option_get_string(o, "app", "shmFile"), "/dev/shm/x");
  assert_string_equal(lg_option_get_string(o, "spice", "host"), "h");
  assert_int_equal(lg_option_get_int(o, "spice", "port"), 1);
  assert_int_equal(client_options_key_code(lg_option_get_string(o, "input", "escapeKey")), 97);
}

static void test_bad_values(void **state)
{
  struct lg_options *o = *state;
  assert_false(lg_option_set_arg(o, "win:size=abc", LG_OPT_SRC_CMDLINE, "command line"));
  assert_string_equal(lg_options_error(o), "command line: invalid value 'abc' for win:size: "
                                           "expected WIDTHxHEIGHT, each 1 to 65535, e.g. "
                                           "1024x768");
  assert_false(lg_option_set_arg(o, "input:mouseSens=999", LG_OPT_SRC_CMDLINE, "command line"));
  assert_string_equal(lg_options_error(o), "command line: invalid value '999' for "
                                           "input:mouseSens: expected an integer from -9 to 9");
  assert_false(lg_option_set_arg(o, "win:rotate=45", LG_OPT_SRC_CMDLINE, "command line"));
  assert_string_equal(lg_options_error(o), "command line: invalid value '45' for win:rotate: "
                                           "expected 0, 90, 180 or 270");
  assert_true(lg_option_set_arg(o, "win:rotate=270", LG_OPT_SRC_CMDLINE, "command line"));
  assert_false(lg_option_set_arg(o, "input:escapeKey=KEY_NOPE", LG_OPT_SRC_CMDLINE, "cl"));
  assert_non_null(strstr(lg_options_error(o), "KEY_SCROLLLOCK"));
  assert_false(lg_option_set_arg(o, "app:shmFile=", LG_OPT_SRC_CMDLINE, "cl"));
  assert_false(lg_option_set_arg(o, "debug:logLevel=loud", LG_OPT_SRC_CMDLINE, "cl"));
  assert_true(lg_option_set_arg(o, "debug:logLevel=DEBUG", LG_OPT_SRC_CMDLINE, "cl"));
  assert_string_equal(lg_option_get_enum(o, "debug", "logLevel"), "debug");
}

static void test_value_syntaxes(void **state)
{
  unsigned w, h;
  assert_true(client_options_parse_size("1920x1080", &w, &h));
  assert_int_equal(w, 1920);
  assert_int_equal(h, 1080);
  assert_false(client_options_parse_size("0x10", &w, &h));
  assert_false(client_options_parse_size("10x", &w, &h));
  assert_false(client_options_parse_size("-5x10", &w, &h));
  assert_false(client_options_parse_size("65536x1", &w, &h));
  assert_false(client_options_parse_size("10x10x", &w, &h));
  assert_false(client_options_parse_size("99999999999999999999x1", &w, &h));

  bool c;
  int x, y;
  assert_true(client_options_parse_position("Center", &c, &x, &y));
  assert_true(c);
  assert_true(client_options_parse_position("-10x20", &c, &x, &y));
  assert_false(c);
  assert_int_equal(x, -10);
  assert_int_equal(y, 20);
  assert_false(client_options_parse_position("left", &c, &x, &y));
  assert_false(client_options_parse_position("10", &c, &x, &y));

  assert_int_equal(client_options_key_code("KEY_SCROLLLOCK"), 70);
  assert_int_equal(client_options_key_code("scrolllock"), 70);
  assert_int_equal(client_options_key_code("key_pause"), 119);
  assert_int_equal(client_options_key_code("97"), 97);
  assert_int_equal(client_options_key_code("0"), -1);
  assert_int_equal(client_options_key_code("99999"), -1);
  assert_int_equal(client_options_key_code("KEY_"), -1);
  assert_int_equal(client_options_key_code(""), -1);
}

static void test_ini_paths(void **state)
{
  struct client_ini_paths p;
  client_options_ini_paths(&p, NULL, "/home/u", NULL);
  assert_int_equal(p.count, 3);
  assert_string_equal(p.path[0], "/etc/looking-glass-client.ini");
  assert_string_equal(p.path[1], "/home/u/.looking-glass-client.ini");
  assert_string_equal(p.path[2], "/home/u/.config/looking-glass/client.ini");

  client_options_ini_paths(&p, "/tmp/sys", "/home/u", "/tmp/xdg");
  assert_int_equal(p.count, 3);
  assert_string_equal(p.path[0], "/tmp/sys/looking-glass-client.ini");
  assert_string_equal(p.path[2], "/tmp/xdg/looking-glass/client.ini");

  client_options_ini_paths(&p, NULL, "/h", "relative/xdg");
  assert_int_equal(p.count, 3);
  assert_string_equal(p.path[2], "/h/.config/looking-glass/client.ini");

  client_options_ini_paths(&p, "", NULL, "");
  assert_int_equal(p.count, 1);
  assert_string_equal(p.path[0], "/etc/looking-glass-client.ini");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_b7_names_flags_defaults, setup, teardown),
      cmocka_unit_test_setup_teardown(test_short_flags, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
      cmocka_unit_test(test_value_syntaxes),
      cmocka_unit_test(test_ini_paths),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
