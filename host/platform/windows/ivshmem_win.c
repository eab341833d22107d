/* IVSHMEM device enumeration through SetupAPI and the driver's IOCTLs. */
#include "ivshmem_win.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cfgmgr32.h>
#include <setupapi.h>

_Static_assert(sizeof(struct lg_ivshmem_mmap_config) == 1, "IVSHMEM_MMAP_CONFIG is 1 byte");
#if UINTPTR_MAX == UINT64_MAX
_Static_assert(sizeof(struct lg_ivshmem_mmap) == 32, "IVSHMEM_MMAP is 32 bytes on x64");
_Static_assert(offsetof(struct lg_ivshmem_mmap, size) == 8, "IVSHMEM_MMAP.size at 8");
_Static_assert(offsetof(struct lg_ivshmem_mmap, ptr) == 16, "IVSHMEM_MMAP.ptr at 16");
_Static_assert(offsetof(struct lg_ivshmem_mmap, vectors) == 24, "IVSHMEM_MMAP.vectors at 24");
#endif
_Static_assert(CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS) ==
                   LG_IVSHMEM_IOCTL_REQUEST_SIZE,
               "REQUEST_SIZE code");
_Static_assert(CTL_CODE(FILE_DEVICE_UNKNOWN, 0x802, METHOD_BUFFERED, FILE_ANY_ACCESS) ==
                   LG_IVSHMEM_IOCTL_REQUEST_MMAP,
               "REQUEST_MMAP code");
_Static_assert(CTL_CODE(FILE_DEVICE_UNKNOWN, 0x803, METHOD_BUFFERED, FILE_ANY_ACCESS) ==
                   LG_IVSHMEM_IOCTL_RELEASE_MMAP,
               "RELEASE_MMAP code");

/* GUID_DEVINTERFACE_IVSHMEM {df576976-569d-4672-95a0-f57e4ea0b210}. */
static const GUID ivshmem_interface_guid = {
    0xdf576976, 0x569d, 0x4672, {0x95, 0xa0, 0xf5, 0x7e, 0x4e, 0xa0, 0xb2, 0x10}};

/* Most devices examined in one enumeration. */
#define ENUM_MAX 64

uint64_t lg_win_ivshmem_key(uint32_t bus, uint32_t address)
{
  return (uint64_t)bus << 32 | address;
}

static void name_device(struct lg_win_ivshmem_dev *d, size_t index)
{
  uint32_t dev = d->address >> 16, fn = d->address & 0xFFFFu;
  if (d->bus <= 0xFFu && d->address != LG_IVSHMEM_NO_ADDRESS && dev <= 0x1Fu && fn <= 7u)
    snprintf(d->name, sizeof(d->name), "0000:%02x:%02x.%x", (unsigned)d->bus, (unsigned)dev,
             (unsigned)fn);
  else
    snprintf(d->name, sizeof(d->name), "ivshmem#%u", (unsigned)index);
}

void lg_win_ivshmem_sort(struct lg_win_ivshmem_dev *devs, size_t n)
{
  /* Insertion sort: stable, and n is small. */
  for (size_t i = 1; i < n; ++i) {
    struct lg_win_ivshmem_dev t = devs[i];
    size_t j = i;
    while (j > 0 && devs[j - 1].key > t.key) {
      devs[j] = devs[j - 1];
      --j;
    }
    devs[j] = t;
  }
  for (size_t i = 0; i < n; ++i)
    name_device(&devs[i], i);
}

static bool read_dword_prop(HDEVINFO set, SP_DEVINFO_DATA *info, DWORD prop, uint32_t *out)
{
  DWORD v = 0, type = 0;
  if (!SetupDiGetDeviceRegistryPropertyA(set, info, prop, &type, (BYTE *)&v, sizeof(v), NULL) ||
      type != REG_DWORD)
    return false;
  *out = v;
  return true;
}

