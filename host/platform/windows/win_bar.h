/* BAR2 guest-physical address and size of the IVSHMEM device from the PnP Configuration
 * Manager (cfgmgr32), Windows only.
 *
 * The CM_* calls go through a replaceable table (struct lg_cm_ops) because wine 8 aborts the
 * process inside several of them; tests pass a fake table that replays recorded descriptors.
 * The descriptor decoding and the BAR2 choice are pure functions of bytes and numbers.
 *
 * Threads: everything here runs on the caller's thread; no state is kept between calls. */
#ifndef LG_HOST_WIN_BAR_H
#define LG_HOST_WIN_BAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Constants of cfgmgr32.h, repeated so the pure part needs no Windows header. */
#define LG_CM_RES_MEM 1u        /* ResType_Mem: MEM_DES header */
#define LG_CM_RES_MEM_LARGE 7u  /* ResType_MemLarge: MEM_LARGE_DES header (lengths >= 4 GiB) */
#define LG_CM_ALLOC_LOG_CONF 2u /* resources in use (authoritative) */
#define LG_CM_BOOT_LOG_CONF 3u  /* firmware's boot-time assignment (fallback) */
#define LG_CM_CR_SUCCESS 0x00u
#define LG_CM_CR_NO_MORE_LOG_CONF 0x0Eu
#define LG_CM_CR_NO_MORE_RES_DES 0x0Fu
#define LG_CM_CR_ACCESS_DENIED 0x33u
#define LG_CM_CR_CALL_NOT_IMPLEMENTED 0x34u

/* Size of the MEM_DES / MEM_LARGE_DES header at the start of the descriptor data. */
#define LG_CM_MEM_DES_SIZE 32u

/* Ranges smaller than this are never taken as BAR2 when the region size is unknown
 * (BAR0 holds 256 bytes of registers, BAR1 the MSI-X table). */
#define LG_BAR2_MIN_GUESS (1ull << 20)

/* One memory range of a device, decoded from a descriptor. */
struct lg_mem_range {
  uint64_t base;     /* guest-physical start */
  uint64_t size;     /* bytes (End - Base + 1; End is inclusive) */
  uint32_t flags;    /* MD_Flags / MLD_Flags (fMD_PrefetchAllowed 0x4, ...) */
  uint32_t res_type; /* LG_CM_RES_MEM or LG_CM_RES_MEM_LARGE */
};

/* The CM calls used, as a table. Handles are LOG_CONF / RES_DES (DWORD_PTR) values; every
 * function returns a CONFIGRET. `ctx` is passed back to each call. */
struct lg_cm_ops {
  uint32_t (*first_log_conf)(void *ctx, uintptr_t *log_conf, uint32_t devinst, uint32_t type);
  uint32_t (*next_res_des)(void *ctx, uintptr_t *next, uintptr_t current, uint32_t res_type);
  uint32_t (*res_des_data_size)(void *ctx, uint32_t *size, uintptr_t res_des);
  uint32_t (*res_des_data)(void *ctx, uintptr_t res_des, void *buf, uint32_t len);
  void (*free_res_des)(void *ctx, uintptr_t res_des);
  void (*free_log_conf)(void *ctx, uintptr_t log_conf);
  void *ctx;
};

#define LG_BAR_MAX_RANGES 8

/* What a query found, for the start-up log and the diagnostics record. */
struct lg_bar_query {
  uint32_t log_conf; /* LG_CM_ALLOC_LOG_CONF or LG_CM_BOOT_LOG_CONF used; 0 if none */
  uint32_t cr;       /* CONFIGRET of the failing call; LG_CM_CR_SUCCESS if none failed */
  size_t count;      /* ranges stored */
  size_t rejected;   /* descriptors that did not decode */
  struct lg_mem_range ranges[LG_BAR_MAX_RANGES];
  int chosen;     /* index of BAR2 in ranges, -1 if none */
  bool ambiguous; /* several (or no) ranges matched */
};

/* Decodes a MEM_RESOURCE (res_type LG_CM_RES_MEM) or MEM_LARGE_RESOURCE (LG_CM_RES_MEM_LARGE)
 * from `len` bytes at `data`; false if short, inconsistent or not an assigned range. */
bool lg_cm_decode_mem(uint32_t res_type, const void *data, size_t len, struct lg_mem_range *out);

/* Reads the memory ranges of devnode `devinst` (ALLOC_LOG_CONF, else BOOT_LOG_CONF) into `q`;
 * false with q->cr set if no configuration could be read. Does not choose BAR2. */
bool lg_cm_read_mem_ranges(const struct lg_cm_ops *ops, uint32_t devinst, struct lg_bar_query *q);

/* Chooses BAR2 in q->ranges: the one range whose size equals `want_size`, or when want_size
 * is 0 the one range of at least LG_BAR2_MIN_GUESS bytes. Sets q->chosen / q->ambiguous. */
bool lg_bar2_pick(struct lg_bar_query *q, uint64_t want_size);

/* The real cfgmgr32 table (Windows builds only). Never use it under wine: it aborts. */
const struct lg_cm_ops *lg_cm_ops_system(void);

/* Name of a CONFIGRET value for logs ("CR_NO_MORE_LOG_CONF", ... or "CR_?"). */
const char *lg_cm_cr_name(uint32_t cr);

#endif
