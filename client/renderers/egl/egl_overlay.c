/* Overlay: turns a draw list into textured quads in one draw call. Every quad samples the
 * glyph atlas (GL_R8 coverage); solid rects and lines sample its white block. */
#include "egl_priv.h"

#include "lg/log.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct ov_vertex {
  float x, y, u, v;
  uint8_t rgba[4];
};

static const char overlay_vs[] = "#version 300 es\n"
                                 "layout(location = 0) in vec2 a_pos;\n"
                                 "layout(location = 1) in vec2 a_uv;\n"
                                 "layout(location = 2) in vec4 a_color;\n"
                                 "uniform vec2 u_viewport;\n"
                                 "out vec2 v_uv;\n"
                                 "out vec4 v_color;\n"
                                 "void main() {\n"
                                 "  vec2 n = a_pos / u_viewport * 2.0 - 1.0;\n"
                                 "  gl_Position = vec4(n.x, -n.y, 0.0, 1.0);\n"
                                 "  v_uv = a_uv;\n"
                                 "  v_color = a_color;\n"
                                 "}\n";

static const char overlay_fs[] =
    "#version 300 es\n"
    "precision mediump float;\n"
    "uniform sampler2D u_atlas;\n"
    "in vec2 v_uv;\n"
    "in vec4 v_color;\n"
    "out vec4 o_color;\n"
    "void main() {\n"
    "  o_color = vec4(v_color.rgb, v_color.a * texture(u_atlas, v_uv).r);\n"
    "}\n";

static void upload_atlas(struct egl_overlay *o, const uint8_t *pixels, uint32_t w, uint32_t h)
{
  glBindTexture(GL_TEXTURE_2D, o->atlas);
  glBindBuffer(GL_PIXEL_UNPACK_BUFFER, 0);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_R8, (GLsizei)w, (GLsizei)h, 0, GL_RED, GL_UNSIGNED_BYTE,
               pixels);
  o->atlas_w = w;
  o->atlas_h = h;
}

bool egl_overlay_init(struct lg_renderer *r)
{
  struct egl_overlay *o = &r->overlay;
  o->prog = egl_program(overlay_vs, overlay_fs);
  if (!o->prog)
    return false;
  o->u_viewport = glGetUniformLocation(o->prog, "u_viewport");
  glUseProgram(o->prog);
  glUniform1i(glGetUniformLocation(o->prog, "u_atlas"), 0);

  glGenTextures(1, &o->atlas);
  glBindTexture(GL_TEXTURE_2D, o->atlas);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  static const uint8_t white[4] = {255, 255, 255, 255};
  upload_atlas(o, white, 2, 2); /* until a font arrives: rects and lines still work */
  o->white_u = 0.5f;
  o->white_v = 0.5f;

  glGenVertexArrays(1, &o->vao);
  glGenBuffers(1, &o->vbo);
  glBindVertexArray(o->vao);
  glBindBuffer(GL_ARRAY_BUFFER, o->vbo);
  const GLsizei stride = sizeof(struct ov_vertex);
  glEnableVertexAttribArray(0);
  glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, stride, (void *)offsetof(struct ov_vertex, x));
  glEnableVertexAttribArray(1);
  glVertexAttribPointer(1, 2, GL_FLOAT, GL_FALSE, stride, (void *)offsetof(struct ov_vertex, u));
  glEnableVertexAttribArray(2);
  glVertexAttribPointer(2, 4, GL_UNSIGNED_BYTE, GL_TRUE, stride,
                        (void *)offsetof(struct ov_vertex, rgba));
  glBindVertexArray(0);
  return true;
}

void egl_overlay_free(struct lg_renderer *r)
{
  struct egl_overlay *o = &r->overlay;
  if (o->prog)
    glDeleteProgram(o->prog);
  if (o->atlas)
    glDeleteTextures(1, &o->atlas);
  if (o->vbo)
    glDeleteBuffers(1, &o->vbo);
  if (o->vao)
    glDeleteVertexArrays(1, &o->vao);
  free(o->verts);
  memset(o, 0, sizeof(*o));
}

bool egl_overlay_set_font(struct lg_renderer *r, const struct lg_font *font)
{
  struct egl_overlay *o = &r->overlay;
  if (!font || !font->atlas || !font->atlas_w || !font->atlas_h) {
    LG_ERROR("egl: set_font without an atlas");
    return false;
  }
  upload_atlas(o, font->atlas, font->atlas_w, font->atlas_h);
  /* the corner shared by the four white texels */
  o->white_u = (float)(font->white_x + 1) / (float)font->atlas_w;
  o->white_v = (float)(font->white_y + 1) / (float)font->atlas_h;
  o->font = font;
  return glGetError() == GL_NO_ERROR;
}

