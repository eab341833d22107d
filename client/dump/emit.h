/* Output for looking-glass-dump: one call sequence renders either indented text or JSON
 * (through lg/json_writer.h), so both formats always carry the same fields. */
#ifndef LG_DUMP_EMIT_H
#define LG_DUMP_EMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lg/json_writer.h"

#define EMIT_MAX_DEPTH 16

/* Emitter state; one per output stream. */
struct emit {
  bool json;
  FILE *f;
  struct lg_json j;
  uint32_t depth;
  bool in_array[EMIT_MAX_DEPTH];
  uint32_t index[EMIT_MAX_DEPTH];
  const char *array_key[EMIT_MAX_DEPTH];
};

/* Starts an emitter writing to `f`, as JSON when `json` is set. */
void emit_init(struct emit *e, FILE *f, bool json);

/* Opens an object member `key` (NULL inside an array) / closes it. */
void emit_obj_begin(struct emit *e, const char *key);
void emit_obj_end(struct emit *e);

/* Opens an array member `key` / closes it. */
void emit_arr_begin(struct emit *e, const char *key);
void emit_arr_end(struct emit *e);

/* Scalars: decimal unsigned, hex unsigned (`digits` wide in text, a number in JSON),
 * signed, string (bounded, escaped in JSON, control bytes shown as '.' in text), bool. */
void emit_u(struct emit *e, const char *key, uint64_t v);
void emit_x(struct emit *e, const char *key, uint64_t v, int digits);
void emit_i(struct emit *e, const char *key, int64_t v);
void emit_s(struct emit *e, const char *key, const char *s);
void emit_b(struct emit *e, const char *key, bool v);

/* Finishes the output; returns false on a writer misuse. */
bool emit_finish(struct emit *e);

#endif
