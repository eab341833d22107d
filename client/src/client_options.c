/* looking-glass-client option table. Names, short flags and defaults follow upstream B7 so
 * existing command lines and client.ini files keep working. */
#include "client_options.h"

#include <linux/input-event-codes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct key_name {
  const char *name; /* without the KEY_ prefix */
  int code;
};

#define KEY_ENTRY(n)                                                                               \
  {                                                                                                \
#n, KEY_##n                                                                                    \
  }
static const struct key_name key_names[] = {
    KEY_ENTRY(SCROLLLOCK), KEY_ENTRY(PAUSE),     KEY_ENTRY(INSERT),    KEY_ENTRY(DELETE),
    KEY_ENTRY(HOME),       KEY_ENTRY(END),       KEY_ENTRY(PAGEUP),    KEY_ENTRY(PAGEDOWN),
    KEY_ENTRY(RIGHTCTRL),  KEY_ENTRY(LEFTCTRL),  KEY_ENTRY(RIGHTALT),  KEY_ENTRY(LEFTALT),
    KEY_ENTRY(RIGHTSHIFT), KEY_ENTRY(LEFTSHIFT), KEY_ENTRY(RIGHTMETA), KEY_ENTRY(LEFTMETA),
    KEY_ENTRY(CAPSLOCK),   KEY_ENTRY(NUMLOCK),   KEY_ENTRY(SYSRQ),     KEY_ENTRY(COMPOSE),
    KEY_ENTRY(MENU),       KEY_ENTRY(ESC),       KEY_ENTRY(GRAVE),     KEY_ENTRY(TAB),
    KEY_ENTRY(KPASTERISK), KEY_ENTRY(F1),        KEY_ENTRY(F2),        KEY_ENTRY(F3),
    KEY_ENTRY(F4),         KEY_ENTRY(F5),        KEY_ENTRY(F6),        KEY_ENTRY(F7),
    KEY_ENTRY(F8),         KEY_ENTRY(F9),        KEY_ENTRY(F10),       KEY_ENTRY(F11),
    KEY_ENTRY(F12),
};
#undef KEY_ENTRY

static bool eq_nocase(const char *a, const char *b)
{
  for (; *a && *b; ++a, ++b) {
    char x = (*a >= 'a' && *a <= 'z') ? (char)(*a - 32) : *a;
    char y = (*b >= 'a' && *b <= 'z') ? (char)(*b - 32) : *b;
    if (x != y)
      return false;
  }
  return *a == *b;
}

int client_options_key_code(const char *name)
{
  if (!name || !*name)
    return -1;
  if (name[0] >= '0' && name[0] <= '9') {
    char *end;
    long v = strtol(name, &end, 10);
    return (*end == '\0' && v > 0 && v <= KEY_MAX) ? (int)v : -1;
  }
  const char *bare = name;
  if ((name[0] == 'K' || name[0] == 'k') && (name[1] == 'E' || name[1] == 'e') &&
      (name[2] == 'Y' || name[2] == 'y') && name[3] == '_')
    bare = name + 4;
  for (size_t i = 0; i < ARRAY_LEN(key_names); ++i)
    if (eq_nocase(bare, key_names[i].name))
      return key_names[i].code;
  return -1;
}

/* Reads a decimal int in [lo, hi] from *p, advancing it. */
static bool read_int(const char **p, long lo, long hi, long *out)
{
  const char *s = *p;
  bool neg = *s == '-';
  if (neg || *s == '+')
    ++s;
  if (*s < '0' || *s > '9')
    return false;
  long v = 0;
  for (; *s >= '0' && *s <= '9'; ++s) {
    v = v * 10 + (*s - '0');
    if (v > 1000000)
      return false;
  }
  v = neg ? -v : v;
  if (v < lo || v > hi)
    return false;
  *out = v;
  *p = s;
  return true;
}

