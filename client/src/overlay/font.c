/* Overlay font atlas: fontconfig lookup + FreeType rasterisation of ASCII and Latin-1. */
#include "font.h"

#include "lg/log.h"

#include <fontconfig/fontconfig.h>
#include <ft2build.h>
#include FT_FREETYPE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ATLAS_WIDTH 512u
#define PAD 1u

static bool wanted(uint32_t cp) { return (cp >= 32 && cp <= 126) || (cp >= 160 && cp <= 255); }

static bool find_font(const char *family, char *path, size_t size, int *index)
{
  if (!FcInit()) {
    LG_ERROR("font: fontconfig failed to initialise");
    return false;
  }
  FcPattern *pat = FcNameParse((const FcChar8 *)(family ? family : "monospace"));
  if (!pat)
    return false;
  FcConfigSubstitute(NULL, pat, FcMatchPattern);
  FcDefaultSubstitute(pat);
  FcResult res;
  FcPattern *match = FcFontMatch(NULL, pat, &res);
  FcPatternDestroy(pat);
  bool ok = false;
  FcChar8 *file = NULL;
  if (match && FcPatternGetString(match, FC_FILE, 0, &file) == FcResultMatch) {
    snprintf(path, size, "%s", (const char *)file);
    if (FcPatternGetInteger(match, FC_INDEX, 0, index) != FcResultMatch)
      *index = 0;
    ok = true;
  } else {
    LG_ERROR("font: no font matches '%s'", family ? family : "monospace");
  }
  if (match)
    FcPatternDestroy(match);
  return ok;
}

/* Places glyphs left to right in shelves; returns the atlas height needed. */
static uint32_t layout(FT_Face face, struct lg_font *font)
{
  uint32_t x = 2 + PAD, y = 0, shelf = 2; /* (0,0) 2x2 is the white block */
  for (uint32_t cp = 0; cp < LG_FONT_GLYPHS; ++cp) {
    struct lg_glyph *g = &font->glyphs[cp];
    if (!wanted(cp) || FT_Get_Char_Index(face, cp) == 0 ||
        FT_Load_Char(face, cp, FT_LOAD_RENDER) != 0)
      continue;
    FT_GlyphSlot s = face->glyph;
    uint32_t w = s->bitmap.width, h = s->bitmap.rows;
    if (w + PAD > ATLAS_WIDTH)
      continue;
    if (x + w + PAD > ATLAS_WIDTH) {
      x = 0;
      y += shelf + PAD;
      shelf = 0;
    }
    g->present = true;
    g->x = (uint16_t)x;
    g->y = (uint16_t)y;
    g->w = (uint16_t)w;
    g->h = (uint16_t)h;
    g->left = (int16_t)s->bitmap_left;
    g->top = (int16_t)s->bitmap_top;
    g->advance = (int16_t)(s->advance.x >> 6);
    x += w + PAD;
    if (h > shelf)
      shelf = h;
  }
  return y + shelf + PAD;
}

static void rasterise(FT_Face face, struct lg_font *font)
{
  for (uint32_t cp = 0; cp < LG_FONT_GLYPHS; ++cp) {
    const struct lg_glyph *g = &font->glyphs[cp];
    if (!g->present || FT_Load_Char(face, cp, FT_LOAD_RENDER) != 0)
      continue;
    const FT_Bitmap *bm = &face->glyph->bitmap;
    if (bm->pixel_mode != FT_PIXEL_MODE_GRAY || bm->width != g->w || bm->rows != g->h)
      continue;
    for (uint32_t r = 0; r < g->h; ++r)
      memcpy(font->atlas + (size_t)(g->y + r) * font->atlas_w + g->x,
             bm->buffer + (ptrdiff_t)r * bm->pitch, g->w);
  }
}

