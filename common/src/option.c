/* Option registry: registration, typed parsing and validation, INI and command-line input,
 * nearest-name suggestions, --help and value listings. */
#include "lg/option.h"

#include "lg/ini.h"
#include "lg/log.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define ERR_SIZE 1024
#define EXPECT_SIZE 256
#define FULLNAME_MAX 160
#define SUGGEST_MAX 128 /* longest name compared for suggestions */

/* One stored value; `s` is owned (LG_OPT_STRING), `idx` is the LG_OPT_ENUM choice. */
struct slot {
  union {
    bool b;
    int64_t i;
    uint64_t u;
    double f;
  };
  char *s;
  int idx;
};

struct entry {
  const struct lg_option_desc *d;
  struct slot cur;
  struct slot def;
  enum lg_option_source src;
};

struct lg_options {
  struct entry *e;
  size_t n, cap;
  unsigned misuse;
  char err[ERR_SIZE];
};

static void set_error(struct lg_options *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_error(struct lg_options *o, const char *fmt, ...)
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

static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }

static bool eq_nocase(const char *a, const char *b)
{
  for (; *a && *b; ++a, ++b)
    if (lower(*a) != lower(*b))
      return false;
  return *a == *b;
}

static const char *type_name(enum lg_option_type t)
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
static void describe_expected(const struct lg_option_desc *d, char *buf, size_t size)
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
    describe_expected(d, expect, expect_size);
    return false;
  }
  if (d->validate) {
    expect[0] = '\0';
    if (!d->validate(out, expect, expect_size)) {
      if (!expect[0])
        describe_expected(d, expect, expect_size);
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

static void format_slot(const struct lg_option_desc *d, const struct slot *s, char *buf,
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

static struct entry *find(const struct lg_options *o, const char *section, const char *name)
{
  for (size_t i = 0; i < o->n; ++i)
    if (strcmp(o->e[i].d->section, section) == 0 && strcmp(o->e[i].d->name, name) == 0)
      return &o->e[i];
  return NULL;
}

static struct entry *find_short(const struct lg_options *o, char c)
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
  bool dup = find(o, d->section, d->name) != NULL;
  char c = d->short_flag;
  bool bad_flag =
      c &&
      (c == 'h' || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')));
  bool dup_flag = c && find_short(o, c) != NULL;
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

/* Case-insensitive edit distance, both strings at most SUGGEST_MAX long. */
static size_t edit_distance(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b);
  size_t row[SUGGEST_MAX + 1];
  for (size_t j = 0; j <= lb; ++j)
    row[j] = j;
  for (size_t i = 1; i <= la; ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; ++j) {
      size_t up = row[j];
      size_t best = diag + (lower(a[i - 1]) != lower(b[j - 1]));
      if (up + 1 < best)
        best = up + 1;
      if (row[j - 1] + 1 < best)
        best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

/* The registered option nearest to `given` ("section:name" or a bare name), or NULL. */
static const struct entry *suggest(const struct lg_options *o, const char *given)
{
  if (strlen(given) > SUGGEST_MAX)
    return NULL;
  bool bare = strchr(given, ':') == NULL;
  const struct entry *best = NULL;
  size_t best_d = SIZE_MAX;
  for (size_t i = 0; i < o->n; ++i) {
    const struct lg_option_desc *d = o->e[i].d;
    char full[FULLNAME_MAX];
    snprintf(full, sizeof(full), "%s:%s", d->section, d->name);
    size_t dist = edit_distance(given, bare ? d->name : full);
    if (dist < best_d) {
      best_d = dist;
      best = &o->e[i];
    }
  }
  size_t len = strlen(given);
  size_t limit = len / 3 > 2 ? len / 3 : 2;
  return best_d <= limit ? best : NULL;
}

static void unknown_error(struct lg_options *o, const char *origin, const char *given)
{
  const struct entry *s = suggest(o, given);
  if (s)
    set_error(o, "%s: unknown option '%.128s'; did you mean '%s:%s'?", origin, given, s->d->section,
              s->d->name);
  else
    set_error(o, "%s: unknown option '%.128s' (see --help for the list)", origin, given);
}

/* Parses and stores text into entry `e`; the error names option, value and expectation. */
static bool set_entry(struct lg_options *o, struct entry *e, const char *value,
                      enum lg_option_source src, const char *origin)
{
  char expect[EXPECT_SIZE];
  struct lg_option_value v;
  int idx = 0;
  if (!parse_value(e->d, value, &v, &idx, expect, sizeof(expect))) {
    set_error(o, "%s: invalid value '%.128s' for %s:%s: expected %s", origin, value, e->d->section,
              e->d->name, expect);
    return false;
  }
  if (!store(e->d, &e->cur, &v, idx)) {
    set_error(o, "%s: out of memory", origin);
    return false;
  }
  e->src = src;
  return true;
}

bool lg_option_set(struct lg_options *o, const char *section, const char *name, const char *value,
                   enum lg_option_source src, const char *origin)
{
  struct entry *e = find(o, section, name);
  if (!e) {
    char full[FULLNAME_MAX + 64];
    snprintf(full, sizeof(full), "%s%s%s", section, *section ? ":" : "", name);
    unknown_error(o, origin, full);
    return false;
  }
  return set_entry(o, e, value, src, origin);
}

bool lg_option_set_default(struct lg_options *o, const char *section, const char *name,
                           const char *value)
{
  struct entry *e = find(o, section, name);
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

/* Splits "section:name[=value]" into the parts; value NULL when there is no '='. */
static struct entry *lookup_arg(struct lg_options *o, const char *arg, const char **value,
                                const char *origin)
{
  const char *eq = strchr(arg, '=');
  size_t keylen = eq ? (size_t)(eq - arg) : strlen(arg);
  *value = eq ? eq + 1 : NULL;
  char key[FULLNAME_MAX];
  if (keylen >= sizeof(key)) {
    set_error(o, "%s: unknown option '%.64s...'", origin, arg);
    return NULL;
  }
  memcpy(key, arg, keylen);
  key[keylen] = '\0';
  char *colon = strchr(key, ':');
  struct entry *e = NULL;
  if (colon) {
    *colon = '\0';
    e = find(o, key, colon + 1);
    *colon = ':';
  }
  if (!e)
    unknown_error(o, origin, key);
  return e;
}

static bool apply_entry_arg(struct lg_options *o, struct entry *e, const char *value,
                            enum lg_option_source src, const char *origin)
{
  if (value)
    return set_entry(o, e, value, src, origin);
  if (e->d->type != LG_OPT_BOOL) {
    set_error(o, "%s: option %s:%s needs a value (%s:%s=VALUE)", origin, e->d->section, e->d->name,
              e->d->section, e->d->name);
    return false;
  }
  e->cur.b = !e->cur.b;
  e->src = src;
  return true;
}

bool lg_option_set_arg(struct lg_options *o, const char *arg, enum lg_option_source src,
                       const char *origin)
{
  const char *value;
  struct entry *e = lookup_arg(o, arg, &value, origin);
  return e && apply_entry_arg(o, e, value, src, origin);
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

enum lg_cmdline_action lg_cmdline_peek(int argc, char *const *argv)
{
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
      return LG_CMDLINE_HELP;
    if (strcmp(argv[i], "--version") == 0)
      return LG_CMDLINE_VERSION;
  }
  return LG_CMDLINE_RUN;
}

/* One walk over argv. `ini_pass` applies only loads_ini options (and loads their file);
 * otherwise applies every other option. */
static bool walk_args(struct lg_options *o, int argc, char *const *argv, bool ini_pass, bool *show)
{
  static const char *const origin = "command line";
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (strcmp(a, "--show-options") == 0) {
      *show = true;
      continue;
    }
    if (a[0] == '-' && a[1] == '-') {
      if (!ini_pass) {
        set_error(o, "%s: unknown argument '%.128s' (options are section:name=value; see --help)",
                  origin, a);
        return false;
      }
      continue;
    }
    if (a[0] == '-' && a[1]) {
      for (const char *p = a + 1; *p; ++p) {
        struct entry *e = find_short(o, *p);
        if (!e) {
          if (ini_pass)
            break;
          set_error(o, "%s: unknown flag '-%c' (see --help)", origin, *p);
          return false;
        }
        const bool apply = ini_pass == e->d->loads_ini;
        if (e->d->type == LG_OPT_BOOL) {
          if (apply && !apply_entry_arg(o, e, NULL, LG_OPT_SRC_CMDLINE, origin))
            return false;
          continue;
        }
        const char *value = p[1] ? p + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!value) {
          set_error(o, "%s: flag -%c (%s:%s) needs a value", origin, *p, e->d->section, e->d->name);
          return false;
        }
        if (apply) {
          if (ini_pass && !lg_options_load_ini(o, value, true))
            return false;
          if (!set_entry(o, e, value, LG_OPT_SRC_CMDLINE, origin))
            return false;
        }
        break;
      }
      continue;
    }
    const char *value;
    struct entry *e = lookup_arg(o, a, &value, origin);
    if (!e) {
      if (ini_pass)
        continue;
      return false;
    }
    if (ini_pass != e->d->loads_ini)
      continue;
    if (ini_pass && value && !lg_options_load_ini(o, value, true))
      return false;
    if (!apply_entry_arg(o, e, value, LG_OPT_SRC_CMDLINE, origin))
      return false;
  }
  return true;
}

enum lg_cmdline_action lg_options_parse_cmdline(struct lg_options *o, int argc, char *const *argv)
{
  o->err[0] = '\0';
  enum lg_cmdline_action peek = lg_cmdline_peek(argc, argv);
  if (peek != LG_CMDLINE_RUN)
    return peek;
  bool show = false;
  if (!walk_args(o, argc, argv, true, &show) || !walk_args(o, argc, argv, false, &show))
    return LG_CMDLINE_ERROR;
  o->err[0] = '\0';
  return show ? LG_CMDLINE_SHOW : LG_CMDLINE_RUN;
}

static void format_default(const struct entry *e, char *buf, size_t size)
{
  if (e->d->type == LG_OPT_STRING && !e->def.s)
    snprintf(buf, size, "(unset)");
  else
    format_slot(e->d, &e->def, buf, size);
}

static void describe_extra(const struct lg_option_desc *d, char *buf, size_t size)
{
  buf[0] = '\0';
  if ((d->type == LG_OPT_INT && !(d->min == 0 && d->max == 0)) ||
      (d->type == LG_OPT_FLOAT && !(d->fmin == 0 && d->fmax == 0)) || d->type == LG_OPT_ENUM) {
    char ex[EXPECT_SIZE];
    describe_expected(d, ex, sizeof(ex));
    snprintf(buf, size, " (%s)", ex);
  }
}

void lg_options_print_help(const struct lg_options *o, const char *program, FILE *out)
{
  fprintf(out,
          "Usage: %s [-h|--help] [--version] [--show-options] [-x VALUE]... "
          "[section:name=VALUE]...\n\n"
          "  -h, --help          show this help and exit\n"
          "      --version       show the version and exit\n"
          "      --show-options  print the effective value of every option and exit\n\n"
          "Options are given as section:name=VALUE (a bool option alone toggles), or by short "
          "flag;\nbool short flags toggle. Bool values: yes/no, true/false, on/off, 1/0.\n",
          program);
  int wname = 4, wtype = 4, wdef = 7;
  for (size_t i = 0; i < o->n; ++i) {
    const struct entry *e = &o->e[i];
    char def[128];
    format_default(e, def, sizeof(def));
    int n = (int)(strlen(e->d->section) + 1 + strlen(e->d->name));
    wname = n > wname ? n : wname;
    int t = (int)strlen(type_name(e->d->type));
    wtype = t > wtype ? t : wtype;
    int dl = (int)strlen(def);
    wdef = dl > wdef ? dl : wdef;
  }
  for (size_t i = 0; i < o->n; ++i) {
    const char *sec = o->e[i].d->section;
    bool seen = false;
    for (size_t j = 0; j < i && !seen; ++j)
      seen = strcmp(o->e[j].d->section, sec) == 0;
    if (seen)
      continue;
    fprintf(out, "\n[%s]\n  %-*s  %-5s  %-*s  %-*s  %s\n", sec, wname, "Name", "Short", wtype,
            "Type", wdef, "Default", "Description");
    for (size_t j = i; j < o->n; ++j) {
      const struct entry *e = &o->e[j];
      if (strcmp(e->d->section, sec) != 0)
        continue;
      char full[FULLNAME_MAX], flag[4] = "", def[128], extra[EXPECT_SIZE + 4];
      snprintf(full, sizeof(full), "%s:%s", e->d->section, e->d->name);
      if (e->d->short_flag)
        snprintf(flag, sizeof(flag), "-%c", e->d->short_flag);
      format_default(e, def, sizeof(def));
      describe_extra(e->d, extra, sizeof(extra));
      fprintf(out, "  %-*s  %-5s  %-*s  %-*s  %s%s\n", wname, full, flag, wtype,
              type_name(e->d->type), wdef, def, e->d->description, extra);
    }
  }
}

void lg_options_print_values(const struct lg_options *o, FILE *out)
{
  for (size_t i = 0; i < o->n; ++i) {
    char buf[LG_INI_MAX_LINE + 1];
    format_slot(o->e[i].d, &o->e[i].cur, buf, sizeof(buf));
    fprintf(out, "%s:%s=%s\n", o->e[i].d->section, o->e[i].d->name, buf);
  }
}

void lg_options_log_values(const struct lg_options *o)
{
  static const char *const src[] = {"default", "file", "command line"};
  for (size_t i = 0; i < o->n; ++i) {
    char buf[256];
    format_slot(o->e[i].d, &o->e[i].cur, buf, sizeof(buf));
    LG_DEBUG("option %s:%s = %s (%s)", o->e[i].d->section, o->e[i].d->name, buf, src[o->e[i].src]);
  }
}

bool lg_option_format(const struct lg_options *o, const char *section, const char *name, char *buf,
                      size_t size)
{
  const struct entry *e = find(o, section, name);
  if (!e)
    return false;
  format_slot(e->d, &e->cur, buf, size);
  return true;
}

/* Finds section:name of `type` (or `type2`) for a getter; logs and counts misuse. */
static const struct entry *get_checked(const struct lg_options *o, const char *section,
                                       const char *name, enum lg_option_type type,
                                       enum lg_option_type type2)
{
  const struct entry *e = find(o, section, name);
  if (!e) {
    LG_ERROR("options: no option %s:%s is registered", section, name);
  } else if (e->d->type != type && e->d->type != type2) {
    LG_ERROR("options: %s:%s is a %s, read as a %s", section, name, type_name(e->d->type),
             type_name(type));
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
  const struct entry *e = find(o, section, name);
  if (!e) {
    LG_ERROR("options: no option %s:%s is registered", section, name);
    ((struct lg_options *)o)->misuse++;
    return LG_OPT_SRC_DEFAULT;
  }
  return e->src;
}