bool client_options_parse_size(const char *text, unsigned *width, unsigned *height)
{
  long w, h;
  const char *p = text;
  if (*p == '-' || *p == '+' || !read_int(&p, 1, 65535, &w) || *p++ != 'x')
    return false;
  if (*p == '-' || *p == '+' || !read_int(&p, 1, 65535, &h) || *p)
    return false;
  *width = (unsigned)w;
  *height = (unsigned)h;
  return true;
}

bool client_options_parse_position(const char *text, bool *center, int *x, int *y)
{
  if (eq_nocase(text, "center")) {
    *center = true;
    *x = *y = 0;
    return true;
  }
  long a, b;
  const char *p = text;
  if (!read_int(&p, -65535, 65535, &a) || *p++ != 'x' || !read_int(&p, -65535, 65535, &b) || *p)
    return false;
  *center = false;
  *x = (int)a;
  *y = (int)b;
  return true;
}

static bool validate_size(const struct lg_option_value *v, char *expect, size_t size)
{
  unsigned w, h;
  if (client_options_parse_size(v->s, &w, &h))
    return true;
  snprintf(expect, size, "WIDTHxHEIGHT, each 1 to 65535, e.g. 1024x768");
  return false;
}

static bool validate_position(const struct lg_option_value *v, char *expect, size_t size)
{
  bool c;
  int x, y;
  if (client_options_parse_position(v->s, &c, &x, &y))
    return true;
  snprintf(expect, size, "'center' or XxY, e.g. 100x50");
  return false;
}

static bool validate_key(const struct lg_option_value *v, char *expect, size_t size)
{
  if (client_options_key_code(v->s) > 0)
    return true;
  size_t used = (size_t)snprintf(expect, size, "a key code or name:");
  for (size_t i = 0; i < ARRAY_LEN(key_names) && used < size; ++i)
    used += (size_t)snprintf(expect + used, size - used, " KEY_%s", key_names[i].name);
  return false;
}

static bool validate_rotate(const struct lg_option_value *v, char *expect, size_t size)
{
  if (v->i == 0 || v->i == 90 || v->i == 180 || v->i == 270)
    return true;
  snprintf(expect, size, "0, 90, 180 or 270");
  return false;
}

static bool validate_nonempty(const struct lg_option_value *v, char *expect, size_t size)
{
  if (v->s && *v->s)
    return true;
  snprintf(expect, size, "a non-empty string");
  return false;
}

static const char *const log_levels[] = {"debug", "info", "warn", "error", "fatal", NULL};

static const char *const display_servers[] = {"auto", "wayland", "x11", "sdl", NULL};

