/* Linux-side checker for the wine end-to-end test: maps FILE, waits for an LGMP session,
 * subscribes to the frame queue and checks every pixel of FRAMES received frames against the
 * still pattern (BGRA: R = x mod 256, G = y mod 256, B = (x xor y) mod 256, A = 255), computed
 * here independently of the host's pattern code. Prints one line per frame.
 * Usage: check_frame FILE WIDTH HEIGHT FRAMES LIMIT_S
 * Exit: 0 all frames good, 1 a bad frame or header, 2 usage, 3 timed out. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lg/framebuffer.h"
#include "lg/kvmfr.h"
#include "lg/time.h"
#include "lgmp/client.h"

static uint8_t *map_file(const char *path, uint32_t *size)
{
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    perror(path);
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size < 4096 || (uint64_t)st.st_size > UINT32_MAX) {
    fprintf(stderr, "check_frame: '%s' has an unusable size\n", path);
    close(fd);
    return NULL;
  }
  void *mem = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (mem == MAP_FAILED) {
    perror("mmap");
    return NULL;
  }
  *size = (uint32_t)st.st_size;
  return mem;
}

/* Validates the header and compares every pixel; false (printed) on the first mismatch. */
static bool check(const struct lgmp_message *m, uint32_t w, uint32_t h, uint8_t **buf, size_t *cap)
{
  struct kvmfr_frame f;
  if (m->size < sizeof(f)) {
    fprintf(stderr, "check_frame: frame message of %" PRIu32 " bytes\n", m->size);
    return false;
  }
  memcpy(&f, m->mem, sizeof(f));
  uint64_t need =
      (uint64_t)f.offset + sizeof(struct lg_framebuffer) + (uint64_t)f.data_height * f.pitch;
  if (f.type != FRAME_TYPE_BGRA || f.frame_width != w || f.frame_height != h ||
      f.data_height != h || f.pitch < (uint64_t)w * 4 || need > m->size) {
    fprintf(stderr,
            "check_frame: bad frame header (type %u, %ux%u data %u, pitch %u, offset %u, "
            "message %" PRIu32 " bytes), want BGRA %ux%u\n",
            f.type, f.frame_width, f.frame_height, f.data_height, f.pitch, f.offset, m->size, w, h);
    return false;
  }
  size_t bytes = (size_t)h * f.pitch;
  if (bytes > *cap) {
    uint8_t *p = realloc(*buf, bytes);
    if (!p)
      return false;
    *buf = p;
    *cap = bytes;
  }
  const struct lg_framebuffer *fb = (const void *)((const uint8_t *)m->mem + f.offset);
  if (!lg_fb_read(fb, *buf, f.pitch, f.pitch, h, (size_t)w * 4, 2000000000ull)) {
    fprintf(stderr, "check_frame: the frame data never completed\n");
    return false;
  }
  uint64_t bad = 0;
  for (uint32_t y = 0; y < h; ++y) {
    const uint8_t *row = *buf + (size_t)y * f.pitch;
    for (uint32_t x = 0; x < w; ++x) {
      const uint8_t *p = row + (size_t)x * 4;
      uint8_t r = (uint8_t)(x & 0xffu), g = (uint8_t)(y & 0xffu), b = (uint8_t)((x ^ y) & 0xffu);
      if (p[0] != b || p[1] != g || p[2] != r || p[3] != 0xff) {
        if (bad++ == 0)
          fprintf(stderr, "check_frame: pixel (%u, %u) is B%u G%u R%u A%u, want B%u G%u R%u A255\n",
                  x, y, p[0], p[1], p[2], p[3], b, g, r);
      }
    }
  }
  if (bad) {
    fprintf(stderr, "check_frame: %" PRIu64 " of %" PRIu64 " pixels differ\n", bad,
            (uint64_t)w * h);
    return false;
  }
  printf("frame %ux%u pitch %u: all %" PRIu64 " pixels match\n", w, h, f.pitch, (uint64_t)w * h);
  return true;
}

int main(int argc, char **argv)
{
  if (argc != 6) {
    fprintf(stderr, "usage: %s FILE WIDTH HEIGHT FRAMES LIMIT_S\n", argv[0]);
    return 2;
  }
  uint32_t w = (uint32_t)strtoul(argv[2], NULL, 10), h = (uint32_t)strtoul(argv[3], NULL, 10);
  unsigned want = (unsigned)strtoul(argv[4], NULL, 10);
  uint64_t deadline = lg_time_ms() + strtoull(argv[5], NULL, 10) * 1000u;
  if (!w || !h || !want)
    return 2;
  uint32_t size;
  uint8_t *mem = map_file(argv[1], &size);
  if (!mem)
    return 1;
  struct lgmp_client *client = NULL;
  if (lgmp_client_init(mem, size, &client) != LGMP_OK)
    return 1;
  uint8_t *buf = NULL;
  size_t cap = 0;
  unsigned good = 0;
  int rc = 3;
  while (rc == 3 && lg_time_ms() < deadline) {
    const uint8_t *udata;
    uint32_t usize;
    struct lgmp_client_queue *fq = NULL;
    if (lgmp_client_session_init(client, &udata, &usize) != LGMP_OK ||
        lgmp_client_subscribe(client, LGMP_Q_FRAME, &fq) != LGMP_OK) {
      lg_sleep_ms(20);
      continue;
    }
    while (lg_time_ms() < deadline && lgmp_client_session_valid(client)) {
      struct lgmp_message m;
      enum lgmp_status st = lgmp_client_process(fq, &m);
      if (st == LGMP_ERR_QUEUE_EMPTY) {
        lg_sleep_ms(2);
        continue;
      }
      if (st != LGMP_OK)
        break;
      bool ok = check(&m, w, h, &buf, &cap);
      lgmp_client_message_done(fq);
      if (!ok) {
        rc = 1;
        break;
      }
      if (++good == want) {
        rc = 0;
        break;
      }
    }
    lgmp_client_unsubscribe(&fq);
  }
  if (rc == 3)
    fprintf(stderr, "check_frame: %u of %u frames before the time limit\n", good, want);
  free(buf);
  lgmp_client_free(&client);
  return rc;
}
