/* Host-side collectors: read /proc, /sys, libvirt logs and the region file under a
 * configurable root and turn what they find into facts. Linux only; elsewhere every
 * collector reports nothing. Files are read with a size bound and parsed defensively:
 * truncated, huge or binary files give fewer facts, never a crash.
 *
 * Not done: asking a VFIO container for its IOVA ranges by ioctl (needs the container fd,
 * which only QEMU holds); the IOMMU width from sysfs stands in for it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include "lg/diag.h"

#ifdef __linux__

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PATH_MAX_LG 4096
#define SMALL_FILE_MAX (64u * 1024u)
#define CMDLINE_MAX (1024u * 1024u)
#define LOG_TAIL_MAX (8ull * 1024u * 1024u)
#define MAPS_LINES_MAX 200000u
#define FD_ENTRIES_MAX 4096u
#define LINE_MAX_LG 4096

static void join(const char *root, const char *rel, char *out, size_t n)
{
  if (!root || !*root || strcmp(root, "/") == 0) {
    snprintf(out, n, "%s", rel);
    return;
  }
  size_t rl = strlen(root);
  while (rl > 1 && root[rl - 1] == '/')
    --rl;
  snprintf(out, n, "%.*s%s", (int)rl, root, rel);
}

/* Reads at most cap-1 bytes of a regular file into buf (NUL-terminated); -1 on error. */
static ssize_t read_bounded(const char *path, char *buf, size_t cap)
{
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return -1;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return -1;
  }
  size_t used = 0;
  while (used + 1 < cap) {
    ssize_t r = read(fd, buf + used, cap - 1 - used);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    used += (size_t)r;
  }
  close(fd);
  buf[used] = '\0';
  return (ssize_t)used;
}

/* Reads a small text file into a static-size caller buffer, trimming trailing space. */
static bool read_text(const char *path, char *buf, size_t cap)
{
  ssize_t n = read_bounded(path, buf, cap);
  if (n < 0)
    return false;
  size_t l = strlen(buf);
  while (l && isspace((unsigned char)buf[l - 1]))
    buf[--l] = '\0';
  return true;
}

