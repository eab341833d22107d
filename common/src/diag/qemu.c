/* Pure parsers of QEMU text: the command line (both the key=value and the JSON option forms
 * that libvirt writes), sizes, and the VFIO DMA-map failure lines of a QEMU log. */
#include "lg/diag.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPT_VAL_MAX 512
#define MAX_BACKENDS 16

/* Copies src into dst[n], cutting it if needed; always NUL-terminates. */
static void copy_str(char *dst, size_t n, const char *src)
{
  size_t l = strnlen(src, n - 1);
  memcpy(dst, src, l);
  dst[l] = '\0';
}

bool lg_diag_parse_size(const char *s, uint64_t *out)
{
  if (!s || !isdigit((unsigned char)*s))
    return false;
  uint64_t v = 0;
  for (; isdigit((unsigned char)*s); ++s) {
    unsigned dgt = (unsigned)(*s - '0');
    if (v > (UINT64_MAX - dgt) / 10)
      return false;
    v = v * 10 + dgt;
  }
  unsigned shift = 0;
  switch (toupper((unsigned char)*s)) {
  case '\0':
  case 'B':
    break;
  case 'K':
    shift = 10;
    break;
  case 'M':
    shift = 20;
    break;
  case 'G':
    shift = 30;
    break;
  case 'T':
    shift = 40;
    break;
  case 'P':
    shift = 50;
    break;
  case 'E':
    shift = 60;
    break;
  default:
    return false;
  }
  if (*s && s[1] != '\0')
    return false;
  if (shift && v > (UINT64_MAX >> shift))
    return false;
  *out = v << shift;
  return true;
}

/* Looks up `key` in a JSON object text: copies a string value (unescaped) or a bare
 * token (number, true, false) into out. */
static bool json_get(const char *spec, const char *key, char *out, size_t n)
{
  size_t kl = strlen(key);
  for (const char *p = strchr(spec, '"'); p; p = strchr(p + 1, '"')) {
    if (strncmp(p + 1, key, kl) != 0 || p[1 + kl] != '"')
      continue;
    const char *q = p + 2 + kl;
    while (*q == ' ')
      ++q;
    if (*q != ':')
      continue;
    ++q;
    while (*q == ' ')
      ++q;
    size_t o = 0;
    if (*q == '"') {
      for (++q; *q && *q != '"'; ++q) {
        if (*q == '\\' && q[1])
          ++q;
        if (o + 1 < n)
          out[o++] = *q;
      }
    } else {
      for (; *q && *q != ',' && *q != '}' && *q != ' '; ++q)
        if (o + 1 < n)
          out[o++] = *q;
    }
    out[o] = '\0';
    return true;
  }
  return false;
}

/* Copies the next keyval element of `*p` (",," is a literal comma) into el; advances *p. */
static void keyval_next(const char **p, char *el, size_t n)
{
  size_t o = 0;
  const char *s = *p;
  while (*s) {
    if (*s == ',') {
      if (s[1] == ',') {
        s += 2;
        if (o + 1 < n)
          el[o++] = ',';
        continue;
      }
      ++s;
      break;
    }
    if (o + 1 < n)
      el[o++] = *s;
    ++s;
  }
  el[o] = '\0';
  *p = s;
}

/* Option lookup in "implied,k=v,k2" or JSON form. `key` NULL asks for the implied first
 * element (model/driver/qom-type), whose JSON name is `json_implied`. A bare "k" is "on". */
static bool opt_get(const char *spec, const char *key, const char *json_implied, char *out,
                    size_t n)
{
  if (spec[0] == '{')
    return json_get(spec, key ? key : json_implied, out, n);
  char el[OPT_VAL_MAX];
  const char *p = spec;
  bool first = true;
  while (*p) {
    keyval_next(&p, el, sizeof(el));
    char *eq = strchr(el, '=');
    if (!key) {
      if (first && !eq) {
        snprintf(out, n, "%s", el);
        return true;
      }
      if (eq && json_implied && (size_t)(eq - el) == strlen(json_implied) &&
          strncmp(el, json_implied, (size_t)(eq - el)) == 0) {
        snprintf(out, n, "%s", eq + 1);
        return true;
      }
    } else if (eq) {
      if ((size_t)(eq - el) == strlen(key) && strncmp(el, key, (size_t)(eq - el)) == 0) {
        snprintf(out, n, "%s", eq + 1);
        return true;
      }
    } else if (!first && strcmp(el, key) == 0) {
      snprintf(out, n, "on");
      return true;
    }
    first = false;
  }
  return false;
}

