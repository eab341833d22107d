/* The `pattern` capture backend: deterministic frames and a moving colour cursor, paced at a
 * fixed rate. The pure functions here let tests compute the exact pixels a client must show.
 *
 * Image: pixel (x, y) of frame n has R = (x + s) mod 256, G = y mod 256,
 * B = ((x + s) xor y) mod 256 and alpha at its maximum, scaled to the format's range, where
 * the shift s is 0 with pattern:motion=off; with motion on it is n for pattern:damage=full and
 * lg_pattern_row_shift(height, n, y) for pattern:damage=band. */
#ifndef LG_HOST_PATTERN_H
#define LG_HOST_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#include "../capture.h"

/* Rows in one damage band (pattern:damage=band). */
#define LG_PATTERN_BAND_ROWS 64u

/* Cursor shape: COLOR, 32 x 32 BGRA, hotspot (1, 1). */
#define LG_PATTERN_CURSOR_SIZE 32u
#define LG_PATTERN_CURSOR_HOT 1

/* The backend entry for the table in backends.c. */
extern const struct lg_capture_backend lg_capture_pattern;

/* Writes the bytes of pixel (x, y) with shift n in `format` (FRAME_TYPE_BGRA, RGBA, RGBA10
 * or RGBA16F, little-endian) to `out`; returns the byte count (4 or 8), 0 for other formats. */
size_t lg_pattern_pixel(uint32_t format, uint32_t x, uint32_t y, uint32_t n, uint8_t *out);

/* Band mode: the shift row y holds after frame n of a `height`-row image, i.e. the last frame
 * m <= n whose band covered y (0 if none since frame 0, which is a full frame). */
uint32_t lg_pattern_row_shift(uint32_t height, uint32_t n, uint32_t y);

/* Band mode: the rows [*y0, *y0 + *rows) damaged by frame n >= 1 of a `height`-row image. */
void lg_pattern_band(uint32_t height, uint32_t n, uint32_t *y0, uint32_t *rows);

/* IEEE half float nearest to `v` (round to nearest even; overflow to infinity). */
uint16_t lg_pattern_half(float v);

/* Writes the cursor shape (32 x 32 BGRA, pitch 128) to `out` (4096 bytes). */
void lg_pattern_cursor_shape(uint8_t *out);

#endif