static bool is_dir(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool all_digits(const char *s)
{
  if (!*s)
    return false;
  for (; *s; ++s)
    if (!isdigit((unsigned char)*s))
      return false;
  return true;
}

bool lg_diag_collect_cpuinfo(struct lg_diag *d, const char *root)
{
  char path[PATH_MAX_LG];
  join(root, "/proc/cpuinfo", path, sizeof(path));
  char *buf = malloc(SMALL_FILE_MAX);
  if (!buf)
    return false;
  bool ok = false;
  if (read_bounded(path, buf, SMALL_FILE_MAX) > 0) {
    const char *p = strstr(buf, "address sizes");
    const char *colon = p ? strchr(p, ':') : NULL;
    unsigned phys = 0, virt = 0;
    if (colon && sscanf(colon + 1, " %u bits physical, %u bits virtual", &phys, &virt) >= 1 &&
        phys >= 32 && phys <= 64) {
      lg_diag_set_u64(d, LG_DIAG_HOST, "host.cpu.phys_bits", phys, "/proc/cpuinfo");
      if (virt >= 32 && virt <= 64)
        lg_diag_set_u64(d, LG_DIAG_HOST, "host.cpu.virt_bits", virt, "/proc/cpuinfo");
      ok = true;
    }
  }
  free(buf);
  return ok;
}

static bool read_hex(const char *path, uint64_t *out)
{
  char buf[256];
  if (!read_text(path, buf, sizeof(buf)))
    return false;
  const char *p = buf;
  while (isspace((unsigned char)*p))
    ++p;
  if (!isxdigit((unsigned char)*p))
    return false;
  char *e;
  errno = 0;
  unsigned long long v = strtoull(p, &e, 16);
  if (errno || (*e && *e != ':' && !isspace((unsigned char)*e)))
    return false;
  *out = v;
  return true;
}

/* Intel VT-d: MGAW = cap[21:16] + 1; SAGAW = cap[12:8], bit i = AGAW 30 + 9i. */
static bool intel_unit(struct lg_diag *d, const char *root, const char *unit, unsigned *width,
                       char *src, size_t srclen)
{
  char rel[PATH_MAX_LG], path[PATH_MAX_LG], key[LG_DIAG_KEY_MAX], sagaw[64] = "";
  snprintf(rel, sizeof(rel), "/sys/class/iommu/%s/intel-iommu/cap", unit);
  join(root, rel, path, sizeof(path));
  uint64_t cap;
  if (!read_hex(path, &cap))
    return false;
  unsigned mgaw = (unsigned)((cap >> 16) & 0x3f) + 1;
  unsigned sag = (unsigned)((cap >> 8) & 0x1f);
  for (unsigned i = 0; i < 5; ++i)
    if (sag & (1u << i)) {
      size_t l = strlen(sagaw);
      snprintf(sagaw + l, sizeof(sagaw) - l, "%s%u", l ? "," : "", 30 + 9 * i);
    }
  snprintf(src, srclen, "%.60s cap MGAW", unit);
  snprintf(key, sizeof(key), "host.iommu.%.40s.addr_bits", unit);
  lg_diag_set_u64(d, LG_DIAG_HOST, key, mgaw, src);
  if (sagaw[0]) {
    char s2[LG_DIAG_SOURCE_MAX];
    snprintf(s2, sizeof(s2), "%.60s cap SAGAW", unit);
    snprintf(key, sizeof(key), "host.iommu.%.40s.sagaw", unit);
    lg_diag_set_str(d, LG_DIAG_HOST, key, sagaw, s2);
  }
  *width = mgaw;
  return true;
}

/* AMD-Vi: EFR HATS (bits 11:10) gives 4/5/6 host page-table levels = 48/57/64 bits.
 * With no readable EFR, or the reserved value 3, the width is taken as 48 ("AMD default"). */
static bool amd_unit(struct lg_diag *d, const char *root, const char *unit, unsigned *width,
                     char *src, size_t srclen)
{
  char rel[PATH_MAX_LG], path[PATH_MAX_LG], key[LG_DIAG_KEY_MAX];
  snprintf(rel, sizeof(rel), "/sys/class/iommu/%s/amd-iommu", unit);
  join(root, rel, path, sizeof(path));
  if (!is_dir(path))
    return false;
  snprintf(rel, sizeof(rel), "/sys/class/iommu/%s/amd-iommu/features", unit);
  join(root, rel, path, sizeof(path));
  uint64_t efr;
  unsigned w = 48;
  if (read_hex(path, &efr) && ((efr >> 10) & 3) != 3) {
    w = 48 + 9 * (unsigned)((efr >> 10) & 3);
    if (w > 64)
      w = 64;
    snprintf(src, srclen, "%.60s EFR HATS", unit);
  } else {
    snprintf(src, srclen, "AMD default");
  }
  snprintf(key, sizeof(key), "host.iommu.%.40s.addr_bits", unit);
  lg_diag_set_u64(d, LG_DIAG_HOST, key, w, src);
  *width = w;
  return true;
}

bool lg_diag_collect_iommu(struct lg_diag *d, const char *root)
{
  char path[PATH_MAX_LG];
  join(root, "/sys/class/iommu", path, sizeof(path));
  DIR *dir = opendir(path);
  if (!dir)
    return false;
  unsigned count = 0, min_w = 0, n_intel = 0, n_amd = 0;
  char min_src[LG_DIAG_SOURCE_MAX] = "";
  struct dirent *e;
  while ((e = readdir(dir)) && count < 256) {
    if (e->d_name[0] == '.')
      continue;
    unsigned w;
    char src[LG_DIAG_SOURCE_MAX];
    if (intel_unit(d, root, e->d_name, &w, src, sizeof(src)))
      ++n_intel;
    else if (amd_unit(d, root, e->d_name, &w, src, sizeof(src)))
      ++n_amd;
    else
      continue;
    ++count;
    if (!min_w || w < min_w) {
      min_w = w;
      snprintf(min_src, sizeof(min_src), "%s", src);
    }
  }
  closedir(dir);
  if (!count)
    return false;
  lg_diag_set_u64(d, LG_DIAG_HOST, "host.iommu.addr_bits", min_w, min_src);
  lg_diag_set_u64(d, LG_DIAG_HOST, "host.iommu.count", count, "/sys/class/iommu");
  lg_diag_set_str(d, LG_DIAG_HOST, "host.iommu.vendor",
                  n_intel && n_amd ? "mixed"
                  : n_intel        ? "intel"
                                   : "amd",
                  "/sys/class/iommu");
  return true;
}

static bool looks_like_bdf(const char *s)
{
  /* dddd:bb:dd.f */
  return strlen(s) == 12 && s[4] == ':' && s[7] == ':' && s[10] == '.' &&
         isxdigit((unsigned char)s[0]) && isxdigit((unsigned char)s[11]);
}

bool lg_diag_collect_vfio(struct lg_diag *d, const char *root)
{
  char path[PATH_MAX_LG], list[1024] = "";
  join(root, "/sys/bus/pci/drivers", path, sizeof(path));
  if (!is_dir(path))
    return false;
  join(root, "/sys/bus/pci/drivers/vfio-pci", path, sizeof(path));
  unsigned count = 0;
  DIR *dir = opendir(path);
  if (dir) {
    struct dirent *e;
    while ((e = readdir(dir))) {
      if (!looks_like_bdf(e->d_name))
        continue;
      size_t l = strlen(list);
      if (l + 14 < sizeof(list))
        snprintf(list + l, sizeof(list) - l, "%s%s", l ? "," : "", e->d_name);
      ++count;
    }
    closedir(dir);
  }
  const char *src = dir ? "/sys/bus/pci/drivers/vfio-pci" : "vfio-pci driver not loaded";
  lg_diag_set_u64(d, LG_DIAG_HOST, "host.vfio.count", count, src);
  if (count)
    lg_diag_set_str(d, LG_DIAG_HOST, "host.vfio.devices", list, src);

  join(root, "/sys/kernel/iommu_groups", path, sizeof(path));
  DIR *groups = opendir(path);
  if (!groups)
    return true;
  unsigned ngroups = 0;
  struct dirent *g;
  while ((g = readdir(groups))) {
    if (!all_digits(g->d_name) || strlen(g->d_name) > 8)
      continue;
    ++ngroups;
    if (!count)
      continue;
    char rel[PATH_MAX_LG], gpath[PATH_MAX_LG];
    snprintf(rel, sizeof(rel), "/sys/kernel/iommu_groups/%s/devices", g->d_name);
    join(root, rel, gpath, sizeof(gpath));
    DIR *devs = opendir(gpath);
    bool has_vfio = false;
    struct dirent *dv;
    while (devs && (dv = readdir(devs)))
      if (looks_like_bdf(dv->d_name) && strstr(list, dv->d_name))
        has_vfio = true;
    if (devs)
      closedir(devs);
    if (!has_vfio)
      continue;
    char buf[2048], key[LG_DIAG_KEY_MAX], src2[LG_DIAG_SOURCE_MAX];
    snprintf(rel, sizeof(rel), "/sys/kernel/iommu_groups/%s/reserved_regions", g->d_name);
    join(root, rel, gpath, sizeof(gpath));
    if (!read_text(gpath, buf, sizeof(buf)))
      continue;
    for (char *p = buf; *p; ++p)
      if (*p == '\n')
        *p = ';';
      else if (!isprint((unsigned char)*p))
        *p = '?';
    snprintf(key, sizeof(key), "host.iommu_group.%.8s.reserved_regions", g->d_name);
    snprintf(src2, sizeof(src2), "iommu_groups/%.8s/reserved_regions", g->d_name);
    lg_diag_set_str(d, LG_DIAG_HOST, key, buf, src2);
  }
  closedir(groups);
  lg_diag_set_u64(d, LG_DIAG_HOST, "host.iommu.groups", ngroups, "/sys/kernel/iommu_groups");
  return true;
}

/* Reads /proc/<pid>/cmdline into a malloc'd buffer; NULL if unreadable or empty. */
static char *read_cmdline(const char *root, const char *pid, size_t *len)
{
  char rel[PATH_MAX_LG], path[PATH_MAX_LG];
  snprintf(rel, sizeof(rel), "/proc/%s/cmdline", pid);
  join(root, rel, path, sizeof(path));
  char *buf = malloc(CMDLINE_MAX);
  if (!buf)
    return NULL;
  ssize_t n = read_bounded(path, buf, CMDLINE_MAX);
  if (n <= 0) {
    free(buf);
    return NULL;
  }
  *len = (size_t)n;
  return buf;
}

static bool argv0_is_qemu(const char *buf)
{
  const char *base = strrchr(buf, '/');
  base = base ? base + 1 : buf;
  return strstr(base, "qemu") != NULL;
}

static bool maps_name(const char *root, const char *pid, const char *region)
{
  char rel[PATH_MAX_LG], path[PATH_MAX_LG], line[LINE_MAX_LG];
  snprintf(rel, sizeof(rel), "/proc/%s/maps", pid);
  join(root, rel, path, sizeof(path));
  FILE *f = fopen(path, "re");
  if (!f)
    return false;
  size_t rlen = strlen(region);
  bool found = false;
  for (unsigned n = 0; !found && n < MAPS_LINES_MAX && fgets(line, sizeof(line), f); ++n) {
    size_t l = strlen(line);
    while (l && (line[l - 1] == '\n' || line[l - 1] == '\r'))
      line[--l] = '\0';
    if (l > 10 && strcmp(line + l - 10, " (deleted)") == 0)
      line[l -= 10] = '\0';
    if (l > rlen && strcmp(line + l - rlen, region) == 0 && line[l - rlen - 1] == ' ')
      found = true;
  }
  fclose(f);
  return found;
}

static bool fd_names(const char *root, const char *pid, const char *region)
{
  char rel[PATH_MAX_LG], path[PATH_MAX_LG], link[PATH_MAX_LG], target[PATH_MAX_LG];
  snprintf(rel, sizeof(rel), "/proc/%s/fd", pid);
  join(root, rel, path, sizeof(path));
  DIR *dir = opendir(path);
  if (!dir)
    return false;
  bool found = false;
  struct dirent *e;
  for (unsigned n = 0; !found && n < FD_ENTRIES_MAX && (e = readdir(dir)); ++n) {
    if (!all_digits(e->d_name))
      continue;
    snprintf(link, sizeof(link), "%.3000s/%.32s", path, e->d_name);
    ssize_t l = readlink(link, target, sizeof(target) - 1);
    if (l <= 0)
      continue;
    target[l] = '\0';
    found = strcmp(target, region) == 0;
  }
  closedir(dir);
  return found;
}

uint32_t lg_diag_find_qemu(const char *root, const char *region_path)
{
  char path[PATH_MAX_LG];
  join(root, "/proc", path, sizeof(path));
  DIR *dir = opendir(path);
  if (!dir)
    return 0;
  uint32_t by_map = 0, by_cmdline = 0, only = 0;
  unsigned nqemu = 0;
  struct dirent *e;
  while (!by_map && (e = readdir(dir))) {
    if (!all_digits(e->d_name) || strlen(e->d_name) > 9)
      continue;
    size_t len;
    char *cmd = read_cmdline(root, e->d_name, &len);
    if (!cmd)
      continue;
    if (argv0_is_qemu(cmd)) {
      uint32_t pid = (uint32_t)strtoul(e->d_name, NULL, 10);
      ++nqemu;
      only = pid;
      if (region_path && *region_path) {
        if (maps_name(root, e->d_name, region_path) || fd_names(root, e->d_name, region_path))
          by_map = pid;
        else if (!by_cmdline && memmem(cmd, len, region_path, strlen(region_path)))
          by_cmdline = pid;
      }
    }
    free(cmd);
  }
  closedir(dir);
  if (by_map)
    return by_map;
  if (by_cmdline)
    return by_cmdline;
  return nqemu == 1 ? only : 0;
}

bool lg_diag_collect_qemu(struct lg_diag *d, const char *root, uint32_t pid)
{
  char pids[16], src[LG_DIAG_SOURCE_MAX];
  snprintf(pids, sizeof(pids), "%" PRIu32, pid);
  size_t len;
  char *cmd = read_cmdline(root, pids, &len);
  if (!cmd)
    return false;
  snprintf(src, sizeof(src), "pid %" PRIu32 " cmdline", pid);
  lg_diag_set_u64(d, LG_DIAG_HOST, "qemu.pid", pid, src);
  bool ok = lg_diag_parse_qemu_cmdline(d, cmd, len, src);
  free(cmd);
  return ok;
}

static bool scan_log(const char *path, struct lg_diag_log_scan *s, time_t *mtime)
{
  FILE *f = fopen(path, "re");
  if (!f)
    return false;
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    fclose(f);
    return false;
  }
  *mtime = st.st_mtime;
  char line[LINE_MAX_LG];
  if ((uint64_t)st.st_size > LOG_TAIL_MAX) {
    if (fseeko(f, st.st_size - (off_t)LOG_TAIL_MAX, SEEK_SET) != 0 ||
        !fgets(line, sizeof(line), f)) {
      fclose(f);
      return false;
    }
  }
  memset(s, 0, sizeof(*s));
  while (fgets(line, sizeof(line), f))
    lg_diag_scan_qemu_log_line(s, line);
  fclose(f);
  return true;
}

