/* Damage of one DXGI Desktop Duplication frame from its dirty and move rects (pure; no
 * Windows headers, so it is unit-tested anywhere).
 *
 * Dirty rects are damaged as they are. A move damages its source (SourcePoint + the size of
 * DestinationRect) and its destination; a move onto itself is skipped. Everything is clipped
 * to the frame, empty rects are dropped, rects inside others or that join another into an
 * exact rectangle merge, and more than KVMFR_MAX_DAMAGE_RECTS rects become full damage.
 *
 * Threads: any; no state. */
#ifndef LG_HOST_DXGI_DAMAGE_H
#define LG_HOST_DXGI_DAMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lg/kvmfr.h"

/* Same layout as the Win32 RECT (LONG is 32-bit on Windows); right/bottom are exclusive. */
struct lg_dxgi_rect {
  int32_t left, top, right, bottom;
};

/* Same layout as DXGI_OUTDUPL_MOVE_RECT: POINT SourcePoint, RECT DestinationRect. */
struct lg_dxgi_move {
  int32_t src_x, src_y;
  struct lg_dxgi_rect dst;
};

/* A frame's damage in the KVMFR form. */
struct lg_dxgi_damage {
  bool full;      /* everything changed; rects unused */
  uint32_t count; /* valid rects when !full (0: nothing changed) */
  struct frame_damage_rect rects[KVMFR_MAX_DAMAGE_RECTS];
};

/* Builds `out` from `ndirty` dirty rects and `nmoves` move rects of a width x height frame.
 * NULL arrays are allowed when their count is 0. */
void lg_dxgi_damage_build(const struct lg_dxgi_rect *dirty, size_t ndirty,
                          const struct lg_dxgi_move *moves, size_t nmoves, uint32_t width,
                          uint32_t height, struct lg_dxgi_damage *out);

/* Adds one rect (clipped, merged; full past the limit) to `d` for a width x height frame. */
void lg_dxgi_damage_add(struct lg_dxgi_damage *d, const struct lg_dxgi_rect *r, uint32_t width,
                        uint32_t height);

#endif
