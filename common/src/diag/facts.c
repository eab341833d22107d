/* The fact store and the findings list of the diagnostics model. */
#include "lg/diag.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lg_diag_init(struct lg_diag *d) { memset(d, 0, sizeof(*d)); }

static void fact_release(struct lg_diag_fact *f)
{
  free(f->str);
  f->str = NULL;
}

static void finding_release(struct lg_diag_finding *f)
{
  free(f->title);
  free(f->detail);
  free(f->remedy);
}

void lg_diag_free(struct lg_diag *d)
{
  for (size_t i = 0; i < d->nfacts; ++i)
    fact_release(&d->facts[i]);
  for (size_t i = 0; i < d->nfindings; ++i)
    finding_release(&d->findings[i]);
  free(d->facts);
  free(d->findings);
  memset(d, 0, sizeof(*d));
}

static struct lg_diag_fact *find_fact(const struct lg_diag *d, const char *key)
{
  for (size_t i = 0; i < d->nfacts; ++i)
    if (strcmp(d->facts[i].key, key) == 0)
      return &d->facts[i];
  return NULL;
}

/* Returns the slot for `key` (existing, released, or new), or NULL. */
static struct lg_diag_fact *fact_slot(struct lg_diag *d, enum lg_diag_half half, const char *key,
                                      const char *source)
{
  if (!key || !*key || strlen(key) >= LG_DIAG_KEY_MAX)
    return NULL;
  struct lg_diag_fact *f = find_fact(d, key);
  if (f) {
    fact_release(f);
  } else {
    if (d->nfacts == d->cap_facts) {
      size_t cap = d->cap_facts ? d->cap_facts * 2 : 32;
      struct lg_diag_fact *n = realloc(d->facts, cap * sizeof(*n));
      if (!n)
        return NULL;
      d->facts = n;
      d->cap_facts = cap;
    }
    f = &d->facts[d->nfacts++];
  }
  memset(f, 0, sizeof(*f));
  snprintf(f->key, sizeof(f->key), "%s", key);
  snprintf(f->source, sizeof(f->source), "%s", source ? source : "");
  f->half = half;
  return f;
}

bool lg_diag_set_u64(struct lg_diag *d, enum lg_diag_half half, const char *key, uint64_t v,
                     const char *source)
{
  struct lg_diag_fact *f = fact_slot(d, half, key, source);
  if (!f)
    return false;
  f->type = LG_DIAG_U64;
  f->u64 = v;
  return true;
}

bool lg_diag_set_bool(struct lg_diag *d, enum lg_diag_half half, const char *key, bool v,
                      const char *source)
{
  struct lg_diag_fact *f = fact_slot(d, half, key, source);
  if (!f)
    return false;
  f->type = LG_DIAG_BOOL;
  f->b = v;
  return true;
}

bool lg_diag_set_str(struct lg_diag *d, enum lg_diag_half half, const char *key, const char *v,
                     const char *source)
{
  if (!v)
    return false;
  /* v is a C string; long values are cut (strlen, not strnlen: gcc -O3 flags a strnlen
   * bound larger than an inlined caller's array). */
  size_t len = strlen(v);
  if (len > LG_DIAG_STR_MAX - 1)
    len = LG_DIAG_STR_MAX - 1;
  char *copy = malloc(len + 1);
  if (!copy)
    return false;
  memcpy(copy, v, len);
  copy[len] = '\0';
  struct lg_diag_fact *f = fact_slot(d, half, key, source);
  if (!f) {
    free(copy);
    return false;
  }
  f->type = LG_DIAG_STR;
  f->str = copy;
  return true;
}

bool lg_diag_unset(struct lg_diag *d, const char *key)
{
  struct lg_diag_fact *f = find_fact(d, key);
  if (!f)
    return false;
  fact_release(f);
  size_t i = (size_t)(f - d->facts);
  memmove(&d->facts[i], &d->facts[i + 1], (d->nfacts - i - 1) * sizeof(*f));
  --d->nfacts;
  return true;
}

const struct lg_diag_fact *lg_diag_get(const struct lg_diag *d, const char *key)
{
  return find_fact(d, key);
}

bool lg_diag_get_u64(const struct lg_diag *d, const char *key, uint64_t *out)
{
  const struct lg_diag_fact *f = find_fact(d, key);
  if (!f || f->type != LG_DIAG_U64)
    return false;
  *out = f->u64;
  return true;
}

bool lg_diag_get_bool(const struct lg_diag *d, const char *key, bool *out)
{
  const struct lg_diag_fact *f = find_fact(d, key);
  if (!f || f->type != LG_DIAG_BOOL)
    return false;
  *out = f->b;
  return true;
}