bool lg_diag_collect_libvirt_logs(struct lg_diag *d, const char *root)
{
  char dirpath[PATH_MAX_LG];
  join(root, "/var/log/libvirt/qemu", dirpath, sizeof(dirpath));
  DIR *dir = opendir(dirpath);
  if (!dir)
    return false;
  struct lg_diag_log_scan best = {0};
  char best_name[256] = "";
  time_t best_mtime = 0;
  unsigned nlogs = 0;
  struct dirent *e;
  while ((e = readdir(dir)) && nlogs < 1024) {
    size_t l = strlen(e->d_name);
    if (l < 5 || strcmp(e->d_name + l - 4, ".log") != 0 || l > 200)
      continue;
    char path[PATH_MAX_LG];
    snprintf(path, sizeof(path), "%.3800s/%s", dirpath, e->d_name);
    struct lg_diag_log_scan s;
    time_t mt;
    if (!scan_log(path, &s, &mt))
      continue;
    ++nlogs;
    if (s.einval && (!best_name[0] || mt >= best_mtime)) {
      best = s;
      best_mtime = mt;
      snprintf(best_name, sizeof(best_name), "%s", e->d_name);
    }
  }
  closedir(dir);
  if (!nlogs)
    return false;
  if (!best_name[0]) {
    char src[LG_DIAG_SOURCE_MAX];
    snprintf(src, sizeof(src), "%u libvirt QEMU logs", nlogs);
    lg_diag_set_bool(d, LG_DIAG_HOST, "qemu.log.dma_einval", false, src);
    return true;
  }
  char src[LG_DIAG_SOURCE_MAX], file[PATH_MAX_LG];
  snprintf(src, sizeof(src), "libvirt log %.100s", best_name);
  snprintf(file, sizeof(file), "/var/log/libvirt/qemu/%s", best_name);
  lg_diag_set_bool(d, LG_DIAG_HOST, "qemu.log.dma_einval", true, src);
  lg_diag_set_str(d, LG_DIAG_HOST, "qemu.log.file", file, src);
  if (best.have_map) {
    lg_diag_set_u64(d, LG_DIAG_HOST, "qemu.log.dma_addr", best.addr, src);
    lg_diag_set_u64(d, LG_DIAG_HOST, "qemu.log.dma_size", best.size, src);
  }
  return true;
}

