/* BAR2 from Configuration Manager descriptors (recorded bytes, fake CM table) and the IVSHMEM
 * device ordering. Prints one line per failed check and "N passed, N failed". */
#include <stdio.h>
#include <string.h>

#include "ivshmem_win.h"
#include "platform/region.h"
#include "win_bar.h"

static unsigned g_pass, g_fail;

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (cond) {                                                                                    \
      ++g_pass;                                                                                    \
    } else {                                                                                       \
      ++g_fail;                                                                                    \
      printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                                       \
    }                                                                                              \
  } while (0)

/* Little-endian descriptor bytes: Count, Type, Alloc_Base, Alloc_End, Flags, Reserved. */
#define U32(v) (uint8_t)(v), (uint8_t)((v) >> 8), (uint8_t)((v) >> 16), (uint8_t)((v) >> 24)
#define U64(v) U32((uint32_t)(v)), U32((uint32_t)((uint64_t)(v) >> 32))
#define DES(count, type, base, end, flags)                                                         \
  U32(count), U32(type), U64(base), U64(end), U32(flags), U32(0)

/* ivshmem-plain below 4 GiB: BAR0 registers (256 B) and BAR2 (64 MiB, prefetchable). */
static const uint8_t bar0_32[] = {DES(0, 36, 0xFEBD1000u, 0xFEBD10FFu, 0x01)};
static const uint8_t bar2_32[] = {DES(0, 36, 0xF8000000u, 0xFBFFFFFFu, 0x85)};
/* 64-bit BAR2 at 0x380000000000, 32 MiB, as a MEM_LARGE_DES. */
static const uint8_t bar2_large[] = {DES(0, 40, 0x380000000000ull, 0x380001FFFFFFull, 0x85)};
/* MSI-X table BAR1 of ivshmem-doorbell (4 KiB). */
static const uint8_t bar1_msix[] = {DES(0, 36, 0xFEBD0000u, 0xFEBD0FFFu, 0x01)};

static void check_decode(void)
{
  struct lg_mem_range r;
  CHECK(lg_cm_decode_mem(LG_CM_RES_MEM, bar2_32, sizeof(bar2_32), &r));
  CHECK(r.base == 0xF8000000u && r.size == 64ull << 20 && r.flags == 0x85 &&
        r.res_type == LG_CM_RES_MEM);
  CHECK(lg_cm_decode_mem(LG_CM_RES_MEM, bar0_32, sizeof(bar0_32), &r));
  CHECK(r.base == 0xFEBD1000u && r.size == 256);
  CHECK(lg_cm_decode_mem(LG_CM_RES_MEM_LARGE, bar2_large, sizeof(bar2_large), &r));
  CHECK(r.base == 0x380000000000ull && r.size == 32ull << 20 && r.res_type == LG_CM_RES_MEM_LARGE);
  /* Above 4 GiB as a plain Mem descriptor (the usual case for a 64-bit BAR). */
  static const uint8_t high_mem[] = {DES(0, 36, 0x800000000ull, 0x803FFFFFFull, 0x85)};
  CHECK(lg_cm_decode_mem(LG_CM_RES_MEM, high_mem, sizeof(high_mem), &r));
  CHECK(r.base == 0x800000000ull && r.size == 64ull << 20);
  /* A header followed by one 36-byte range is accepted. */
  uint8_t with_range[32 + 36] = {DES(1, 36, 0xF8000000u, 0xFBFFFFFFu, 0)};
  CHECK(lg_cm_decode_mem(LG_CM_RES_MEM, with_range, sizeof(with_range), &r));

  /* Rejected: short, wrong type, NULL, unassigned, reversed, whole space, ranges past the end. */
  CHECK(!lg_cm_decode_mem(LG_CM_RES_MEM, bar2_32, 31, &r));
  CHECK(!lg_cm_decode_mem(LG_CM_RES_MEM, bar2_32, 0, &r));
  CHECK(!lg_cm_decode_mem(2 /* ResType_IO */, bar2_32, sizeof(bar2_32), &r));
  CHECK(!lg_cm_decode_mem(LG_CM_RES_MEM, NULL, 32, &r));
  static const uint8_t zero[] = {DES(0, 0, 0, 0, 0)};
  CHECK(!lg_cm_decode_mem(LG_CM_RES_MEM, zero, sizeof(zero), &r));
  static const uint8_t reversed[] = {DES(0, 36, 0xFC000000u, 0xF8000000u, 0)};
  CHECK(!lg_cm_decode_mem(LG_CM_RES_MEM, reversed, sizeof(reversed), &r));
  static const uint8_t whole[] = {DES(0, 36, 0, UINT64_MAX, 0)};
  CHECK(!lg_cm_decode_mem(LG_CM_RES_MEM_LARGE, whole, sizeof(whole), &r));
  static const uint8_t count_past[] = {DES(2, 36, 0xF8000000u, 0xFBFFFFFFu, 0)};
  CHECK(!lg_cm_decode_mem(LG_CM_RES_MEM, count_past, sizeof(count_past), &r));
  static const uint8_t count_huge[] = {DES(0xFFFFFFFFu, 0xFFFFFFFFu, 0xF8000000u, 0xFBFFFFFFu, 0)};
  CHECK(!lg_cm_decode_mem(LG_CM_RES_MEM, count_huge, sizeof(count_huge), &r));
  static const uint8_t count_no_type[] = {DES(1, 0, 0xF8000000u, 0xFBFFFFFFu, 0)};
  CHECK(!lg_cm_decode_mem(LG_CM_RES_MEM, count_no_type, sizeof(count_no_type), &r));
  uint8_t garbage[32];
  for (size_t i = 0; i < sizeof(garbage); ++i)
    garbage[i] = (uint8_t)(0xA5u ^ (i * 37u));
  /* Whatever garbage decodes to, it never claims a size past the end of the address space. */
  if (lg_cm_decode_mem(LG_CM_RES_MEM, garbage, sizeof(garbage), &r))
    CHECK(r.size != 0 && r.base + (r.size - 1) >= r.base);
}