/* Appends one quad (two triangles) given its four corners in order around the edge. */
static void push_quad(struct ov_vertex *v, const float px[4], const float py[4], float u0, float v0,
                      float u1, float v1, lg_rgba color)
{
  static const int order[6] = {0, 1, 2, 0, 2, 3};
  const float us[4] = {u0, u1, u1, u0}, vs[4] = {v0, v0, v1, v1};
  for (int i = 0; i < 6; ++i) {
    const int k = order[i];
    v[i].x = px[k];
    v[i].y = py[k];
    v[i].u = us[k];
    v[i].v = vs[k];
    v[i].rgba[0] = (uint8_t)(color >> 24);
    v[i].rgba[1] = (uint8_t)(color >> 16);
    v[i].rgba[2] = (uint8_t)(color >> 8);
    v[i].rgba[3] = (uint8_t)color;
  }
}

/* Vertices a command needs (6 per quad). */
static size_t cmd_vertices(const struct lg_drawlist *dl, const struct lg_draw_cmd *c)
{
  if (c->type != LG_DRAW_TEXT)
    return 6;
  return (size_t)c->u.text.length * 6; /* at most one glyph per byte */
}

static size_t emit_text(const struct egl_overlay *o, const struct lg_drawlist *dl,
                        const struct lg_draw_cmd *c, struct ov_vertex *v)
{
  const struct lg_font *f = o->font;
  if (!f || (uint64_t)c->u.text.offset + c->u.text.length > dl->text_used)
    return 0;
  const char *s = dl->text + c->u.text.offset, *end = s + c->u.text.length;
  float pen = roundf(c->u.text.x);
  const float base = roundf(c->u.text.y) + (float)f->ascent;
  size_t n = 0;
  const float iw = 1.0f / (float)o->atlas_w, ih = 1.0f / (float)o->atlas_h;
  while (s < end) {
    const struct lg_glyph *g = &f->glyphs[lg_font_next_glyph(f, &s, end)];
    if (g->w && g->h) {
      const float x0 = pen + g->left, y0 = base - g->top;
      const float px[4] = {x0, x0 + g->w, x0 + g->w, x0};
      const float py[4] = {y0, y0, y0 + g->h, y0 + g->h};
      push_quad(v + n, px, py, g->x * iw, g->y * ih, (g->x + g->w) * iw, (g->y + g->h) * ih,
                c->color);
      n += 6;
    }
    pen += g->advance;
  }
  return n;
}

void egl_overlay_draw(struct lg_renderer *r)
{
  struct egl_overlay *o = &r->overlay;
  const struct lg_drawlist *dl = o->list;
  if (!dl || !dl->count)
    return;
  size_t need = 0;
  for (size_t i = 0; i < dl->count; ++i)
    need += cmd_vertices(dl, &dl->cmds[i]);
  if (need > o->verts_cap) {
    void *nv = realloc(o->verts, need * sizeof(struct ov_vertex));
    if (!nv) {
      LG_ERROR_RL("egl: out of memory for %zu overlay vertices", need);
      return;
    }
    o->verts = nv;
    o->verts_cap = need;
  }
  struct ov_vertex *v = o->verts;
  size_t n = 0;
  const float wu = o->white_u, wv = o->white_v;
  for (size_t i = 0; i < dl->count; ++i) {
    const struct lg_draw_cmd *c = &dl->cmds[i];
    switch (c->type) {
    case LG_DRAW_RECT: {
      const float x0 = c->u.rect.x, y0 = c->u.rect.y;
      const float x1 = x0 + c->u.rect.w, y1 = y0 + c->u.rect.h;
      const float px[4] = {x0, x1, x1, x0}, py[4] = {y0, y0, y1, y1};
      push_quad(v + n, px, py, wu, wv, wu, wv, c->color);
      n += 6;
      break;
    }
    case LG_DRAW_LINE: {
      const float dx = c->u.line.x1 - c->u.line.x0, dy = c->u.line.y1 - c->u.line.y0;
      const float len = sqrtf(dx * dx + dy * dy);
      if (len <= 0)
        break;
      const float hw = c->u.line.width * 0.5f;
      const float nx = -dy / len * hw, ny = dx / len * hw;
      const float px[4] = {c->u.line.x0 + nx, c->u.line.x1 + nx, c->u.line.x1 - nx,
                           c->u.line.x0 - nx};
      const float py[4] = {c->u.line.y0 + ny, c->u.line.y1 + ny, c->u.line.y1 - ny,
                           c->u.line.y0 - ny};
      push_quad(v + n, px, py, wu, wv, wu, wv, c->color);
      n += 6;
      break;
    }
    case LG_DRAW_TEXT:
      n += emit_text(o, dl, c, v + n);
      break;
    }
  }
  if (!n)
    return;
  glUseProgram(o->prog);
  glUniform2f(o->u_viewport, (float)r->width, (float)r->height);
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, o->atlas);
  glBindVertexArray(o->vao);
  glBindBuffer(GL_ARRAY_BUFFER, o->vbo);
  glBufferData(GL_ARRAY_BUFFER, (GLsizeiptr)(n * sizeof(struct ov_vertex)), v, GL_STREAM_DRAW);
  glEnable(GL_BLEND);
  glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ZERO, GL_ONE);
  glDrawArrays(GL_TRIANGLES, 0, (GLsizei)n);
  glDisable(GL_BLEND);
  glBindVertexArray(0);
}
