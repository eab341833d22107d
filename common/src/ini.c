/* INI reader. Works on a private copy of each line; never reads past `len`. */
#include "lg/ini.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECTION_MAX 128u

static void set_err(char *err, size_t err_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t err_size, const char *fmt, ...)
{
  if (!err || !err_size)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, err_size, fmt, ap);
  va_end(ap);
}

static bool is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Trims whitespace on both ends of s in place; returns the new start. */
static char *trim(char *s)
{
  while (is_space(*s))
    ++s;
  size_t n = strlen(s);
  while (n && is_space(s[n - 1]))
    s[--n] = '\0';
  return s;
}

/* Cuts an inline comment: ';' or '#' at the start or after whitespace. */
static void cut_comment(char *s)
{
  for (char *p = s; *p; ++p)
    if ((*p == ';' || *p == '#') && (p == s || is_space(p[-1]))) {
      *p = '\0';
      return;
    }
}

/* Parses a quoted value starting at v (v[0] is the quote) into out, in place. Returns false
 * with a reason when unterminated or followed by anything but a comment. */
static bool unquote(char *v, const char **why)
{
  char q = v[0];
  char *w = v;
  char *r = v + 1;
  for (;; ++r) {
    if (*r == '\0') {
      *why = "unterminated quoted value";
      return false;
    }
    if (*r == q)
      break;
    if (q == '"' && *r == '\\' && (r[1] == '"' || r[1] == '\\'))
      ++r;
    *w++ = *r;
  }
  char *rest = r + 1;
  *w = '\0';
  while (is_space(*rest))
    ++rest;
  if (*rest && *rest != ';' && *rest != '#') {
    *why = "unexpected text after the closing quote";
    return false;
  }
  return true;
}

static bool valid_name_char(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

static bool valid_name(const char *s)
{
  if (!*s)
    return false;
  for (; *s; ++s)
    if (!valid_name_char(*s))
      return false;
  return true;
}

bool lg_ini_parse_buffer(const char *text, size_t len, const char *source, lg_ini_fn fn,
                         void *opaque, char *err, size_t err_size)
{
  char section[SECTION_MAX] = "";
  bool have_section = false;
  char buf[LG_INI_MAX_LINE + 1];
  size_t pos = 0;
  unsigned lineno = 0;

  if (!source)
    source = "(ini)";
  if (len > LG_INI_MAX_FILE) {
    set_err(err, err_size, "%s: file too large (%llu bytes, limit %u)", source,
            (unsigned long long)len, LG_INI_MAX_FILE);
    return false;
  }
  /* UTF-8 byte order mark. */
  if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB &&
      (unsigned char)text[2] == 0xBF)
    pos = 3;

  while (pos < len) {
    ++lineno;
    size_t start = pos;
    while (pos < len && text[pos] != '\n')
      ++pos;
    size_t n = pos - start;
    if (pos < len)
      ++pos; /* skip '\n' */
    if (n > LG_INI_MAX_LINE) {
      set_err(err, err_size, "%s:%u: line too long (limit %u bytes)", source, lineno,
              LG_INI_MAX_LINE);
      return false;
    }
    if (memchr(text + start, '\0', n)) {
      set_err(err, err_size, "%s:%u: NUL byte in line", source, lineno);
      return false;
    }
    memcpy(buf, text + start, n);
    buf[n] = '\0';

    char *s = trim(buf);
    if (*s == '\0' || *s == ';' || *s == '#')
      continue;

    if (*s == '[') {
      char *close = strchr(s, ']');
      if (!close) {
        set_err(err, err_size, "%s:%u: missing ']' in section header", source, lineno);
        return false;
      }
      char *rest = trim(close + 1);
      if (*rest && *rest != ';' && *rest != '#') {
        set_err(err, err_size, "%s:%u: unexpected text after section header", source, lineno);
        return false;
      }
      *close = '\0';
      char *name = trim(s + 1);
      if (!valid_name(name) || strlen(name) >= sizeof(section)) {
        set_err(err, err_size, "%s:%u: invalid section name '%.64s'", source, lineno, name);
        return false;
      }
      strcpy(section, name);
      have_section = true;
      continue;
    }

    char *eq = strchr(s, '=');
    if (!eq) {
      set_err(err, err_size, "%s:%u: expected 'name=value' or '[section]'", source, lineno);
      return false;
    }
    *eq = '\0';
    char *name = trim(s);
    char *value = trim(eq + 1);
    if (!valid_name(name)) {
      set_err(err, err_size, "%s:%u: invalid option name '%.64s'", source, lineno, name);
      return false;
    }
    if (!have_section) {
      set_err(err, err_size, "%s:%u: '%.64s' is outside any [section]", source, lineno, name);
      return false;
    }
    if (*value == '"' || *value == '\'') {
      const char *why = NULL;
      if (!unquote(value, &why)) {
        set_err(err, err_size, "%s:%u: %s", source, lineno, why);
        return false;
      }
    } else {
      cut_comment(value);
      value = trim(value);
    }
    if (!fn(opaque, section, name, value, source, lineno))
      return false;
  }
  return true;
}

bool lg_ini_parse_file(const char *path, lg_ini_fn fn, void *opaque, bool *missing, char *err,
                       size_t err_size)
{
  if (missing)
    *missing = false;
  FILE *f = fopen(path, "rb");
  if (!f) {
    int e = errno;
    if (e == ENOENT && missing)
      *missing = true;
    set_err(err, err_size, "%s: cannot open: %s", path, strerror(e));
    return false;
  }
  char *data = malloc(LG_INI_MAX_FILE + 1);
  if (!data) {
    fclose(f);
    set_err(err, err_size, "%s: out of memory", path);
    return false;
  }
  size_t len = fread(data, 1, LG_INI_MAX_FILE + 1, f);
  bool read_err = ferror(f) != 0;
  fclose(f);
  bool ok;
  if (read_err) {
    set_err(err, err_size, "%s: read error", path);
    ok = false;
  } else if (len > LG_INI_MAX_FILE) {
    set_err(err, err_size, "%s: file too large (limit %u bytes)", path, LG_INI_MAX_FILE);
    ok = false;
  } else {
    ok = lg_ini_parse_buffer(data, len, path, fn, opaque, err, err_size);
  }
  free(data);
  return ok;
}