/* A fake Configuration Manager replaying recorded descriptors. */
struct fake_des {
  uint32_t type;
  const uint8_t *bytes;
  uint32_t len;
};

struct fake_cm {
  uint32_t alloc_cr, boot_cr; /* what first_log_conf returns for ALLOC / BOOT */
  const struct fake_des *des;
  size_t n;
  size_t fail_next_at; /* next_res_des fails (CR_ACCESS_DENIED) at this call; 0: never */
  size_t next_calls;
  int handles; /* open handles: must be 0 afterwards */
  uint32_t used_type;
};

#define LC_BASE 1000u

static uint32_t fake_first(void *ctx, uintptr_t *lc, uint32_t devinst, uint32_t type)
{
  struct fake_cm *f = ctx;
  uint32_t cr = type == LG_CM_ALLOC_LOG_CONF ? f->alloc_cr : f->boot_cr;
  if (cr == LG_CM_CR_SUCCESS) {
    *lc = LC_BASE + type;
    f->used_type = type;
    ++f->handles;
  }
  return cr;
}

static uint32_t fake_next(void *ctx, uintptr_t *next, uintptr_t cur, uint32_t res_type)
{
  struct fake_cm *f = ctx;
  if (f->fail_next_at && ++f->next_calls == f->fail_next_at)
    return LG_CM_CR_ACCESS_DENIED;
  size_t start = cur >= LC_BASE ? 0 : (size_t)cur; /* a des handle is its index + 1 */
  for (size_t i = start; i < f->n; ++i)
    if (f->des[i].type == res_type) {
      *next = i + 1;
      ++f->handles;
      return LG_CM_CR_SUCCESS;
    }
  return LG_CM_CR_NO_MORE_RES_DES;
}

static uint32_t fake_size(void *ctx, uint32_t *size, uintptr_t rd)
{
  struct fake_cm *f = ctx;
  *size = f->des[rd - 1].len;
  return LG_CM_CR_SUCCESS;
}

static uint32_t fake_data(void *ctx, uintptr_t rd, void *buf, uint32_t len)
{
  struct fake_cm *f = ctx;
  if (len < f->des[rd - 1].len)
    return 0x1Au; /* CR_BUFFER_SMALL */
  memcpy(buf, f->des[rd - 1].bytes, f->des[rd - 1].len);
  return LG_CM_CR_SUCCESS;
}

static void fake_free_rd(void *ctx, uintptr_t rd) { --((struct fake_cm *)ctx)->handles; }
static void fake_free_lc(void *ctx, uintptr_t lc) { --((struct fake_cm *)ctx)->handles; }

static struct lg_cm_ops fake_ops(struct fake_cm *f)
{
  return (struct lg_cm_ops){fake_first,   fake_next,    fake_size, fake_data,
                            fake_free_rd, fake_free_lc, f};
}