/* Reads the interface path of `info` into out (size `size`); false if unreadable. */
static bool read_interface_path(HDEVINFO set, SP_DEVINFO_DATA *info, char *out, size_t size)
{
  SP_DEVICE_INTERFACE_DATA ifd = {.cbSize = sizeof(ifd)};
  if (!SetupDiEnumDeviceInterfaces(set, info, &ivshmem_interface_guid, 0, &ifd))
    return false;
  DWORD need = 0;
  SetupDiGetDeviceInterfaceDetailA(set, &ifd, NULL, 0, &need, NULL);
  if (need < sizeof(SP_DEVICE_INTERFACE_DETAIL_DATA_A) || need > 64 * 1024)
    return false;
  SP_DEVICE_INTERFACE_DETAIL_DATA_A *detail = calloc(1, need);
  if (!detail)
    return false;
  detail->cbSize = sizeof(SP_DEVICE_INTERFACE_DETAIL_DATA_A);
  bool ok = SetupDiGetDeviceInterfaceDetailA(set, &ifd, detail, need, NULL, NULL);
  if (ok) {
    size_t n =
        strnlen(detail->DevicePath, need - offsetof(SP_DEVICE_INTERFACE_DETAIL_DATA_A, DevicePath));
    ok = n > 0 && n < size;
    if (ok) {
      memcpy(out, detail->DevicePath, n);
      out[n] = '\0';
    }
  }
  free(detail);
  return ok;
}

int lg_win_ivshmem_enumerate(struct lg_win_ivshmem_dev *out, size_t max, uint32_t *err)
{
  HDEVINFO set = SetupDiGetClassDevsA(&ivshmem_interface_guid, NULL, NULL,
                                      DIGCF_PRESENT | DIGCF_DEVICEINTERFACE);
  if (set == INVALID_HANDLE_VALUE) {
    *err = GetLastError();
    return -1;
  }
  struct lg_win_ivshmem_dev *all = calloc(ENUM_MAX, sizeof(*all));
  if (!all) {
    SetupDiDestroyDeviceInfoList(set);
    *err = ERROR_NOT_ENOUGH_MEMORY;
    return -1;
  }
  size_t n = 0;
  int total = 0;
  *err = ERROR_SUCCESS;
  for (DWORD i = 0;; ++i) {
    SP_DEVINFO_DATA info = {.cbSize = sizeof(info)};
    if (!SetupDiEnumDeviceInfo(set, i, &info)) {
      DWORD e = GetLastError();
      if (e != ERROR_NO_MORE_ITEMS)
        *err = e;
      break;
    }
    ++total;
    if (n >= ENUM_MAX)
      continue;
    struct lg_win_ivshmem_dev *d = &all[n++];
    if (!read_dword_prop(set, &info, SPDRP_BUSNUMBER, &d->bus))
      d->bus = LG_IVSHMEM_NO_BUS;
    if (!read_dword_prop(set, &info, SPDRP_ADDRESS, &d->address))
      d->address = LG_IVSHMEM_NO_ADDRESS;
    d->key = lg_win_ivshmem_key(d->bus, d->address);
    d->devinst = info.DevInst;
    if (!read_interface_path(set, &info, d->path, sizeof(d->path)))
      d->path[0] = '\0';
  }
  SetupDiDestroyDeviceInfoList(set);
  lg_win_ivshmem_sort(all, n);
  for (size_t i = 0; i < n && i < max; ++i)
    out[i] = all[i];
  free(all);
  if (total == 0 && *err != ERROR_SUCCESS)
    return -1;
  return total;
}

/* True if the REG_MULTI_SZ list holds a hardware ID starting with PCI\VEN_1AF4&DEV_1110. */
static bool has_ivshmem_id(const char *list, size_t len)
{
  static const char want[] = "PCI\\VEN_1AF4&DEV_1110";
  size_t i = 0;
  while (i < len && list[i]) {
    size_t n = strnlen(list + i, len - i);
    if (n >= sizeof(want) - 1 && _strnicmp(list + i, want, sizeof(want) - 1) == 0)
      return true;
    i += n + 1;
  }
  return false;
}

