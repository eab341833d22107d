/* DXGI dirty/move rects to KVMFR damage rects: clip, merge, overflow to full. */
#include "dxgi_damage.h"

/* Half-open box in 64-bit so that moved rects and clipping cannot overflow. */
struct box {
  int64_t x0, y0, x1, y1;
};

static bool contains(const struct box *a, const struct box *b)
{
  return a->x0 <= b->x0 && a->y0 <= b->y0 && a->x1 >= b->x1 && a->y1 >= b->y1;
}

/* True when a and b together are exactly one rectangle (same span on one axis, touching or
 * overlapping on the other). */
static bool joins(const struct box *a, const struct box *b)
{
  if (a->x0 == b->x0 && a->x1 == b->x1)
    return a->y0 <= b->y1 && b->y0 <= a->y1;
  if (a->y0 == b->y0 && a->y1 == b->y1)
    return a->x0 <= b->x1 && b->x0 <= a->x1;
  return false;
}

static struct box unite(const struct box *a, const struct box *b)
{
  return (struct box){a->x0 < b->x0 ? a->x0 : b->x0, a->y0 < b->y0 ? a->y0 : b->y0,
                      a->x1 > b->x1 ? a->x1 : b->x1, a->y1 > b->y1 ? a->y1 : b->y1};
}

static struct box to_box(const struct frame_damage_rect *r)
{
  return (struct box){r->x, r->y, (int64_t)r->x + r->width, (int64_t)r->y + r->height};
}

static void add_box(struct lg_dxgi_damage *d, struct box b, uint32_t width, uint32_t height)
{
  if (d->full)
    return;
  if (b.x0 < 0)
    b.x0 = 0;
  if (b.y0 < 0)
    b.y0 = 0;
  if (b.x1 > width)
    b.x1 = width;
  if (b.y1 > height)
    b.y1 = height;
  if (b.x1 <= b.x0 || b.y1 <= b.y0)
    return;
  /* Grow b by every rect it contains or joins, until none is left to absorb. */
  for (uint32_t i = 0; i < d->count;) {
    struct box e = to_box(&d->rects[i]);
    if (contains(&e, &b))
      return;
    if (contains(&b, &e) || joins(&b, &e)) {
      b = unite(&b, &e);
      d->rects[i] = d->rects[--d->count];
      i = 0;
      continue;
    }
    ++i;
  }
  if (b.x0 == 0 && b.y0 == 0 && b.x1 == width && b.y1 == height) {
    d->full = true;
    d->count = 0;
    return;
  }
  if (d->count == KVMFR_MAX_DAMAGE_RECTS) {
    d->full = true;
    d->count = 0;
    return;
  }
  d->rects[d->count++] = (struct frame_damage_rect){
      (uint32_t)b.x0, (uint32_t)b.y0, (uint32_t)(b.x1 - b.x0), (uint32_t)(b.y1 - b.y0)};
}

void lg_dxgi_damage_add(struct lg_dxgi_damage *d, const struct lg_dxgi_rect *r, uint32_t width,
                        uint32_t height)
{
  add_box(d, (struct box){r->left, r->top, r->right, r->bottom}, width, height);
}

void lg_dxgi_damage_build(const struct lg_dxgi_rect *dirty, size_t ndirty,
                          const struct lg_dxgi_move *moves, size_t nmoves, uint32_t width,
                          uint32_t height, struct lg_dxgi_damage *out)
{
  out->full = false;
  out->count = 0;
  for (size_t i = 0; i < nmoves && !out->full; ++i) {
    const struct lg_dxgi_move *m = &moves[i];
    int64_t w = (int64_t)m->dst.right - m->dst.left, h = (int64_t)m->dst.bottom - m->dst.top;
    if (w <= 0 || h <= 0 || (m->src_x == m->dst.left && m->src_y == m->dst.top))
      continue;
    add_box(out, (struct box){m->src_x, m->src_y, m->src_x + w, m->src_y + h}, width, height);
    lg_dxgi_damage_add(out, &m->dst, width, height);
  }
  for (size_t i = 0; i < ndirty && !out->full; ++i)
    lg_dxgi_damage_add(out, &dirty[i], width, height);
}