bool lg_diag_collect_kvmfr(struct lg_diag *d, const char *root)
{
  char path[PATH_MAX_LG], buf[256];
  join(root, "/sys/module", path, sizeof(path));
  if (!is_dir(path))
    return false;
  join(root, "/sys/module/kvmfr", path, sizeof(path));
  bool loaded = is_dir(path);
  lg_diag_set_bool(d, LG_DIAG_HOST, "host.kvmfr.loaded", loaded, "/sys/module");
  if (!loaded)
    return true;
  join(root, "/sys/module/kvmfr/parameters/static_size_mb", path, sizeof(path));
  if (read_text(path, buf, sizeof(buf)) && buf[0] && strspn(buf, "0123456789,") == strlen(buf))
    lg_diag_set_str(d, LG_DIAG_HOST, "host.kvmfr.static_size_mb", buf,
                    "/sys/module/kvmfr/parameters/static_size_mb");
  return true;
}

/* Size of /dev/kvmfrN from the module's static_size_mb list; false if unknown. */
static bool kvmfr_size(const struct lg_diag *d, const char *path, uint64_t *out)
{
  const char *list = lg_diag_get_str(d, "host.kvmfr.static_size_mb");
  char *e;
  if (!list || strncmp(path, "/dev/kvmfr", 10) != 0)
    return false;
  unsigned long idx = strtoul(path + 10, &e, 10);
  if (e == path + 10 || *e || idx > 9)
    return false;
  const char *p = list;
  for (unsigned long i = 0; i < idx && p; ++i)
    if ((p = strchr(p, ',')))
      ++p;
  if (!p || !isdigit((unsigned char)*p))
    return false;
  unsigned long long mib = strtoull(p, NULL, 10);
  if (mib > (1ull << 40))
    return false;
  *out = mib * 1024ull * 1024ull;
  return true;
}

