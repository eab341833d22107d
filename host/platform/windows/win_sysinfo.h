/* Guest facts for the KVMFR VMINFO / OSINFO records on Windows: the SMBIOS system UUID and the
 * OS name. The SMBIOS parser is a pure function of the table bytes (untrusted, bounds-checked).
 *
 * Threads: any; no state. */
#ifndef LG_HOST_WIN_SYSINFO_H
#define LG_HOST_WIN_SYSINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Size of the RawSMBIOSData header that GetSystemFirmwareTable('RSMB') puts before the table. */
#define LG_RSMB_HEADER_SIZE 8u

/* Finds the type 1 (System Information) UUID in a GetSystemFirmwareTable('RSMB') buffer and
 * writes it in text order (the order Linux shows in product_uuid: the first three fields are
 * byte-swapped from SMBIOS 2.6 on). False (zeros) if absent, all-0x00, all-0xFF or malformed. */
bool lg_smbios_system_uuid(const uint8_t *rsmb, size_t len, uint8_t out[16]);

#ifdef _WIN32
/* Reads the SMBIOS system UUID of this machine; false (zeros) if unknown. */
bool lg_win_read_uuid(uint8_t out[16]);

/* "<ProductName> <DisplayVersion> (build <n>)" or "Windows <major>.<minor> (build <n>)". */
void lg_win_os_name(char *out, size_t size);
#endif

#endif
