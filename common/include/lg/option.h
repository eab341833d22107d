/* Option registry: every module registers a const table of typed options; values come from
 * defaults, INI files (lg/ini.h) and the command line ("section:name=value", short flags),
 * later sources winning. Values are validated on set and read back with typed getters.
 * One registry object is passed around; there is no global one. Not thread-safe: fill it at
 * start-up, then only read it. */
#ifndef LG_OPTION_H
#define LG_OPTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum lg_option_type {
  LG_OPT_BOOL,   /* yes/no, true/false, on/off, 1/0 (any case) */
  LG_OPT_INT,    /* int within [min, max] */
  LG_OPT_UINT64, /* unsigned 64-bit integer, decimal or 0x hex */
  LG_OPT_SIZE,   /* unsigned 64-bit byte count, optional k/M/G/T suffix (powers of 1024) */
  LG_OPT_FLOAT,  /* finite double within [fmin, fmax] */
  LG_OPT_STRING, /* any text */
  LG_OPT_ENUM,   /* one string of `values` (matched ignoring case, stored as listed) */
};

/* A parsed value handed to a validator. `s` is valid only during the call. */
struct lg_option_value {
  enum lg_option_type type;
  union {
    bool b;
    int64_t i;
    uint64_t u;
    double f;
    const char *s; /* LG_OPT_STRING and LG_OPT_ENUM; NULL for an unset string */
  };
};

/* Extra check on a parsed value. On rejection writes what is expected (e.g. "WIDTHxHEIGHT,
 * e.g. 1024x768") to `expect` and returns false. */
typedef bool (*lg_option_validator)(const struct lg_option_value *value, char *expect,
                                    size_t expect_size);

/* One option. Tables are `static const` and must outlive the registry. */
struct lg_option_desc {
  const char *section; /* e.g. "win" */
  const char *name;    /* e.g. "fullScreen" */
  char short_flag;     /* e.g. 'F'; 0 for none ('h' is reserved for help) */
  enum lg_option_type type;
  const char *description;   /* one line for --help */
  const char *def;           /* default as text, parsed like a user value; NULL: false, 0, unset */
  int64_t min, max;          /* LG_OPT_INT bounds, inclusive; both 0 means INT_MIN..INT_MAX */
  double fmin, fmax;         /* LG_OPT_FLOAT bounds, inclusive; both 0 means unbounded */
  const char *const *values; /* LG_OPT_ENUM: NULL-terminated list of allowed values */
  lg_option_validator validate; /* optional */
  bool loads_ini;               /* LG_OPT_STRING set on the command line: also load that INI file
                                 * before the rest of the command line (app:configFile) */
};

/* Where the current value came from. */
enum lg_option_source {
  LG_OPT_SRC_DEFAULT,
  LG_OPT_SRC_FILE,
  LG_OPT_SRC_CMDLINE,
};

/* What lg_options_parse_cmdline asks the caller to do. */
enum lg_cmdline_action {
  LG_CMDLINE_RUN,     /* options applied: go on */
  LG_CMDLINE_SHOW,    /* options applied and --show-options given: print values, exit 0 */
  LG_CMDLINE_HELP,    /* -h or --help given: print help, exit 0 (nothing applied) */
  LG_CMDLINE_VERSION, /* --version given: print the version, exit 0 (nothing applied) */
  LG_CMDLINE_ERROR,   /* bad argument: message in lg_options_error(), exit 1 */
};

struct lg_options;

/* Creates an empty registry; NULL on allocation failure (logged). */
struct lg_options *lg_options_new(void);

/* Frees the registry and every value it owns (NULL is ignored). */
void lg_options_free(struct lg_options *opts);

/* Adds `count` options from `table`. A duplicate name or short flag, a malformed descriptor or
 * a default that does not parse is a programming error: logged, nothing added, false. */
bool lg_options_register(struct lg_options *opts, const struct lg_option_desc *table, size_t count);

/* Number of registered options. */
size_t lg_options_count(const struct lg_options *opts);

/* Descriptor of option `index` (registration order); NULL when out of range. */
const struct lg_option_desc *lg_options_desc_at(const struct lg_options *opts, size_t index);