bool lg_font_load(struct lg_font *font, const char *family, uint32_t pixel_size)
{
  memset(font, 0, sizeof(*font));
  int index = 0;
  if (!find_font(family, font->path, sizeof(font->path), &index))
    return false;

  FT_Library lib;
  if (FT_Init_FreeType(&lib) != 0) {
    LG_ERROR("font: FreeType failed to initialise");
    return false;
  }
  FT_Face face;
  bool ok = false;
  if (FT_New_Face(lib, font->path, index, &face) != 0) {
    LG_ERROR("font: FreeType cannot open %s", font->path);
    goto out_lib;
  }
  if (FT_Set_Pixel_Sizes(face, 0, pixel_size) != 0) {
    LG_ERROR("font: %s has no %u px size", font->path, pixel_size);
    goto out_face;
  }
  font->pixel_size = pixel_size;
  font->ascent = (int32_t)(face->size->metrics.ascender >> 6);
  font->descent = (int32_t)(-(face->size->metrics.descender >> 6));
  font->line_height = (int32_t)(face->size->metrics.height >> 6);
  if (font->line_height < font->ascent + font->descent)
    font->line_height = font->ascent + font->descent;

  font->atlas_w = ATLAS_WIDTH;
  font->atlas_h = layout(face, font);
  font->atlas = calloc((size_t)font->atlas_w * font->atlas_h, 1);
  if (!font->atlas) {
    LG_ERROR("font: out of memory for a %ux%u atlas", font->atlas_w, font->atlas_h);
    goto out_face;
  }
  font->white_x = 0;
  font->white_y = 0;
  font->atlas[0] = font->atlas[1] = 255;
  font->atlas[font->atlas_w] = font->atlas[font->atlas_w + 1] = 255;
  rasterise(face, font);
  if (!font->glyphs['?'].present) {
    LG_ERROR("font: %s has no '?' glyph", font->path);
    free(font->atlas);
    font->atlas = NULL;
    goto out_face;
  }
  LG_INFO("font: %s at %u px, atlas %ux%u", font->path, pixel_size, font->atlas_w, font->atlas_h);
  ok = true;
out_face:
  FT_Done_Face(face);
out_lib:
  FT_Done_FreeType(lib);
  return ok;
}

void lg_font_free(struct lg_font *font)
{
  free(font->atlas);
  font->atlas = NULL;
}

uint32_t lg_font_next_glyph(const struct lg_font *font, const char **s, const char *end)
{
  const unsigned char *p = (const unsigned char *)*s;
  const unsigned char *e = (const unsigned char *)end;
  uint32_t cp;
  size_t n;
  if (p[0] < 0x80) {
    cp = p[0];
    n = 1;
  } else if ((p[0] & 0xe0) == 0xc0) {
    cp = p[0] & 0x1fu;
    n = 2;
  } else if ((p[0] & 0xf0) == 0xe0) {
    cp = p[0] & 0x0fu;
    n = 3;
  } else if ((p[0] & 0xf8) == 0xf0) {
    cp = p[0] & 0x07u;
    n = 4;
  } else {
    *s += 1;
    return '?';
  }
  if ((size_t)(e - p) < n) {
    *s = end;
    return '?';
  }
  for (size_t i = 1; i < n; ++i) {
    if ((p[i] & 0xc0) != 0x80) {
      *s += i;
      return '?';
    }
    cp = (cp << 6) | (p[i] & 0x3fu);
  }
  *s += n;
  if (cp >= LG_FONT_GLYPHS || !font->glyphs[cp].present)
    return '?';
  return cp;
}

void lg_font_measure(const struct lg_font *font, const char *text, size_t len, uint32_t *w,
                     uint32_t *h)
{
  const char *s = text, *end = text + len;
  int32_t pen = 0;
  while (s < end)
    pen += font->glyphs[lg_font_next_glyph(font, &s, end)].advance;
  *w = pen > 0 ? (uint32_t)pen : 0;
  *h = (uint32_t)font->line_height;
}
