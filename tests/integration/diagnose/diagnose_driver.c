/* Test driver for looking-glass-client --diagnose without the rest of the client: registers
 * the client's options and diag:*, takes "--diagnose" or "--diagnose=json" out of argv,
 * parses the rest like the client and returns diagnose_run's exit status. */
#include "client_options.h"
#include "diagnose.h"

#include "lg/option.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
  bool diagnose = false, json = false;
  char **args = calloc((size_t)argc + 1, sizeof(*args));
  if (!args)
    return 3;
  int n = 0;
  for (int i = 0; i < argc; ++i) {
    if (i > 0 && strcmp(argv[i], "--diagnose") == 0) {
      diagnose = true;
    } else if (i > 0 && strcmp(argv[i], "--diagnose=json") == 0) {
      diagnose = true;
      json = true;
    } else {
      args[n++] = argv[i];
    }
  }
  if (!diagnose) {
    fprintf(stderr, "usage: %s --diagnose[=json] [options]\n", argv[0]);
    free(args);
    return 3;
  }
  struct lg_options *opts = lg_options_new();
  if (!opts || !client_options_register(opts) || !diagnose_options_register(opts)) {
    lg_options_free(opts);
    free(args);
    return 3;
  }
  int rc;
  switch (lg_options_parse_cmdline(opts, n, args)) {
  case LG_CMDLINE_RUN:
    rc = diagnose_run(opts, json);
    break;
  case LG_CMDLINE_ERROR:
    fprintf(stderr, "%s\n", lg_options_error(opts));
    rc = 3;
    break;
  default:
    rc = 0;
    break;
  }
  lg_options_free(opts);
  free(args);
  return rc;
}
