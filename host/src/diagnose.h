/* looking-glass-host --diagnose: collects the guest facts (ivshmem BAR2 from sysfs or, on
 * Windows, from the IVSHMEM driver and cfgmgr32; CPUID phys/virt bits and hypervisor; a
 * read-only probe of the region) into an lg_diag store, adds guest-side findings to the shared
 * rules' ones and prints a text or JSON report. Never writes the region (opened read-only). */
#ifndef LG_HOST_DIAGNOSE_H
#define LG_HOST_DIAGNOSE_H

#include <stdbool.h>
#include <stdio.h>

#include "lg/diag.h"
#include "platform/region.h"

/* IOMMU address width of many Intel client CPUs; a BAR needing more bits is worth a note. */
#define LG_HOST_DIAG_NARROW_IOMMU_BITS 39u

enum lg_host_diag_format {
  LG_HOST_DIAG_TEXT = 0,
  LG_HOST_DIAG_JSON,
};

/* What --diagnose looks at. */
struct lg_host_diag_opts {
  const char *shm_file; /* -f; NULL or "" = the ivshmem PCI device */
  const char *root;     /* sysfs root (app:sysfsRoot) */
  unsigned device;      /* os:shmDevice */
  const char *version;  /* this host's version, reported as guest.lg.hostver */
};

/* Parses the argument of --diagnose[=FORMAT] ("" or NULL = text, "text", "json"); false if
 * the format is unknown. */
bool lg_host_diag_parse_format(const char *arg, enum lg_host_diag_format *out);

/* Records the guest facts and the outcome of the region probe as guest.* facts. `region` is
 * the probed region (may be NULL when not probed); `file_given` says -f was used. */
void lg_host_diag_add_facts(struct lg_diag *d, const struct lg_guest_facts *facts,
                            const struct lg_region *region, bool region_ok, bool file_given);

/* Guest-side rules over the guest.* facts (pure): no ivshmem device, unusable region, BAR2
 * above the guest's phys-bits or above 2^39, bare metal. Returns the number of findings. */
size_t lg_host_diag_guest_rules(struct lg_diag *d);

/* Runs --diagnose: collects, runs the shared and the guest rules, prints the report to `out`
 * and returns lg_diag_exit_status (0 ok/info, 1 warning, 2 error; 2 also on out of memory). */
int lg_host_diagnose(const struct lg_host_diag_opts *opts, enum lg_host_diag_format format,
                     FILE *out);

#endif
