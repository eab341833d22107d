/* Option registry: registration, typed parsing and validation, setters and typed getters,
 * INI input and value formatting. Command-line parsing, --help and nearest-name suggestions
 * live in option_cli.c; option_internal.h holds what the two share. */
#include "lg/option.h"
#include "option_internal.h"

#include "lg/ini.h"
#include "lg/log.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void lg_opt_set_error(struct lg_options *o, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(o->err, sizeof(o->err), fmt, ap);
  va_end(ap);
}

static char *dup_str(const char *s)
{
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d)
    memcpy(d, s, n);
  return d;
}

static bool eq_nocase(const char *a, const char *b)
{
  for (; *a && *b; ++a, ++b)
    if (lg_opt_lower(*a) != lg_opt_lower(*b))
      return false;
  return *a == *b;
}

const char *lg_opt_type_name(enum lg_option_type t)
{
  static const char *const names[] = {"bool", "int", "uint64", "size", "float", "string", "enum"};
  return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

static void int_bounds(const struct lg_option_desc *d, int64_t *lo, int64_t *hi)
{
  if (d->min == 0 && d->max == 0) {
    *lo = INT_MIN;
    *hi = INT_MAX;
  } else {
    *lo = d->min < INT_MIN ? INT_MIN : d->min;
    *hi = d->max > INT_MAX ? INT_MAX : d->max;
  }
}

/* What a valid value of `d` looks like, for error messages. */
void lg_opt_describe_expected(const struct lg_option_desc *d, char *buf, size_t size)
{
  int64_t lo, hi;
  switch (d->type) {
  case LG_OPT_BOOL:
    snprintf(buf, size, "a bool (yes/no, true/false, on/off, 1/0)");
    break;
  case LG_OPT_INT:
    int_bounds(d, &lo, &hi);
    snprintf(buf, size, "an integer from %lld to %lld", (long long)lo, (long long)hi);
    break;
  case LG_OPT_UINT64:
    snprintf(buf, size, "an unsigned integer");
    break;
  case LG_OPT_SIZE:
    snprintf(buf, size, "a byte size (optional suffix k, M, G or T)");
    break;
  case LG_OPT_FLOAT:
    if (d->fmin == 0 && d->fmax == 0)
      snprintf(buf, size, "a number");
    else
      snprintf(buf, size, "a number from %g to %g", d->fmin, d->fmax);
    break;
  case LG_OPT_STRING:
    snprintf(buf, size, "a string");
    break;
  case LG_OPT_ENUM: {
    size_t used = (size_t)snprintf(buf, size, "one of:");
    for (size_t i = 0; d->values && d->values[i] && used < size; ++i)
      used += (size_t)snprintf(buf + used, size - used, "%s %s", i ? "," : "", d->values[i]);
    break;
  }
  }
}

bool lg_option_parse_bool(const char *t, bool *out)
{
  static const char *const yes[] = {"yes", "true", "on", "1"};
  static const char *const no[] = {"no", "false", "off", "0"};
  for (size_t i = 0; i < 4; ++i) {
    if (eq_nocase(t, yes[i])) {
      *out = true;
      return true;
    }
    if (eq_nocase(t, no[i])) {
      *out = false;
      return true;
    }
  }
  return false;
}

/* Unsigned integer: decimal, or hex with 0x. `end` gets the first unparsed char. */
static bool parse_u64(const char *t, uint64_t *out, const char **end)
{
  if (*t < '0' || *t > '9')
    return false;
  int base = (t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) ? 16 : 10;
  char *e;
  errno = 0;
  unsigned long long v = strtoull(t, &e, base);
  if (errno || e == t || (base == 16 && e == t + 2))
    return false;
  *out = v;
  *end = e;
  return true;
}

static bool parse_size(const char *t, uint64_t *out)
{
  const char *e;
  uint64_t v;
  if (!parse_u64(t, &v, &e))
    return false;
  unsigned shift = 0;
  switch (*e) {
  case '\0':
    break;
  case 'k':
  case 'K':
    shift = 10;
    break;
  case 'm':
  case 'M':
    shift = 20;
    break;
  case 'g':
  case 'G':
    shift = 30;
    break;
  case 't':
  case 'T':
    shift = 40;
    break;
  default:
    return false;
  }
  if (shift) {
    ++e;
    if (*e == 'i')
      ++e;
    if (*e == 'B')
      ++e;
  } else if (*e == 'B') {
    ++e;
  }
  if (*e || (shift && v > (UINT64_MAX >> shift)))
    return false;
  *out = v << shift;
  return true;
}

/* Parses text for `d` into `out` (strings point into `t`). On failure writes the expected
 * form to `expect`. */
static bool parse_value(const struct lg_option_desc *d, const char *t, struct lg_option_value *out,
                        int *idx, char *expect, size_t expect_size)
{
  out->type = d->type;
  bool ok = false;
  switch (d->type) {
  case LG_OPT_BOOL:
    ok = lg_option_parse_bool(t, &out->b);
    break;
  case LG_OPT_INT: {
    int64_t lo, hi;
    int_bounds(d, &lo, &hi);
    bool neg = *t == '-';
    const char *e;
    uint64_t mag;
    if (parse_u64(neg || *t == '+' ? t + 1 : t, &mag, &e) && *e == '\0' &&
        mag <= (uint64_t)INT64_MAX) {
      out->i = neg ? -(int64_t)mag : (int64_t)mag;
      ok = out->i >= lo && out->i <= hi;
    }
    break;
  }
  case LG_OPT_UINT64: {
    const char *e;
    ok = parse_u64(t, &out->u, &e) && *e == '\0';
    break;
  }
  case LG_OPT_SIZE:
    ok = parse_size(t, &out->u);
    break;
  case LG_OPT_FLOAT: {
    char *e;
    errno = 0;
    out->f = strtod(t, &e);
    ok = *t && e != t && *e == '\0' && errno == 0 && isfinite(out->f);
    if (ok && !(d->fmin == 0 && d->fmax == 0))
      ok = out->f >= d->fmin && out->f <= d->fmax;
    break;
  }
  case LG_OPT_STRING:
    out->s = t;
    ok = true;
    break;
  case LG_OPT_ENUM:
    for (int i = 0; d->values && d->values[i]; ++i)
      if (eq_nocase(t, d->values[i])) {
        out->s = d->values[i];
        *idx = i;
        ok = true;
        break;
      }
    break;
  }
  if (!ok) {
    lg_opt_describe_expected(d, expect, expect_size);
    return false;
  }
  if (d->validate) {
    expect[0] = '\0';
    if (!d->validate(out, expect, expect_size)) {
      if (!expect[0])
        lg_opt_describe_expected(d, expect, expect_size);
      return false;
    }
  }
  return true;
}

/* Stores a parsed value into a slot (copying strings). */
static bool store(const struct lg_option_desc *d, struct slot *s, const struct lg_option_value *v,
                  int idx)
{
  switch (d->type) {
  case LG_OPT_BOOL:
    s->b = v->b;
    break;
  case LG_OPT_INT:
    s->i = v->i;
    break;
  case LG_OPT_UINT64:
  case LG_OPT_SIZE:
    s->u = v->u;
    break;
  case LG_OPT_FLOAT:
    s->f = v->f;
    break;
  case LG_OPT_ENUM:
    s->idx = idx;
    break;
  case LG_OPT_STRING: {
    char *c = v->s ? dup_str(v->s) : NULL;
    if (v->s && !c)
      return false;
    free(s->s);
    s->s = c;
    break;
  }
  }
  return true;
}

void lg_opt_format_slot(const struct lg_option_desc *d, const struct slot *s, char *buf,
                        size_t size)
{
  switch (d->type) {
  case LG_OPT_BOOL:
    snprintf(buf, size, "%s", s->b ? "yes" : "no");
    break;
  case LG_OPT_INT:
    snprintf(buf, size, "%lld", (long long)s->i);
    break;
  case LG_OPT_UINT64:
  case LG_OPT_SIZE:
    snprintf(buf, size, "%llu", (unsigned long long)s->u);
    break;
  case LG_OPT_FLOAT:
    snprintf(buf, size, "%g", s->f);
    break;
  case LG_OPT_STRING:
    snprintf(buf, size, "%s", s->s ? s->s : "");
    break;
  case LG_OPT_ENUM:
    snprintf(buf, size, "%s", d->values[s->idx]);
    break;
  }
}

struct lg_options *lg_options_new(void)
{
  struct lg_options *o = calloc(1, sizeof(*o));
  if (!o)
    LG_ERROR("options: out of memory");
  return o;
}

void lg_options_free(struct lg_options *o)
{
  if (!o)
    return;
  for (size_t i = 0; i < o->n; ++i) {
    free(o->e[i].cur.s);
    free(o->e[i].def.s);
  }
  free(o->e);
  free(o);
}

struct entry *lg_opt_find(const struct lg_options *o, const char *section, const char *name)
{
  for (size_t i = 0; i < o->n; ++i)
    if (strcmp(o->e[i].d->section, section) == 0 && strcmp(o->e[i].d->name, name) == 0)
      return &o->e[i];
  return NULL;
}

struct entry *lg_opt_find_short(const struct lg_options *o, char c)
{
  for (size_t i = 0; i < o->n; ++i)
    if (o->e[i].d->short_flag == c)
      return &o->e[i];
  return NULL;
}

static bool ident_ok(const char *s)
{
  if (!s || !*s || strlen(s) > 64)
    return false;
  for (; *s; ++s)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          *s == '_'))
      return false;
  return true;
}

