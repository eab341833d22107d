/* gen_corpus OUTDIR: writes the seed regions of the fuzz_region corpus with our encoders:
 * a valid tiny region (2 queues, one posted 8x4 BGRA frame with damage, one 4x4 cursor,
 * udata with VMINFO, OSINFO and LGDIAG), an all-zero header, and deterministic noise. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lg/kvmfr_udata.h"
#include "lgmp/protocol.h"

#define TINY_SIZE 12288u

static uint8_t g_region[TINY_SIZE];

static int write_file(const char *dir, const char *name, const void *p, size_t n)
{
  char path[512];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(p, 1, n, f) != n) {
    fprintf(stderr, "cannot write %s\n", path);
    if (f)
      fclose(f);
    return 1;
  }
  fclose(f);
  return 0;
}

static uint32_t align4(uint32_t v) { return (v + 3u) & ~3u; }

static void set_queue(struct lgmp_header *h, uint32_t i, uint32_t id, uint32_t slots, uint32_t ring)
{
  struct lgmp_header_queue *q = &h->queues[i];
  q->queue_id = id;
  q->num_messages = slots;
  q->max_time = 1000;
  q->position = 1;
  q->start = 1;
  q->messages_offset = ring;
  q->cmsg_avail = 10;
  q->subs = 1ull << 32;
  q->client_id[0] = 0x1234u;
}

static size_t build_tiny(void)
{
  struct lgmp_header *h = (struct lgmp_header *)(void *)g_region;
  struct lg_kvmfr_udata u;
  size_t ulen;
  memset(&u, 0, sizeof(u));
  strcpy(u.hostver, "fuzz-seed");
  u.features = KVMFR_FEATURE_SETCURSORPOS;
  u.has_vminfo = true;
  strcpy(u.vminfo.capture, "pattern");
  u.vminfo.cpus = 4;
  u.vminfo.cores = 2;
  u.vminfo.sockets = 1;
  strcpy(u.vminfo.model, "Seed CPU");
  u.has_osinfo = true;
  u.osinfo.os = KVMFR_OS_LINUX;
  strcpy(u.osinfo.name, "Linux");
  u.has_lgdiag = true;
  u.lgdiag.valid = 0xF;
  u.lgdiag.bar_addr = 0x380000000000ull;
  u.lgdiag.bar_size = 32u << 20;
  u.lgdiag.phys_bits = 46;
  u.lgdiag.virt_bits = 48;
  u.lgdiag.has_detail = true;
  strcpy(u.lgdiag.detail, "ok");
  if (lg_kvmfr_udata_encode(&u, g_region + LGMP_UDATA_OFFSET, 1024, &ulen) != LG_KVMFR_UDATA_OK)
    return 0;

  h->magic = LGMP_PROTOCOL_MAGIC;
  h->version = LGMP_PROTOCOL_VERSION;
  h->session_id = 0x5EED;
  h->timestamp = 1000;
  h->num_queues = 2;
  h->udata_size = (uint32_t)ulen;

  uint32_t next = align4(LGMP_HEADER_SIZE + (uint32_t)ulen);
  uint32_t frame_ring = next;
  set_queue(h, 0, LGMP_Q_FRAME, 3, frame_ring);
  next += align4(3 * 16);
  uint32_t ptr_ring = next;
  set_queue(h, 1, LGMP_Q_POINTER, 21, ptr_ring);
  next += align4(21 * 16);

  /* cursor: 4x4 COLOR */
  uint32_t cur = next;
  struct kvmfr_cursor c = {.x = 10,
                           .y = 20,
                           .type = CURSOR_TYPE_COLOR,
                           .hx = 1,
                           .hy = 1,
                           .width = 4,
                           .height = 4,
                           .pitch = 16};
  memcpy(g_region + cur, &c, sizeof(c));
  memset(g_region + cur + 24, 0xFF, 64);
  uint32_t cur_size = 24 + 64;
  next = align4(cur + cur_size);

  /* frame: 8x4 BGRA, FrameBuffer right after the header */
  uint32_t frm = (next + 63u) & ~63u;
  struct kvmfr_frame f;
  memset(&f, 0, sizeof(f));
  f.frame_serial = 1;
  f.type = FRAME_TYPE_BGRA;
  f.screen_width = f.data_width = f.frame_width = 8;
  f.screen_height = f.data_height = f.frame_height = 4;
  f.stride = 8;
  f.pitch = 32;
  f.offset = sizeof(struct kvmfr_frame);
  f.damage_rects_count = 2;
  f.damage_rects[0] = (struct frame_damage_rect){0, 0, 4, 2};
  f.damage_rects[1] = (struct frame_damage_rect){6, 3, 10, 10};
  memcpy(g_region + frm, &f, sizeof(f));
  uint32_t data_size = 4 * 32;
  memcpy(g_region + frm + f.offset, &data_size, 4); /* wp: complete */
  for (uint32_t i = 0; i < data_size; ++i)
    g_region[frm + f.offset + 4 + i] = (uint8_t)i;
  uint32_t frm_size = f.offset + 4 + data_size;

  struct lgmp_header_message fm = {0, frm_size, frm, 0};
  struct lgmp_header_message cm = {CURSOR_FLAG_POSITION | CURSOR_FLAG_VISIBLE | CURSOR_FLAG_SHAPE,
                                   cur_size, cur, 0};
  memcpy(g_region + frame_ring, &fm, sizeof(fm));
  memcpy(g_region + ptr_ring, &cm, sizeof(cm));
  size_t end = frm + frm_size;
  return end <= TINY_SIZE ? end : 0;
}

int main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: gen_corpus OUTDIR\n");
    return 1;
  }
  size_t n = build_tiny();
  if (!n) {
    fprintf(stderr, "tiny region does not fit\n");
    return 1;
  }
  int rc = write_file(argv[1], "valid-tiny.bin", g_region, n);

  static uint8_t zero[LGMP_HEADER_SIZE];
  rc |= write_file(argv[1], "zero.bin", zero, sizeof(zero));

  static uint8_t noise[4096];
  uint32_t s = 0x12345678u;
  for (size_t i = 0; i < sizeof(noise); ++i) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    noise[i] = (uint8_t)s;
  }
  rc |= write_file(argv[1], "random.bin", noise, sizeof(noise));

  /* the valid region with the udata version bumped: the incompatible-host path */
  g_region[LGMP_UDATA_OFFSET + 8] = 21;
  rc |= write_file(argv[1], "kvmfr-v21.bin", g_region, n);
  return rc;
}