const char *lg_diag_get_str(const struct lg_diag *d, const char *key)
{
  const struct lg_diag_fact *f = find_fact(d, key);
  return f && f->type == LG_DIAG_STR ? f->str : NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
  size_t sl = strlen(s), xl = strlen(suffix);
  return sl >= xl && strcmp(s + sl - xl, suffix) == 0;
}

/* Keys whose values read best in hex: addresses and error codes. */
static bool key_is_hex(const char *key)
{
  static const char *const hex_suffix[] = {".bar2", ".bar2_size", ".dma_addr", ".dma_size",
                                           ".error"};
  for (size_t i = 0; i < sizeof(hex_suffix) / sizeof(hex_suffix[0]); ++i)
    if (ends_with(key, hex_suffix[i]))
      return true;
  return false;
}

void lg_diag_fact_value_text(const struct lg_diag_fact *f, char *buf, size_t len)
{
  if (!buf || !len)
    return;
  switch (f->type) {
  case LG_DIAG_U64:
    if (ends_with(f->key, ".mode"))
      snprintf(buf, len, "0%" PRIo64, f->u64);
    else if (key_is_hex(f->key))
      snprintf(buf, len, "0x%" PRIx64, f->u64);
    else
      snprintf(buf, len, "%" PRIu64, f->u64);
    break;
  case LG_DIAG_BOOL:
    snprintf(buf, len, "%s", f->b ? "yes" : "no");
    break;
  case LG_DIAG_STR:
  default:
    snprintf(buf, len, "%s", f->str ? f->str : "");
    break;
  }
}

static char *dup_or_empty(const char *s)
{
  if (!s)
    s = "";
  size_t len = strlen(s);
  char *c = malloc(len + 1);
  if (c)
    memcpy(c, s, len + 1);
  return c;
}

bool lg_diag_add_finding(struct lg_diag *d, const char *id, enum lg_diag_severity sev,
                         const char *title, const char *detail, const char *remedy)
{
  if (!id || !*id)
    return false;
  if (d->nfindings == d->cap_findings) {
    size_t cap = d->cap_findings ? d->cap_findings * 2 : 8;
    struct lg_diag_finding *n = realloc(d->findings, cap * sizeof(*n));
    if (!n)
      return false;
    d->findings = n;
    d->cap_findings = cap;
  }
  struct lg_diag_finding f = {0};
  snprintf(f.id, sizeof(f.id), "%s", id);
  f.severity = sev;
  f.title = dup_or_empty(title);
  f.detail = dup_or_empty(detail);
  f.remedy = dup_or_empty(remedy);
  if (!f.title || !f.detail || !f.remedy) {
    finding_release(&f);
    return false;
  }
  d->findings[d->nfindings++] = f;
  return true;
}

const struct lg_diag_finding *lg_diag_find_finding(const struct lg_diag *d, const char *id)
{
  for (size_t i = 0; i < d->nfindings; ++i)
    if (strcmp(d->findings[i].id, id) == 0)
      return &d->findings[i];
  return NULL;
}

void lg_diag_clear_findings(struct lg_diag *d)
{
  for (size_t i = 0; i < d->nfindings; ++i)
    finding_release(&d->findings[i]);
  d->nfindings = 0;
}

const struct lg_diag_finding *lg_diag_worst(const struct lg_diag *d)
{
  const struct lg_diag_finding *w = NULL;
  for (size_t i = 0; i < d->nfindings; ++i)
    if (!w || d->findings[i].severity > w->severity)
      w = &d->findings[i];
  return w;
}

const char *lg_diag_severity_name(enum lg_diag_severity s)
{
  switch (s) {
  case LG_DIAG_OK:
    return "ok";
  case LG_DIAG_INFO:
    return "info";
  case LG_DIAG_WARNING:
    return "warning";
  case LG_DIAG_ERROR:
    return "error";
  }
  return "unknown";
}

const char *lg_diag_half_name(enum lg_diag_half h)
{
  switch (h) {
  case LG_DIAG_GUEST:
    return "guest";
  case LG_DIAG_HOST:
    return "host";
  case LG_DIAG_CLIENT:
    return "client";
  }
  return "unknown";
}

void lg_diag_add_cpu_facts(struct lg_diag *d, const struct lg_cpu_facts *cpu)
{
  if (!cpu || !cpu->valid)
    return;
  lg_diag_set_bool(d, LG_DIAG_CLIENT, "client.hypervisor", cpu->hypervisor, "cpuid 1 ecx[31]");
  if (cpu->hypervisor && cpu->hv_signature[0])
    lg_diag_set_str(d, LG_DIAG_CLIENT, "client.hypervisor.signature", cpu->hv_signature,
                    "cpuid 0x40000000");
}