static const struct lg_option_desc client_table[] = {
    /* app */
    {.section = "app",
     .name = "configFile",
     .short_flag = 'C',
     .type = LG_OPT_STRING,
     .description = "An extra INI file to read before the command line",
     .loads_ini = true},
    {.section = "app",
     .name = "renderer",
     .short_flag = 'g',
     .type = LG_OPT_STRING,
     .description = "The renderer to use",
     .def = "auto",
     .validate = validate_nonempty},
    {.section = "app",
     .name = "displayServer",
     .type = LG_OPT_ENUM,
     .description = "Display server: auto probes wayland, x11 and sdl in that order",
     .def = "auto",
     .values = display_servers},
    {.section = "app",
     .name = "allowDMA",
     .type = LG_OPT_BOOL,
     .description = "Use DMA-BUF import of the shared memory when the device supports it",
     .def = "yes"},
    {.section = "app",
     .name = "shmFile",
     .short_flag = 'f',
     .type = LG_OPT_STRING,
     .description = "Shared memory file or kvmfr device",
     .def = "/dev/shm/looking-glass",
     .validate = validate_nonempty},

    /* win */
    {.section = "win",
     .name = "title",
     .type = LG_OPT_STRING,
     .description = "Window title",
     .def = "Looking Glass (client)"},
    {.section = "win",
     .name = "position",
     .type = LG_OPT_STRING,
     .description = "Initial window position",
     .def = "center",
     .validate = validate_position},
    {.section = "win",
     .name = "size",
     .type = LG_OPT_STRING,
     .description = "Initial window size",
     .def = "1024x768",
     .validate = validate_size},
    {.section = "win",
     .name = "autoResize",
     .short_flag = 'a',
     .type = LG_OPT_BOOL,
     .description = "Resize the window to follow the guest resolution",
     .def = "no"},
    {.section = "win",
     .name = "allowResize",
     .short_flag = 'n',
     .type = LG_OPT_BOOL,
     .description = "Let the user resize the window",
     .def = "yes"},
    {.section = "win",
     .name = "keepAspect",
     .short_flag = 'r',
     .type = LG_OPT_BOOL,
     .description = "Keep the guest aspect ratio when scaling",
     .def = "yes"},
    {.section = "win",
     .name = "forceAspect",
     .type = LG_OPT_BOOL,
     .description = "Make the window itself keep the guest aspect ratio",
     .def = "yes"},
    {.section = "win",
     .name = "dontUpscale",
     .type = LG_OPT_BOOL,
     .description = "Never scale the guest image up",
     .def = "no"},
    {.section = "win",
     .name = "intUpscale",
     .type = LG_OPT_BOOL,
     .description = "Scale up by whole multiples only",
     .def = "no"},
    {.section = "win",
     .name = "borderless",
     .short_flag = 'd',
     .type = LG_OPT_BOOL,
     .description = "Window without decorations",
     .def = "no"},
    {.section = "win",
     .name = "fullScreen",
     .short_flag = 'F',
     .type = LG_OPT_BOOL,
     .description = "Start in borderless full screen",
     .def = "no"},
    {.section = "win",
     .name = "maximize",
     .short_flag = 'T',
     .type = LG_OPT_BOOL,
     .description = "Start with the window maximized",
     .def = "no"},
    {.section = "win",
     .name = "ignoreQuit",
     .short_flag = 'Q',
     .type = LG_OPT_BOOL,
     .description = "Ignore window close requests (e.g. Alt+F4)",
     .def = "no"},
    {.section = "win",
     .name = "noScreensaver",
     .short_flag = 'S',
     .type = LG_OPT_BOOL,
     .description = "Keep the host screensaver from starting",
     .def = "no"},
    {.section = "win",
     .name = "rotate",
     .type = LG_OPT_INT,
     .description = "Rotate the guest image: 0, 90, 180 or 270 degrees",
     .def = "0",
     .validate = validate_rotate},
    {.section = "win",
     .name = "showFPS",
     .short_flag = 'k',
     .type = LG_OPT_BOOL,
     .description = "Show the FPS/UPS display",
     .def = "no"},

    /* input */
    {.section = "input",
     .name = "grabKeyboard",
     .short_flag = 'G',
     .type = LG_OPT_BOOL,
     .description = "Grab the keyboard while in capture mode",
     .def = "yes"},
    {.section = "input",
     .name = "escapeKey",
     .short_flag = 'm',
     .type = LG_OPT_STRING,
     .description = "Escape/menu key, by name or Linux key code",
     .def = "KEY_SCROLLLOCK",
     .validate = validate_key},
    {.section = "input",
     .name = "hideCursor",
     .short_flag = 'M',
     .type = LG_OPT_BOOL,
     .description = "Hide the local mouse cursor",
     .def = "yes"},
    {.section = "input",
     .name = "mouseSens",
     .type = LG_OPT_INT,
     .description = "Initial mouse sensitivity in capture mode",
     .def = "0",
     .min = -9,
     .max = 9},
    {.section = "input",
     .name = "rawMouse",
     .type = LG_OPT_BOOL,
     .description = "Use raw (unaccelerated) mouse input in capture mode",
     .def = "no"},

    /* spice */
    {.section = "spice",
     .name = "enable",
     .short_flag = 's',
     .type = LG_OPT_BOOL,
     .description = "Use the built-in SPICE client for input and clipboard",
     .def = "yes"},
    {.section = "spice",
     .name = "host",
     .short_flag = 'c',
     .type = LG_OPT_STRING,
     .description = "SPICE server host or UNIX socket path",
     .def = "127.0.0.1",
     .validate = validate_nonempty},
    {.section = "spice",
     .name = "port",
     .short_flag = 'p',
     .type = LG_OPT_INT,
     .description = "SPICE server port (0 = UNIX socket)",
     .def = "5900",
     .min = 0,
     .max = 65535},
    {.section = "spice",
     .name = "password",
     .type = LG_OPT_STRING,
     .description = "SPICE server password (ticket), empty for none",
     .def = ""},
    {.section = "spice",
     .name = "input",
     .type = LG_OPT_BOOL,
     .description = "Send keyboard and mouse input through SPICE",
     .def = "yes"},
    {.section = "spice",
     .name = "clipboard",
     .type = LG_OPT_BOOL,
     .description = "Share the clipboard with the guest through SPICE",
     .def = "yes"},
    {.section = "spice",
     .name = "captureOnStart",
     .type = LG_OPT_BOOL,
     .description = "Enter capture mode at start-up",
     .def = "no"},

    /* egl */
    {.section = "egl",
     .name = "vsync",
     .type = LG_OPT_BOOL,
     .description = "Wait for vsync",
     .def = "no"},
    {.section = "egl",
     .name = "doubleBuffer",
     .type = LG_OPT_BOOL,
     .description = "Use double buffering",
     .def = "no"},
    {.section = "egl",
     .name = "scale",
     .type = LG_OPT_INT,
     .description = "Scaling filter: 0 = auto, 1 = nearest, 2 = linear",
     .def = "0",
     .min = 0,
     .max = 2},

    /* debug (not in B7) */
    {.section = "debug",
     .name = "logLevel",
     .type = LG_OPT_ENUM,
     .description = "Lowest log level written",
     .def = "info",
     .values = log_levels},
    {.section = "debug",
     .name = "logFile",
     .type = LG_OPT_STRING,
     .description = "Also append the log to this file (empty: stderr only)",
     .def = ""},
    {.section = "debug",
     .name = "timingLog",
     .type = LG_OPT_STRING,
     .description = "Append \"swap SERIAL NS\" per frame shown and \"render NS\" per swap "
                    "(CLOCK_MONOTONIC) to this file (unset: off)"},
};

bool client_options_register(struct lg_options *opts)
{
  if (!lg_options_register(opts, client_table, ARRAY_LEN(client_table)))
    return false;
  if (access("/dev/kvmfr0", F_OK) == 0)
    return lg_option_set_default(opts, "app", "shmFile", "/dev/kvmfr0");
  return true;
}

static void add_path(struct client_ini_paths *out, const char *a, const char *b)
{
  int n = snprintf(out->path[out->count], CLIENT_PATH_MAX, "%s%s", a, b);
  if (n > 0 && n < CLIENT_PATH_MAX)
    out->count++;
}

void client_options_ini_paths(struct client_ini_paths *out, const char *sysconfdir,
                              const char *home, const char *xdg_config_home)
{
  out->count = 0;
  add_path(out, sysconfdir && *sysconfdir ? sysconfdir : "/etc", "/looking-glass-client.ini");
  bool have_home = home && *home;
  if (have_home)
    add_path(out, home, "/.looking-glass-client.ini");
  if (xdg_config_home && xdg_config_home[0] == '/') /* relative values are ignored (XDG spec) */
    add_path(out, xdg_config_home, "/looking-glass/client.ini");
  else if (have_home)
    add_path(out, home, "/.config/looking-glass/client.ini");
}
