/* libFuzzer target over the client-side parse path of a region: the input bytes are the
 * region. It runs lgmp_inspect_region, decodes the KVMFR udata, walks every queue's ring
 * slots, validates each payload as a frame and as a cursor, and reads every byte the
 * validators allow. ASan/UBSan report any read they did not bound. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lg/kvmfr_frame.h"
#include "lg/kvmfr_udata.h"
#include "lgmp/inspect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint32_t g_sink; /* keeps the touched bytes alive */

static uint32_t touch(const uint8_t *p, uint64_t n)
{
  uint32_t acc = 0;
  for (uint64_t i = 0; i < n; ++i)
    acc = acc * 31u + p[i];
  return acc;
}

static void check_frame(const uint8_t *mem, size_t size, const struct lgmp_header_message *m)
{
  struct lg_frame_view v;
  char msg[256];
  if (lg_frame_validate(mem, size, m->offset, m->size, &v, msg, sizeof(msg)) != LG_FRAME_OK)
    return;
  const uint8_t *px;
  const uint32_t *wp;
  if (!lg_frame_pointers(mem, size, &v, &px, &wp))
    abort(); /* a validated frame must always give pointers */
  uint32_t w = lg_frame_load_wp(wp);
  uint64_t row = (uint64_t)v.header.data_width * v.bpp;
  for (uint32_t y = 0; y < v.header.data_height; ++y)
    g_sink += touch(px + (uint64_t)y * v.header.pitch, row);
  for (uint32_t i = 0; i < v.damage_count; ++i) {
    const struct frame_damage_rect *r = &v.damage[i];
    if (r->x + (uint64_t)r->width > v.header.frame_width ||
        r->y + (uint64_t)r->height > v.header.frame_height)
      abort(); /* clipping must hold */
  }
  g_sink += w;
}

static void check_cursor(const uint8_t *mem, size_t size, const struct lgmp_header_message *m)
{
  struct lg_cursor_view v;
  char msg[256];
  if (lg_cursor_validate(mem, size, m->offset, m->size, m->udata, &v, msg, sizeof(msg)) !=
          LG_CURSOR_OK ||
      !v.has_shape)
    return;
  for (uint32_t y = 0; y < v.header.height; ++y)
    g_sink += touch(mem + v.shape_offset + (uint64_t)y * v.header.pitch, v.row_size);
}

static void parse_region(const uint8_t *mem, size_t size)
{
  struct lgmp_inspect in;
  struct lg_kvmfr_udata u;
  char msg[200];
  lgmp_inspect_region(mem, size, &in);
  if (in.udata) {
    lg_kvmfr_udata_decode(in.udata, in.udata_size, &u, msg, sizeof(msg));
    g_sink += u.record_count + u.warning_count;
  }
  if (in.error != LGMP_INSPECT_OK && in.error != LGMP_INSPECT_MESSAGE_BOUNDS)
    return;
  for (uint32_t qi = 0; qi < in.num_queues && qi < LGMP_MAX_QUEUES; ++qi) {
    const struct lgmp_inspect_queue *q = &in.queues[qi];
    (void)lgmp_inspect_newest_index(q);
    for (uint32_t k = 0; k < q->num_messages; ++k) {
      struct lgmp_header_message m;
      if (!lgmp_inspect_message(mem, size, q, k, &m))
        continue;
      check_frame(mem, size, &m);
      check_cursor(mem, size, &m);
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  /* the input as it is (small inputs are too-small regions), in an exact-size heap block
   * so that ASan sees any over-read; the pointer is 16-aligned like a mapped region */
  uint8_t *exact = malloc(size ? size : 1);
  if (!exact)
    return 0;
  if (size)
    memcpy(exact, data, size);
  parse_region(exact, size);
  free(exact);

  /* and padded with zeros to a full header, so short inputs reach the deeper paths */
  if (size < LGMP_HEADER_SIZE) {
    uint8_t *pad = calloc(1, LGMP_HEADER_SIZE);
    if (!pad)
      return 0;
    if (size)
      memcpy(pad, data, size);
    parse_region(pad, LGMP_HEADER_SIZE);
    free(pad);
  }
  return 0;
}
