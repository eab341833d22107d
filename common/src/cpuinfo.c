/* CPU facts from CPUID (x86) and the OS processor count. */
#include "lg/cpuinfo.h"

#include <string.h>

#if defined(_WIN32)
#include <windows.h>
#else
#include <unistd.h>
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define LG_HAVE_CPUID 1
#endif

unsigned lg_cpu_count(void)
{
#if defined(_WIN32)
  SYSTEM_INFO si;
  GetSystemInfo(&si);
  return si.dwNumberOfProcessors ? si.dwNumberOfProcessors : 1;
#else
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (unsigned)n : 1;
#endif
}

#ifdef LG_HAVE_CPUID
static void regs_to_str(char *out, const unsigned *regs, int count)
{
  memcpy(out, regs, (size_t)count * 4);
  out[count * 4] = '\0';
}

static void trim(char *s)
{
  size_t start = 0, len = strlen(s);
  while (s[start] == ' ')
    ++start;
  while (len > start && s[len - 1] == ' ')
    --len;
  memmove(s, s + start, len - start);
  s[len - start] = '\0';
}
#endif

bool lg_cpu_facts_read(struct lg_cpu_facts *out)
{
  memset(out, 0, sizeof(*out));
  out->threads = lg_cpu_count();
#ifdef LG_HAVE_CPUID
  unsigned a, b, c, d;
  if (!__get_cpuid(0, &a, &b, &c, &d))
    return false;
  unsigned max_leaf = a;
  unsigned v[3] = {b, d, c};
  regs_to_str(out->vendor, v, 3);
  out->valid = true;

  if (max_leaf >= 1) {
    __cpuid(1, a, b, c, d);
    out->sse2 = (d >> 26) & 1;
    out->sse41 = (c >> 19) & 1;
    bool osxsave = (c >> 27) & 1;
    bool avx_hw = (c >> 28) & 1;
    out->hypervisor = (c >> 31) & 1;
    bool ymm_ok = false, zmm_ok = false;
    if (osxsave) {
      unsigned lo, hi;
      __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
      ymm_ok = (lo & 0x6) == 0x6;
      zmm_ok = (lo & 0xe6) == 0xe6;
    }
    out->avx = avx_hw && ymm_ok;
    if (max_leaf >= 7) {
      __cpuid_count(7, 0, a, b, c, d);
      out->avx2 = out->avx && ((b >> 5) & 1);
      out->avx512f = zmm_ok && ((b >> 16) & 1);
    }
  }

  if (out->hypervisor) {
    __cpuid(0x40000000, a, b, c, d);
    unsigned s[3] = {b, c, d};
    regs_to_str(out->hv_signature, s, 3);
  }

  __cpuid(0x80000000, a, b, c, d);
  unsigned max_ext = a;
  if (max_ext >= 0x80000004) {
    unsigned r[12];
    for (unsigned i = 0; i < 3; ++i)
      __cpuid(0x80000002 + i, r[i * 4], r[i * 4 + 1], r[i * 4 + 2], r[i * 4 + 3]);
    regs_to_str(out->brand, r, 12);
    trim(out->brand);
  }
  if (max_ext >= 0x80000008) {
    __cpuid(0x80000008, a, b, c, d);
    out->phys_bits = (uint8_t)(a & 0xff);
    out->virt_bits = (uint8_t)((a >> 8) & 0xff);
  }
#endif
  return out->valid;
}
