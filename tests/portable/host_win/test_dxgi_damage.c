/* DXGI dirty/move rects -> KVMFR damage: clipping, merging, moves, the 64-rect limit, and a
 * randomised exactness check (output covers exactly the clipped input pixels).
 * Prints one line per failed check and "N passed, N failed". */
#include <stdio.h>
#include <string.h>

#include "dxgi/dxgi_damage.h"

static unsigned g_pass, g_fail;

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (cond) {                                                                                    \
      ++g_pass;                                                                                    \
    } else {                                                                                       \
      ++g_fail;                                                                                    \
      printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                                       \
    }                                                                                              \
  } while (0)

static bool rect_is(const struct frame_damage_rect *r, uint32_t x, uint32_t y, uint32_t w,
                    uint32_t h)
{
  return r->x == x && r->y == y && r->width == w && r->height == h;
}

static void check_basic(void)
{
  struct lg_dxgi_damage d;
  lg_dxgi_damage_build(NULL, 0, NULL, 0, 1920, 1080, &d);
  CHECK(!d.full && d.count == 0);

  /* Clipped to the frame; empty and outside rects dropped. */
  struct lg_dxgi_rect dirty[] = {{-10, -5, 100, 50},
                                 {1900, 1000, 2000, 1200},
                                 {5, 5, 5, 9},
                                 {3000, 0, 3100, 10},
                                 {10, 10, 0, 0}};
  lg_dxgi_damage_build(dirty, 5, NULL, 0, 1920, 1080, &d);
  CHECK(!d.full && d.count == 2);
  CHECK(rect_is(&d.rects[0], 0, 0, 100, 50));
  CHECK(rect_is(&d.rects[1], 1900, 1000, 20, 80));

  /* Contained rects vanish, a container swallows earlier ones, joined rects merge. */
  struct lg_dxgi_rect m[] = {
      {10, 10, 20, 20}, {12, 12, 15, 15}, {0, 0, 30, 30}, {30, 0, 40, 30}, {0, 30, 40, 35}};
  lg_dxgi_damage_build(m, 5, NULL, 0, 1920, 1080, &d);
  CHECK(d.count == 1 && rect_is(&d.rects[0], 0, 0, 40, 35));

  /* Overlapping rects that do not form one rectangle stay two. */
  struct lg_dxgi_rect o[] = {{0, 0, 10, 10}, {5, 5, 15, 15}};
  lg_dxgi_damage_build(o, 2, NULL, 0, 1920, 1080, &d);
  CHECK(!d.full && d.count == 2);

  /* The whole frame is full damage. */
  struct lg_dxgi_rect all[] = {{0, 0, 960, 1080}, {960, 0, 1920, 1080}};
  lg_dxgi_damage_build(all, 2, NULL, 0, 1920, 1080, &d);
  CHECK(d.full && d.count == 0);

  /* Extreme coordinates do not overflow. */
  struct lg_dxgi_rect ext[] = {{INT32_MIN, INT32_MIN, INT32_MAX, 1}};
  lg_dxgi_damage_build(ext, 1, NULL, 0, 1920, 1080, &d);
  CHECK(!d.full && d.count == 1 && rect_is(&d.rects[0], 0, 0, 1920, 1));
}

static void check_moves(void)
{
  struct lg_dxgi_damage d;
  struct lg_dxgi_move mv[] = {
      {100, 100, {200, 300, 250, 340}}, /* source 100,100 50x40 -> dest 200,300 */
      {10, 10, {10, 10, 60, 60}},       /* onto itself: skipped */
      {0, 0, {5, 5, 5, 50}},            /* empty: skipped */
  };
  lg_dxgi_damage_build(NULL, 0, mv, 3, 1920, 1080, &d);
  CHECK(!d.full && d.count == 2);
  CHECK(rect_is(&d.rects[0], 100, 100, 50, 40));
  CHECK(rect_is(&d.rects[1], 200, 300, 50, 40));

  /* A move whose source lies partly outside is clipped; extreme source points are safe. */
  struct lg_dxgi_move edge[] = {{1900, 0, {0, 0, 40, 10}}, {INT32_MAX, INT32_MAX, {0, 20, 40, 30}}};
  lg_dxgi_damage_build(NULL, 0, edge, 2, 1920, 1080, &d);
  CHECK(!d.full && d.count == 3);
  CHECK(rect_is(&d.rects[0], 1900, 0, 20, 10));
}

