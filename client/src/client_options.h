/* looking-glass-client options: the option table (names, short flags and defaults as upstream
 * B7), the default INI file locations, and helpers for option values with their own syntax. */
#ifndef CLIENT_OPTIONS_H
#define CLIENT_OPTIONS_H

#include "lg/option.h"

#include <stdbool.h>
#include <stddef.h>

#define CLIENT_INI_PATHS_MAX 3
#define CLIENT_PATH_MAX 4096

/* Default INI files in load order (later wins). */
struct client_ini_paths {
  size_t count;
  char path[CLIENT_INI_PATHS_MAX][CLIENT_PATH_MAX];
};

/* Registers the client's options in `opts` and sets run-time defaults (app:shmFile is
 * /dev/kvmfr0 when it exists, else /dev/shm/looking-glass). False on a programming error. */
bool client_options_register(struct lg_options *opts);

/* Fills `out` with SYSCONFDIR/looking-glass-client.ini, HOME/.looking-glass-client.ini and
 * XDG/looking-glass/client.ini. NULL or empty sysconfdir: /etc; NULL, empty or relative XDG:
 * HOME/.config. With no HOME the files that need it are left out. The client passes
 * getenv("LG_SYSCONFDIR"), getenv("HOME") and getenv("XDG_CONFIG_HOME"), so tests can point
 * them at temp dirs. */
void client_options_ini_paths(struct client_ini_paths *out, const char *sysconfdir,
                              const char *home, const char *xdg_config_home);

/* Linux input key code for a key name ("KEY_SCROLLLOCK", "scrolllock") or a decimal code;
 * -1 when unknown. */
int client_options_key_code(const char *name);

/* Parses "WIDTHxHEIGHT" (both 1..65535), as win:size takes. */
bool client_options_parse_size(const char *text, unsigned *width, unsigned *height);

/* Parses win:position: "center" (sets *center) or "XxY" (each -65535..65535). */
bool client_options_parse_position(const char *text, bool *center, int *x, int *y);

#endif