static bool parse_bool(const char *v, bool *out)
{
  static const char *const yes[] = {"on", "yes", "true", "1"};
  static const char *const no[] = {"off", "no", "false", "0"};
  for (size_t i = 0; i < 4; ++i) {
    if (strcmp(v, yes[i]) == 0) {
      *out = true;
      return true;
    }
    if (strcmp(v, no[i]) == 0) {
      *out = false;
      return true;
    }
  }
  return false;
}

static bool parse_uint(const char *v, uint64_t *out)
{
  if (!isdigit((unsigned char)*v))
    return false;
  char *end;
  errno = 0;
  unsigned long long x = strtoull(v, &end, 0);
  if (errno || *end)
    return false;
  *out = x;
  return true;
}

struct backend {
  char id[64];
  char path[256];
  uint64_t size;
  bool have_size;
};

struct cmdline_state {
  struct lg_diag *d;
  const char *src;
  char vfio_hosts[512];
  uint64_t vfio_count;
  bool ivshmem;
  char ivshmem_driver[32];
  char ivshmem_memdev[64];
  struct backend be[MAX_BACKENDS];
  size_t nbe;
};

static void handle_cpu(struct cmdline_state *st, const char *spec)
{
  char v[OPT_VAL_MAX];
  uint64_t u;
  bool b;
  if (opt_get(spec, NULL, "model", v, sizeof(v)))
    lg_diag_set_str(st->d, LG_DIAG_HOST, "qemu.cpu", v, st->src);
  if (opt_get(spec, "phys-bits", NULL, v, sizeof(v)) && parse_uint(v, &u))
    lg_diag_set_u64(st->d, LG_DIAG_HOST, "qemu.cpu.phys_bits", u, st->src);
  if (opt_get(spec, "host-phys-bits", NULL, v, sizeof(v)) && parse_bool(v, &b))
    lg_diag_set_bool(st->d, LG_DIAG_HOST, "qemu.cpu.host_phys_bits", b, st->src);
  if (opt_get(spec, "host-phys-bits-limit", NULL, v, sizeof(v)) && parse_uint(v, &u))
    lg_diag_set_u64(st->d, LG_DIAG_HOST, "qemu.cpu.host_phys_bits_limit", u, st->src);
}

static void handle_device(struct cmdline_state *st, const char *spec)
{
  char drv[64], v[OPT_VAL_MAX];
  if (!opt_get(spec, NULL, "driver", drv, sizeof(drv)))
    return;
  if (strcmp(drv, "vfio-pci") == 0 || strcmp(drv, "vfio-pci-nohotplug") == 0) {
    ++st->vfio_count;
    if (opt_get(spec, "host", NULL, v, sizeof(v)) ||
        opt_get(spec, "sysfsdev", NULL, v, sizeof(v))) {
      size_t used = strlen(st->vfio_hosts);
      snprintf(st->vfio_hosts + used, sizeof(st->vfio_hosts) - used, "%s%s", used ? "," : "", v);
    }
  } else if (strncmp(drv, "ivshmem", 7) == 0 && !st->ivshmem) {
    st->ivshmem = true;
    copy_str(st->ivshmem_driver, sizeof(st->ivshmem_driver), drv);
    if (opt_get(spec, "memdev", NULL, v, sizeof(v)))
      copy_str(st->ivshmem_memdev, sizeof(st->ivshmem_memdev), v);
  }
}

static void handle_object(struct cmdline_state *st, const char *spec)
{
  char type[64], v[OPT_VAL_MAX];
  if (!opt_get(spec, NULL, "qom-type", type, sizeof(type)) ||
      strcmp(type, "memory-backend-file") != 0 || st->nbe == MAX_BACKENDS)
    return;
  struct backend *b = &st->be[st->nbe++];
  memset(b, 0, sizeof(*b));
  if (opt_get(spec, "id", NULL, v, sizeof(v)))
    copy_str(b->id, sizeof(b->id), v);
  if (opt_get(spec, "mem-path", NULL, v, sizeof(v)))
    copy_str(b->path, sizeof(b->path), v);
  if (opt_get(spec, "size", NULL, v, sizeof(v)))
    b->have_size = lg_diag_parse_size(v, &b->size);
}

/* The backend of the ivshmem device: its memdev, else the only shm/kvmfr-looking file. */
static const struct backend *pick_backend(const struct cmdline_state *st)
{
  if (st->ivshmem_memdev[0]) {
    for (size_t i = 0; i < st->nbe; ++i)
      if (strcmp(st->be[i].id, st->ivshmem_memdev) == 0)
        return &st->be[i];
    return NULL;
  }
  for (size_t i = 0; i < st->nbe; ++i)
    if (strncmp(st->be[i].path, "/dev/shm/", 9) == 0 ||
        strncmp(st->be[i].path, "/dev/kvmfr", 10) == 0)
      return &st->be[i];
  return NULL;
}

