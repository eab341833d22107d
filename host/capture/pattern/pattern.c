/* The `pattern` capture backend (see pattern.h for the image it draws). */
#include "pattern.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "lg/log.h"
#include "lg/time.h"

enum pattern_damage { DAMAGE_FULL = 0, DAMAGE_BAND };

struct pattern_capture {
  struct lg_capture base;
  uint32_t width, height, fps, format, bpp;
  bool motion;
  enum pattern_damage damage;
  uint8_t *buf; /* the current image, height rows of pitch bytes */
  size_t pitch;
  uint32_t next_n; /* index of the next frame to produce */
  uint64_t period_ns, deadline_ns;
  bool started;
  /* 8-bit channel value -> format value, built once. */
  uint16_t lut10[256];
  uint16_t lut16f[256];
  /* Cursor. */
  uint8_t shape[LG_PATTERN_CURSOR_SIZE * LG_PATTERN_CURSOR_SIZE * 4];
  bool shape_sent, visible_sent;
  int32_t last_x, last_y;
  int32_t off_x, off_y;  /* added to the path after a warp */
  _Atomic uint64_t warp; /* bit 63 pending; bits 32..62 unused; x in 16..31, y in 0..15 */
};

static const char *const format_names[] = {"bgra", "rgba", "rgba10", "rgba16f", NULL};
static const uint32_t format_types[] = {FRAME_TYPE_BGRA, FRAME_TYPE_RGBA, FRAME_TYPE_RGBA10,
                                        FRAME_TYPE_RGBA16F};
static const char *const damage_names[] = {"full", "band", NULL};
static const char *const motion_names[] = {"off", "on", NULL};

static const struct lg_capture_option_desc pattern_options[] = {
    {"width", "Frame width in pixels", "1920"},
    {"height", "Frame height in pixels", "1080"},
    {"fps", "Frames per second (at most 100000; benchmarks use it unpaced)", "60"},
    {"format", "Pixel format: bgra, rgba, rgba10 or rgba16f", "bgra"},
    {"damage", "Damage reported per frame: full, or band (a moving band of rows)", "full"},
    {"motion", "on: frame n shifts the image left by n pixels; off: a still image", "off"},
    {NULL, NULL, NULL},
};

uint16_t lg_pattern_half(float v)
{
  uint32_t f;
  memcpy(&f, &v, sizeof(f));
  uint16_t sign = (uint16_t)((f >> 16) & 0x8000u);
  uint32_t fexp = (f >> 23) & 0xffu;
  uint32_t mant = f & 0x7fffffu;
  if (fexp == 0xffu)
    return (uint16_t)(sign | 0x7c00u | (mant ? 0x200u : 0));
  int32_t exp = (int32_t)fexp - 127 + 15;
  if (exp >= 31)
    return (uint16_t)(sign | 0x7c00u);
  if (exp <= 0) {
    if (exp < -10)
      return sign;
    uint32_t m = mant | 0x800000u;
    uint32_t shift = (uint32_t)(14 - exp);
    uint32_t h = m >> shift;
    uint32_t rem = m & ((1u << shift) - 1u);
    uint32_t half = 1u << (shift - 1u);
    if (rem > half || (rem == half && (h & 1u)))
      ++h;
    return (uint16_t)(sign | h);
  }
  uint32_t h = ((uint32_t)exp << 10) | (mant >> 13);
  uint32_t rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u)))
    ++h; /* a carry into the exponent is still correct; it may reach infinity */
  return (uint16_t)(sign | h);
}

static inline uint16_t scale10(uint32_t v) { return (uint16_t)((v * 1023u + 127u) / 255u); }