static void check_limit(void)
{
  struct lg_dxgi_rect r[65];
  for (int i = 0; i < 65; ++i)
    r[i] = (struct lg_dxgi_rect){i * 20, (i % 2) * 20, i * 20 + 10, (i % 2) * 20 + 10};
  struct lg_dxgi_damage d;
  lg_dxgi_damage_build(r, 64, NULL, 0, 1920, 1080, &d);
  CHECK(!d.full && d.count == 64);
  lg_dxgi_damage_build(r, 65, NULL, 0, 1920, 1080, &d);
  CHECK(d.full && d.count == 0);

  /* 200 one-pixel rows of the same span merge into one rect: no overflow. */
  struct lg_dxgi_rect rows[200];
  for (int i = 0; i < 200; ++i)
    rows[i] = (struct lg_dxgi_rect){50, 100 + i, 90, 101 + i};
  lg_dxgi_damage_build(rows, 200, NULL, 0, 1920, 1080, &d);
  CHECK(!d.full && d.count == 1 && rect_is(&d.rects[0], 50, 100, 40, 200));
}

/* Deterministic xorshift for the randomised check. */
static uint32_t rnd(uint32_t *s)
{
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

#define FW 64
#define FH 48

static void check_random(void)
{
  uint32_t seed = 0x12345678u;
  unsigned bad = 0, full = 0;
  for (int iter = 0; iter < 2000; ++iter) {
    struct lg_dxgi_rect r[24];
    size_t n = 1 + rnd(&seed) % 24;
    static uint8_t want[FH][FW], got[FH][FW];
    memset(want, 0, sizeof(want));
    memset(got, 0, sizeof(got));
    for (size_t i = 0; i < n; ++i) {
      int32_t x = (int32_t)(rnd(&seed) % 80) - 8, y = (int32_t)(rnd(&seed) % 60) - 6;
      int32_t w = (int32_t)(rnd(&seed) % 24), h = (int32_t)(rnd(&seed) % 18);
      if (rnd(&seed) % 3 == 0) /* often share a span so that merges happen */
        x = 8, w = 16;
      r[i] = (struct lg_dxgi_rect){x, y, x + w, y + h};
      for (int32_t yy = y; yy < y + h; ++yy)
        for (int32_t xx = x; xx < x + w; ++xx)
          if (xx >= 0 && yy >= 0 && xx < FW && yy < FH)
            want[yy][xx] = 1;
    }
    struct lg_dxgi_damage d;
    lg_dxgi_damage_build(r, n, NULL, 0, FW, FH, &d);
    if (d.full) { /* at most 24 inputs: full only when they cover the whole frame */
      ++full;
      for (int yy = 0; yy < FH; ++yy)
        for (int xx = 0; xx < FW; ++xx)
          bad += want[yy][xx] == 0;
      continue;
    }
    for (uint32_t i = 0; i < d.count; ++i) {
      const struct frame_damage_rect *o = &d.rects[i];
      if (o->width == 0 || o->height == 0 || o->x + o->width > FW || o->y + o->height > FH) {
        ++bad;
        continue;
      }
      for (uint32_t yy = o->y; yy < o->y + o->height; ++yy)
        for (uint32_t xx = o->x; xx < o->x + o->width; ++xx)
          got[yy][xx] = 1;
    }
    if (memcmp(want, got, sizeof(want)) != 0)
      ++bad;
  }
  CHECK(bad == 0);
  CHECK(full < 2000); /* full only when the union is the whole frame */
}

int main(void)
{
  check_basic();
  check_moves();
  check_limit();
  check_random();
  printf("%u passed, %u failed\n", g_pass, g_fail);
  return g_fail ? 1 : 0;
}