bool lg_win_ivshmem_find_driverless(uint32_t *problem)
{
  HDEVINFO set = SetupDiGetClassDevsA(NULL, "PCI", NULL, DIGCF_ALLCLASSES | DIGCF_PRESENT);
  if (set == INVALID_HANDLE_VALUE)
    return false;
  bool found = false;
  for (DWORD i = 0; !found && i < 4096; ++i) {
    SP_DEVINFO_DATA info = {.cbSize = sizeof(info)};
    if (!SetupDiEnumDeviceInfo(set, i, &info))
      break;
    char ids[1024];
    DWORD type = 0, need = 0;
    if (!SetupDiGetDeviceRegistryPropertyA(set, &info, SPDRP_HARDWAREID, &type, (BYTE *)ids,
                                           sizeof(ids) - 2, &need) ||
        type != REG_MULTI_SZ)
      continue;
    size_t len = need < sizeof(ids) - 2 ? need : sizeof(ids) - 2;
    ids[len] = ids[len + 1] = '\0';
    if (!has_ivshmem_id(ids, len))
      continue;
    found = true;
    ULONG status = 0, prob = 0;
    *problem = CM_Get_DevNode_Status(&status, &prob, info.DevInst, 0) == CR_SUCCESS ? prob : 0;
  }
  SetupDiDestroyDeviceInfoList(set);
  return found;
}

HANDLE lg_win_ivshmem_open(const char *path)
{
  return CreateFileA(path, 0, 0, NULL, OPEN_EXISTING, 0, NULL);
}

bool lg_win_ivshmem_size(HANDLE dev, uint64_t *size, uint32_t *err)
{
  UINT64 s = 0;
  DWORD got = 0;
  if (!DeviceIoControl(dev, LG_IVSHMEM_IOCTL_REQUEST_SIZE, NULL, 0, &s, sizeof(s), &got, NULL)) {
    *err = GetLastError();
    return false;
  }
  if (got != sizeof(s)) {
    *err = ERROR_INVALID_DATA;
    return false;
  }
  *size = s;
  return true;
}

bool lg_win_ivshmem_map(HANDLE dev, uint8_t cache_mode, struct lg_ivshmem_mmap *out, uint32_t *err)
{
  struct lg_ivshmem_mmap_config cfg = {.cache_mode = cache_mode};
  memset(out, 0, sizeof(*out));
  DWORD got = 0;
  if (!DeviceIoControl(dev, LG_IVSHMEM_IOCTL_REQUEST_MMAP, &cfg, sizeof(cfg), out, sizeof(*out),
                       &got, NULL)) {
    *err = GetLastError();
    return false;
  }
  if (got != sizeof(*out) || !out->ptr) {
    *err = ERROR_INVALID_DATA;
    return false;
  }
  return true;
}

bool lg_win_ivshmem_unmap(HANDLE dev, uint32_t *err)
{
  DWORD got = 0;
  if (!DeviceIoControl(dev, LG_IVSHMEM_IOCTL_RELEASE_MMAP, NULL, 0, NULL, 0, &got, NULL)) {
    *err = GetLastError();
    return false;
  }
  return true;
}

const char *lg_win_error_text(uint32_t err, char *buf, size_t size)
{
  char text[200];
  DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, err,
                           MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT), text, sizeof(text), NULL);
  while (n > 0 &&
         (text[n - 1] == '\r' || text[n - 1] == '\n' || text[n - 1] == ' ' || text[n - 1] == '.'))
    --n;
  text[n < sizeof(text) ? n : sizeof(text) - 1] = '\0';
  if (n)
    snprintf(buf, size, "Win32 error %lu: %s", (unsigned long)err, text);
  else
    snprintf(buf, size, "Win32 error %lu", (unsigned long)err);
  return buf;
}

bool lg_win_is_wine(void)
{
  HMODULE ntdll = GetModuleHandleA("ntdll.dll");
  return ntdll && GetProcAddress(ntdll, "wine_get_version") != NULL;
}
