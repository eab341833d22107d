/* Option registry, command-line side: argv parsing (section:name=value, short flags,
 * --show-options, --help, --version), nearest-name suggestions for unknown options and the
 * --help listing. Registry internals come from option_internal.h. */
#include "lg/option.h"
#include "option_internal.h"

#include <stdio.h>
#include <string.h>

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
      size_t best = diag + (lg_opt_lower(a[i - 1]) != lg_opt_lower(b[j - 1]));
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

void lg_opt_unknown_error(struct lg_options *o, const char *origin, const char *given)
{
  const struct entry *s = suggest(o, given);
  if (s)
    lg_opt_set_error(o, "%s: unknown option '%.128s'; did you mean '%s:%s'?", origin, given,
                     s->d->section, s->d->name);
  else
    lg_opt_set_error(o, "%s: unknown option '%.128s' (see --help for the list)", origin, given);
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
    lg_opt_set_error(o, "%s: unknown option '%.64s...'", origin, arg);
    return NULL;
  }
  memcpy(key, arg, keylen);
  key[keylen] = '\0';
  char *colon = strchr(key, ':');
  struct entry *e = NULL;
  if (colon) {
    *colon = '\0';
    e = lg_opt_find(o, key, colon + 1);
    *colon = ':';
  }
  if (!e)
    lg_opt_unknown_error(o, origin, key);
  return e;
}

static bool apply_entry_arg(struct lg_options *o, struct entry *e, const char *value,
                            enum lg_option_source src, const char *origin)
{
  if (value)
    return lg_opt_set_entry(o, e, value, src, origin);
  if (e->d->type != LG_OPT_BOOL) {
    lg_opt_set_error(o, "%s: option %s:%s needs a value (%s:%s=VALUE)", origin, e->d->section,
                     e->d->name, e->d->section, e->d->name);
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
        lg_opt_set_error(
            o, "%s: unknown argument '%.128s' (options are section:name=value; see --help)", origin,
            a);
        return false;
      }
      continue;
    }
    if (a[0] == '-' && a[1]) {
      for (const char *p = a + 1; *p; ++p) {
        struct entry *e = lg_opt_find_short(o, *p);
        if (!e) {
          if (ini_pass)
            break;
          lg_opt_set_error(o, "%s: unknown flag '-%c' (see --help)", origin, *p);
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
          lg_opt_set_error(o, "%s: flag -%c (%s:%s) needs a value", origin, *p, e->d->section,
                           e->d->name);
          return false;
        }
        if (apply) {
          if (ini_pass && !lg_options_load_ini(o, value, true))
            return false;
          if (!lg_opt_set_entry(o, e, value, LG_OPT_SRC_CMDLINE, origin))
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
    lg_opt_format_slot(e->d, &e->def, buf, size);
}

static void describe_extra(const struct lg_option_desc *d, char *buf, size_t size)
{
  buf[0] = '\0';
  if ((d->type == LG_OPT_INT && !(d->min == 0 && d->max == 0)) ||
      (d->type == LG_OPT_FLOAT && !(d->fmin == 0 && d->fmax == 0)) || d->type == LG_OPT_ENUM) {
    char ex[EXPECT_SIZE];
    lg_opt_describe_expected(d, ex, sizeof(ex));
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
    int t = (int)strlen(lg_opt_type_name(e->d->type));
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
              lg_opt_type_name(e->d->type), wdef, def, e->d->description, extra);
    }
  }
}