static bool is_opt(const char *arg, const char *name)
{
  if (arg[0] != '-')
    return false;
  if (arg[1] == '-')
    ++arg;
  return strcmp(arg + 1, name) == 0;
}

bool lg_diag_parse_qemu_cmdline(struct lg_diag *d, const char *buf, size_t len, const char *source)
{
  if (!buf || !len)
    return false;
  /* Copy so the last argument is NUL-terminated even when the buffer is not. */
  char *copy = malloc(len + 1);
  if (!copy)
    return false;
  memcpy(copy, buf, len);
  copy[len] = '\0';

  struct cmdline_state *st = calloc(1, sizeof(*st));
  if (!st) {
    free(copy);
    return false;
  }
  st->d = d;
  st->src = source ? source : "QEMU command line";
  bool have_cpu = false;

  const char *end = copy + len;
  const char *prev = NULL;
  for (const char *arg = copy; arg < end; arg += strlen(arg) + 1) {
    if (prev) {
      if (is_opt(prev, "cpu")) {
        handle_cpu(st, arg);
        have_cpu = true;
      } else if (is_opt(prev, "device")) {
        handle_device(st, arg);
      } else if (is_opt(prev, "object")) {
        handle_object(st, arg);
      }
    }
    prev = arg;
  }

  if (!have_cpu) {
    char s[LG_DIAG_SOURCE_MAX];
    snprintf(s, sizeof(s), "%.100s (no -cpu: default)", st->src);
    lg_diag_set_str(d, LG_DIAG_HOST, "qemu.cpu", "qemu64", s);
  }
  lg_diag_set_u64(d, LG_DIAG_HOST, "qemu.vfio.count", st->vfio_count, st->src);
  if (st->vfio_hosts[0])
    lg_diag_set_str(d, LG_DIAG_HOST, "qemu.vfio.hosts", st->vfio_hosts, st->src);
  lg_diag_set_bool(d, LG_DIAG_HOST, "qemu.ivshmem", st->ivshmem, st->src);
  if (st->ivshmem)
    lg_diag_set_str(d, LG_DIAG_HOST, "qemu.ivshmem.driver", st->ivshmem_driver, st->src);
  const struct backend *b = pick_backend(st);
  if (b) {
    if (b->path[0])
      lg_diag_set_str(d, LG_DIAG_HOST, "qemu.mem.path", b->path, st->src);
    if (b->have_size)
      lg_diag_set_u64(d, LG_DIAG_HOST, "qemu.mem.size", b->size, st->src);
  }
  free(st);
  free(copy);
  return true;
}

/* Parses "(0xC, 0xIOVA, 0xSIZE, 0xVADDR) = -22" after the function name. */
static bool parse_map_args(const char *p, uint64_t *addr, uint64_t *size)
{
  uint64_t v[4];
  if (*p != '(')
    return false;
  ++p;
  for (int i = 0; i < 4; ++i) {
    while (*p == ' ')
      ++p;
    if (strncmp(p, "(nil)", 5) == 0) {
      v[i] = 0;
      p += 5;
    } else {
      if (!isxdigit((unsigned char)*p))
        return false;
      char *e;
      errno = 0;
      v[i] = strtoull(p, &e, 16);
      if (errno)
        return false;
      p = e;
    }
    while (*p == ' ')
      ++p;
    if (*p != (i == 3 ? ')' : ','))
      return false;
    ++p;
  }
  while (*p == ' ')
    ++p;
  if (strncmp(p, "= -22", 5) != 0)
    return false;
  *addr = v[1];
  *size = v[2];
  return true;
}

void lg_diag_scan_qemu_log_line(struct lg_diag_log_scan *s, const char *line)
{
  if (!s || !line)
    return;
  if (strstr(line, "starting up")) {
    memset(s, 0, sizeof(*s));
    return;
  }
  if (strstr(line, "VFIO_MAP_DMA failed: Invalid argument"))
    s->einval = true;
  static const char *const fns[] = {"vfio_dma_map", "vfio_container_dma_map"};
  for (size_t i = 0; i < 2; ++i) {
    const char *p = strstr(line, fns[i]);
    uint64_t a, z;
    if (p && parse_map_args(p + strlen(fns[i]), &a, &z)) {
      s->einval = true;
      s->have_map = true;
      s->addr = a;
      s->size = z;
    }
  }
}
