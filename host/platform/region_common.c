/* The OS-independent part of region.h: names of stages and kinds, the PCI address parser and
 * the guest facts that do not depend on how the region is found. */
#include "region.h"
#include "region_priv.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "lg/cpuinfo.h"

void lg_region_copy_str(char *dst, size_t size, const char *src)
{
  size_t n = strlen(src);
  if (n >= size)
    n = size - 1;
  memcpy(dst, src, n);
  dst[n] = '\0';
}

const char *lg_region_stage_name(uint8_t stage)
{
  switch (stage) {
  case LGDIAG_STAGE_NONE:
    return "none";
  case LGDIAG_STAGE_ENUMERATE:
    return "enumerate";
  case LGDIAG_STAGE_OPEN:
    return "open";
  case LGDIAG_STAGE_SIZE:
    return "size";
  case LGDIAG_STAGE_MAP:
    return "map";
  case LGDIAG_STAGE_GPU_HEAP:
    return "gpu-heap";
  default:
    return "other";
  }
}

const char *lg_region_kind_name(enum lg_region_kind kind)
{
  switch (kind) {
  case LG_REGION_FILE:
    return "file";
  case LG_REGION_KVMFR:
    return "kvmfr";
  case LG_REGION_IVSHMEM:
    return "ivshmem";
  default:
    return "none";
  }
}

static bool hex_field(const char **s, int min, int max, unsigned *out)
{
  unsigned v = 0;
  int n = 0;
  for (; n < max; ++n) {
    char c = (*s)[n];
    unsigned d;
    if (c >= '0' && c <= '9')
      d = (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      d = (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      d = (unsigned)(c - 'A' + 10);
    else
      break;
    v = v << 4 | d;
  }
  if (n < min)
    return false;
  *s += n;
  *out = v;
  return true;
}

bool lg_pci_bdf_key(const char *bdf, uint64_t *key)
{
  unsigned dom, bus, dev, fn;
  const char *s = bdf;
  if (!hex_field(&s, 4, 8, &dom) || *s++ != ':' || !hex_field(&s, 2, 2, &bus) || *s++ != ':' ||
      !hex_field(&s, 2, 2, &dev) || *s++ != '.' || !hex_field(&s, 1, 1, &fn) || *s != '\0' ||
      dev > 0x1fu || fn > 7u)
    return false;
  *key = (uint64_t)dom << 16 | (uint64_t)bus << 8 | (uint64_t)dev << 3 | fn;
  return true;
}

void lg_guest_facts_init(struct lg_guest_facts *facts) { memset(facts, 0, sizeof(*facts)); }

void lg_guest_facts_add_failure(struct lg_guest_facts *facts, uint8_t stage, uint32_t err,
                                const char *detail)
{
  if (!facts)
    return;
  facts->valid |= LGDIAG_VALID_MAP;
  facts->map_stage = stage;
  facts->map_error = err;
  if (facts->map_failures < 255)
    ++facts->map_failures;
  if (detail)
    lg_region_copy_str(facts->detail, sizeof(facts->detail), detail);
}

void lg_guest_facts_read_cpu(struct lg_guest_facts *facts)
{
  struct lg_cpu_facts cpu;
  if (!lg_cpu_facts_read(&cpu))
    return;
  facts->phys_bits = cpu.phys_bits;
  facts->virt_bits = cpu.virt_bits;
  facts->hypervisor = cpu.hypervisor;
  memcpy(facts->hv_signature, cpu.hv_signature, sizeof(facts->hv_signature));
  facts->hv_signature[sizeof(facts->hv_signature) - 1] = '\0';
  if (cpu.phys_bits)
    facts->valid |= LGDIAG_VALID_PHYS_BITS;
}
