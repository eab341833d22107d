/* looking-glass-host entry point: options (built-in table plus every capture backend's own
 * options as "<backend>:<name>"), signals, then the app core (app.c). */
#include <signal.h>
#ifdef _WIN32
#include <windows.h>
#endif
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "diagnose.h"
#include "lg/log.h"
#include "lg/option.h"

#ifndef LG_VERSION
#define LG_VERSION "0.1.0-dev"
#endif

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const log_levels[] = {"debug", "info", "warn", "error", "fatal", NULL};

static const struct lg_option_desc host_options[] = {
    {.section = "app",
     .name = "shmFile",
     .short_flag = 'f',
     .type = LG_OPT_STRING,
     .description = "Shared memory file or /dev/kvmfrN (unset: the IVSHMEM PCI device)"},
    {.section = "os",
     .name = "shmDevice",
     .type = LG_OPT_INT,
     .min = 0,
     .max = 15,
     .description = "Which IVSHMEM device to use, by PCI address order",
     .def = "0"},
    {.section = "app",
     .name = "capture",
     .short_flag = 'c',
     .type = LG_OPT_STRING,
     .description = "Capture backend (unset: the first that probes)"},
    {.section = "app",
     .name = "sysfsRoot",
     .type = LG_OPT_STRING,
     .description = "Root under which sysfs and /etc are read (tests)",
     .def = "/"},
    {.section = "app",
     .name = "exitAfter",
     .type = LG_OPT_INT,
     .min = 0,
     .max = 86400000,
     .description = "Exit after this many milliseconds (0: run until signalled)",
     .def = "0"},
    {.section = "app",
     .name = "copyThreads",
     .type = LG_OPT_INT,
     .min = 0,
     .max = 16,
     .description = "Threads (the capture thread included) that copy full frames; 0: 2 if "
                    "there are 2 or more CPUs, else 1",
     .def = "0"},
    {.section = "app",
     .name = "logLevel",
     .type = LG_OPT_ENUM,
     .values = log_levels,
     .description = "Lowest log level written",
     .def = "info"},
    {.section = "app",
     .name = "logFile",
     .type = LG_OPT_STRING,
     .description = "Also append the log to this file (empty: stderr only)",
     .def = ""},
    {.section = "debug",
     .name = "timingLog",
     .type = LG_OPT_STRING,
     .description = "Append \"post SERIAL NS\" (CLOCK_MONOTONIC) per posted frame to this file "
                    "(unset: off)"},
};

/* Signal-handler flag; the only state the handler touches. */
static _Atomic bool stop_flag;

#ifdef _WIN32
/* Console Ctrl+C / Ctrl+Break / close: runs on a thread the system creates. */
static BOOL WINAPI on_console_ctrl(DWORD type)
{
  (void)type;
  atomic_store(&stop_flag, true);
  return TRUE;
}
#else
static void on_signal(int sig)
{
  (void)sig;
  atomic_store(&stop_flag, true);
}
#endif

/* The capture backends' options, registered as STRING options named "<backend>:<name>". */
struct backend_opts {
  struct lg_option_desc *descs;
  size_t count;
};

static bool register_backend_options(struct lg_options *opts, struct backend_opts *bo)
{
  size_t n = 0;
  for (size_t i = 0; lg_capture_backends[i]; ++i)
    for (const struct lg_capture_option_desc *d = lg_capture_backends[i]->options; d && d->name;
         ++d)
      ++n;
  bo->descs = calloc(n ? n : 1, sizeof(*bo->descs));
  if (!bo->descs)
    return false;
  for (size_t i = 0; lg_capture_backends[i]; ++i)
    for (const struct lg_capture_option_desc *d = lg_capture_backends[i]->options; d && d->name;
         ++d)
      bo->descs[bo->count++] = (struct lg_option_desc){
          .section = lg_capture_backends[i]->name,
          .name = d->name,
          .type = LG_OPT_STRING,
          .description = d->description,
          .def = d->default_value,
      };
  return lg_options_register(opts, bo->descs, bo->count);
}

/* Removes "--diagnose[=FORMAT]" (before "--") from argv into *diag; argv keeps the rest.
 * Returns -1 for an unknown format (message printed), 1 if given, 0 if not. */
