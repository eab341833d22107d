/* The KVMFR FrameBuffer (spec §3.2, §3.4): an atomic u32 write pointer `wp` followed by the
 * frame data. The writer publishes a rising `wp` as each prefix of rows completes, so the
 * reader can copy while the writer is still writing. Also: per-buffer damage accumulation. */
#ifndef LG_FRAMEBUFFER_H
#define LG_FRAMEBUFFER_H

#include <assert.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lg/fastcopy.h"
#include "lg/kvmfr.h"

/* The writer publishes `wp` at least at every multiple of this many bytes (B7 FB_CHUNK_SIZE). */
#define LG_FB_CHUNK_SIZE ((size_t)1048576)

/* B7 polls `wp` this many times with usleep(1) before a read fails (FB_SPIN_LIMIT). */
#define LG_FB_SPIN_LIMIT 10000u

/* Default time a reader waits for `wp` to advance: B7's nominal 10 000 x 1 us. */
#define LG_FB_WAIT_DEFAULT_NS 10000000ull

/* The FrameBuffer as it lies in the region at `frame + offset`: `wp` then the data, row y at
 * data + y * pitch. `wp` counts valid bytes from the start of `data`. */
struct lg_framebuffer {
  _Atomic uint32_t wp;
  uint8_t data[];
};
static_assert(sizeof(_Atomic uint32_t) == 4, "wp is 4 bytes");

/* ---- writer (host) ------------------------------------------------------------------ */

/* Step 3 of the writer: stores wp = 0 (release), before the frame message is posted. */
void lg_fb_prepare(struct lg_framebuffer *fb);

/* Copies `height` rows of `row_bytes` from `src` (rows `src_pitch` apart) into fb->data
 * (rows `dst_pitch` apart), top to bottom, publishing wp at every LG_FB_CHUNK_SIZE boundary
 * (every pool band with a pool) and finally wp = height * dst_pitch. `pool` may be NULL.
 * The caller guarantees height * dst_pitch bytes of data. False (logged) on bad sizes:
 * row_bytes > a pitch or height * dst_pitch > UINT32_MAX; wp is then left unchanged. */
bool lg_fb_write_full(struct lg_framebuffer *fb, const void *src, size_t src_pitch,
                      size_t dst_pitch, size_t height, size_t row_bytes, struct lg_copy_pool *pool);

/* Copies only the rows and columns of `rects` (x and width in texels of `bpp` bytes, clipped
 * to the pitches and `height`), top to bottom, publishing wp = y * dst_pitch after each band
 * of rows (and at least every LG_FB_CHUNK_SIZE), ending with wp = height * dst_pitch. Rows
 * outside the rects must already hold the image (see struct lg_damage_acc). rects == NULL,
 * nrects == 0 or nrects > KVMFR_MAX_DAMAGE_RECTS mean full damage (lg_fb_write_full with
 * row_bytes = min(pitches)). Same errors as lg_fb_write_full, and bpp == 0. */
bool lg_fb_write_rects(struct lg_framebuffer *fb, const void *src, size_t src_pitch,
                       size_t dst_pitch, size_t height, size_t bpp,
                       const struct frame_damage_rect *rects, size_t nrects,
                       struct lg_copy_pool *pool);

/* ---- reader (client) ----------------------------------------------------------------- */

/* Waits until wp >= `bytes` (acquire): polls, spinning briefly then sleeping ~20-50 us, for at
 * most `timeout_ns` (0 = LG_FB_WAIT_DEFAULT_NS). False on timeout or bytes > UINT32_MAX. */
bool lg_fb_wait(const struct lg_framebuffer *fb, uint64_t bytes, uint64_t timeout_ns);

/* Copies `height` rows of `row_bytes` from fb->data (rows `src_pitch` apart, as in the frame
 * header) to `dst` (rows `dst_pitch` apart), each row once wp covers it; may start before the
 * writer is done. Never reads past height * src_pitch. `timeout_ns` bounds each wait for wp to
 * move (0 = default). False (rate-limited log) on bad sizes or when wp stops short. */
bool lg_fb_read(const struct lg_framebuffer *fb, void *dst, size_t dst_pitch, size_t src_pitch,
                size_t height, size_t row_bytes, uint64_t timeout_ns);

/* As lg_fb_read, but copies only `rects` (texels of `bpp` bytes, clipped like the writer);
 * rects == NULL, nrects == 0 or nrects > KVMFR_MAX_DAMAGE_RECTS mean the whole frame with
 * row_bytes = min(pitches). */
bool lg_fb_read_rects(const struct lg_framebuffer *fb, void *dst, size_t dst_pitch,
                      size_t src_pitch, size_t height, size_t bpp,
                      const struct frame_damage_rect *rects, size_t nrects, uint64_t timeout_ns);

/* ---- damage accumulation (spec §3.2 Damage) ------------------------------------------ */

/* The damage a destination buffer has missed since it last held a complete frame: the union
 * of every frame's damage since then, or `full` when unknown or past the rect limit.
 * Each buffer (host: each of its 2 frame slots; client: each texture) keeps one. */
struct lg_damage_acc {
  bool full;
  uint32_t count;
  struct frame_damage_rect rects[KVMFR_MAX_DAMAGE_RECTS];
};

/* Marks the buffer's content as unknown (full damage): at start and on a format change. */
void lg_damage_acc_init(struct lg_damage_acc *acc);

/* Marks the buffer as holding the latest frame: nothing missed. */
void lg_damage_acc_clear(struct lg_damage_acc *acc);

/* Adds one frame's damage. rects == NULL or n == 0 mean full damage (KVMFR semantics). Empty
 * rects are ignored; rects inside others merge; past KVMFR_MAX_DAMAGE_RECTS it becomes full. */
void lg_damage_acc_add(struct lg_damage_acc *acc, const struct frame_damage_rect *rects, size_t n);

#endif
