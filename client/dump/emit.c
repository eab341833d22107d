/* Text / JSON emitter for looking-glass-dump: see emit.h. */
#include "emit.h"

#include <inttypes.h>
#include <string.h>

void emit_init(struct emit *e, FILE *f, bool json)
{
  memset(e, 0, sizeof(*e));
  e->json = json;
  e->f = f;
  if (json) {
    lg_json_init_file(&e->j, f, true);
    lg_json_object_begin(&e->j);
  }
}

static void indent(struct emit *e)
{
  for (uint32_t i = 0; i < e->depth; ++i)
    fputs("  ", e->f);
}

/* Text: the line prefix for a member `key` at the current level ("key: " or "- "). */
static void text_prefix(struct emit *e, const char *key)
{
  indent(e);
  if (e->depth > 0 && e->in_array[e->depth])
    fputs("- ", e->f);
  else
    fprintf(e->f, "%s: ", key ? key : "?");
}

static void json_key(struct emit *e, const char *key)
{
  if (!(e->depth > 0 && e->in_array[e->depth]))
    lg_json_key(&e->j, key ? key : "?");
}

static void push(struct emit *e, bool array, const char *key)
{
  if (e->depth + 1 >= EMIT_MAX_DEPTH)
    return;
  ++e->depth;
  e->in_array[e->depth] = array;
  e->index[e->depth] = 0;
  e->array_key[e->depth] = key;
}

void emit_obj_begin(struct emit *e, const char *key)
{
  if (e->json) {
    json_key(e, key);
    lg_json_object_begin(&e->j);
  } else {
    indent(e);
    if (e->depth > 0 && e->in_array[e->depth])
      fprintf(e->f, "%s[%u]:\n", e->array_key[e->depth] ? e->array_key[e->depth] : "",
              e->index[e->depth]++);
    else
      fprintf(e->f, "%s:\n", key ? key : "?");
  }
  push(e, false, key);
}

void emit_obj_end(struct emit *e)
{
  if (e->json)
    lg_json_object_end(&e->j);
  if (e->depth > 0)
    --e->depth;
}

void emit_arr_begin(struct emit *e, const char *key)
{
  if (e->json) {
    json_key(e, key);
    lg_json_array_begin(&e->j);
  } else {
    indent(e);
    fprintf(e->f, "%s:\n", key ? key : "?");
  }
  push(e, true, key);
}

void emit_arr_end(struct emit *e)
{
  if (e->json)
    lg_json_array_end(&e->j);
  if (e->depth > 0)
    --e->depth;
}

void emit_u(struct emit *e, const char *key, uint64_t v)
{
  if (e->json) {
    json_key(e, key);
    lg_json_uint(&e->j, v);
  } else {
    text_prefix(e, key);
    fprintf(e->f, "%" PRIu64 "\n", v);
  }
}

void emit_x(struct emit *e, const char *key, uint64_t v, int digits)
{
  if (e->json) {
    json_key(e, key);
    lg_json_uint(&e->j, v);
  } else {
    text_prefix(e, key);
    fprintf(e->f, "0x%0*" PRIX64 "\n", digits, v);
  }
}

void emit_i(struct emit *e, const char *key, int64_t v)
{
  if (e->json) {
    json_key(e, key);
    lg_json_int(&e->j, v);
  } else {
    text_prefix(e, key);
    fprintf(e->f, "%" PRId64 "\n", v);
  }
}

void emit_s(struct emit *e, const char *key, const char *s)
{
  if (e->json) {
    json_key(e, key);
    lg_json_string(&e->j, s);
    return;
  }
  text_prefix(e, key);
  for (const unsigned char *p = (const unsigned char *)s; *p; ++p)
    fputc((*p < 0x20 || *p == 0x7F) ? '.' : *p, e->f);
  fputc('\n', e->f);
}

void emit_b(struct emit *e, const char *key, bool v)
{
  if (e->json) {
    json_key(e, key);
    lg_json_bool(&e->j, v);
  } else {
    text_prefix(e, key);
    fputs(v ? "yes\n" : "no\n", e->f);
  }
}

bool emit_finish(struct emit *e)
{
  if (!e->json) {
    fflush(e->f);
    return true;
  }
  lg_json_object_end(&e->j);
  bool ok = lg_json_finish(&e->j);
  fflush(e->f);
  return ok;
}
