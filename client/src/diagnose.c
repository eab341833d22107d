/* looking-glass-client --diagnose (see diagnose.h). The region facts (LGMP header, heartbeat,
 * KVMFR udata, LGDIAG record, newest frame) come from diag_facts.c, which opens the region
 * O_RDONLY and maps it PROT_READ, so diagnosing never changes it; the live diagnostics panel
 * (diag_live.c) builds its facts from the same code. */
#include "diagnose.h"

#include "diag_facts.h"
#include "lg/diag.h"
#include "lg/log.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIAG_PATH_MAX 4096

static const struct lg_option_desc diagnose_option_table[] = {
    {.section = "diag",
     .name = "root",
     .type = LG_OPT_STRING,
     .description = "Root directory for the /proc, /sys and region reads of --diagnose",
     .def = "/"},
    {.section = "diag",
     .name = "qemuPid",
     .type = LG_OPT_INT,
     .description = "PID of the QEMU process --diagnose inspects (0: find it)",
     .def = "0",
     .min = 0,
     .max = INT32_MAX},
};

bool diagnose_options_register(struct lg_options *opts)
{
  return lg_options_register(opts, diagnose_option_table,
                             sizeof(diagnose_option_table) / sizeof(diagnose_option_table[0]));
}


int diagnose_run(struct lg_options *opts, bool json)
{
  const char *root = lg_option_get_string(opts, "diag", "root");
  const char *path = lg_option_get_string(opts, "app", "shmFile");
  int qemu_pid = lg_option_get_int(opts, "diag", "qemuPid");
  if (!root || !*root)
    root = "/";
  if (path && !*path)
    path = NULL;

  struct lg_diag d;
  lg_diag_init(&d);

  diag_facts_client_cpu(&d);

  /* Host side first: stat, ownership and O_RDWR access of the region come from here. */
  struct lg_diag_host_opts host = {
      .root = root, .region_path = path, .qemu_pid = qemu_pid > 0 ? (uint32_t)qemu_pid : 0};
  lg_diag_collect_host(&d, &host);

  if (path) {
    char full[DIAG_PATH_MAX];
    diag_facts_join_root(root, path, full, sizeof(full));
    diag_facts_region(&d, full, true);
  }

  lg_diag_run_rules(&d);
  int status = lg_diag_exit_status(&d);
  char *report = json ? lg_diag_report_json(&d, true) : lg_diag_report_text(&d);
  if (!report) {
    LG_ERROR("diagnose: out of memory writing the report");
    lg_diag_free(&d);
    return 2;
  }
  fputs(report, stdout);
  size_t len = strlen(report);
  if (len == 0 || report[len - 1] != '\n')
    fputc('\n', stdout);
  fflush(stdout);
  free(report);
  lg_diag_free(&d);
  return status;
}
