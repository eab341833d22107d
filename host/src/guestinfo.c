/* The KVMFR udata this host publishes: header, VMINFO (SMBIOS UUID, CPU), OSINFO (os-release)
 * and the LGDIAG record with the guest facts. Files are read below a configurable root. */
#include "app.h"

#include <stdio.h>
#include <string.h>
#ifdef _WIN32
#include "win_sysinfo.h"
#else
#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>
#endif

#include "lg/cpuinfo.h"
#include "lg/kvmfr_udata.h"
#include "lg/log.h"

#ifdef _WIN32
/* Windows: SMBIOS through GetSystemFirmwareTable, the name from the registry; no root. */
static bool read_uuid(const char *root, uint8_t out[16])
{
  (void)root;
  return lg_win_read_uuid(out);
}

static void read_os_name(const char *root, char *out, size_t size)
{
  (void)root;
  lg_win_os_name(out, size);
}
#else
static bool read_root_file(const char *root, const char *rel, char *buf, size_t size)
{
  char path[1024];
  if (!root || !*root)
    root = "/";
  int n =
      snprintf(path, sizeof(path), "%s%s%s", root, root[strlen(root) - 1] == '/' ? "" : "/", rel);
  if (n < 0 || (size_t)n >= sizeof(path))
    return false;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  ssize_t r = read(fd, buf, size - 1);
  close(fd);
  if (r < 0)
    return false;
  buf[r] = '\0';
  return true;
}

static int hexval(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* SMBIOS product UUID "xxxxxxxx-xxxx-..." into 16 bytes; false (zeros) when unknown. */
static bool read_uuid(const char *root, uint8_t out[16])
{
  char buf[64];
  memset(out, 0, 16);
  if (!read_root_file(root, "sys/class/dmi/id/product_uuid", buf, sizeof(buf)))
    return false;
  int nib = 0;
  for (const char *p = buf; *p && nib < 32; ++p) {
    if (*p == '-')
      continue;
    int v = hexval(*p);
    if (v < 0)
      break;
    out[nib / 2] = (uint8_t)(out[nib / 2] << 4 | v);
    ++nib;
  }
  if (nib != 32) {
    memset(out, 0, 16);
    return false;
  }
  return true;
}

/* PRETTY_NAME from os-release, unquoted; falls back to uname. */
static void read_os_name(const char *root, char *out, size_t size)
{
  char buf[4096];
  out[0] = '\0';
  if (read_root_file(root, "etc/os-release", buf, sizeof(buf))) {
    for (char *line = buf; line && *line;) {
      char *next = strchr(line, '\n');
      if (next)
        *next++ = '\0';
      if (strncmp(line, "PRETTY_NAME=", 12) == 0) {
        char *v = line + 12;
        size_t len = strlen(v);
        if (len >= 2 && (v[0] == '"' || v[0] == '\'') && v[len - 1] == v[0]) {
          v[len - 1] = '\0';
          ++v;
        }
        snprintf(out, size, "%s", v);
        return;
      }
      line = next;
    }
  }
  struct utsname u;
  if (uname(&u) == 0)
    snprintf(out, size, "%s %s", u.sysname, u.release);
}
#endif

size_t lg_host_build_udata(void *buf, size_t cap, const char *version, uint32_t features,
                           const char *capture_name, const struct lg_guest_facts *facts,
                           const char *root)
{
  struct lg_kvmfr_udata u;
  memset(&u, 0, sizeof(u));
  snprintf(u.hostver, sizeof(u.hostver), "%.31s", version ? version : "");
  u.features = features;

  struct lg_cpu_facts cpu;
  memset(&cpu, 0, sizeof(cpu));
  lg_cpu_facts_read(&cpu);
  u.has_vminfo = true;
  read_uuid(root, u.vminfo.uuid);
  snprintf(u.vminfo.capture, sizeof(u.vminfo.capture), "%.31s", capture_name ? capture_name : "");
  unsigned threads = lg_cpu_count();
  u.vminfo.cpus = (uint8_t)(threads > 255 ? 255 : threads);
  u.vminfo.cores = u.vminfo.cpus;
  u.vminfo.sockets = 1;
  snprintf(u.vminfo.model, sizeof(u.vminfo.model), "%s", cpu.brand);

  u.has_osinfo = true;
#ifdef _WIN32
  u.osinfo.os = KVMFR_OS_WINDOWS;
#else
  u.osinfo.os = KVMFR_OS_LINUX;
#endif
  read_os_name(root, u.osinfo.name, sizeof(u.osinfo.name));

  u.has_lgdiag = true;
  u.lgdiag.valid = facts->valid;
  u.lgdiag.bar_addr = facts->bar_addr;
  u.lgdiag.bar_size = facts->bar_size;
  u.lgdiag.phys_bits = facts->phys_bits;
  u.lgdiag.virt_bits = facts->virt_bits;
  u.lgdiag.map_stage = facts->map_stage;
  u.lgdiag.map_failures = facts->map_failures;
  u.lgdiag.map_error = facts->map_error;
  if (facts->detail[0]) {
    u.lgdiag.has_detail = true;
    snprintf(u.lgdiag.detail, sizeof(u.lgdiag.detail), "%s", facts->detail);
  }

  size_t len = 0;
  enum lg_kvmfr_udata_error e = lg_kvmfr_udata_encode(&u, buf, cap, &len);
  if (e != LG_KVMFR_UDATA_OK) {
    LG_ERROR("host: cannot encode the KVMFR udata: %s", lg_kvmfr_udata_error_string(e));
    return 0;
  }
  return len;
}
