/* Streaming JSON writer: see lg/json_writer.h. */
#include "lg/json_writer.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

static void file_sink(void *ctx, const char *data, size_t len)
{
  fwrite(data, 1, len, (FILE *)ctx);
}

void lg_json_init(struct lg_json *j, lg_json_sink sink, void *ctx, bool pretty)
{
  memset(j, 0, sizeof(*j));
  j->sink = sink;
  j->ctx = ctx;
  j->pretty = pretty;
  j->first[0] = true;
}

void lg_json_init_file(struct lg_json *j, FILE *f, bool pretty)
{
  lg_json_init(j, file_sink, f, pretty);
}

static void out(struct lg_json *j, const char *s, size_t len)
{
  if (len)
    j->sink(j->ctx, s, len);
}

static void outs(struct lg_json *j, const char *s) { out(j, s, strlen(s)); }

static void newline_indent(struct lg_json *j)
{
  static const char spaces[] = "                                ";
  if (!j->pretty)
    return;
  out(j, "\n", 1);
  for (uint32_t i = 0; i < j->depth; ++i)
    out(j, spaces, 2);
}

/* Writes the separator that must come before a value at the current position. */
static void before_value(struct lg_json *j)
{
  if (j->after_key) {
    j->after_key = false;
    return;
  }
  if (j->depth > 0 && j->is_object[j->depth]) {
    /* a value inside an object needs a key first */
    j->error = true;
    return;
  }
  if (j->depth == 0) {
    if (!j->first[0])
      j->error = true; /* a second top-level value */
    j->first[0] = false;
    return;
  }
  if (!j->first[j->depth])
    out(j, ",", 1);
  j->first[j->depth] = false;
  newline_indent(j);
}

static void open_container(struct lg_json *j, bool object)
{
  before_value(j);
  if (j->depth >= LG_JSON_MAX_DEPTH) {
    j->error = true;
    return;
  }
  out(j, object ? "{" : "[", 1);
  ++j->depth;
  j->first[j->depth] = true;
  j->is_object[j->depth] = object;
}

static void close_container(struct lg_json *j, bool object)
{
  if (j->depth == 0 || j->is_object[j->depth] != object || j->after_key) {
    j->error = true;
    return;
  }
  bool empty = j->first[j->depth];
  --j->depth;
  if (!empty)
    newline_indent(j);
  out(j, object ? "}" : "]", 1);
}

void lg_json_object_begin(struct lg_json *j) { open_container(j, true); }
void lg_json_array_begin(struct lg_json *j) { open_container(j, false); }
void lg_json_object_end(struct lg_json *j) { close_container(j, true); }
void lg_json_array_end(struct lg_json *j) { close_container(j, false); }

/* Length of the valid UTF-8 sequence at s[0..len), or 0 if it is invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t len)
{
  unsigned char c = s[0];
  size_t n;
  uint32_t cp;
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (n > len)
    return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

static void write_escaped(struct lg_json *j, const char *str, size_t len)
{
  static const char hex[] = "0123456789abcdef";
  const unsigned char *s = (const unsigned char *)str;
  size_t run = 0; /* start of the pending run of bytes that need no escaping */
  out(j, "\"", 1);
  for (size_t i = 0; i < len;) {
    unsigned char c = s[i];
    const char *esc = NULL;
    char ubuf[7];
    size_t n = 1;
    if (c == '"')
      esc = "\\\"";
    else if (c == '\\')
      esc = "\\\\";
    else if (c == '\n')
      esc = "\\n";
    else if (c == '\r')
      esc = "\\r";
    else if (c == '\t')
      esc = "\\t";
    else if (c == '\b')
      esc = "\\b";
    else if (c == '\f')
      esc = "\\f";
    else if (c < 0x20 || c == 0x7F) {
      ubuf[0] = '\\';
      ubuf[1] = 'u';
      ubuf[2] = '0';
      ubuf[3] = '0';
      ubuf[4] = hex[c >> 4];
      ubuf[5] = hex[c & 0xF];
      ubuf[6] = '\0';
      esc = ubuf;
    } else if (c >= 0x80) {
      n = utf8_seq_len(s + i, len - i);
      if (n == 0) {
        esc = "\\ufffd";
        n = 1;
      }
    }
    if (esc) {
      out(j, str + run, i - run);
      outs(j, esc);
      i += n;
      run = i;
    } else {
      i += n;
    }
  }
  out(j, str + run, len - run);
  out(j, "\"", 1);
}

void lg_json_key(struct lg_json *j, const char *name)
{
  if (j->depth == 0 || !j->is_object[j->depth] || j->after_key) {
    j->error = true;
    return;
  }
  if (!j->first[j->depth])
    out(j, ",", 1);
  j->first[j->depth] = false;
  newline_indent(j);
  write_escaped(j, name, strlen(name));
  out(j, j->pretty ? ": " : ":", j->pretty ? 2 : 1);
  j->after_key = true;
}

void lg_json_string_n(struct lg_json *j, const char *s, size_t len)
{
  before_value(j);
  write_escaped(j, s, len);
}

void lg_json_string(struct lg_json *j, const char *s)
{
  if (!s) {
    lg_json_null(j);
    return;
  }
  lg_json_string_n(j, s, strlen(s));
}

void lg_json_uint(struct lg_json *j, uint64_t v)
{
  char buf[32];
  before_value(j);
  int n = snprintf(buf, sizeof(buf), "%" PRIu64, v);
  out(j, buf, (size_t)n);
}

void lg_json_int(struct lg_json *j, int64_t v)
{
  char buf[32];
  before_value(j);
  int n = snprintf(buf, sizeof(buf), "%" PRId64, v);
  out(j, buf, (size_t)n);
}

void lg_json_bool(struct lg_json *j, bool v)
{
  before_value(j);
  outs(j, v ? "true" : "false");
}

void lg_json_null(struct lg_json *j)
{
  before_value(j);
  outs(j, "null");
}

void lg_json_double(struct lg_json *j, double v)
{
  char buf[40];
  if (!isfinite(v)) {
    lg_json_null(j);
    return;
  }
  before_value(j);
  int n = snprintf(buf, sizeof(buf), "%.17g", v);
  out(j, buf, (size_t)n);
}

void lg_json_kv_string(struct lg_json *j, const char *key, const char *s)
{
  lg_json_key(j, key);
  lg_json_string(j, s);
}

void lg_json_kv_uint(struct lg_json *j, const char *key, uint64_t v)
{
  lg_json_key(j, key);
  lg_json_uint(j, v);
}

void lg_json_kv_int(struct lg_json *j, const char *key, int64_t v)
{
  lg_json_key(j, key);
  lg_json_int(j, v);
}

void lg_json_kv_bool(struct lg_json *j, const char *key, bool v)
{
  lg_json_key(j, key);
  lg_json_bool(j, v);
}

bool lg_json_finish(struct lg_json *j)
{
  if (j->depth != 0 || j->after_key || j->first[0])
    j->error = true;
  out(j, "\n", 1);
  return !j->error;
}
