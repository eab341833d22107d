/* Overlay font: finds a font with fontconfig and rasterises code points 32..126 and
 * 160..255 (ASCII + Latin-1) with FreeType into one 8-bit coverage atlas.
 * The atlas is plain memory; the renderer uploads it. Any thread, one font per thread. */
#ifndef LG_OVERLAY_FONT_H
#define LG_OVERLAY_FONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LG_FONT_GLYPHS 256

/* One glyph: its cell in the atlas and how to place it relative to the pen. */
struct lg_glyph {
  bool present;
  uint16_t x, y, w, h; /* atlas rectangle (pixels) */
  int16_t left, top;   /* bitmap offset from the pen: right of it, above the baseline */
  int16_t advance;     /* pen advance in pixels */
};

struct lg_font {
  uint8_t *atlas; /* atlas_w * atlas_h coverage bytes, rows top to bottom */
  uint32_t atlas_w, atlas_h;
  uint16_t white_x, white_y;            /* a 2x2 block of 255 coverage, for solid fills */
  int32_t ascent, descent, line_height; /* pixels; descent is positive below the baseline */
  uint32_t pixel_size;
  struct lg_glyph glyphs[LG_FONT_GLYPHS];
  char path[512]; /* the font file used */
};

/* Loads the best fontconfig match for `family` (e.g. "DejaVu Sans Mono"; NULL gives
 * "monospace") at `pixel_size` and builds the atlas; false on failure (logged). */
bool lg_font_load(struct lg_font *font, const char *family, uint32_t pixel_size);

/* Frees the atlas. */
void lg_font_free(struct lg_font *font);

/* Decodes one UTF-8 code point at `*s` (advancing it, never past `end`); code points the
 * atlas lacks come back as '?'. */
uint32_t lg_font_next_glyph(const struct lg_font *font, const char **s, const char *end);

/* Width and height in pixels of `len` bytes of UTF-8 text drawn on one line. */
void lg_font_measure(const struct lg_font *font, const char *text, size_t len, uint32_t *w,
                     uint32_t *h);

#endif