static inline void put_le16(uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

size_t lg_pattern_pixel(uint32_t format, uint32_t x, uint32_t y, uint32_t n, uint8_t *out)
{
  uint32_t xs = x + n;
  uint32_t r = xs & 0xffu, g = y & 0xffu, b = (xs ^ y) & 0xffu;
  switch (format) {
  case FRAME_TYPE_BGRA:
    out[0] = (uint8_t)b, out[1] = (uint8_t)g, out[2] = (uint8_t)r, out[3] = 0xff;
    return 4;
  case FRAME_TYPE_RGBA:
    out[0] = (uint8_t)r, out[1] = (uint8_t)g, out[2] = (uint8_t)b, out[3] = 0xff;
    return 4;
  case FRAME_TYPE_RGBA10:
    put_le32(out, (uint32_t)scale10(r) | (uint32_t)scale10(g) << 10 | (uint32_t)scale10(b) << 20 |
                      3u << 30);
    return 4;
  case FRAME_TYPE_RGBA16F:
    put_le16(out + 0, lg_pattern_half((float)r / 255.0f));
    put_le16(out + 2, lg_pattern_half((float)g / 255.0f));
    put_le16(out + 4, lg_pattern_half((float)b / 255.0f));
    put_le16(out + 6, 0x3c00u);
    return 8;
  default:
    return 0;
  }
}

static uint32_t band_count(uint32_t height)
{
  uint32_t p = (height + LG_PATTERN_BAND_ROWS - 1) / LG_PATTERN_BAND_ROWS;
  return p ? p : 1;
}

uint32_t lg_pattern_row_shift(uint32_t height, uint32_t n, uint32_t y)
{
  uint32_t p = band_count(height);
  uint32_t b = y / LG_PATTERN_BAND_ROWS;
  if (n < b)
    return 0;
  return n - (n - b) % p;
}

void lg_pattern_band(uint32_t height, uint32_t n, uint32_t *y0, uint32_t *rows)
{
  uint32_t k = n % band_count(height);
  uint32_t start = k * LG_PATTERN_BAND_ROWS;
  uint32_t end = start + LG_PATTERN_BAND_ROWS;
  if (end > height)
    end = height;
  *y0 = start;
  *rows = end > start ? end - start : 0;
}

/* Cursor shape: an arrow (triangle and stem) with a black outline; inside pixels carry a
 * gradient so a client's colour handling can be checked. */
static bool cursor_inside(int x, int y)
{
  if (x < 0 || y < 0 || x >= (int)LG_PATTERN_CURSOR_SIZE || y >= (int)LG_PATTERN_CURSOR_SIZE)
    return false;
  if (y < 24 && x <= (y * 2) / 3)
    return true;
  int s = (y - 16) / 2 + 4;
  return y >= 16 && x >= s && x < s + 4;
}

void lg_pattern_cursor_shape(uint8_t *out)
{
  for (int y = 0; y < (int)LG_PATTERN_CURSOR_SIZE; ++y)
    for (int x = 0; x < (int)LG_PATTERN_CURSOR_SIZE; ++x) {
      uint8_t *p = out + ((size_t)y * LG_PATTERN_CURSOR_SIZE + (size_t)x) * 4;
      if (!cursor_inside(x, y)) {
        p[0] = p[1] = p[2] = p[3] = 0;
        continue;
      }
      bool edge = !cursor_inside(x - 1, y) || !cursor_inside(x + 1, y) ||
                  !cursor_inside(x, y - 1) || !cursor_inside(x, y + 1);
      if (edge) {
        p[0] = p[1] = p[2] = 0;
      } else {
        p[0] = (uint8_t)(x * 8);
        p[1] = (uint8_t)(y * 8);
        p[2] = 0xff;
      }
      p[3] = 0xff;
    }
}

static void render_row(struct pattern_capture *p, uint32_t y, uint32_t n)
{
  uint8_t *row = p->buf + (size_t)y * p->pitch;
  uint32_t g = y & 0xffu;
  switch (p->format) {
  case FRAME_TYPE_BGRA:
  case FRAME_TYPE_RGBA: {
    bool bgra = p->format == FRAME_TYPE_BGRA;
    for (uint32_t x = 0; x < p->width; ++x, row += 4) {
      uint32_t xs = x + n;
      uint8_t r = (uint8_t)xs, b = (uint8_t)(xs ^ y);
      row[0] = bgra ? b : r;
      row[1] = (uint8_t)g;
      row[2] = bgra ? r : b;
      row[3] = 0xff;
    }
    break;
  }
  case FRAME_TYPE_RGBA10:
    for (uint32_t x = 0; x < p->width; ++x, row += 4) {
      uint32_t xs = x + n;
      put_le32(row, (uint32_t)p->lut10[xs & 0xffu] | (uint32_t)p->lut10[g] << 10 |
                        (uint32_t)p->lut10[(xs ^ y) & 0xffu] << 20 | 3u << 30);
    }
    break;
  case FRAME_TYPE_RGBA16F:
    for (uint32_t x = 0; x < p->width; ++x, row += 8) {
      uint32_t xs = x + n;
      put_le16(row + 0, p->lut16f[xs & 0xffu]);
      put_le16(row + 2, p->lut16f[g]);
      put_le16(row + 4, p->lut16f[(xs ^ y) & 0xffu]);
      put_le16(row + 6, 0x3c00u);
    }
    break;
  default:
    break;
  }
}

static bool pattern_start(struct lg_capture *cap)
{
  struct pattern_capture *p = container_of(cap, struct pattern_capture, base);
  p->next_n = 0;
  p->deadline_ns = 0;
  p->shape_sent = p->visible_sent = false;
  p->started = true;
  LG_INFO("pattern: %ux%u %s at %u fps, damage %s, motion %s", p->width, p->height,
          format_names[p->format == FRAME_TYPE_BGRA     ? 0
                       : p->format == FRAME_TYPE_RGBA   ? 1
                       : p->format == FRAME_TYPE_RGBA10 ? 2
                                                        : 3],
          p->fps, damage_names[p->damage], motion_names[p->motion ? 1 : 0]);
  return true;
}

static void pattern_stop(struct lg_capture *cap)
{
  struct pattern_capture *p = container_of(cap, struct pattern_capture, base);
  p->started = false;
}

static enum lg_capture_result pattern_capture(struct lg_capture *cap, uint32_t timeout_ms,
                                              struct lg_capture_frame *out)
{
  struct pattern_capture *p = container_of(cap, struct pattern_capture, base);
  if (!p->started)
    return LG_CAPTURE_ERROR;
  uint64_t now = lg_time_ns();
  if (p->deadline_ns == 0)
    p->deadline_ns = now;
  if (p->deadline_ns > now) {
    uint64_t wait = p->deadline_ns - now;
    uint64_t limit = (uint64_t)timeout_ms * 1000000ull;
    if (wait > limit) {
      lg_sleep_ns(limit);
      return LG_CAPTURE_TIMEOUT;
    }
    lg_sleep_ns(wait);
  }
  p->deadline_ns += p->period_ns;
  now = lg_time_ns();
  if (p->deadline_ns + p->period_ns < now)
    p->deadline_ns = now; /* fell behind: do not burst to catch up */

  uint32_t n = p->next_n++;
  memset(out, 0, offsetof(struct lg_capture_frame, damage));
  out->format = p->format;
  out->format_serial = 1;
  out->width = out->screen_width = p->width;
  out->height = out->screen_height = p->height;
  out->pitch = (uint32_t)p->pitch;
  out->stride = p->width;
  out->rotation = FRAME_ROT_0;
  out->hdr = p->format == FRAME_TYPE_RGBA16F;

  if (n == 0) {
    for (uint32_t y = 0; y < p->height; ++y)
      render_row(p, y, 0);
    out->full_damage = true;
    return LG_CAPTURE_OK;
  }
  if (p->damage == DAMAGE_FULL) {
    if (p->motion)
      for (uint32_t y = 0; y < p->height; ++y)
        render_row(p, y, n);
    out->full_damage = true;
    return LG_CAPTURE_OK;
  }
  uint32_t y0, rows;
  lg_pattern_band(p->height, n, &y0, &rows);
  if (p->motion)
    for (uint32_t y = y0; y < y0 + rows; ++y)
      render_row(p, y, n);
  out->damage_count = 1;
  out->damage[0] = (struct frame_damage_rect){0, y0, p->width, rows};
  return LG_CAPTURE_OK;
}

static bool pattern_write_frame(struct lg_capture *cap, const struct lg_capture_frame *frame,
                                const struct lg_capture_dest *dst)
{
  struct pattern_capture *p = container_of(cap, struct pattern_capture, base);
  if (frame->width != p->width || frame->height != p->height || frame->format != p->format) {
    LG_ERROR_RL("pattern: write_frame with a frame this backend did not produce");
    return false;
  }
  return lg_capture_copy_cpu(frame, p->buf, p->pitch, dst);
}

/* Triangle wave over [0, len]. */
static int32_t bounce(uint32_t t, uint32_t len)
{
  if (len == 0)
    return 0;
  uint32_t m = t % (2 * len);
  return (int32_t)(m <= len ? m : 2 * len - m);
}

static int32_t clamp_i32(int32_t v, int32_t lo, int32_t hi)
{
  return v < lo ? lo : v > hi ? hi : v;
}

static bool pattern_cursor(struct lg_capture *cap, struct lg_capture_cursor *out)
{
  struct pattern_capture *p = container_of(cap, struct pattern_capture, base);
  uint32_t n = p->next_n ? p->next_n - 1 : 0;
  uint32_t span_x = p->width > LG_PATTERN_CURSOR_SIZE ? p->width - LG_PATTERN_CURSOR_SIZE : 0;
  uint32_t span_y = p->height > LG_PATTERN_CURSOR_SIZE ? p->height - LG_PATTERN_CURSOR_SIZE : 0;
  int32_t px = bounce(n * 4u, span_x), py = bounce(n * 3u, span_y);

  uint64_t w = atomic_exchange(&p->warp, 0);
  if (w >> 63) {
    int32_t tx = (int16_t)(uint16_t)(w >> 16), ty = (int16_t)(uint16_t)w;
    p->off_x = tx - LG_PATTERN_CURSOR_HOT - px;
    p->off_y = ty - LG_PATTERN_CURSOR_HOT - py;
  }
  int32_t x = clamp_i32(px + p->off_x, 0, (int32_t)p->width - 1);
  int32_t y = clamp_i32(py + p->off_y, 0, (int32_t)p->height - 1);

  memset(out, 0, sizeof(*out));
  out->x = x;
  out->y = y;
  out->position_changed = !p->shape_sent || x != p->last_x || y != p->last_y;
  out->visible = true;
  out->visible_changed = !p->visible_sent;
  out->shape_changed = !p->shape_sent;
  out->type = CURSOR_TYPE_COLOR;
  out->width = out->height = LG_PATTERN_CURSOR_SIZE;
  out->pitch = LG_PATTERN_CURSOR_SIZE * 4;
  out->hx = out->hy = LG_PATTERN_CURSOR_HOT;
  out->shape = p->shape;
  p->last_x = x;
  p->last_y = y;
  p->shape_sent = p->visible_sent = true;
  return out->position_changed || out->visible_changed || out->shape_changed;
}

static void pattern_set_cursor_pos(struct lg_capture *cap, int32_t x, int32_t y)
{
  struct pattern_capture *p = container_of(cap, struct pattern_capture, base);
  x = clamp_i32(x, INT16_MIN, INT16_MAX);
  y = clamp_i32(y, INT16_MIN, INT16_MAX);
  uint64_t v = 1ull << 63 | (uint64_t)(uint16_t)(int16_t)x << 16 | (uint64_t)(uint16_t)(int16_t)y;
  atomic_store(&p->warp, v);
}

static void pattern_destroy(struct lg_capture *cap)
{
  struct pattern_capture *p = container_of(cap, struct pattern_capture, base);
  free(p->buf);
  free(p);
}

static const struct lg_capture_impl pattern_impl = {
    .start = pattern_start,
    .stop = pattern_stop,
    .capture = pattern_capture,
    .write_frame = pattern_write_frame,
    .cursor = pattern_cursor,
    .set_cursor_pos = pattern_set_cursor_pos,
    .destroy = pattern_destroy,
};

static bool pattern_probe(void) { return true; }

static struct lg_capture *pattern_create(const struct lg_capture_options *opts)
{
  const struct lg_capture_backend *b = &lg_capture_pattern;
  uint32_t width, height, fps;
  unsigned fmt, damage, motion;
  if (!lg_capture_opt_uint(b, opts, "width", 1, 8192, &width) ||
      !lg_capture_opt_uint(b, opts, "height", 1, 8192, &height) ||
      !lg_capture_opt_uint(b, opts, "fps", 1, 100000, &fps) ||
      !lg_capture_opt_choice(b, opts, "format", format_names, &fmt) ||
      !lg_capture_opt_choice(b, opts, "damage", damage_names, &damage) ||
      !lg_capture_opt_choice(b, opts, "motion", motion_names, &motion))
    return NULL;

  struct pattern_capture *p = calloc(1, sizeof(*p));
  if (!p) {
    LG_ERROR("pattern: out of memory");
    return NULL;
  }
  p->base.impl = &pattern_impl;
  p->base.backend = b;
  p->width = width;
  p->height = height;
  p->fps = fps;
  p->format = format_types[fmt];
  p->bpp = kvmfr_frame_type_bpp(p->format);
  p->damage = (enum pattern_damage)damage;
  p->motion = motion == 1;
  p->period_ns = 1000000000ull / fps;
  p->pitch = (size_t)width * p->bpp;
  p->buf = malloc(p->pitch * height);
  if (!p->buf) {
    LG_ERROR("pattern: cannot allocate %" PRIu64 " bytes for a %ux%u frame",
             (uint64_t)p->pitch * height, width, height);
    free(p);
    return NULL;
  }
  for (uint32_t v = 0; v < 256; ++v) {
    p->lut10[v] = scale10(v);
    p->lut16f[v] = lg_pattern_half((float)v / 255.0f);
  }
  lg_pattern_cursor_shape(p->shape);
  atomic_init(&p->warp, 0);
  return &p->base;
}

const struct lg_capture_backend lg_capture_pattern = {
    .name = "pattern",
    .description = "Deterministic test frames and a moving cursor",
    .options = pattern_options,
    .probe = pattern_probe,
    .create = pattern_create,
};