static int take_diagnose(int *argc, char **argv, enum lg_host_diag_format *fmt, const char *prog)
{
  int found = 0, out = 1;
  bool rest = false;
  for (int i = 1; i < *argc; ++i) {
    const char *a = argv[i];
    if (!rest && strcmp(a, "--") == 0)
      rest = true;
    if (!rest && (strcmp(a, "--diagnose") == 0 || strncmp(a, "--diagnose=", 11) == 0)) {
      if (!lg_host_diag_parse_format(a[10] == '=' ? a + 11 : NULL, fmt)) {
        fprintf(stderr, "%s: --diagnose: unknown format '%s' (use text or json)\n", prog, a + 11);
        return -1;
      }
      found = 1;
      continue;
    }
    argv[out++] = argv[i];
  }
  *argc = out;
  argv[out] = NULL;
  return found;
}

static const char *capture_opt_get(void *opaque, const char *backend, const char *name)
{
  return lg_option_get_string(opaque, backend, name);
}

int main(int argc, char **argv)
{
  const char *prog = argc > 0 && argv[0] ? argv[0] : "looking-glass-host";
  enum lg_cmdline_action action = lg_cmdline_peek(argc, argv);
  if (action == LG_CMDLINE_VERSION) {
    printf("looking-glass-host %s\n", LG_VERSION);
    return 0;
  }
  struct lg_options *opts = lg_options_new();
  struct backend_opts bo = {0};
  if (!opts || !lg_options_register(opts, host_options, ARRAY_LEN(host_options)) ||
      !register_backend_options(opts, &bo)) {
    lg_options_free(opts);
    free(bo.descs);
    return 1;
  }
  int rc = 0;
  enum lg_host_diag_format diag_fmt = LG_HOST_DIAG_TEXT;
  int diagnose = take_diagnose(&argc, argv, &diag_fmt, prog);
  if (diagnose < 0) {
    rc = 1;
    goto out;
  }
  if (action == LG_CMDLINE_HELP) {
    lg_options_print_help(opts, prog, stdout);
    printf("\n  --diagnose[=text|json]  Print the guest facts and findings and exit 0/1/2\n"
           "                          (ok, warning, error); never writes the region\n");
    printf("\nCapture backends, in probe order:\n");
    for (size_t i = 0; lg_capture_backends[i]; ++i)
      printf("  %-8s %s\n", lg_capture_backends[i]->name, lg_capture_backends[i]->description);
    goto out;
  }
  action = lg_options_parse_cmdline(opts, argc, argv);
  if (action == LG_CMDLINE_ERROR) {
    fprintf(stderr, "%s: %s\n", prog, lg_options_error(opts));
    rc = 1;
    goto out;
  }
  if (action == LG_CMDLINE_SHOW) {
    lg_options_print_values(opts, stdout);
    goto out;
  }

  enum lg_log_level level = LG_LOG_INFO;
  lg_log_level_parse(lg_option_get_enum(opts, "app", "logLevel"), &level);
  lg_log_set_level(level);
  const char *log_file = lg_option_get_string(opts, "app", "logFile");
  if (log_file && log_file[0] && !lg_log_set_file(log_file)) {
    fprintf(stderr, "looking-glass-host: cannot open the log file %s\n", log_file);
    rc = 1;
    goto out;
  }
  if (diagnose) {
    struct lg_host_diag_opts dopts = {
        .shm_file = lg_option_get_string(opts, "app", "shmFile"),
        .root = lg_option_get_string(opts, "app", "sysfsRoot"),
        .device = (unsigned)lg_option_get_int(opts, "os", "shmDevice"),
        .version = LG_VERSION,
    };
    rc = lg_host_diagnose(&dopts, diag_fmt, stdout);
    goto out;
  }
  lg_options_log_values(opts);
  LG_INFO("looking-glass-host %s", LG_VERSION);

#ifdef _WIN32
  SetConsoleCtrlHandler(on_console_ctrl, TRUE);
#else
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
#endif

  struct lg_capture_options copts = {.get = capture_opt_get, .opaque = opts};
  struct lg_host_config cfg = {
      .shm_file = lg_option_get_string(opts, "app", "shmFile"),
      .root = lg_option_get_string(opts, "app", "sysfsRoot"),
      .shm_device = (unsigned)lg_option_get_int(opts, "os", "shmDevice"),
      .capture = lg_option_get_string(opts, "app", "capture"),
      .capture_opts = &copts,
      .exit_after_ms = (uint32_t)lg_option_get_int(opts, "app", "exitAfter"),
      .version = LG_VERSION,
      .copy_threads = (unsigned)lg_option_get_int(opts, "app", "copyThreads"),
      .timing_log = lg_option_get_string(opts, "debug", "timingLog"),
  };
  rc = lg_host_run(&cfg, &stop_flag);
out:
  lg_log_set_file(NULL);
  lg_options_free(opts);
  free(bo.descs);
  return rc;
}