/* Replaces the default of a registered option (also its current value if still default);
 * for defaults known only at run time. False (logged) on a bad name or value. */
bool lg_option_set_default(struct lg_options *opts, const char *section, const char *name,
                           const char *value);

/* Parses and stores `value` for section:name from `source`; `origin` names where it came from
 * in messages ("command line", "file.ini:3"). On failure lg_options_error() says why. */
bool lg_option_set(struct lg_options *opts, const char *section, const char *name,
                   const char *value, enum lg_option_source source, const char *origin);

/* Applies one "section:name=value" (or "section:name", toggling a bool) argument. */
bool lg_option_set_arg(struct lg_options *opts, const char *arg, enum lg_option_source source,
                       const char *origin);

/* Loads an INI file, every key being an option. A missing file is fine unless `required`.
 * On failure lg_options_error() holds "path:line: ..." text. */
bool lg_options_load_ini(struct lg_options *opts, const char *path, bool required);

/* Loads INI text held in memory, `name` standing for its file name in messages. */
bool lg_options_load_ini_buffer(struct lg_options *opts, const char *text, size_t len,
                                const char *name);

/* Looks for -h/--help or --version without applying anything (before "--"). */
enum lg_cmdline_action lg_cmdline_peek(int argc, char *const *argv);

/* Applies argv[1..]: "section:name=value", "section:name" (toggles a bool), "-x value",
 * "-xVALUE", bundled bool flags ("-Fk", each toggles), --show-options, --help, --version.
 * Options with `loads_ini` are applied (and their INI loaded) first. */
enum lg_cmdline_action lg_options_parse_cmdline(struct lg_options *opts, int argc,
                                                char *const *argv);

/* The last error message (empty string when none). */
const char *lg_options_error(const struct lg_options *opts);

/* Writes --help text: options grouped by section in aligned columns (name, short flag, type,
 * default, description). `program` goes in the usage line. */
void lg_options_print_help(const struct lg_options *opts, const char *program, FILE *out);

/* Writes one "section:name=value" line per option, registration order. */
void lg_options_print_values(const struct lg_options *opts, FILE *out);

/* Logs every effective value at debug level, with its source. */
void lg_options_log_values(const struct lg_options *opts);

/* Formats the current value of section:name as text into buf; false if unknown. */
bool lg_option_format(const struct lg_options *opts, const char *section, const char *name,
                      char *buf, size_t size);

/* Typed getters. A missing option or a wrong type is a programming error: it is logged,
 * counted (lg_options_misuse_count) and the zero value (false, 0, 0.0, NULL, -1) returned. */
bool lg_option_get_bool(const struct lg_options *opts, const char *section, const char *name);
/* Value of an LG_OPT_INT option. */
int lg_option_get_int(const struct lg_options *opts, const char *section, const char *name);
/* Value of an LG_OPT_UINT64 or LG_OPT_SIZE option. */
uint64_t lg_option_get_uint64(const struct lg_options *opts, const char *section, const char *name);
/* Value of an LG_OPT_FLOAT option. */
double lg_option_get_float(const struct lg_options *opts, const char *section, const char *name);
/* Value of an LG_OPT_STRING option; NULL when unset. Owned by the registry. */
const char *lg_option_get_string(const struct lg_options *opts, const char *section,
                                 const char *name);
/* Value of an LG_OPT_ENUM option, spelled as in its `values` list. */
const char *lg_option_get_enum(const struct lg_options *opts, const char *section,
                               const char *name);
/* Index in `values` of an LG_OPT_ENUM option's value; -1 on misuse. */
int lg_option_get_enum_index(const struct lg_options *opts, const char *section, const char *name);
/* Source of the current value of any option (LG_OPT_SRC_DEFAULT on misuse). */
enum lg_option_source lg_option_get_source(const struct lg_options *opts, const char *section,
                                           const char *name);

/* Number of getter calls so far that named a missing option or used the wrong type. */
unsigned lg_options_misuse_count(const struct lg_options *opts);

/* Parses a bool spelling (yes/no/true/false/on/off/1/0, any case). */
bool lg_option_parse_bool(const char *text, bool *out);

#endif
