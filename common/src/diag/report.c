/* Diagnostic reports: text (verdict first, then findings, then facts by half), JSON (through
 * lg/json_writer.h) and the exit status. */
#include "lg/diag.h"
#include "lg/json_writer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growable NUL-terminated string; `oom` sticks after the first failed allocation. */
struct sbuf {
  char *data;
  size_t len, cap;
  bool oom;
};

static void sb_append(struct sbuf *b, const char *s, size_t n)
{
  if (b->oom)
    return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
      b->oom = true;
      return;
    }
    b->data = p;
    b->cap = cap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s) { sb_append(b, s, strlen(s)); }

static void sb_printf(struct sbuf *b, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *f, ...)
{
  char tmp[512];
  va_list ap;
  va_start(ap, f);
  int n = vsnprintf(tmp, sizeof(tmp), f, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t)n < sizeof(tmp)) {
    sb_append(b, tmp, (size_t)n);
    return;
  }
  char *big = malloc((size_t)n + 1);
  if (!big) {
    b->oom = true;
    return;
  }
  va_start(ap, f);
  vsnprintf(big, (size_t)n + 1, f, ap);
  va_end(ap);
  sb_append(b, big, (size_t)n);
  free(big);
}

static char *sb_finish(struct sbuf *b)
{
  if (b->oom || !b->data) {
    free(b->data);
    return b->oom ? NULL : calloc(1, 1);
  }
  return b->data;
}

/* Writes `text` with every line prefixed by `indent`. */
static void sb_indented(struct sbuf *b, const char *indent, const char *text)
{
  const char *p = text;
  while (*p) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    sb_puts(b, indent);
    sb_append(b, p, n);
    sb_puts(b, "\n");
    p += n + (nl ? 1 : 0);
  }
}

int lg_diag_exit_status(const struct lg_diag *d)
{
  const struct lg_diag_finding *w = lg_diag_worst(d);
  if (!w || w->severity <= LG_DIAG_INFO)
    return 0;
  return w->severity == LG_DIAG_WARNING ? 1 : 2;
}

static const char *verdict_word(const struct lg_diag *d)
{
  switch (lg_diag_exit_status(d)) {
  case 2:
    return "error";
  case 1:
    return "warning";
  default:
    return "ok";
  }
}

char *lg_diag_report_text(const struct lg_diag *d)
{
  struct sbuf b = {0};
  const struct lg_diag_finding *w = lg_diag_worst(d);
  if (w && w->severity >= LG_DIAG_WARNING) {
    sb_printf(&b, "Verdict: %s: %s\n", w->severity == LG_DIAG_ERROR ? "ERROR" : "WARNING",
              w->title);
    if (w->remedy[0]) {
      sb_puts(&b, "Fix:\n");
      sb_indented(&b, "  ", w->remedy);
    }
  } else {
    sb_puts(&b, "Verdict: OK: no problems found\n");
  }

  if (d->nfindings) {
    sb_puts(&b, "\nFindings:\n");
    /* Worst first: errors, then warnings, info, ok; list order within a severity. */
    for (int sev = LG_DIAG_ERROR; sev >= LG_DIAG_OK; --sev) {
      for (size_t i = 0; i < d->nfindings; ++i) {
        const struct lg_diag_finding *f = &d->findings[i];
        if ((int)f->severity != sev)
          continue;
        sb_printf(&b, "  [%s] %s (%s)\n", lg_diag_severity_name(f->severity), f->title, f->id);
        if (f->detail[0])
          sb_indented(&b, "      ", f->detail);
        if (f->remedy[0] && f != w) {
          sb_puts(&b, "      Fix:\n");
          sb_indented(&b, "        ", f->remedy);
        }
      }
    }
  }

  static const enum lg_diag_half halves[] = {LG_DIAG_GUEST, LG_DIAG_HOST, LG_DIAG_CLIENT};
  for (size_t h = 0; h < 3; ++h) {
    bool any = false;
    for (size_t i = 0; i < d->nfacts; ++i) {
      const struct lg_diag_fact *f = &d->facts[i];
      if (f->half != halves[h])
        continue;
      if (!any)
        sb_printf(&b, "\nFacts (%s):\n", lg_diag_half_name(halves[h]));
      any = true;
      char val[LG_DIAG_STR_MAX];
      lg_diag_fact_value_text(f, val, sizeof(val));
      sb_printf(&b, "  %s = %s", f->key, val);
      if (f->source[0])
        sb_printf(&b, " (%s)", f->source);
      sb_puts(&b, "\n");
    }
  }
  return sb_finish(&b);
}

static void json_sink(void *ctx, const char *data, size_t len)
{
  sb_append((struct sbuf *)ctx, data, len);
}

static const char *type_name(enum lg_diag_type t)
{
  return t == LG_DIAG_U64 ? "u64" : t == LG_DIAG_BOOL ? "bool" : "string";
}

char *lg_diag_report_json(const struct lg_diag *d, bool pretty)
{
  struct sbuf b = {0};
  struct lg_json j;
  lg_json_init(&j, json_sink, &b, pretty);
  lg_json_object_begin(&j);
  lg_json_kv_string(&j, "verdict", verdict_word(d));
  lg_json_kv_int(&j, "exit_status", lg_diag_exit_status(d));
  const struct lg_diag_finding *w = lg_diag_worst(d);
  if (w && w->severity >= LG_DIAG_WARNING) {
    lg_json_kv_string(&j, "title", w->title);
    lg_json_kv_string(&j, "remedy", w->remedy);
  }

  lg_json_key(&j, "findings");
  lg_json_array_begin(&j);
  for (size_t i = 0; i < d->nfindings; ++i) {
    const struct lg_diag_finding *f = &d->findings[i];
    lg_json_object_begin(&j);
    lg_json_kv_string(&j, "id", f->id);
    lg_json_kv_string(&j, "severity", lg_diag_severity_name(f->severity));
    lg_json_kv_string(&j, "title", f->title);
    lg_json_kv_string(&j, "detail", f->detail);
    lg_json_kv_string(&j, "remedy", f->remedy);
    lg_json_object_end(&j);
  }
  lg_json_array_end(&j);

  lg_json_key(&j, "facts");
  lg_json_array_begin(&j);
  for (size_t i = 0; i < d->nfacts; ++i) {
    const struct lg_diag_fact *f = &d->facts[i];
    char text[LG_DIAG_STR_MAX];
    lg_diag_fact_value_text(f, text, sizeof(text));
    lg_json_object_begin(&j);
    lg_json_kv_string(&j, "key", f->key);
    lg_json_kv_string(&j, "type", type_name(f->type));
    lg_json_key(&j, "value");
    if (f->type == LG_DIAG_U64)
      lg_json_uint(&j, f->u64);
    else if (f->type == LG_DIAG_BOOL)
      lg_json_bool(&j, f->b);
    else
      lg_json_string(&j, f->str);
    if (f->type == LG_DIAG_U64)
      lg_json_kv_string(&j, "text", text);
    lg_json_kv_string(&j, "source", f->source);
    lg_json_kv_string(&j, "half", lg_diag_half_name(f->half));
    lg_json_object_end(&j);
  }
  lg_json_array_end(&j);
  lg_json_object_end(&j);
  if (!lg_json_finish(&j)) {
    free(b.data);
    return NULL;
  }
  return sb_finish(&b);
}
