/* A minimal LGMP/KVMFR client for the host restart test: maps FILE, starts a session,
 * subscribes to the frame queue, reads and checks frames (pattern backend, motion off: every
 * pixel is lg_pattern_pixel(BGRA, x, y, 0)), and after `frames` good frames of a session
 * appends "session N 0xID ok" to STATUS. When the session ends (host killed and restarted)
 * it waits for a session with a new ID and does the same again, until killed or `limit_s`
 * seconds pass (exit 3). Usage: host_cli_client FILE STATUS FRAMES LIMIT_S */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/pattern/pattern.h"
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
    fprintf(stderr, "client: '%s' has an unusable size\n", path);
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

/* Validates the frame message and its pixels; false (printed) when anything is off. */
static bool check_frame(const struct lgmp_message *m, uint8_t **buf, size_t *cap)
{
  struct kvmfr_frame h;
  if (m->size < sizeof(h)) {
    fprintf(stderr, "client: frame message of %" PRIu32 " bytes\n", m->size);
    return false;
  }
  memcpy(&h, m->mem, sizeof(h));
  uint64_t need = (uint64_t)h.offset + sizeof(uint32_t) + (uint64_t)h.data_height * h.pitch;
  if (h.type != FRAME_TYPE_BGRA || h.frame_width == 0 || h.pitch < (uint64_t)h.frame_width * 4 ||
      h.data_height == 0 || need > m->size) {
    fprintf(stderr, "client: bad frame header (type %u, %ux%u, pitch %u, offset %u)\n", h.type,
            h.frame_width, h.data_height, h.pitch, h.offset);
    return false;
  }
  size_t bytes = (size_t)h.data_height * h.pitch;
  if (bytes > *cap) {
    uint8_t *p = realloc(*buf, bytes);
    if (!p)
      return false;
    *buf = p;
    *cap = bytes;
  }
  const struct lg_framebuffer *fb = (const void *)((const uint8_t *)m->mem + h.offset);
  if (!lg_fb_read(fb, *buf, h.pitch, h.pitch, h.data_height, (size_t)h.frame_width * 4,
                  1000000000ull)) {
    fprintf(stderr, "client: the frame data never completed\n");
    return false;
  }
  /* Every row: a spread of columns and the last one. */
  for (uint32_t y = 0; y < h.data_height; ++y)
    for (uint32_t x = y % 97;; x += 97) {
      if (x >= h.frame_width)
        x = h.frame_width - 1;
      uint8_t want[8];
      lg_pattern_pixel(FRAME_TYPE_BGRA, x, y, 0, want);
      if (memcmp(*buf + (size_t)y * h.pitch + (size_t)x * 4, want, 4) != 0) {
        fprintf(stderr, "client: pixel (%u, %u) differs from the pattern\n", x, y);
        return false;
      }
      if (x == h.frame_width - 1)
        break;
    }
  return true;
}

int main(int argc, char **argv)
{
  if (argc != 5) {
    fprintf(stderr, "usage: %s FILE STATUS FRAMES LIMIT_S\n", argv[0]);
    return 2;
  }
  unsigned want = (unsigned)atoi(argv[3]);
  uint64_t deadline = lg_time_ms() + (uint64_t)atoi(argv[4]) * 1000u;
  uint32_t size;
  uint8_t *mem = map_file(argv[1], &size);
  if (!mem)
    return 1;
  struct lgmp_client *client = NULL;
  if (lgmp_client_init(mem, size, &client) != LGMP_OK)
    return 1;
  uint8_t *buf = NULL;
  size_t cap = 0;
  uint32_t last_id = 0;
  unsigned sessions = 0;
  bool have_last = false;
  while (lg_time_ms() < deadline) {
    const uint8_t *udata;
    uint32_t usize;
    if (lgmp_client_session_init(client, &udata, &usize) != LGMP_OK ||
        (have_last && lgmp_client_session_id(client) == last_id)) {
      lg_sleep_ms(20);
      continue;
    }
    last_id = lgmp_client_session_id(client);
    have_last = true;
    struct lgmp_client_queue *fq = NULL;
    if (lgmp_client_subscribe(client, LGMP_Q_FRAME, &fq) != LGMP_OK) {
      lg_sleep_ms(20);
      continue;
    }
    unsigned good = 0;
    while (lg_time_ms() < deadline && lgmp_client_session_valid(client)) {
      struct lgmp_message m;
      enum lgmp_status st = lgmp_client_process(fq, &m);
      if (st == LGMP_ERR_QUEUE_EMPTY) {
        lg_sleep_ms(2);
        continue;
      }
      if (st != LGMP_OK)
        break; /* the session ended */
      bool ok = check_frame(&m, &buf, &cap);
      lgmp_client_message_done(fq);
      if (!ok) {
        free(buf);
        return 1;
      }
      if (++good == want) {
        FILE *f = fopen(argv[2], "a");
        if (!f)
          return 1;
        fprintf(f, "session %u 0x%08" PRIx32 " ok\n", ++sessions, last_id);
        fclose(f);
      }
    }
    lgmp_client_unsubscribe(&fq);
  }
  free(buf);
  lgmp_client_free(&client);
  return 3;
}
