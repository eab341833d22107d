/* Windows region opening: a file mapping (map, write, read back), a missing path, a too-small
 * or empty file, a directory, and the default IVSHMEM device path where none exists (wine).
 * Prints one line per failed check and "N passed, N failed". */
#include <stdio.h>
#include <string.h>

#include <windows.h>

#include "ivshmem_win.h"
#include "lg/log.h"
#include "platform/region.h"

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

/* Makes "<temp dir>lg-region-<pid>-<tag>" in out. */
static void temp_name(char *out, size_t size, const char *tag)
{
  char dir[MAX_PATH];
  DWORD n = GetTempPathA(sizeof(dir), dir);
  if (n == 0 || n >= sizeof(dir))
    strcpy(dir, ".\\");
  snprintf(out, size, "%slg-region-%lu-%s", dir, (unsigned long)GetCurrentProcessId(), tag);
}

/* Creates `path` with `size` bytes (zeroes); false on failure. */
static bool make_file(const char *path, uint64_t size)
{
  HANDLE h = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                         FILE_ATTRIBUTE_NORMAL, NULL);
  if (h == INVALID_HANDLE_VALUE)
    return false;
  LARGE_INTEGER li = {.QuadPart = (LONGLONG)size};
  bool ok = SetFilePointerEx(h, li, NULL, FILE_BEGIN) && SetEndOfFile(h);
  CloseHandle(h);
  return ok;
}

/* Reads `len` bytes at `offset` of `path` with ReadFile (not through a mapping). */
static bool read_back(const char *path, uint64_t offset, void *buf, DWORD len)
{
  HANDLE h = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                         OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
  if (h == INVALID_HANDLE_VALUE)
    return false;
  LARGE_INTEGER li = {.QuadPart = (LONGLONG)offset};
  DWORD got = 0;
  bool ok =
      SetFilePointerEx(h, li, NULL, FILE_BEGIN) && ReadFile(h, buf, len, &got, NULL) && got == len;
  CloseHandle(h);
  return ok;
}

static void check_file(void)
{
  char path[MAX_PATH + 64];
  temp_name(path, sizeof(path), "ok.shm");
  const size_t size = 1u << 20;
  CHECK(make_file(path, size));

  struct lg_region r, r2;
  struct lg_guest_facts facts;
  lg_guest_facts_init(&facts);
  struct lg_region_params p = {.path = path, .min_size = 64 * 1024};
  CHECK(lg_region_open(&p, &r, &facts));
  CHECK(r.mem != NULL && r.size == size && r.kind == LG_REGION_FILE);
  CHECK(r.fail_stage == LGDIAG_STAGE_NONE && r.fd != -1);
  CHECK((facts.valid & LGDIAG_VALID_MAP) && facts.map_failures == 0);
  if (!r.mem)
    return;
  uint8_t *m = r.mem;
  for (size_t i = 0; i < size; i += 4096)
    m[i] = (uint8_t)(i >> 12);
  memcpy(m + size - 8, "LGREGION", 8);

  /* A second, read-only mapping of the same file sees the writes at once. */
  struct lg_region_params ro = {.path = path, .min_size = 64 * 1024, .read_only = true};
  CHECK(lg_region_open(&ro, &r2, NULL));
  if (r2.mem) {
    CHECK(memcmp((uint8_t *)r2.mem + size - 8, "LGREGION", 8) == 0);
    CHECK(((uint8_t *)r2.mem)[5 * 4096] == 5);
    lg_region_close(&r2);
  }
  lg_region_close(&r);
  CHECK(r.mem == NULL && r.fd == -1 && r.size == 0);
  lg_region_close(&r); /* twice is harmless */

  char buf[8];
  CHECK(read_back(path, size - 8, buf, 8) && memcmp(buf, "LGREGION", 8) == 0);
  CHECK(read_back(path, 7 * 4096, buf, 1) && buf[0] == 7);
  CHECK(DeleteFileA(path));
}

