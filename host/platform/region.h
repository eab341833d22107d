/* The shared region as the host opens it, and the guest facts that describe it.
 *
 * Linux (platform/linux/region.c): a file in /dev/shm or anywhere (size = st_size), a kvmfr
 * character device (size = KVMFR_DMABUF_GETSIZE), or by default the IVSHMEM PCI device
 * 1af4:1110 through sysfs `resource2` (size from the `resource` file). Every sysfs path is
 * read below a configurable root so tests can use fixture trees.
 *
 * Threads: everything here runs on the main thread. */
#ifndef LG_HOST_REGION_H
#define LG_HOST_REGION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lg/kvmfr.h"

#define LG_IVSHMEM_VENDOR 0x1af4u
#define LG_IVSHMEM_DEVICE 0x1110u
#define LG_KVMFR_DMABUF_GETSIZE 0x7544ul

/* mapError used when the region opened but is smaller than the host needs (stage SIZE). */
#define LG_REGION_ERR_TOO_SMALL 90 /* EMSGSIZE on Linux */

enum lg_region_kind {
  LG_REGION_NONE = 0,
  LG_REGION_FILE,    /* regular file, e.g. /dev/shm/looking-glass */
  LG_REGION_KVMFR,   /* /dev/kvmfrN character device */
  LG_REGION_IVSHMEM, /* sysfs resource2 of the ivshmem PCI device */
};

/* An open, mapped region, or the reason it is not. */
struct lg_region {
  void *mem;   /* PROT_READ|PROT_WRITE (PROT_READ if read_only), MAP_SHARED; NULL when closed */
  size_t size; /* bytes mapped */
  int fd;      /* -1 when closed */
  enum lg_region_kind kind;
  char path[512];
  uint8_t fail_stage; /* LGDIAG_STAGE_* of the failure; NONE after success */
  int fail_errno;     /* errno of the failure (LG_REGION_ERR_TOO_SMALL when too small) */
  char message[256];  /* the one error line that was logged */
};

/* What to open. */
struct lg_region_params {
  const char *path; /* -f: a file or /dev/kvmfrN; NULL or "" selects the ivshmem PCI device */
  const char *root; /* sysfs root; NULL means "/" */
  unsigned device;  /* os:shmDevice: index among ivshmem devices sorted by PCI address */
  size_t min_size;  /* smallest usable region; smaller fails at stage SIZE */
  bool read_only;   /* open O_RDONLY and map PROT_READ (--diagnose: never writes) */
};

/* One ivshmem PCI device found in sysfs. */
struct lg_ivshmem_dev {
  char bdf[32]; /* "0000:00:04.0" */
  uint64_t key; /* (domain << 16 | bus << 8 | device << 3 | function), the sort key */
};

#define LG_GUEST_DETAIL_MAX 160

/* Guest facts for the LGDIAG record (spec 5.3) and the start-up log. */
struct lg_guest_facts {
  uint32_t valid; /* LGDIAG_VALID_* */
  uint64_t bar_addr, bar_size;
  uint8_t phys_bits, virt_bits;
  bool hypervisor;
  char hv_signature[13];
  uint8_t map_stage;                /* last failing LGDIAG_STAGE_* */
  uint8_t map_failures;             /* saturating at 255 */
  uint32_t map_error;               /* errno of the last failure */
  unsigned ivshmem_count;           /* devices found */
  char bdf[32];                     /* the chosen device, "" if none */
  char detail[LG_GUEST_DETAIL_MAX]; /* last failure's message, NUL-terminated */
};

/* Lists ivshmem devices under `root` sorted by PCI address; returns how many were found
 * (may exceed `max`, only `max` are stored). -1 with errno if the PCI directory is unreadable. */
int lg_ivshmem_enumerate(const char *root, struct lg_ivshmem_dev *out, size_t max);

/* Reads BAR2's guest-physical start and length from `<root>/sys/bus/pci/devices/<bdf>/resource`. */
bool lg_ivshmem_bar2(const char *root, const char *bdf, uint64_t *addr, uint64_t *size);

/* Parses "dddd:bb:dd.f" into the sort key of lg_ivshmem_dev; false if malformed. */
bool lg_pci_bdf_key(const char *bdf, uint64_t *key);

/* Opens and maps the region; on failure logs one error line, fills out->fail_* and
 * out->message, records the failure in `facts` (may be NULL) and returns false. */
bool lg_region_open(const struct lg_region_params *params, struct lg_region *out,
                    struct lg_guest_facts *facts);

/* Unmaps and closes (safe on a closed or failed region). */
void lg_region_close(struct lg_region *region);

/* Zeroes `facts`. */
void lg_guest_facts_init(struct lg_guest_facts *facts);

/* Fills the BAR2 facts of ivshmem device `device` under `root`; false if there is none. */
bool lg_guest_facts_read_bar(struct lg_guest_facts *facts, const char *root, unsigned device);

/* Fills phys/virt bits and the hypervisor signature from CPUID. */
void lg_guest_facts_read_cpu(struct lg_guest_facts *facts);

/* Counts a failure at `stage` with OS error `err` and keeps `detail` (may be NULL). */
void lg_guest_facts_add_failure(struct lg_guest_facts *facts, uint8_t stage, uint32_t err,
                                const char *detail);

/* Short name of an LGDIAG_STAGE_* value ("open", "map", ...). */
const char *lg_region_stage_name(uint8_t stage);

/* Name of a region kind ("file", "kvmfr", "ivshmem"). */
const char *lg_region_kind_name(enum lg_region_kind kind);

#endif
