/* A small streaming JSON writer: objects, arrays, keys and scalars written in order to a
 * sink (a FILE or a callback). Strings are escaped and invalid UTF-8 becomes U+FFFD, so
 * the output is always valid JSON as long as begin/end calls are balanced. */
#ifndef LG_JSON_WRITER_H
#define LG_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LG_JSON_MAX_DEPTH 32

/* Receives `len` bytes of output; `ctx` is the pointer given to lg_json_init. */
typedef void (*lg_json_sink)(void *ctx, const char *data, size_t len);

/* Writer state; owned by the caller, zero or init before use. Not thread-safe. */
struct lg_json {
  lg_json_sink sink;
  void *ctx;
  bool pretty;
  bool error;     /* a misuse happened (depth overflow, value without key, ...) */
  bool after_key; /* a key was written and its value is pending */
  uint32_t depth;
  bool first[LG_JSON_MAX_DEPTH + 1]; /* no element written yet at this depth */
  bool is_object[LG_JSON_MAX_DEPTH + 1];
};

/* Starts a writer that sends its output to `sink(ctx, ...)`; `pretty` indents by 2. */
void lg_json_init(struct lg_json *j, lg_json_sink sink, void *ctx, bool pretty);

/* Starts a writer that writes to the stdio stream `f`. */
void lg_json_init_file(struct lg_json *j, FILE *f, bool pretty);

/* Opens an object / array (as a value: after a key, in an array, or at top level). */
void lg_json_object_begin(struct lg_json *j);
void lg_json_array_begin(struct lg_json *j);

/* Closes the innermost object / array; a mismatch sets j->error. */
void lg_json_object_end(struct lg_json *j);
void lg_json_array_end(struct lg_json *j);

/* Writes an object member name; the next call must write its value. */
void lg_json_key(struct lg_json *j, const char *name);

/* Writes a NUL-terminated string value (NULL writes null). */
void lg_json_string(struct lg_json *j, const char *s);

/* Writes a string value of exactly `len` bytes (embedded NULs are escaped). */
void lg_json_string_n(struct lg_json *j, const char *s, size_t len);

/* Writes an unsigned / signed integer, a boolean, null, or a finite double (else null). */
void lg_json_uint(struct lg_json *j, uint64_t v);
void lg_json_int(struct lg_json *j, int64_t v);
void lg_json_bool(struct lg_json *j, bool v);
void lg_json_null(struct lg_json *j);
void lg_json_double(struct lg_json *j, double v);

/* Shorthands: lg_json_key followed by the value. */
void lg_json_kv_string(struct lg_json *j, const char *key, const char *s);
void lg_json_kv_uint(struct lg_json *j, const char *key, uint64_t v);
void lg_json_kv_int(struct lg_json *j, const char *key, int64_t v);
void lg_json_kv_bool(struct lg_json *j, const char *key, bool v);

/* Writes the trailing newline after the top-level value; returns false if j->error. */
bool lg_json_finish(struct lg_json *j);

#endif
