/* BAR2 address and size from the Configuration Manager: descriptor decoding, the walk over a
 * devnode's logical configuration through a replaceable CM table, and the BAR2 choice. */
#include "win_bar.h"

#include <string.h>

#ifdef _WIN32
#include <windows.h>

#include <cfgmgr32.h>

_Static_assert(sizeof(MEM_DES) == LG_CM_MEM_DES_SIZE, "MEM_DES is 32 bytes");
_Static_assert(sizeof(MEM_LARGE_DES) == LG_CM_MEM_DES_SIZE, "MEM_LARGE_DES is 32 bytes");
_Static_assert(offsetof(MEM_DES, MD_Alloc_Base) == 8, "MD_Alloc_Base at 8");
_Static_assert(offsetof(MEM_DES, MD_Alloc_End) == 16, "MD_Alloc_End at 16");
_Static_assert(offsetof(MEM_DES, MD_Flags) == 24, "MD_Flags at 24");
_Static_assert(offsetof(MEM_LARGE_DES, MLD_Alloc_Base) == 8, "MLD_Alloc_Base at 8");
_Static_assert(offsetof(MEM_LARGE_DES, MLD_Alloc_End) == 16, "MLD_Alloc_End at 16");
_Static_assert(ResType_Mem == LG_CM_RES_MEM && ResType_MemLarge == LG_CM_RES_MEM_LARGE,
               "resource types");
_Static_assert(ALLOC_LOG_CONF == LG_CM_ALLOC_LOG_CONF && BOOT_LOG_CONF == LG_CM_BOOT_LOG_CONF,
               "log conf types");
_Static_assert(CR_NO_MORE_LOG_CONF == LG_CM_CR_NO_MORE_LOG_CONF &&
                   CR_NO_MORE_RES_DES == LG_CM_CR_NO_MORE_RES_DES,
               "CONFIGRET values");
#endif

/* Largest descriptor data read (a header plus a few ranges is well under this). */
#define DES_DATA_MAX 1024u
/* Descriptors walked per resource type before giving up (guards a looping CM table). */
#define DES_WALK_MAX 64

static uint32_t rd_u32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd_u64(const uint8_t *p)
{
  return (uint64_t)rd_u32(p) | (uint64_t)rd_u32(p + 4) << 32;
}

bool lg_cm_decode_mem(uint32_t res_type, const void *data, size_t len, struct lg_mem_range *out)
{
  if (!data || len < LG_CM_MEM_DES_SIZE ||
      (res_type != LG_CM_RES_MEM && res_type != LG_CM_RES_MEM_LARGE))
    return false;
  const uint8_t *p = data;
  uint32_t count = rd_u32(p);
  uint32_t range_size = rd_u32(p + 4);
  uint64_t base = rd_u64(p + 8);
  uint64_t end = rd_u64(p + 16);
  uint32_t flags = rd_u32(p + 24);
  /* The range list (requirements) must fit in the data it came with. */
  if (count && (range_size == 0 || (uint64_t)count * range_size > len - LG_CM_MEM_DES_SIZE))
    return false;
  /* Unassigned (0..0), reversed, or the whole 64-bit space (size would overflow). */
  if ((base == 0 && end == 0) || end < base || (base == 0 && end == UINT64_MAX))
    return false;
  out->base = base;
  out->size = end - base + 1;
  out->flags = flags;
  out->res_type = res_type;
  return true;
}

/* Walks the descriptors of one resource type in `lc`, appending the ranges that decode. */
static bool walk_type(const struct lg_cm_ops *ops, uintptr_t lc, uint32_t res_type,
                      struct lg_bar_query *q)
{
  uintptr_t prev = lc;
  bool prev_is_rd = false;
  for (int i = 0; i < DES_WALK_MAX; ++i) {
    uintptr_t rd = 0;
    uint32_t cr = ops->next_res_des(ops->ctx, &rd, prev, res_type);
    if (prev_is_rd)
      ops->free_res_des(ops->ctx, prev);
    prev_is_rd = false;
    if (cr == LG_CM_CR_NO_MORE_RES_DES)
      return true;
    if (cr != LG_CM_CR_SUCCESS) {
      q->cr = cr;
      return false;
    }
    prev = rd;
    prev_is_rd = true;

    uint32_t size = 0;
    cr = ops->res_des_data_size(ops->ctx, &size, rd);
    if (cr != LG_CM_CR_SUCCESS || size < LG_CM_MEM_DES_SIZE || size > DES_DATA_MAX) {
      if (cr != LG_CM_CR_SUCCESS)
        q->cr = cr;
      ++q->rejected;
      continue;
    }
    _Alignas(8) uint8_t buf[DES_DATA_MAX];
    memset(buf, 0, size);
    cr = ops->res_des_data(ops->ctx, rd, buf, size);
    struct lg_mem_range r;
    if (cr != LG_CM_CR_SUCCESS || !lg_cm_decode_mem(res_type, buf, size, &r)) {
      if (cr != LG_CM_CR_SUCCESS)
        q->cr = cr;
      ++q->rejected;
      continue;
    }
    if (q->count < LG_BAR_MAX_RANGES)
      q->ranges[q->count++] = r;
    else
      ++q->rejected;
  }
  if (prev_is_rd)
    ops->free_res_des(ops->ctx, prev);
  return true;
}

