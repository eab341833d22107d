/* looking-glass-client --diagnose: inspects the shared-memory region read-only (LGMP header,
 * heartbeat, KVMFR udata and the guest's LGDIAG record), gathers client CPU facts and the
 * host-side facts under diag:root, runs the diagnostics rules (lg/diag.h) and prints a text
 * or JSON report. Needs no window and no running VM. */
#ifndef CLIENT_DIAGNOSE_H
#define CLIENT_DIAGNOSE_H

#include <stdbool.h>

#include "lg/option.h"

/* Registers diag:root (string, "/") and diag:qemuPid (int, 0 = find it) in `opts`.
 * False on a programming error (already registered). */
bool diagnose_options_register(struct lg_options *opts);

/* Runs the diagnosis for app:shmFile and the diag:* options and prints the report to stdout
 * (JSON when `json`). Returns the exit status: 0 ok, 1 warnings, 2 errors. */
int diagnose_run(struct lg_options *opts, bool json);

#endif
