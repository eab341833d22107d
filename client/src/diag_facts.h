/* Facts about the shared-memory region for the diagnostics model (lg/diag.h), shared by
 * looking-glass-client --diagnose (diagnose.c) and the live diagnostics panel (diag_live.c):
 * a read-only look at the region (LGMP header, heartbeat, KVMFR udata with the guest's
 * LGDIAG record, newest frame) and the facts a decoded KVMFR udata carries. Everything read
 * from the region is untrusted and goes through the bounds-checked decoders. */
#ifndef CLIENT_DIAG_FACTS_H
#define CLIENT_DIAG_FACTS_H

#include "lg/diag.h"
#include "lg/kvmfr_udata.h"

#include <stdbool.h>
#include <stddef.h>

/* <root><path> into out (cut to cap); a NULL, empty or "/" root adds no prefix. */
void diag_facts_join_root(const char *root, const char *path, char *out, size_t cap);

/* Opens `full` read-only (never changing it) and records region.size, region.map, the
 * client.dmabuf facts of a non-kvmfr region, the LGMP header facts or a finding saying why
 * there is none, the heartbeat (samples up to ~1.1 s), the udata facts when `with_udata`, and
 * the newest frame's size. False when the region could not be mapped. */
bool diag_facts_region(struct lg_diag *d, const char *full, bool with_udata);

/* Facts of a decoded KVMFR udata: kvmfr.version and guest.lg.hostver always; features,
 * VMINFO, OSINFO and the LGDIAG record (or a finding on a rejected record) when `complete`
 * (the decoder returned LG_KVMFR_UDATA_OK). */
void diag_facts_udata(struct lg_diag *d, const struct lg_kvmfr_udata *u, bool complete);

/* client.hypervisor* facts from this machine's CPUID; false when CPUID is unavailable. */
bool diag_facts_client_cpu(struct lg_diag *d);

#endif
