/* The live diagnostics behind the client's panel (ESC+H). A worker thread runs the host
 * collectors (under diag:root) and the rules of lg/diag.h, combined with the client's own
 * mapping result and frame path, the session's KVMFR/LGDIAG facts and the LGMP heartbeat.
 * It runs once at start and again when the region mapping or the session changes (attach,
 * new session, detach), never per frame. Each run publishes, under a mutex, a finished
 * snapshot of panel lines: the verdict (worst finding) and its remedy first, then the facts
 * grouped by guest / host / client. The verdict is logged once per change. */
#ifndef CLIENT_DIAG_LIVE_H
#define CLIENT_DIAG_LIVE_H

#include "lg/option.h"
#include "region.h"
#include "session.h"

#include <stdbool.h>
#include <stddef.h>

#define DIAG_LIVE_LINES 34 /* panel lines at most */
#define DIAG_LIVE_LEN 104  /* bytes per line, NUL included */

struct diag_live;

/* Starts the worker (reads diag:root and app:shmFile from `opts` now) and its first run;
 * `wake(opaque)` is called from the worker after each new snapshot. NULL on failure. */
struct diag_live *diag_live_start(const struct lg_options *opts, void (*wake)(void *opaque),
                                  void *opaque);

/* Stops the worker and frees everything; NULL is ignored. */
void diag_live_stop(struct diag_live *dl);

/* UI thread: the client's mapping result: `r` when mapped, else NULL and the error `msg`.
 * Asks for a new run when it changed. NULL `dl` is ignored. */
void diag_live_region(struct diag_live *dl, const struct region *r, const char *msg);

/* UI thread: the session's info after a change; asks for a new run on attach, a new
 * session, detach or another state. NULL `dl` is ignored. */
void diag_live_session(struct diag_live *dl, const struct session_info *info);

/* UI thread: takes a newly published snapshot; true if there was one. `*show_panel` (the
 * panel's visibility) becomes true on an error verdict not seen before, and false again
 * when the error is gone if it was this that opened the panel. */
bool diag_live_poll(struct diag_live *dl, bool *show_panel);

/* UI thread: the panel lines of the snapshot taken by the last diag_live_poll (a "running"
 * line before the first); valid until the next poll. Returns the count. */
size_t diag_live_lines(struct diag_live *dl, const char *const **lines);

#endif