bool lg_diag_collect_region(struct lg_diag *d, const char *root, const char *path)
{
  if (!path || !*path)
    return false;
  char full[PATH_MAX_LG];
  join(root, path, full, sizeof(full));
  lg_diag_set_str(d, LG_DIAG_CLIENT, "region.path", path, "client option");
  if (!lg_diag_get(d, "client.user")) {
    struct passwd *pw = getpwuid(geteuid());
    if (pw && pw->pw_name)
      lg_diag_set_str(d, LG_DIAG_CLIENT, "client.user", pw->pw_name, "getpwuid(geteuid())");
  }
  struct stat st;
  if (stat(full, &st) != 0) {
    lg_diag_set_str(d, LG_DIAG_CLIENT, "region.type", errno == ENOENT ? "missing" : "other",
                    "stat");
    return true;
  }
  const char *type = S_ISREG(st.st_mode) ? "file" : S_ISCHR(st.st_mode) ? "chardev" : "other";
  lg_diag_set_str(d, LG_DIAG_CLIENT, "region.type", type, "stat");
  lg_diag_set_u64(d, LG_DIAG_CLIENT, "region.uid", st.st_uid, "stat");
  lg_diag_set_u64(d, LG_DIAG_CLIENT, "region.gid", st.st_gid, "stat");
  lg_diag_set_u64(d, LG_DIAG_CLIENT, "region.mode", (uint64_t)(st.st_mode & 07777), "stat");
  uint64_t sz;
  if (S_ISREG(st.st_mode))
    lg_diag_set_u64(d, LG_DIAG_CLIENT, "region.size", (uint64_t)st.st_size, "stat");
  else if (S_ISCHR(st.st_mode) && kvmfr_size(d, path, &sz))
    lg_diag_set_u64(d, LG_DIAG_CLIENT, "region.size", sz, "kvmfr static_size_mb");

  if (!lg_diag_get(d, "region.access") && (S_ISREG(st.st_mode) || S_ISCHR(st.st_mode))) {
    int fd = open(full, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd >= 0) {
      close(fd);
      lg_diag_set_bool(d, LG_DIAG_CLIENT, "region.access", true, "open O_RDWR");
    } else {
      int err = errno;
      lg_diag_set_bool(d, LG_DIAG_CLIENT, "region.access", false, "open O_RDWR");
      lg_diag_set_str(d, LG_DIAG_CLIENT, "region.access_error", strerror(err), "open O_RDWR");
    }
  }
  return true;
}

