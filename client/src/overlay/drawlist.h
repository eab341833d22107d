/* Overlay draw list: what a widget wants drawn, in window pixels (origin top-left), as
 * plain data. Widgets fill it; the renderer draws it. No GL in here.
 *
 * Threads: one thread fills a list and hands it to the render thread; the caller keeps
 * the two apart (e.g. double-buffer lists or hold a mutex). */
#ifndef LG_OVERLAY_DRAWLIST_H
#define LG_OVERLAY_DRAWLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Colour as 0xRRGGBBAA (straight alpha). */
typedef uint32_t lg_rgba;

enum lg_draw_type {
  LG_DRAW_RECT = 0, /* filled rectangle */
  LG_DRAW_LINE,     /* line of a given width */
  LG_DRAW_TEXT,     /* a run of text drawn with the list's font */
};

struct lg_draw_cmd {
  enum lg_draw_type type;
  lg_rgba color;
  union {
    struct {
      float x, y, w, h;
    } rect;
    struct {
      float x0, y0, x1, y1, width;
    } line;
    struct {
      float x, y;      /* top-left of the line box (baseline is y + font ascent) */
      uint32_t offset; /* into lg_drawlist.text */
      uint32_t length; /* bytes of UTF-8 */
    } text;
  } u;
};

/* A list with fixed capacity, allocated once. `serial` grows on every change, so the
 * renderer can tell that it has to redraw. */
struct lg_drawlist {
  struct lg_draw_cmd *cmds;
  size_t count, capacity;
  char *text;
  size_t text_used, text_capacity;
  uint64_t serial;
};

/* Allocates room for `max_cmds` commands and `max_text` bytes of text; false on OOM. */
static inline bool lg_drawlist_init(struct lg_drawlist *dl, size_t max_cmds, size_t max_text)
{
  memset(dl, 0, sizeof(*dl));
  dl->cmds = calloc(max_cmds ? max_cmds : 1, sizeof(*dl->cmds));
  dl->text = malloc(max_text ? max_text : 1);
  if (!dl->cmds || !dl->text) {
    free(dl->cmds);
    free(dl->text);
    memset(dl, 0, sizeof(*dl));
    return false;
  }
  dl->capacity = max_cmds;
  dl->text_capacity = max_text;
  return true;
}

/* Frees the list's storage. */
static inline void lg_drawlist_free(struct lg_drawlist *dl)
{
  free(dl->cmds);
  free(dl->text);
  memset(dl, 0, sizeof(*dl));
}

/* Empties the list (keeps the storage) and marks it changed. */
static inline void lg_drawlist_clear(struct lg_drawlist *dl)
{
  dl->count = 0;
  dl->text_used = 0;
  dl->serial++;
}

/* Adds a filled rectangle; false when the list is full. */
static inline bool lg_drawlist_rect(struct lg_drawlist *dl, float x, float y, float w, float h,
                                    lg_rgba color)
{
  if (dl->count >= dl->capacity)
    return false;
  struct lg_draw_cmd *c = &dl->cmds[dl->count++];
  c->type = LG_DRAW_RECT;
  c->color = color;
  c->u.rect.x = x;
  c->u.rect.y = y;
  c->u.rect.w = w;
  c->u.rect.h = h;
  dl->serial++;
  return true;
}

/* Adds a line `width` pixels wide from (x0,y0) to (x1,y1); false when the list is full. */
static inline bool lg_drawlist_line(struct lg_drawlist *dl, float x0, float y0, float x1, float y1,
                                    float width, lg_rgba color)
{
  if (dl->count >= dl->capacity)
    return false;
  struct lg_draw_cmd *c = &dl->cmds[dl->count++];
  c->type = LG_DRAW_LINE;
  c->color = color;
  c->u.line.x0 = x0;
  c->u.line.y0 = y0;
  c->u.line.x1 = x1;
  c->u.line.y1 = y1;
  c->u.line.width = width;
  dl->serial++;
  return true;
}

/* Adds `len` bytes of UTF-8 text with its line box's top-left at (x, y); the text is
 * copied. False when the list or its text store is full. */
static inline bool lg_drawlist_text(struct lg_drawlist *dl, float x, float y, const char *s,
                                    size_t len, lg_rgba color)
{
  if (dl->count >= dl->capacity || len > dl->text_capacity - dl->text_used)
    return false;
  struct lg_draw_cmd *c = &dl->cmds[dl->count++];
  c->type = LG_DRAW_TEXT;
  c->color = color;
  c->u.text.x = x;
  c->u.text.y = y;
  c->u.text.offset = (uint32_t)dl->text_used;
  c->u.text.length = (uint32_t)len;
  memcpy(dl->text + dl->text_used, s, len);
  dl->text_used += len;
  dl->serial++;
  return true;
}

#endif
