/* The virtio-win IVSHMEM driver: device enumeration (SetupAPI) and its IOCTLs. Windows only.
 *
 * Our own copy of the driver interface (no driver header is vendored); sizes and offsets are
 * checked with static asserts. One mapping per device exists at a time, across all processes,
 * and it belongs to the handle that made it: closing the handle unmaps.
 *
 * Threads: everything here runs on the caller's thread. */
#ifndef LG_HOST_IVSHMEM_WIN_H
#define LG_HOST_IVSHMEM_WIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <windows.h>

/* CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800 + n, METHOD_BUFFERED, FILE_ANY_ACCESS). */
#define LG_IVSHMEM_IOCTL_REQUEST_PEERID 0x222000u
#define LG_IVSHMEM_IOCTL_REQUEST_SIZE 0x222004u
#define LG_IVSHMEM_IOCTL_REQUEST_MMAP 0x222008u
#define LG_IVSHMEM_IOCTL_RELEASE_MMAP 0x22200Cu

#define LG_IVSHMEM_CACHE_NONCACHED 0u
#define LG_IVSHMEM_CACHE_CACHED 1u
#define LG_IVSHMEM_CACHE_WRITECOMBINED 2u

/* Input of REQUEST_MMAP (1 byte). */
struct lg_ivshmem_mmap_config {
  uint8_t cache_mode; /* LG_IVSHMEM_CACHE_* */
};

/* Output of REQUEST_MMAP (32 bytes on x64). */
struct lg_ivshmem_mmap {
  uint16_t peer_id; /* 0 on ivshmem-plain */
  uint64_t size;    /* bytes mapped */
  void *ptr;        /* the mapping in this process */
  uint16_t vectors; /* MSI-X vectors; 0 on ivshmem-plain */
};

/* Sentinels used when SPDRP_BUSNUMBER / SPDRP_ADDRESS cannot be read. */
#define LG_IVSHMEM_NO_BUS 0xFFFFu
#define LG_IVSHMEM_NO_ADDRESS 0xFFFFFFFFu

/* One IVSHMEM device interface found by SetupAPI. */
struct lg_win_ivshmem_dev {
  uint32_t bus;     /* SPDRP_BUSNUMBER or LG_IVSHMEM_NO_BUS */
  uint32_t address; /* SPDRP_ADDRESS (PCI: device << 16 | function) or LG_IVSHMEM_NO_ADDRESS */
  uint64_t key;     /* bus << 32 | address, the sort key */
  uint32_t devinst; /* SP_DEVINFO_DATA.DevInst, for the CM queries */
  char name[32];    /* "0000:bb:dd.f" when bus and address are known, else "ivshmem#<n>" */
  char path[260];   /* device interface path for CreateFile; "" if unreadable */
};

/* Sort key of a device: bus << 32 | address. */
uint64_t lg_win_ivshmem_key(uint32_t bus, uint32_t address);

/* Sorts devices by key (stable for equal keys); fills each name from bus and address. */
void lg_win_ivshmem_sort(struct lg_win_ivshmem_dev *devs, size_t n);

/* Lists present IVSHMEM interfaces sorted by key; returns how many exist (only `max` are
 * stored), or -1 with *err set to the Win32 error when SetupAPI fails. */
int lg_win_ivshmem_enumerate(struct lg_win_ivshmem_dev *out, size_t max, uint32_t *err);

/* Looks for a PCI 1af4:1110 device among all present devices (one without the driver has
 * no interface); true if found, with its CM problem code (28: no driver installed). */
bool lg_win_ivshmem_find_driverless(uint32_t *problem);

/* Opens a device interface path (no access rights needed for the IOCTLs). */
HANDLE lg_win_ivshmem_open(const char *path);

/* IOCTL REQUEST_SIZE: BAR2 length; false with *err = GetLastError() on failure. */
bool lg_win_ivshmem_size(HANDLE dev, uint64_t *size, uint32_t *err);

/* IOCTL REQUEST_MMAP with `cache_mode`; false with *err on failure (548: already mapped). */
bool lg_win_ivshmem_map(HANDLE dev, uint8_t cache_mode, struct lg_ivshmem_mmap *out, uint32_t *err);

/* IOCTL RELEASE_MMAP; false with *err on failure. */
bool lg_win_ivshmem_unmap(HANDLE dev, uint32_t *err);

/* Formats a Win32 error as "<code> (<system text>)" into buf; returns buf. */
const char *lg_win_error_text(uint32_t err, char *buf, size_t size);

/* True when running under wine (ntdll exports wine_get_version). */
bool lg_win_is_wine(void);

#endif
