/* lg-vm-check REGION [--timeout-ms N] [--frames N]: the outside end of the VM test. Acts as
 * an LGMP client on the shared-memory file behind the guest's ivshmem-plain device: waits
 * for the guest's looking-glass-host session, checks the KVMFR udata (version 20, VMINFO
 * with capture "pattern", OSINFO Linux, LGDIAG with the BAR mapped), subscribes to the frame
 * queue (the host only captures while a client is subscribed) and checks every pixel of N
 * frames against the still pattern: R = x mod 256, G = y mod 256, B = (x xor y) mod 256,
 * A = 255, in BGRA byte order. Prints one "lg-vm-check:" line per fact; exit 0 pass, 1 fail. */
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
#include "lg/kvmfr_frame.h"
#include "lg/kvmfr_udata.h"
#include "lg/time.h"
#include "lgmp/client.h"
#include "lgmp/host.h"

#define FB_WAIT_NS (5ull * 1000 * 1000 * 1000) /* TCG guests write slowly */

static int fail(const char *what)
{
  fprintf(stderr, "lg-vm-check: FAIL: %s\n", what);
  return 1;
}

/* Checks every pixel of a BGRA image; prints the first mismatch. */
static int check_pixels(const uint8_t *img, uint32_t w, uint32_t h, size_t pitch)
{
  for (uint32_t y = 0; y < h; ++y) {
    const uint8_t *row = img + (size_t)y * pitch;
    for (uint32_t x = 0; x < w; ++x) {
      const uint8_t want[4] = {(uint8_t)(x ^ y), (uint8_t)y, (uint8_t)x, 0xff};
      if (memcmp(row + (size_t)x * 4, want, 4) != 0) {
        const uint8_t *p = row + (size_t)x * 4;
        fprintf(stderr,
                "lg-vm-check: FAIL: pixel (%u, %u) is B=%u G=%u R=%u A=%u, want B=%u G=%u R=%u "
                "A=255\n",
                x, y, p[0], p[1], p[2], p[3], want[0], want[1], want[2]);
        return 1;
      }
    }
  }
  return 0;
}

static int check_udata(const uint8_t *udata, uint32_t usize)
{
  struct lg_kvmfr_udata *u = calloc(1, sizeof(*u));
  char msg[256];
  if (!u)
    return fail("out of memory");
  int rc = 1;
  if (lg_kvmfr_udata_decode(udata, usize, u, msg, sizeof(msg)) != LG_KVMFR_UDATA_OK) {
    fprintf(stderr, "lg-vm-check: FAIL: udata does not decode: %s\n", msg);
  } else if (u->version != KVMFR_VERSION) {
    fprintf(stderr, "lg-vm-check: FAIL: KVMFR version %u\n", u->version);
  } else if (!u->has_vminfo || strcmp(u->vminfo.capture, "pattern") != 0) {
    fail("no VMINFO record with capture 'pattern'");
  } else if (!u->has_osinfo || u->osinfo.os != KVMFR_OS_LINUX) {
    fail("no OSINFO record for Linux");
  } else if (!u->has_lgdiag || !(u->lgdiag.valid & LGDIAG_VALID_MAP) ||
             !(u->lgdiag.valid & LGDIAG_VALID_BAR_ADDR) || u->lgdiag.map_failures != 0) {
    fail("no LGDIAG record saying the BAR was found and mapped");
  } else {
    printf("lg-vm-check: udata: KVMFR %u hostver '%s' capture '%s' cpu '%s' os '%s'\n",
           u->version, u->hostver, u->vminfo.capture, u->vminfo.model, u->osinfo.name);
    printf("lg-vm-check: LGDIAG: barAddr 0x%" PRIx64 " barSize %" PRIu64 " physBits %u\n",
           u->lgdiag.bar_addr, u->lgdiag.bar_size, u->lgdiag.phys_bits);
    rc = 0;
  }
  free(u);
  return rc;
}