size_t lg_diag_collect_host(struct lg_diag *d, const struct lg_diag_host_opts *opts)
{
  const char *root = opts ? opts->root : NULL;
  const char *region = opts ? opts->region_path : NULL;
  size_t n = 0;
  n += lg_diag_collect_cpuinfo(d, root);
  n += lg_diag_collect_iommu(d, root);
  n += lg_diag_collect_vfio(d, root);
  n += lg_diag_collect_kvmfr(d, root);
  uint32_t pid = opts && opts->qemu_pid ? opts->qemu_pid : lg_diag_find_qemu(root, region);
  if (pid)
    n += lg_diag_collect_qemu(d, root, pid);
  n += lg_diag_collect_libvirt_logs(d, root);
  if (region)
    n += lg_diag_collect_region(d, root, region);
  return n;
}

#else /* !__linux__ */

bool lg_diag_collect_cpuinfo(struct lg_diag *d, const char *root) { return false; }
bool lg_diag_collect_iommu(struct lg_diag *d, const char *root) { return false; }
bool lg_diag_collect_vfio(struct lg_diag *d, const char *root) { return false; }
uint32_t lg_diag_find_qemu(const char *root, const char *region_path) { return 0; }
bool lg_diag_collect_qemu(struct lg_diag *d, const char *root, uint32_t pid) { return false; }
bool lg_diag_collect_libvirt_logs(struct lg_diag *d, const char *root) { return false; }
bool lg_diag_collect_region(struct lg_diag *d, const char *root, const char *path) { return false; }
bool lg_diag_collect_kvmfr(struct lg_diag *d, const char *root) { return false; }
size_t lg_diag_collect_host(struct lg_diag *d, const struct lg_diag_host_opts *opts) { return 0; }

#endif
