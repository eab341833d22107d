/* SMBIOS system UUID and OS name for the KVMFR VMINFO / OSINFO records (Windows). */
#include "win_sysinfo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#endif

/* SMBIOS structure type of System Information, and of the end-of-table marker. */
#define SMBIOS_SYSTEM_INFO 1u
#define SMBIOS_END 127u
/* Type 1 holds the UUID at offset 8 (16 bytes) from SMBIOS 2.1 on. */
#define SYSINFO_UUID_OFFSET 8u
#define SYSINFO_MIN_LENGTH (SYSINFO_UUID_OFFSET + 16u)

static void swap_bytes(uint8_t *p, size_t n)
{
  for (size_t i = 0; i < n / 2; ++i) {
    uint8_t t = p[i];
    p[i] = p[n - 1 - i];
    p[n - 1 - i] = t;
  }
}

bool lg_smbios_system_uuid(const uint8_t *rsmb, size_t len, uint8_t out[16])
{
  memset(out, 0, 16);
  if (!rsmb || len < LG_RSMB_HEADER_SIZE)
    return false;
  uint8_t major = rsmb[1], minor = rsmb[2];
  uint32_t tlen = (uint32_t)rsmb[4] | (uint32_t)rsmb[5] << 8 | (uint32_t)rsmb[6] << 16 |
                  (uint32_t)rsmb[7] << 24;
  if (tlen > len - LG_RSMB_HEADER_SIZE)
    return false;
  const uint8_t *t = rsmb + LG_RSMB_HEADER_SIZE;
  size_t pos = 0;
  while (pos + 4 <= tlen) {
    uint8_t type = t[pos], slen = t[pos + 1];
    if (slen < 4 || pos + slen > tlen)
      return false;
    if (type == SMBIOS_SYSTEM_INFO && slen >= SYSINFO_MIN_LENGTH) {
      const uint8_t *u = t + pos + SYSINFO_UUID_OFFSET;
      bool all0 = true, all1 = true;
      for (int i = 0; i < 16; ++i) {
        all0 = all0 && u[i] == 0x00;
        all1 = all1 && u[i] == 0xFF;
      }
      if (all0 || all1) /* "not present" / "not set" */
        return false;
      memcpy(out, u, 16);
      if (major > 2 || (major == 2 && minor >= 6)) {
        swap_bytes(out, 4);
        swap_bytes(out + 4, 2);
        swap_bytes(out + 6, 2);
      }
      return true;
    }
    if (type == SMBIOS_END)
      return false;
    /* Skip the string set: it ends with two NUL bytes. */
    size_t p = pos + slen;
    while (p + 1 < tlen && !(t[p] == 0 && t[p + 1] == 0))
      ++p;
    if (p + 1 >= tlen)
      return false;
    pos = p + 2;
  }
  return false;
}

#ifdef _WIN32
bool lg_win_read_uuid(uint8_t out[16])
{
  const DWORD rsmb = 0x52534D42u; /* 'RSMB' */
  memset(out, 0, 16);
  UINT size = GetSystemFirmwareTable(rsmb, 0, NULL, 0);
  if (size == 0 || size > 1024u * 1024u)
    return false;
  uint8_t *buf = malloc(size);
  if (!buf)
    return false;
  UINT got = GetSystemFirmwareTable(rsmb, 0, buf, size);
  bool ok = got > 0 && got <= size && lg_smbios_system_uuid(buf, got, out);
  free(buf);
  return ok;
}

static bool reg_string(const char *name, char *out, DWORD size)
{
  return RegGetValueA(HKEY_LOCAL_MACHINE, "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion", name,
                      RRF_RT_REG_SZ, NULL, out, &size) == ERROR_SUCCESS &&
         out[0];
}

static bool reg_dword(const char *name, DWORD *out)
{
  DWORD size = sizeof(*out);
  return RegGetValueA(HKEY_LOCAL_MACHINE, "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion", name,
                      RRF_RT_REG_DWORD, NULL, out, &size) == ERROR_SUCCESS;
}

void lg_win_os_name(char *out, size_t size)
{
  char product[96], display[32], build[32];
  DWORD major = 0, minor = 0;
  bool have_build = reg_string("CurrentBuildNumber", build, sizeof(build));
  if (!have_build)
    strcpy(build, "?");
  if (reg_string("ProductName", product, sizeof(product))) {
    if (reg_string("DisplayVersion", display, sizeof(display)))
      snprintf(out, size, "%s %s (build %s)", product, display, build);
    else
      snprintf(out, size, "%s (build %s)", product, build);
  } else if (reg_dword("CurrentMajorVersionNumber", &major) &&
             reg_dword("CurrentMinorVersionNumber", &minor)) {
    snprintf(out, size, "Windows %lu.%lu (build %s)", (unsigned long)major, (unsigned long)minor,
             build);
  } else {
    snprintf(out, size, "Windows");
  }
}
#endif
