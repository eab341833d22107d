/* Minimal PNG writer for test screenshots: 8-bit RGB, stored (uncompressed) deflate. */
#ifndef LG_TEST_PNG_WRITE_H
#define LG_TEST_PNG_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes `width` x `height` RGB pixels (3 bytes each, rows `stride` bytes apart) to `path`
 * as a PNG; false on an I/O error. */
bool png_write_rgb(const char *path, const uint8_t *rgb, uint32_t width, uint32_t height,
                   uint32_t stride);

/* CRC-32 (ISO-HDLC, as PNG uses) of `len` bytes, continuing from `crc` (start with 0). */
uint32_t png_crc32(uint32_t crc, const uint8_t *data, size_t len);

/* Adler-32 of `len` bytes, continuing from `adler` (start with 1). */
uint32_t png_adler32(uint32_t adler, const uint8_t *data, size_t len);

#endif
