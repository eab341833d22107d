/* Overlay widgets; see widgets.h. */
#include "overlay/widgets.h"

#include <stdio.h>
#include <string.h>

#define PAD 10.0f
#define COL_PANEL 0x101418e0u
#define COL_BORDER 0x5080c0ffu
#define COL_TEXT 0xf0f0f0ffu
#define COL_TITLE 0xffd060ffu
#define COL_DIM 0xb0b8c0ffu
#define COL_GRAPH 0x60d060ffu
#define COL_GRAPH_SLOW 0xe06040ffu

static uint32_t line_h(const struct lg_font *font)
{
  return font && font->line_height > 0 ? (uint32_t)font->line_height : 16u;
}

static uint32_t text_w(const struct lg_font *font, const char *s)
{
  size_t len = strlen(s);
  if (!font)
    return (uint32_t)len * 8u;
  uint32_t w = 0, h = 0;
  lg_font_measure(font, s, len, &w, &h);
  return w;
}

static void text(struct lg_drawlist *dl, float x, float y, const char *s, lg_rgba c)
{
  lg_drawlist_text(dl, x, y, s, strlen(s), c);
}

static void box(struct lg_drawlist *dl, float x, float y, float w, float h)
{
  lg_drawlist_rect(dl, x, y, w, h, COL_PANEL);
  lg_drawlist_rect(dl, x, y, w, 2, COL_BORDER);
}

void overlay_alerts_push(struct overlay_alerts *a, const char *msg, uint64_t now_ms)
{
  if (a->count == OVERLAY_ALERTS_MAX) {
    memmove(&a->text[0], &a->text[1], sizeof(a->text[0]) * (OVERLAY_ALERTS_MAX - 1));
    memmove(&a->expire_ms[0], &a->expire_ms[1], sizeof(a->expire_ms[0]) * (OVERLAY_ALERTS_MAX - 1));
    a->count--;
  }
  snprintf(a->text[a->count], OVERLAY_ALERT_LEN, "%s", msg);
  a->expire_ms[a->count] = now_ms + OVERLAY_ALERT_MS;
  a->count++;
}

bool overlay_alerts_expire(struct overlay_alerts *a, uint64_t now_ms)
{
  uint32_t keep = 0;
  for (uint32_t i = 0; i < a->count; ++i) {
    if (a->expire_ms[i] <= now_ms)
      continue;
    if (keep != i) {
      memcpy(a->text[keep], a->text[i], OVERLAY_ALERT_LEN);
      a->expire_ms[keep] = a->expire_ms[i];
    }
    keep++;
  }
  bool changed = keep != a->count;
  a->count = keep;
  return changed;
}

void overlay_fps_frame(struct overlay_fps *f, uint64_t now_ns)
{
  if (f->last_frame_ns) {
    f->interval_ms[f->head] = (float)((double)(now_ns - f->last_frame_ns) / 1e6);
    f->head = (f->head + 1) % OVERLAY_FPS_SAMPLES;
    if (f->count < OVERLAY_FPS_SAMPLES)
      f->count++;
  }
  f->last_frame_ns = now_ns;
  f->frames_in_window++;
}

bool overlay_fps_render(struct overlay_fps *f, uint64_t now_ns)
{
  f->renders_in_window++;
  if (!f->window_start_ns) {
    f->window_start_ns = now_ns;
    return false;
  }
  uint64_t span = now_ns - f->window_start_ns;
  if (span < 1000000000ull)
    return false;
  f->ups = f->frames_in_window * 1e9 / (double)span;
  f->fps = f->renders_in_window * 1e9 / (double)span;
  f->frames_in_window = 0;
  f->renders_in_window = 0;
  f->window_start_ns = now_ns;
  return true;
}

static uint32_t text_wn(const struct lg_font *font, const char *s, size_t len)
{
  if (!font)
    return (uint32_t)len * 8u;
  uint32_t w = 0, h = 0;
  lg_font_measure(font, s, len, &w, &h);
  return w;
}

#define WRAP_MAX 12

struct wrapped {
  const char *s[WRAP_MAX];
  size_t len[WRAP_MAX];
  uint32_t color[WRAP_MAX];
  uint32_t n;
};

/* Greedy word wrap of `s` into lines no wider than `maxw` (a single long word is cut). */
static void wrap(struct wrapped *out, const struct lg_font *font, const char *s, uint32_t maxw,
                 uint32_t color)
{
  while (*s && out->n < WRAP_MAX) {
    size_t total = strlen(s), fit = 0, last_space = 0;
    while (fit < total && text_wn(font, s, fit + 1) <= maxw) {
      fit++;
      if (s[fit - 1] == ' ')
        last_space = fit;
    }
    if (fit == 0)
      fit = 1;
    else if (fit < total && last_space > 0)
      fit = last_space;
    size_t len = fit;
    while (len > 0 && s[len - 1] == ' ')
      len--;
    out->s[out->n] = s;
    out->len[out->n] = len;
    out->color[out->n] = color;
    out->n++;
    s += fit;
    while (*s == ' ')
      s++;
  }
}

