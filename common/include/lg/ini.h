/* INI reader: "[section]" headers, "name = value" lines, ';' and '#' comment lines, inline
 * comments after whitespace, whitespace trimmed, "double" (with \" \\ escapes) or 'single'
 * quoted values. The input is untrusted: every syntax error names source:line. */
#ifndef LG_INI_H
#define LG_INI_H

#include <stdbool.h>
#include <stddef.h>

/* Largest INI file accepted, and longest line, in bytes. */
#define LG_INI_MAX_FILE (1024u * 1024u)
#define LG_INI_MAX_LINE 4096u

/* Called once per "name=value" with the current section; `source` is the file name given to
 * the parser. Return false to stop parsing (the callback reports its own error). */
typedef bool (*lg_ini_fn)(void *opaque, const char *section, const char *name, const char *value,
                          const char *source, unsigned line);

/* Parses `len` bytes of `text` (named `source` in messages). On a syntax error writes
 * "source:line: what" to `err` and returns false; also false when `fn` stops the parse. */
bool lg_ini_parse_buffer(const char *text, size_t len, const char *source, lg_ini_fn fn,
                         void *opaque, char *err, size_t err_size);

/* Reads and parses the file at `path`. A missing file sets *missing (if non-NULL) and
 * returns false with a message; other failures as lg_ini_parse_buffer. */
bool lg_ini_parse_file(const char *path, lg_ini_fn fn, void *opaque, bool *missing, char *err,
                       size_t err_size);

#endif