static void check_walk(void)
{
  static const uint8_t short_des[16] = {0};
  const struct fake_des plain[] = {
      {LG_CM_RES_MEM, bar0_32, sizeof(bar0_32)},
      {2 /* IO: never asked for */, bar0_32, sizeof(bar0_32)},
      {LG_CM_RES_MEM, short_des, sizeof(short_des)},
      {LG_CM_RES_MEM, bar2_32, sizeof(bar2_32)},
  };
  struct fake_cm f = {.alloc_cr = 0, .boot_cr = 0, .des = plain, .n = 4};
  struct lg_cm_ops ops = fake_ops(&f);
  struct lg_bar_query q;
  CHECK(lg_cm_read_mem_ranges(&ops, 7, &q));
  CHECK(q.log_conf == LG_CM_ALLOC_LOG_CONF && q.count == 2 && q.rejected == 1);
  CHECK(f.handles == 0);
  CHECK(lg_bar2_pick(&q, 64ull << 20) && q.chosen == 1 && !q.ambiguous);
  CHECK(q.ranges[q.chosen].base == 0xF8000000u);
  CHECK(lg_bar2_pick(&q, 0) && q.chosen == 1); /* unknown size: the one large range */
  CHECK(!lg_bar2_pick(&q, 32ull << 20) && q.chosen == -1 && q.ambiguous);

  /* Doorbell variant with a 64-bit MemLarge BAR2; ALLOC missing -> BOOT. */
  const struct fake_des doorbell[] = {
      {LG_CM_RES_MEM, bar0_32, sizeof(bar0_32)},
      {LG_CM_RES_MEM, bar1_msix, sizeof(bar1_msix)},
      {LG_CM_RES_MEM_LARGE, bar2_large, sizeof(bar2_large)},
  };
  f = (struct fake_cm){
      .alloc_cr = LG_CM_CR_NO_MORE_LOG_CONF, .boot_cr = 0, .des = doorbell, .n = 3};
  ops = fake_ops(&f);
  CHECK(lg_cm_read_mem_ranges(&ops, 7, &q));
  CHECK(q.log_conf == LG_CM_BOOT_LOG_CONF && f.used_type == LG_CM_BOOT_LOG_CONF);
  CHECK(q.count == 3 && q.rejected == 0 && f.handles == 0);
  CHECK(lg_bar2_pick(&q, 32ull << 20) && q.ranges[q.chosen].base == 0x380000000000ull &&
        q.ranges[q.chosen].res_type == LG_CM_RES_MEM_LARGE);
  CHECK(lg_bar2_pick(&q, 0) && q.ranges[q.chosen].base == 0x380000000000ull);

  /* Two ranges of the driver's size: ambiguous. */
  const struct fake_des twice[] = {
      {LG_CM_RES_MEM, bar2_32, sizeof(bar2_32)},
      {LG_CM_RES_MEM, bar2_32, sizeof(bar2_32)},
  };
  f = (struct fake_cm){.des = twice, .n = 2};
  ops = fake_ops(&f);
  CHECK(lg_cm_read_mem_ranges(&ops, 7, &q) && q.count == 2);
  CHECK(!lg_bar2_pick(&q, 64ull << 20) && q.ambiguous && q.chosen == -1);

  /* No configuration at all, and CM errors. */
  f = (struct fake_cm){.alloc_cr = LG_CM_CR_NO_MORE_LOG_CONF, .boot_cr = LG_CM_CR_NO_MORE_LOG_CONF};
  ops = fake_ops(&f);
  CHECK(!lg_cm_read_mem_ranges(&ops, 7, &q) && q.cr == LG_CM_CR_NO_MORE_LOG_CONF && q.count == 0);
  f = (struct fake_cm){.alloc_cr = LG_CM_CR_ACCESS_DENIED};
  ops = fake_ops(&f);
  CHECK(!lg_cm_read_mem_ranges(&ops, 7, &q) && q.cr == LG_CM_CR_ACCESS_DENIED);
  CHECK(strcmp(lg_cm_cr_name(q.cr), "CR_ACCESS_DENIED") == 0);
  f = (struct fake_cm){.des = plain, .n = 4, .fail_next_at = 2};
  ops = fake_ops(&f);
  CHECK(!lg_cm_read_mem_ranges(&ops, 7, &q) && q.cr == LG_CM_CR_ACCESS_DENIED);
  CHECK(f.handles == 0);
}

static void check_sort(void)
{
  struct lg_win_ivshmem_dev d[3];
  memset(d, 0, sizeof(d));
  d[0].bus = LG_IVSHMEM_NO_BUS;
  d[0].address = LG_IVSHMEM_NO_ADDRESS;
  d[1].bus = 1;
  d[1].address = 0x00030000; /* device 3, function 0 */
  d[2].bus = 0;
  d[2].address = 0x00090001; /* device 9, function 1 */
  for (int i = 0; i < 3; ++i)
    d[i].key = lg_win_ivshmem_key(d[i].bus, d[i].address);
  CHECK(d[1].key == (1ull << 32 | 0x30000u));
  lg_win_ivshmem_sort(d, 3);
  CHECK(d[0].bus == 0 && d[1].bus == 1 && d[2].bus == LG_IVSHMEM_NO_BUS);
  CHECK(strcmp(d[0].name, "0000:00:09.1") == 0);
  CHECK(strcmp(d[1].name, "0000:01:03.0") == 0);
  CHECK(strcmp(d[2].name, "ivshmem#2") == 0);

  uint64_t key;
  CHECK(lg_pci_bdf_key("0000:01:03.0", &key) && key == (1u << 8 | 3u << 3));
  CHECK(!lg_pci_bdf_key("0000:01:20.0", &key));
  CHECK(!lg_pci_bdf_key("ivshmem#2", &key));
}

int main(void)
{
  check_decode();
  check_walk();
  check_sort();
  printf("%u passed, %u failed\n", g_pass, g_fail);
  return g_fail ? 1 : 0;
}
