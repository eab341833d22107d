/* looking-glass-client entry point: options (defaults, INI files, command line), then the
 * application (app.h): window, renderer and the host session.
 *
 * Environment: HOME and XDG_CONFIG_HOME locate the user INI files; LG_SYSCONFDIR replaces
 * /etc for the system one (tests point all three at temp dirs). */
#include "app.h"
#include "client_options.h"
#include "diagnose.h"

#include "lg/log.h"
#include "lg/option.h"

#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#ifndef LG_VERSION
#define LG_VERSION "0.1.0-dev"
#endif

static const char *program_name(int argc, char **argv)
{
  return argc > 0 && argv[0] ? argv[0] : "looking-glass-client";
}

/* Loads the default INI files, then the command line. Returns the action to take. */
static enum lg_cmdline_action load_options(struct lg_options *opts, int argc, char **argv)
{
  struct client_ini_paths paths;
  client_options_ini_paths(&paths, getenv("LG_SYSCONFDIR"), getenv("HOME"),
                           getenv("XDG_CONFIG_HOME"));
  for (size_t i = 0; i < paths.count; ++i)
    if (!lg_options_load_ini(opts, paths.path[i], false))
      return LG_CMDLINE_ERROR;
  return lg_options_parse_cmdline(opts, argc, argv);
}

/* Takes "--diagnose" / "--diagnose=json" / "--diagnose=text" out of argv (the option parser
 * does not know them). Returns false on an unknown --diagnose= mode. */
static bool take_diagnose_flag(int *argc, char **argv, bool *diagnose, bool *json)
{
  int out = 0;
  bool ok = true;
  for (int i = 0; i < *argc; ++i) {
    const char *a = argv[i];
    if (i > 0 && strncmp(a, "--diagnose", 10) == 0 && (a[10] == '\0' || a[10] == '=')) {
      *diagnose = true;
      if (strcmp(a + 10, "=json") == 0)
        *json = true;
      else if (a[10] == '=' && strcmp(a + 10, "=text") != 0) {
        fprintf(stderr, "looking-glass-client: unknown mode '%s' (use --diagnose or "
                        "--diagnose=json)\n", a + 11);
        ok = false;
      }
      continue;
    }
    argv[out++] = argv[i];
  }
  argv[out] = NULL;
  *argc = out;
  return ok;
}

int main(int argc, char **argv)
{
  bool diagnose = false, diagnose_json = false;
  if (!take_diagnose_flag(&argc, argv, &diagnose, &diagnose_json))
    return 1;

  enum lg_cmdline_action action = lg_cmdline_peek(argc, argv);
  if (action == LG_CMDLINE_VERSION) {
    printf("looking-glass-client %s\n", LG_VERSION);
    return 0;
  }

  struct lg_options *opts = lg_options_new();
  if (!opts || !client_options_register(opts) || !diagnose_options_register(opts)) {
    lg_options_free(opts);
    return 1;
  }

  if (action == LG_CMDLINE_HELP) {
    lg_options_print_help(opts, program_name(argc, argv), stdout);
    printf("\nConfiguration files, read in this order before the command line (later wins):\n"
           "  $LG_SYSCONFDIR (default /etc)/looking-glass-client.ini\n"
           "  ~/.looking-glass-client.ini\n"
           "  $XDG_CONFIG_HOME (default ~/.config)/looking-glass/client.ini\n"
           "\nDiagnostics (no window; exit 0 ok, 1 warnings, 2 errors):\n"
           "  --diagnose [-f REGION]       report the shared-memory path and what to fix\n"
           "  --diagnose=json              the same as JSON\n");
    lg_options_free(opts);
    return 0;
  }

  action = load_options(opts, argc, argv);
  int rc = 0;
  if (action == LG_CMDLINE_ERROR) {
    fprintf(stderr, "looking-glass-client: %s\n", lg_options_error(opts));
    rc = 1;
  } else if (action == LG_CMDLINE_SHOW) {
    lg_options_print_values(opts, stdout);
  } else if (diagnose) {
    rc = diagnose_run(opts, diagnose_json);
  } else {
    enum lg_log_level level = LG_LOG_INFO;
    lg_log_level_parse(lg_option_get_enum(opts, "debug", "logLevel"), &level);
    lg_log_set_level(level);
    const char *log_file = lg_option_get_string(opts, "debug", "logFile");
    if (log_file && log_file[0] && !lg_log_set_file(log_file)) {
      fprintf(stderr, "looking-glass-client: cannot open the log file %s\n", log_file);
      rc = 1;
    } else {
      lg_options_log_values(opts);
      rc = app_run(opts);
      lg_log_set_file(NULL);
    }
  }
  lg_options_free(opts);
  return rc;
}
