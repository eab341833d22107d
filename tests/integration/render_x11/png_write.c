/* PNG writer with stored deflate blocks: a signature, IHDR, one IDAT holding a zlib
 * stream of uncompressed blocks (at most 65535 bytes each), and IEND. */
#include "png_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t png_crc32(uint32_t crc, const uint8_t *data, size_t len)
{
  crc = ~crc;
  for (size_t i = 0; i < len; ++i) {
    crc ^= data[i];
    for (int k = 0; k < 8; ++k)
      crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

uint32_t png_adler32(uint32_t adler, const uint8_t *data, size_t len)
{
  uint32_t a = adler & 0xffffu, b = adler >> 16;
  for (size_t i = 0; i < len; ++i) {
    a = (a + data[i]) % 65521u;
    b = (b + a) % 65521u;
  }
  return (b << 16) | a;
}

static void put_be32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static bool write_chunk(FILE *fp, const char type[4], const uint8_t *data, size_t len)
{
  uint8_t hdr[8];
  put_be32(hdr, (uint32_t)len);
  memcpy(hdr + 4, type, 4);
  uint32_t crc = png_crc32(0, hdr + 4, 4);
  crc = png_crc32(crc, data, len);
  uint8_t tail[4];
  put_be32(tail, crc);
  return fwrite(hdr, 1, 8, fp) == 8 && (len == 0 || fwrite(data, 1, len, fp) == len) &&
         fwrite(tail, 1, 4, fp) == 4;
}

bool png_write_rgb(const char *path, const uint8_t *rgb, uint32_t width, uint32_t height,
                   uint32_t stride)
{
  /* raw scanlines: a filter byte (0 = none) + the row */
  const size_t row = (size_t)width * 3 + 1;
  const size_t raw_len = row * height;
  const size_t blocks = raw_len / 65535 + 1;
  const size_t z_len = 2 + raw_len + blocks * 5 + 4;
  uint8_t *raw = malloc(raw_len);
  uint8_t *z = malloc(z_len);
  bool ok = false;
  FILE *fp = NULL;
  if (!raw || !z)
    goto out;
  for (uint32_t y = 0; y < height; ++y) {
    raw[y * row] = 0;
    memcpy(raw + y * row + 1, rgb + (size_t)y * stride, row - 1);
  }
  size_t o = 0;
  z[o++] = 0x78; /* deflate, 32 KiB window */
  z[o++] = 0x01; /* no dictionary, fastest; 0x7801 % 31 == 0 */
  size_t done = 0;
  do {
    size_t n = raw_len - done > 65535 ? 65535 : raw_len - done;
    const bool last = done + n == raw_len;
    z[o++] = last ? 1 : 0; /* BFINAL, BTYPE = 00 (stored) */
    z[o++] = (uint8_t)n;
    z[o++] = (uint8_t)(n >> 8);
    z[o++] = (uint8_t)~n;
    z[o++] = (uint8_t)(~n >> 8);
    memcpy(z + o, raw + done, n);
    o += n;
    done += n;
  } while (done < raw_len);
  put_be32(z + o, png_adler32(1, raw, raw_len));
  o += 4;

  uint8_t ihdr[13];
  put_be32(ihdr, width);
  put_be32(ihdr + 4, height);
  ihdr[8] = 8;  /* bit depth */
  ihdr[9] = 2;  /* colour type RGB */
  ihdr[10] = 0; /* deflate */
  ihdr[11] = 0; /* adaptive filtering */
  ihdr[12] = 0; /* no interlace */
  static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  fp = fopen(path, "wb");
  if (!fp)
    goto out;
  ok = fwrite(sig, 1, 8, fp) == 8 && write_chunk(fp, "IHDR", ihdr, sizeof(ihdr)) &&
       write_chunk(fp, "IDAT", z, o) && write_chunk(fp, "IEND", NULL, 0);
  ok = (fclose(fp) == 0) && ok;
out:
  free(raw);
  free(z);
  return ok;
}
