/* SMBIOS system UUID from a GetSystemFirmwareTable('RSMB') buffer (recorded bytes, malformed
 * tables), and the live OS name / UUID calls under wine or Windows.
 * Prints one line per failed check and "N passed, N failed". */
#include <stdio.h>
#include <string.h>

#include "win_sysinfo.h"

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

/* QEMU-style table, SMBIOS 2.8: type 0 (BIOS) with two strings, type 1 with the UUID
 * 12345678-1234-5678-9abc-def012345678 (first three fields stored little-endian), type 127. */
static const uint8_t table[] = {
    0x00,
    0x02,
    0x08,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00, /* RawSMBIOSData header; length patched */
    /* type 0, length 0x18, handle 0 */
    0x00,
    0x18,
    0x00,
    0x00,
    0x01,
    0x02,
    0x00,
    0xE8,
    0x03,
    0x00,
    0x08,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x1C,
    0x00,
    0x00,
    0xFF,
    0xFF,
    'S',
    'e',
    'a',
    'B',
    'I',
    'O',
    'S',
    0x00,
    '1',
    '.',
    '1',
    '6',
    0x00,
    0x00,
    /* type 1, length 0x1B, handle 0x100 */
    0x01,
    0x1B,
    0x00,
    0x01,
    0x01,
    0x02,
    0x00,
    0x00,
    0x78,
    0x56,
    0x34,
    0x12,
    0x34,
    0x12,
    0x78,
    0x56,
    0x9A,
    0xBC,
    0xDE,
    0xF0,
    0x12,
    0x34,
    0x56,
    0x78,
    0x06,
    0x00,
    0x00,
    'Q',
    'E',
    'M',
    'U',
    0x00,
    'S',
    't',
    'a',
    'n',
    'd',
    'a',
    'r',
    'd',
    0x00,
    0x00,
    /* type 127, length 4 */
    0x7F,
    0x04,
    0x00,
    0x02,
    0x00,
    0x00,
};

static const uint8_t text_order[16] = {0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78,
                                       0x9A, 0xBC, 0xDE, 0xF0, 0x12, 0x34, 0x56, 0x78};

static void with_length(uint8_t *buf, size_t n)
{
  uint32_t l = (uint32_t)(n - LG_RSMB_HEADER_SIZE);
  buf[4] = (uint8_t)l;
  buf[5] = (uint8_t)(l >> 8);
  buf[6] = (uint8_t)(l >> 16);
  buf[7] = (uint8_t)(l >> 24);
}

static void check_parse(void)
{
  uint8_t buf[sizeof(table)], uuid[16];
  memcpy(buf, table, sizeof(buf));
  with_length(buf, sizeof(buf));
  CHECK(lg_smbios_system_uuid(buf, sizeof(buf), uuid));
  CHECK(memcmp(uuid, text_order, 16) == 0);

  /* SMBIOS 2.4: stored as is. */
  buf[2] = 4;
  CHECK(lg_smbios_system_uuid(buf, sizeof(buf), uuid) && memcmp(uuid, table + 8 + 38 + 8, 16) == 0);
  buf[2] = 8;

  /* Malformed: table length past the buffer, truncated buffer, short structure, no string
   * terminator, zero UUID, and NULL. */
  uint8_t bad[sizeof(table)];
  memcpy(bad, buf, sizeof(bad));
  bad[4] = 0xFF;
  CHECK(!lg_smbios_system_uuid(bad, sizeof(bad), uuid));
  CHECK(!lg_smbios_system_uuid(buf, 40, uuid)); /* header says more than there is */
  memcpy(bad, buf, sizeof(bad));
  bad[8 + 1] = 2; /* type 0 length below 4 */
  CHECK(!lg_smbios_system_uuid(bad, sizeof(bad), uuid));
  uint8_t *z = uuid;
  for (int i = 0; i < 16; ++i)
    z[i] = 0xAA;
  memcpy(bad, buf, sizeof(bad));
  for (size_t i = 8 + 24; i < 8 + 38; ++i) /* type 0's strings without the double NUL */
    if (bad[i] == 0)
      bad[i] = 'x';
  bool ok = lg_smbios_system_uuid(bad, sizeof(bad), uuid);
  CHECK(!ok || memcmp(uuid, text_order, 16) == 0); /* never a wrong UUID */
  CHECK(ok || (uuid[0] == 0 && uuid[15] == 0));    /* zeros on failure */
  memcpy(bad, buf, sizeof(bad));
  memset(bad + 8 + 38 + 8, 0, 16);
  CHECK(!lg_smbios_system_uuid(bad, sizeof(bad), uuid));
  memset(bad + 8 + 38 + 8, 0xFF, 16);
  CHECK(!lg_smbios_system_uuid(bad, sizeof(bad), uuid));
  CHECK(!lg_smbios_system_uuid(NULL, 100, uuid));
  /* Every truncation of the table is handled without reading past it. */
  unsigned found = 0;
  for (size_t n = 0; n <= sizeof(buf); ++n) {
    uint8_t cut[sizeof(table)];
    memcpy(cut, buf, n);
    if (n >= LG_RSMB_HEADER_SIZE)
      with_length(cut, n);
    found += lg_smbios_system_uuid(cut, n, uuid);
  }
  CHECK(found == sizeof(buf) - (8 + 38 + 0x1B) + 1); /* once type 1 is complete */
}

static void check_live(void)
{
  char name[128];
  lg_win_os_name(name, sizeof(name));
  printf("os name: %s\n", name);
  CHECK(strstr(name, "Windows") != NULL);
  uint8_t uuid[16];
  bool ok = lg_win_read_uuid(uuid);
  printf("smbios uuid: %s\n", ok ? "found" : "unknown");
  CHECK(ok || uuid[0] == 0);
}

int main(void)
{
  check_parse();
  check_live();
  printf("%u passed, %u failed\n", g_pass, g_fail);
  return g_fail ? 1 : 0;
}