static bool check_desc(const struct lg_options *o, const struct lg_option_desc *tbl, size_t k)
{
  const struct lg_option_desc *d = &tbl[k];
  if (!ident_ok(d->section) || !ident_ok(d->name) || !d->description) {
    LG_ERROR("options: descriptor %u has a bad section, name or no description", (unsigned)k);
    return false;
  }
  if ((unsigned)d->type > LG_OPT_ENUM) {
    LG_ERROR("options: %s:%s has an unknown type", d->section, d->name);
    return false;
  }
  if (d->type == LG_OPT_ENUM && (!d->values || !d->values[0])) {
    LG_ERROR("options: enum %s:%s has no values", d->section, d->name);
    return false;
  }
  if (d->type == LG_OPT_INT && d->min > d->max) {
    LG_ERROR("options: %s:%s has min > max", d->section, d->name);
    return false;
  }
  if (d->loads_ini && d->type != LG_OPT_STRING) {
    LG_ERROR("options: %s:%s loads_ini needs a string option", d->section, d->name);
    return false;
  }
  bool dup = lg_opt_find(o, d->section, d->name) != NULL;
  char c = d->short_flag;
  bool bad_flag =
      c &&
      (c == 'h' || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')));
  bool dup_flag = c && lg_opt_find_short(o, c) != NULL;
  for (size_t j = 0; j < k; ++j) {
    dup = dup || (strcmp(tbl[j].section, d->section) == 0 && strcmp(tbl[j].name, d->name) == 0);
    dup_flag = dup_flag || (c && tbl[j].short_flag == c);
  }
  if (dup || bad_flag || dup_flag) {
    LG_ERROR("options: %s:%s: %s", d->section, d->name,
             dup        ? "registered twice"
             : bad_flag ? "invalid short flag"
                        : "short flag already used");
    return false;
  }
  return true;
}

bool lg_options_register(struct lg_options *o, const struct lg_option_desc *tbl, size_t count)
{
  for (size_t k = 0; k < count; ++k)
    if (!check_desc(o, tbl, k))
      return false;
  if (o->n + count > o->cap) {
    size_t cap = o->cap ? o->cap : 32;
    while (cap < o->n + count)
      cap *= 2;
    struct entry *e = realloc(o->e, cap * sizeof(*e));
    if (!e) {
      LG_ERROR("options: out of memory");
      return false;
    }
    o->e = e;
    o->cap = cap;
  }
  size_t first = o->n;
  for (size_t k = 0; k < count; ++k) {
    const struct lg_option_desc *d = &tbl[k];
    struct entry *e = &o->e[o->n++];
    memset(e, 0, sizeof(*e));
    e->d = d;
    char expect[EXPECT_SIZE];
    struct lg_option_value v = {.type = d->type};
    int idx = 0;
    bool ok = true;
    if (d->def)
      ok = parse_value(d, d->def, &v, &idx, expect, sizeof(expect));
    else if (d->type == LG_OPT_INT || d->type == LG_OPT_FLOAT)
      ok = parse_value(d, "0", &v, &idx, expect, sizeof(expect));
    if (!ok || !store(d, &e->def, &v, idx) || !store(d, &e->cur, &v, idx)) {
      LG_ERROR("options: %s:%s: bad default '%s' (expected %s)", d->section, d->name,
               d->def ? d->def : "(none)", ok ? "memory" : expect);
      for (size_t j = first; j < o->n; ++j) {
        free(o->e[j].cur.s);
        free(o->e[j].def.s);
      }
      o->n = first;
      return false;
    }
  }
  return true;
}

size_t lg_options_count(const struct lg_options *o) { return o->n; }

const struct lg_option_desc *lg_options_desc_at(const struct lg_options *o, size_t i)
{
  return i < o->n ? o->e[i].d : NULL;
}

const char *lg_options_error(const struct lg_options *o) { return o->err; }

unsigned lg_options_misuse_count(const struct lg_options *o) { return o->misuse; }
/* Parses and stores text into entry `e`; the error names option, value and expectation. */
bool lg_opt_set_entry(struct lg_options *o, struct entry *e, const char *value,
                      enum lg_option_source src, const char *origin)
{
  char expect[EXPECT_SIZE];
  struct lg_option_value v;
  int idx = 0;
  if (!parse_value(e->d, value, &v, &idx, expect, sizeof(expect))) {
    lg_opt_set_error(o, "%s: invalid value '%.128s' for %s:%s: expected %s", origin, value,
                     e->d->section, e->d->name, expect);
    return false;
  }
  if (!store(e->d, &e->cur, &v, idx)) {
    lg_opt_set_error(o, "%s: out of memory", origin);
    return false;
  }
  e->src = src;
  return true;
}

bool lg_option_set(struct lg_options *o, const char *section, const char *name, const char *value,
                   enum lg_option_source src, const char *origin)
{
  struct entry *e = lg_opt_find(o, section, name);
  if (!e) {
    char full[FULLNAME_MAX + 64];
    snprintf(full, sizeof(full), "%s%s%s", section, *section ? ":" : "", name);
    lg_opt_unknown_error(o, origin, full);
    return false;
  }
  return lg_opt_set_entry(o, e, value, src, origin);
}

bool lg_option_set_default(struct lg_options *o, const char *section, const char *name,
                           const char *value)
{
  struct entry *e = lg_opt_find(o, section, name);
  char expect[EXPECT_SIZE];
  struct lg_option_value v;
  int idx = 0;
  if (!e || !parse_value(e->d, value, &v, &idx, expect, sizeof(expect)) ||
      !store(e->d, &e->def, &v, idx)) {
    LG_ERROR("options: cannot set default of %s:%s to '%s'", section, name, value);
    return false;
  }
  if (e->src == LG_OPT_SRC_DEFAULT)
    return store(e->d, &e->cur, &v, idx);
  return true;
}

struct ini_ctx {
  struct lg_options *o;
};

static bool ini_cb(void *opaque, const char *section, const char *name, const char *value,
                   const char *source, unsigned line)
{
  struct ini_ctx *c = opaque;
  char origin[512];
  snprintf(origin, sizeof(origin), "%s:%u", source, line);
  return lg_option_set(c->o, section, name, value, LG_OPT_SRC_FILE, origin);
}

bool lg_options_load_ini(struct lg_options *o, const char *path, bool required)
{
  struct ini_ctx c = {o};
  bool missing = false;
  o->err[0] = '\0';
  if (lg_ini_parse_file(path, ini_cb, &c, &missing, o->err, sizeof(o->err)))
    return true;
  if (missing && !required) {
    o->err[0] = '\0';
    LG_DEBUG("options: no %s", path);
    return true;
  }
  return false;
}

bool lg_options_load_ini_buffer(struct lg_options *o, const char *text, size_t len,
                                const char *name)
{
  struct ini_ctx c = {o};
  o->err[0] = '\0';
  return lg_ini_parse_buffer(text, len, name, ini_cb, &c, o->err, sizeof(o->err));
}

void lg_options_print_values(const struct lg_options *o, FILE *out)
{
  for (size_t i = 0; i < o->n; ++i) {
    char buf[LG_INI_MAX_LINE + 1];
    lg_opt_format_slot(o->e[i].d, &o->e[i].cur, buf, sizeof(buf));
    fprintf(out, "%s:%s=%s\n", o->e[i].d->section, o->e[i].d->name, buf);
  }
}

void lg_options_log_values(const struct lg_options *o)
{
  static const char *const src[] = {"default", "file", "command line"};
  for (size_t i = 0; i < o->n; ++i) {
    char buf[256];
    lg_opt_format_slot(o->e[i].d, &o->e[i].cur, buf, sizeof(buf));
    LG_DEBUG("option %s:%s = %s (%s)", o->e[i].d->section, o->e[i].d->name, buf, src[o->e[i].src]);
  }
}

bool lg_option_format(const struct lg_options *o, const char *section, const char *name, char *buf,
                      size_t size)
{
  const struct entry *e = lg_opt_find(o, section, name);
  if (!e)
    return false;
  lg_opt_format_slot(e->d, &e->cur, buf, size);
  return true;
}

/* Finds section:name of `type` (or `type2`) for a getter; logs and counts misuse. */
static const struct entry *get_checked(const struct lg_options *o, const char *section,
                                       const char *name, enum lg_option_type type,
                                       enum lg_option_type type2)
{
  const struct entry *e = lg_opt_find(o, section, name);
  if (!e) {
    LG_ERROR("options: no option %s:%s is registered", section, name);
  } else if (e->d->type != type && e->d->type != type2) {
    LG_ERROR("options: %s:%s is a %s, read as a %s", section, name, lg_opt_type_name(e->d->type),
             lg_opt_type_name(type));
    e = NULL;
  }
  if (!e)
    ((struct lg_options *)o)->misuse++;
  return e;
}

bool lg_option_get_bool(const struct lg_options *o, const char *section, const char *name)
{
  const struct entry *e = get_checked(o, section, name, LG_OPT_BOOL, LG_OPT_BOOL);
  return e ? e->cur.b : false;
}

int lg_option_get_int(const struct lg_options *o, const char *section, const char *name)
{
  const struct entry *e = get_checked(o, section, name, LG_OPT_INT, LG_OPT_INT);
  return e ? (int)e->cur.i : 0;
}

uint64_t lg_option_get_uint64(const struct lg_options *o, const char *section, const char *name)
{
  const struct entry *e = get_checked(o, section, name, LG_OPT_UINT64, LG_OPT_SIZE);
  return e ? e->cur.u : 0;
}

double lg_option_get_float(const struct lg_options *o, const char *section, const char *name)
{
  const struct entry *e = get_checked(o, section, name, LG_OPT_FLOAT, LG_OPT_FLOAT);
  return e ? e->cur.f : 0.0;
}

const char *lg_option_get_string(const struct lg_options *o, const char *section, const char *name)
{
  const struct entry *e = get_checked(o, section, name, LG_OPT_STRING, LG_OPT_STRING);
  return e ? e->cur.s : NULL;
}

const char *lg_option_get_enum(const struct lg_options *o, const char *section, const char *name)
{
  const struct entry *e = get_checked(o, section, name, LG_OPT_ENUM, LG_OPT_ENUM);
  return e ? e->d->values[e->cur.idx] : NULL;
}

int lg_option_get_enum_index(const struct lg_options *o, const char *section, const char *name)
{
  const struct entry *e = get_checked(o, section, name, LG_OPT_ENUM, LG_OPT_ENUM);
  return e ? e->cur.idx : -1;
}

enum lg_option_source lg_option_get_source(const struct lg_options *o, const char *section,
                                           const char *name)
{
  const struct entry *e = lg_opt_find(o, section, name);
  if (!e) {
    LG_ERROR("options: no option %s:%s is registered", section, name);
    ((struct lg_options *)o)->misuse++;
    return LG_OPT_SRC_DEFAULT;
  }
  return e->src;
}