void overlay_draw_status(struct lg_drawlist *dl, const struct lg_font *font, uint32_t w, uint32_t h,
                         const char *title, const char *detail, const char *remedy)
{
  const char *lines[3] = {title, detail, remedy};
  const uint32_t colors[3] = {COL_TITLE, COL_TEXT, COL_DIM};
  uint32_t avail = w > 8 * PAD ? w - (uint32_t)(6 * PAD) : w;
  struct wrapped wr = {.n = 0};
  for (uint32_t i = 0; i < 3; ++i)
    if (lines[i] && *lines[i])
      wrap(&wr, font, lines[i], avail, colors[i]);
  if (!wr.n)
    return;
  uint32_t maxw = 0;
  for (uint32_t i = 0; i < wr.n; ++i) {
    uint32_t tw = text_wn(font, wr.s[i], wr.len[i]);
    maxw = tw > maxw ? tw : maxw;
  }
  float lh = (float)line_h(font) * 1.25f;
  float bw = (float)maxw + 4 * PAD, bh = lh * (float)wr.n + 4 * PAD;
  float bx = ((float)w - bw) / 2, by = ((float)h - bh) / 2;
  box(dl, bx < 0 ? 0 : bx, by < 0 ? 0 : by, bw, bh);
  float y = by + 2 * PAD;
  for (uint32_t i = 0; i < wr.n; ++i, y += lh) {
    float tx = ((float)w - (float)text_wn(font, wr.s[i], wr.len[i])) / 2;
    lg_drawlist_text(dl, tx, y, wr.s[i], wr.len[i], wr.color[i]);
  }
}

void overlay_draw_fps(struct lg_drawlist *dl, const struct lg_font *font,
                      const struct overlay_fps *f)
{
  char line[64];
  snprintf(line, sizeof(line), "FPS %6.1f  UPS %6.1f", f->fps, f->ups);
  float lh = (float)line_h(font);
  float graph_h = 40, bw = (float)OVERLAY_FPS_SAMPLES * 2 + 2 * PAD;
  uint32_t tw = text_w(font, line);
  if ((float)tw + 2 * PAD > bw)
    bw = (float)tw + 2 * PAD;
  box(dl, PAD, PAD, bw, lh + graph_h + 3 * PAD);
  text(dl, 2 * PAD, 2 * PAD, line, COL_TEXT);
  float base = 2 * PAD + lh + PAD + graph_h;
  /* 1 pixel = 1 ms, clamped; bars over 1/30 s are drawn in the "slow" colour */
  for (uint32_t i = 0; i < f->count; ++i) {
    uint32_t idx = (f->head + OVERLAY_FPS_SAMPLES - f->count + i) % OVERLAY_FPS_SAMPLES;
    float v = f->interval_ms[idx];
    float bar = v > graph_h ? graph_h : (v < 1 ? 1 : v);
    lg_drawlist_rect(dl, 2 * PAD + (float)i * 2, base - bar, 2, bar,
                     v > 33.4f ? COL_GRAPH_SLOW : COL_GRAPH);
  }
  lg_drawlist_line(dl, 2 * PAD, base - 16.7f, 2 * PAD + OVERLAY_FPS_SAMPLES * 2, base - 16.7f, 1,
                   COL_DIM);
}

void overlay_draw_alerts(struct lg_drawlist *dl, const struct lg_font *font, uint32_t w, uint32_t h,
                         const struct overlay_alerts *a)
{
  (void)w;
  float lh = (float)line_h(font);
  float y = (float)h - PAD - lh * (float)a->count - PAD;
  for (uint32_t i = 0; i < a->count; ++i) {
    uint32_t tw = text_w(font, a->text[i]);
    lg_drawlist_rect(dl, PAD, y - 2, (float)tw + 2 * PAD, lh + 4, COL_PANEL);
    text(dl, 2 * PAD, y, a->text[i], COL_TITLE);
    y += lh + 4;
  }
}

void overlay_draw_panel(struct lg_drawlist *dl, const struct lg_font *font, uint32_t w, uint32_t h,
                        const char *title, const char *const *lines, size_t n)
{
  float lh = (float)line_h(font);
  uint32_t maxw = text_w(font, title);
  for (size_t i = 0; i < n; ++i) {
    uint32_t tw = text_w(font, lines[i]);
    maxw = tw > maxw ? tw : maxw;
  }
  float bw = (float)maxw + 4 * PAD, bh = lh * (float)(n + 1) + lh * 0.5f + 4 * PAD;
  float bx = ((float)w - bw) / 2, by = ((float)h - bh) / 2;
  if (bx < 0)
    bx = 0;
  if (by < 0)
    by = 0;
  box(dl, bx, by, bw, bh);
  text(dl, bx + 2 * PAD, by + 2 * PAD, title, COL_TITLE);
  float y = by + 2 * PAD + lh * 1.5f;
  for (size_t i = 0; i < n; ++i, y += lh)
    text(dl, bx + 2 * PAD, y, lines[i], COL_TEXT);
}
