/* Private to the option registry: the registry layout and the helpers shared by option.c
 * (registry, typed values, setters, getters, formatting) and option_cli.c (command line,
 * --help, nearest-name suggestions). Not installed; nothing outside these two files uses it. */
#ifndef LG_OPTION_INTERNAL_H
#define LG_OPTION_INTERNAL_H

#include "lg/option.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* ASCII lower case of `c`; other characters unchanged. */
static inline char lg_opt_lower(char c)
{
  return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Formats the registry's last error message (printf-style, truncated to ERR_SIZE). */
void lg_opt_set_error(struct lg_options *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Short name of a type for --help and messages ("bool", "int", ...; "?" when unknown). */
const char *lg_opt_type_name(enum lg_option_type t);

/* Writes what a valid value of `d` looks like, for error messages and --help. */
void lg_opt_describe_expected(const struct lg_option_desc *d, char *buf, size_t size);

/* Writes the value held in slot `s` of option `d` as text. */
void lg_opt_format_slot(const struct lg_option_desc *d, const struct slot *s, char *buf,
                        size_t size);

/* The entry for section:name, or NULL. */
struct entry *lg_opt_find(const struct lg_options *o, const char *section, const char *name);

/* The entry whose short flag is `c`, or NULL. */
struct entry *lg_opt_find_short(const struct lg_options *o, char c);

/* Parses and stores text into entry `e`; on failure the registry error names option, value
 * and expectation. */
bool lg_opt_set_entry(struct lg_options *o, struct entry *e, const char *value,
                      enum lg_option_source src, const char *origin);

/* Sets the "unknown option" error for `given`, suggesting the nearest registered name. */
void lg_opt_unknown_error(struct lg_options *o, const char *origin, const char *given);

#endif