bool lg_cm_read_mem_ranges(const struct lg_cm_ops *ops, uint32_t devinst, struct lg_bar_query *q)
{
  memset(q, 0, sizeof(*q));
  q->chosen = -1;
  static const uint32_t types[] = {LG_CM_ALLOC_LOG_CONF, LG_CM_BOOT_LOG_CONF};
  uintptr_t lc = 0;
  for (size_t i = 0; i < sizeof(types) / sizeof(types[0]) && !q->log_conf; ++i) {
    uint32_t cr = ops->first_log_conf(ops->ctx, &lc, devinst, types[i]);
    if (cr == LG_CM_CR_SUCCESS)
      q->log_conf = types[i];
    else if (cr != LG_CM_CR_NO_MORE_LOG_CONF) {
      q->cr = cr;
      return false;
    }
  }
  if (!q->log_conf) {
    q->cr = LG_CM_CR_NO_MORE_LOG_CONF;
    return false;
  }
  bool ok = walk_type(ops, lc, LG_CM_RES_MEM, q) && walk_type(ops, lc, LG_CM_RES_MEM_LARGE, q);
  ops->free_log_conf(ops->ctx, lc);
  return ok;
}

bool lg_bar2_pick(struct lg_bar_query *q, uint64_t want_size)
{
  int found = -1;
  size_t matches = 0;
  for (size_t i = 0; i < q->count; ++i) {
    bool match =
        want_size ? q->ranges[i].size == want_size : q->ranges[i].size >= LG_BAR2_MIN_GUESS;
    if (match) {
      ++matches;
      found = (int)i;
    }
  }
  q->ambiguous = matches != 1;
  q->chosen = matches == 1 ? found : -1;
  return matches == 1;
}

const char *lg_cm_cr_name(uint32_t cr)
{
  switch (cr) {
  case LG_CM_CR_SUCCESS:
    return "CR_SUCCESS";
  case LG_CM_CR_NO_MORE_LOG_CONF:
    return "CR_NO_MORE_LOG_CONF";
  case LG_CM_CR_NO_MORE_RES_DES:
    return "CR_NO_MORE_RES_DES";
  case LG_CM_CR_ACCESS_DENIED:
    return "CR_ACCESS_DENIED";
  case LG_CM_CR_CALL_NOT_IMPLEMENTED:
    return "CR_CALL_NOT_IMPLEMENTED (32-bit process on 64-bit Windows?)";
  case 0x13u:
    return "CR_FAILURE";
  case 0x1Au:
    return "CR_BUFFER_SMALL";
  default:
    return "CR_?";
  }
}

#ifdef _WIN32
static uint32_t sys_first_log_conf(void *ctx, uintptr_t *lc, uint32_t devinst, uint32_t type)
{
  LOG_CONF l = 0;
  CONFIGRET cr = CM_Get_First_Log_Conf(&l, (DEVINST)devinst, type);
  *lc = (uintptr_t)l;
  return cr;
}

static uint32_t sys_next_res_des(void *ctx, uintptr_t *next, uintptr_t current, uint32_t res_type)
{
  RES_DES rd = 0;
  CONFIGRET cr = CM_Get_Next_Res_Des(&rd, (RES_DES)current, (RESOURCEID)res_type, NULL, 0);
  *next = (uintptr_t)rd;
  return cr;
}

static uint32_t sys_res_des_data_size(void *ctx, uint32_t *size, uintptr_t res_des)
{
  ULONG s = 0;
  CONFIGRET cr = CM_Get_Res_Des_Data_Size(&s, (RES_DES)res_des, 0);
  *size = s;
  return cr;
}

static uint32_t sys_res_des_data(void *ctx, uintptr_t res_des, void *buf, uint32_t len)
{
  return CM_Get_Res_Des_Data((RES_DES)res_des, buf, len, 0);
}

static void sys_free_res_des(void *ctx, uintptr_t res_des)
{
  CM_Free_Res_Des_Handle((RES_DES)res_des);
}

static void sys_free_log_conf(void *ctx, uintptr_t lc) { CM_Free_Log_Conf_Handle((LOG_CONF)lc); }

static const struct lg_cm_ops g_system_ops = {
    .first_log_conf = sys_first_log_conf,
    .next_res_des = sys_next_res_des,
    .res_des_data_size = sys_res_des_data_size,
    .res_des_data = sys_res_des_data,
    .free_res_des = sys_free_res_des,
    .free_log_conf = sys_free_log_conf,
    .ctx = NULL,
};

const struct lg_cm_ops *lg_cm_ops_system(void) { return &g_system_ops; }
#endif