static void check_failures(void)
{
  struct lg_region r;
  struct lg_guest_facts facts;
  char path[MAX_PATH + 64];

  lg_guest_facts_init(&facts);
  temp_name(path, sizeof(path), "missing.shm");
  struct lg_region_params p = {.path = path, .min_size = 4096};
  CHECK(!lg_region_open(&p, &r, &facts));
  CHECK(r.mem == NULL && r.fd == -1);
  CHECK(r.fail_stage == LGDIAG_STAGE_OPEN && r.fail_errno == ERROR_FILE_NOT_FOUND);
  CHECK(strstr(r.message, "does not exist") && strstr(r.message, "Win32 error 2"));
  CHECK(facts.map_stage == LGDIAG_STAGE_OPEN && facts.map_error == ERROR_FILE_NOT_FOUND &&
        facts.map_failures == 1 && strstr(facts.detail, "does not exist"));
  lg_region_close(&r);

  /* Missing directory in the path. */
  char nodir[MAX_PATH + 96];
  temp_name(nodir, sizeof(nodir), "nodir");
  strcat(nodir, "\\x.shm");
  p.path = nodir;
  CHECK(!lg_region_open(&p, &r, &facts));
  CHECK(r.fail_stage == LGDIAG_STAGE_OPEN && r.fail_errno == ERROR_PATH_NOT_FOUND);
  CHECK(facts.map_failures == 2);

  /* Too small. */
  temp_name(path, sizeof(path), "small.shm");
  CHECK(make_file(path, 4096));
  p.path = path;
  p.min_size = 1u << 20;
  CHECK(!lg_region_open(&p, &r, &facts));
  CHECK(r.fail_stage == LGDIAG_STAGE_SIZE && r.fail_errno == LG_REGION_ERR_TOO_SMALL);
  CHECK(strstr(r.message, "too small") && strstr(r.message, "4096 bytes"));
  CHECK(r.mem == NULL && r.fd == -1);
  CHECK(facts.map_stage == LGDIAG_STAGE_SIZE && facts.map_error == LG_REGION_ERR_TOO_SMALL);
  CHECK(DeleteFileA(path)); /* the failed open left no handle behind */

  /* Empty with no minimum: cannot be mapped. */
  temp_name(path, sizeof(path), "empty.shm");
  CHECK(make_file(path, 0));
  p.min_size = 0;
  CHECK(!lg_region_open(&p, &r, &facts));
  CHECK(r.fail_stage == LGDIAG_STAGE_SIZE && r.fail_errno == ERROR_FILE_INVALID);
  CHECK(DeleteFileA(path));

  /* A directory. */
  char dir[MAX_PATH];
  GetTempPathA(sizeof(dir), dir);
  p.path = dir;
  CHECK(!lg_region_open(&p, &r, &facts));
  CHECK(r.fail_stage == LGDIAG_STAGE_OPEN && r.fail_errno == ERROR_DIRECTORY);
  CHECK(strstr(r.message, "is a directory") != NULL);
}

static void check_default_device(void)
{
  if (!lg_win_is_wine()) {
    printf("skip: not under wine, the IVSHMEM device may exist\n");
    return;
  }
  struct lg_ivshmem_dev devs[4];
  CHECK(lg_ivshmem_enumerate(NULL, devs, 4) == 0);
  uint32_t problem = 1234;
  CHECK(!lg_win_ivshmem_find_driverless(&problem)); /* wine's fake PCI device is 0000:0000 */

  struct lg_guest_facts facts;
  lg_guest_facts_init(&facts);
  CHECK(!lg_guest_facts_read_bar(&facts, NULL, 0));
  CHECK(facts.ivshmem_count == 0 && !(facts.valid & LGDIAG_VALID_BAR_ADDR));
  uint64_t a, s;
  CHECK(!lg_ivshmem_bar2(NULL, "0000:00:04.0", &a, &s));

  struct lg_region r;
  struct lg_region_params p = {.path = NULL, .device = 0, .min_size = 1u << 20};
  CHECK(!lg_region_open(&p, &r, &facts));
  printf("default device: %s\n", r.message);
  CHECK(r.kind == LG_REGION_IVSHMEM && r.mem == NULL && r.fd == -1);
  CHECK(r.fail_stage == LGDIAG_STAGE_ENUMERATE && r.fail_errno == ERROR_NO_MORE_ITEMS);
  CHECK(strstr(r.message, "no IVSHMEM device found") != NULL);
  CHECK(strstr(r.message, "virtio-win IVSHMEM driver") != NULL);
  CHECK(facts.map_stage == LGDIAG_STAGE_ENUMERATE && facts.map_error == ERROR_NO_MORE_ITEMS &&
        facts.map_failures == 1);
  CHECK(strcmp(lg_region_stage_name(facts.map_stage), "enumerate") == 0);
  lg_region_close(&r);

  p.path = "";
  p.device = 3;
  CHECK(!lg_region_open(&p, &r, NULL));
  CHECK(r.fail_stage == LGDIAG_STAGE_ENUMERATE);
}

int main(void)
{
  lg_log_set_level(LG_LOG_FATAL); /* the failures below log on purpose */
  check_file();
  check_failures();
  check_default_device();
  printf("%u passed, %u failed\n", g_pass, g_fail);
  return g_fail ? 1 : 0;
}
