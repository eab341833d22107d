/* Facts about the CPU this code runs on (CPUID on x86; empty elsewhere). */
#ifndef LG_CPUINFO_H
#define LG_CPUINFO_H

#include <stdbool.h>
#include <stdint.h>

struct lg_cpu_facts {
  bool valid;            /* CPUID was available */
  char vendor[13];       /* "GenuineIntel", "AuthenticAMD", ... */
  char brand[49];        /* brand string, trimmed */
  uint8_t phys_bits;     /* CPUID 0x80000008 EAX[7:0]; 0 if unknown */
  uint8_t virt_bits;     /* CPUID 0x80000008 EAX[15:8]; 0 if unknown */
  bool hypervisor;       /* CPUID 1 ECX bit 31 */
  char hv_signature[13]; /* CPUID 0x40000000 signature ("KVMKVMKVM", "TCGTCGTCGTCG", ...) */
  unsigned threads;      /* logical processors online */
  bool sse2, sse41, avx, avx2, avx512f;
};

/* Fills `out` from CPUID and the OS; returns out->valid. */
bool lg_cpu_facts_read(struct lg_cpu_facts *out);

/* Number of logical processors online (at least 1). */
unsigned lg_cpu_count(void);

#endif
