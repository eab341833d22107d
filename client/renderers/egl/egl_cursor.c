/* Cursor layer: converts the three KVMFR cursor types into one RGBA texture.
 * COLOR keeps its alpha. MONOCHROME becomes MASKED_COLOR data: AND=1 XOR=0 -> keep
 * (xor with black), AND=1 XOR=1 -> invert (xor with white), AND=0 -> replace with black or
 * white. MASKED_COLOR is drawn in two passes (see egl.c). */
#include "egl_priv.h"

#include "lg/log.h"

#include <stdlib.h>
#include <string.h>

bool egl_cursor_init(struct lg_renderer *r)
{
  struct egl_cursor *c = &r->cursor;
  c->rgba = malloc((size_t)EGL_CURSOR_MAX * EGL_CURSOR_MAX * 4);
  if (!c->rgba) {
    LG_ERROR("egl: out of memory for the cursor buffer");
    return false;
  }
  glGenTextures(1, &c->tex);
  glBindTexture(GL_TEXTURE_2D, c->tex);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  return true;
}

void egl_cursor_free(struct lg_renderer *r)
{
  if (r->cursor.tex)
    glDeleteTextures(1, &r->cursor.tex);
  r->cursor.tex = 0;
}

static void convert_bgra(uint8_t *out, const struct lg_cursor_shape *s)
{
  for (uint32_t y = 0; y < s->height; ++y) {
    const uint8_t *in = s->data + (size_t)y * s->pitch;
    uint8_t *o = out + (size_t)y * s->width * 4;
    for (uint32_t x = 0; x < s->width; ++x) {
      o[4 * x + 0] = in[4 * x + 2];
      o[4 * x + 1] = in[4 * x + 1];
      o[4 * x + 2] = in[4 * x + 0];
      o[4 * x + 3] = in[4 * x + 3];
    }
  }
}

static void convert_mono(uint8_t *out, const struct lg_cursor_shape *s, uint32_t h)
{
  for (uint32_t y = 0; y < h; ++y) {
    const uint8_t *and_row = s->data + (size_t)y * s->pitch;
    const uint8_t *xor_row = s->data + (size_t)(y + h) * s->pitch;
    uint8_t *o = out + (size_t)y * s->width * 4;
    for (uint32_t x = 0; x < s->width; ++x) {
      const uint8_t bit = (uint8_t)(0x80u >> (x & 7));
      const bool a = and_row[x / 8] & bit, xr = xor_row[x / 8] & bit;
      const uint8_t v = xr ? 255 : 0;
      o[4 * x + 0] = o[4 * x + 1] = o[4 * x + 2] = v;
      o[4 * x + 3] = a ? 255 : 0;
    }
  }
}

bool egl_cursor_shape(struct lg_renderer *r, const struct lg_cursor_shape *s)
{
  struct egl_cursor *c = &r->cursor;
  uint32_t h = s->height;
  uint64_t row_bytes;
  switch (s->type) {
  case CURSOR_TYPE_COLOR:
  case CURSOR_TYPE_MASKED_COLOR:
    row_bytes = (uint64_t)s->width * 4;
    break;
  case CURSOR_TYPE_MONOCHROME:
    row_bytes = ((uint64_t)s->width + 7) / 8;
    h = s->height / 2;
    break;
  default:
    LG_WARN_RL("egl: unknown cursor type %u ignored", s->type);
    return false;
  }
  if (!s->data || !s->width || !h || s->width > EGL_CURSOR_MAX || h > EGL_CURSOR_MAX ||
      s->pitch < row_bytes) {
    LG_WARN_RL("egl: bad cursor shape %ux%u pitch %u", s->width, s->height, s->pitch);
    return false;
  }
  if (s->type == CURSOR_TYPE_MONOCHROME)
    convert_mono(c->rgba, s, h);
  else
    convert_bgra(c->rgba, s);

  glBindTexture(GL_TEXTURE_2D, c->tex);
  glBindBuffer(GL_PIXEL_UNPACK_BUFFER, 0);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, (GLsizei)s->width, (GLsizei)h, 0, GL_RGBA,
               GL_UNSIGNED_BYTE, c->rgba);
  c->width = s->width;
  c->height = h;
  c->hot_x = s->hot_x;
  c->hot_y = s->hot_y;
  c->masked = s->type != CURSOR_TYPE_COLOR;
  c->has_shape = true;
  return true;
}