/* Receives frames until `want` frames passed the pixel check or the deadline passed. */
static int check_frames(uint8_t *region, uint32_t size, struct lgmp_client *client,
                        uint32_t want, uint64_t deadline)
{
  struct lgmp_client_queue *fq = NULL;
  enum lgmp_status st = lgmp_client_subscribe(client, LGMP_Q_FRAME, &fq);
  if (st != LGMP_OK) {
    fprintf(stderr, "lg-vm-check: FAIL: subscribe: %s\n", lgmp_status_string(st));
    return 1;
  }
  uint64_t t0 = lg_time_ms();
  uint8_t *img = NULL;
  size_t img_size = 0;
  uint32_t good = 0;
  int rc = 1;
  char msg[256];
  while (good < want) {
    if (lg_time_ms() > deadline) {
      fprintf(stderr, "lg-vm-check: FAIL: %u of %u frames before the deadline\n", good, want);
      goto out;
    }
    if (!lgmp_client_session_valid(client)) {
      fail("the host session ended (heartbeat stopped or new session)");
      goto out;
    }
    struct lgmp_message m;
    st = lgmp_client_process(fq, &m);
    if (st == LGMP_ERR_QUEUE_EMPTY) {
      lg_sleep_ms(2);
      continue;
    }
    if (st != LGMP_OK) {
      fprintf(stderr, "lg-vm-check: FAIL: process: %s\n", lgmp_status_string(st));
      goto out;
    }
    struct lg_frame_view v;
    if (lg_frame_validate(region, size, m.offset, m.size, &v, msg, sizeof(msg)) != LG_FRAME_OK) {
      fprintf(stderr, "lg-vm-check: FAIL: frame: %s\n", msg);
      goto out;
    }
    if (v.header.type != FRAME_TYPE_BGRA || v.header.data_width != v.header.frame_width ||
        v.header.data_height != v.header.frame_height || v.header.pitch < v.header.data_width * 4) {
      fprintf(stderr, "lg-vm-check: FAIL: frame type %s %ux%u pitch %u: want BGRA, whole frame\n",
              lg_frame_type_name(v.header.type), v.header.data_width, v.header.data_height,
              v.header.pitch);
      goto out;
    }
    size_t need = (size_t)v.header.pitch * v.header.data_height;
    if (need > img_size) {
      free(img);
      img = malloc(need);
      img_size = img ? need : 0;
      if (!img) {
        fail("out of memory");
        goto out;
      }
    }
    const struct lg_framebuffer *fb =
        (const struct lg_framebuffer *)(region + m.offset + v.header.offset);
    if (!lg_fb_read(fb, img, v.header.pitch, v.header.pitch, v.header.data_height,
                    (size_t)v.header.data_width * 4, FB_WAIT_NS)) {
      fail("the frame's write pointer stopped short");
      goto out;
    }
    st = lgmp_client_message_done(fq);
    if (st != LGMP_OK) {
      fprintf(stderr, "lg-vm-check: FAIL: message_done: %s\n", lgmp_status_string(st));
      goto out;
    }
    if (check_pixels(img, v.header.data_width, v.header.data_height, v.header.pitch) != 0)
      goto out;
    ++good;
    printf("lg-vm-check: frame serial %u %ux%u: all %" PRIu64 " pixels match (%" PRIu64
           " ms after subscribing)\n",
           v.header.frame_serial, v.header.data_width, v.header.data_height,
           (uint64_t)v.header.data_width * v.header.data_height, lg_time_ms() - t0);
  }
  rc = 0;
out:
  free(img);
  lgmp_client_unsubscribe(&fq);
  return rc;
}

int main(int argc, char **argv)
{
  const char *path = NULL;
  uint64_t timeout_ms = 120000;
  uint32_t frames = 3;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--timeout-ms") == 0 && i + 1 < argc)
      timeout_ms = strtoull(argv[++i], NULL, 10);
    else if (strcmp(argv[i], "--frames") == 0 && i + 1 < argc)
      frames = (uint32_t)strtoul(argv[++i], NULL, 10);
    else if (!path && argv[i][0] != '-')
      path = argv[i];
    else {
      fprintf(stderr, "usage: lg-vm-check REGION [--timeout-ms N] [--frames N]\n");
      return 1;
    }
  }
  if (!path) {
    fprintf(stderr, "usage: lg-vm-check REGION [--timeout-ms N] [--frames N]\n");
    return 1;
  }
  int fd = open(path, O_RDWR);
  struct stat sb;
  if (fd < 0 || fstat(fd, &sb) != 0 || sb.st_size < 65536 || sb.st_size > UINT32_MAX) {
    perror(path);
    return fail("cannot open the region (or its size is unusable)");
  }
  uint32_t size = (uint32_t)sb.st_size;
  uint8_t *region = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (region == MAP_FAILED)
    return fail("mmap");

  uint64_t deadline = lg_time_ms() + timeout_ms;
  struct lgmp_client *client = NULL;
  if (lgmp_client_init(region, size, &client) != LGMP_OK)
    return fail("lgmp_client_init");
  const uint8_t *udata = NULL;
  uint32_t usize = 0;
  enum lgmp_status st;
  while ((st = lgmp_client_session_init(client, &udata, &usize)) != LGMP_OK) {
    if (lg_time_ms() > deadline) {
      fprintf(stderr, "lg-vm-check: FAIL: no host session within %" PRIu64 " ms (last: %s)\n",
              timeout_ms, lgmp_status_string(st));
      return 1;
    }
    lg_sleep_ms(100);
  }
  printf("lg-vm-check: host session 0x%08x found\n", lgmp_client_session_id(client));
  int rc = check_udata(udata, usize);
  if (rc == 0)
    rc = check_frames(region, size, client, frames, deadline);
  lgmp_client_free(&client);
  munmap(region, size);
  if (rc == 0)
    printf("lg-vm-check: PASS\n");
  return rc;
}
