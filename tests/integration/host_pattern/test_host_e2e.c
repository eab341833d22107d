/* End to end, in one process: the host app core (lg_host_run, pattern backend, band damage,
 * motion on) writes a /dev/shm region; an LGMP client in this thread checks the udata
 * records, reads frames both fully and damage-only (the two images must match and each row
 * must be the pattern with one shift), checks the cursor shape, and warps the pointer with
 * SETCURSORPOS, then wipes the header and sees a new session. Also: frame sizing against
 * the spec's measured B7 numbers, and the host refusing a region that is too small. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture/pattern/pattern.h"
#include "lg/framebuffer.h"
#include "lg/kvmfr_frame.h"
#include "lg/kvmfr_udata.h"
#include "lg/thread.h"
#include "lg/time.h"
#include "lgmp/client.h"
#include "src/app.h"

#define REGION_SIZE (32u * 1024u * 1024u)
#define W 320u
#define H 200u

struct kv {
  const char *section, *name, *value;
};

static const struct kv pattern_opts[] = {
    {"pattern", "width", "320"},
    {"pattern", "height", "200"},
    {"pattern", "fps", "200"},
    {"pattern", "format", "bgra"},
    {"pattern", "damage", "band"},
    {"pattern", "motion", "on"},
    {NULL, NULL, NULL},
};

static const char *get_opt(void *opaque, const char *backend, const char *name)
{
  for (const struct kv *k = opaque; k->name; ++k)
    if (strcmp(k->section, backend) == 0 && strcmp(k->name, name) == 0)
      return k->value;
  return NULL;
}

struct host_run {
  struct lg_host_config cfg;
  struct lg_capture_options copts;
  _Atomic bool stop;
  int rc;
};

static int host_thread(void *opaque)
{
  struct host_run *h = opaque;
  h->rc = lg_host_run(&h->cfg, &h->stop);
  return 0;
}

static void make_shm(char *path, size_t cap, size_t size)
{
  snprintf(path, cap, "/dev/shm/lg-host-e2e-%d", (int)getpid());
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  assert_true(fd >= 0);
  assert_int_equal(ftruncate(fd, (off_t)size), 0);
  close(fd);
}

static void *map_shm(const char *path, size_t size)
{
  int fd = open(path, O_RDWR);
  assert_true(fd >= 0);
  void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  assert_true(m != MAP_FAILED);
  return m;
}

/* Every row of img must be the BGRA pattern with a single shift (taken from its pixel 0). */
static void check_rows(const uint8_t *img, size_t pitch)
{
  uint8_t want[4];
  for (uint32_t y = 0; y < H; ++y) {
    const uint8_t *row = img + y * pitch;
    uint32_t s = row[2]; /* R of pixel 0 = shift mod 256 */
    for (uint32_t x = 0; x < W; ++x) {
      lg_pattern_pixel(FRAME_TYPE_BGRA, x, y, s, want);
      if (memcmp(row + x * 4, want, 4) != 0)
        fail_msg("row %u pixel %u is not the pattern with shift %u", y, x, s);
    }
  }
}

/* Removes the test's /dev/shm file even when an assertion ended the test early. */
static int unlink_shm(void **state)
{
  char path[128];
  snprintf(path, sizeof(path), "/dev/shm/lg-host-e2e-%d", (int)getpid());
  unlink(path);
  return 0;
}

static void test_e2e(void **state)
{
  char path[128];
  make_shm(path, sizeof(path), REGION_SIZE);
  struct host_run *h = calloc(1, sizeof(*h));
  h->copts = (struct lg_capture_options){.get = get_opt, .opaque = (void *)pattern_opts};
  h->cfg = (struct lg_host_config){.shm_file = path,
                                   .root = "/",
                                   .capture = "pattern",
                                   .capture_opts = &h->copts,
                                   .exit_after_ms = 20000,
                                   .version = "e2e-test"};
  atomic_init(&h->stop, false);
  struct lg_thread *t = lg_thread_create("host", host_thread, h);
  assert_non_null(t);

  uint8_t *region = map_shm(path, REGION_SIZE);
  struct lgmp_client *client = NULL;
  assert_int_equal(lgmp_client_init(region, REGION_SIZE, &client), LGMP_OK);
  const uint8_t *udata = NULL;
  uint32_t usize = 0;
  enum lgmp_status st = LGMP_ERR_INVALID_SESSION;
  for (int i = 0; i < 100 && st != LGMP_OK; ++i) {
    lg_sleep_ms(50);
    st = lgmp_client_session_init(client, &udata, &usize);
  }
  assert_int_equal(st, LGMP_OK);

  struct lg_kvmfr_udata *u = calloc(1, sizeof(*u));
  char msg[256];
  assert_int_equal(lg_kvmfr_udata_decode(udata, usize, u, msg, sizeof(msg)), LG_KVMFR_UDATA_OK);
  assert_string_equal(u->hostver, "e2e-test");
  assert_int_equal(u->features, KVMFR_FEATURE_SETCURSORPOS);
  assert_true(u->has_vminfo);
  assert_string_equal(u->vminfo.capture, "pattern");
  assert_true(u->has_osinfo);
  assert_int_equal(u->osinfo.os, KVMFR_OS_LINUX);
  assert_true(u->has_lgdiag);
  assert_true(u->lgdiag.valid & LGDIAG_VALID_MAP);
  assert_int_equal(u->lgdiag.map_failures, 0);
  assert_true(u->records_complete);
  assert_int_equal(u->records[u->record_count - 1].type, KVMFR_RECORD_LGDIAG); /* last */
  free(u);

  struct lgmp_client_queue *fq = NULL, *pq = NULL;
  assert_int_equal(lgmp_client_subscribe(client, LGMP_Q_FRAME, &fq), LGMP_OK);
  assert_int_equal(lgmp_client_subscribe(client, LGMP_Q_POINTER, &pq), LGMP_OK);

  size_t pitch = W * 4;
  uint8_t *full = calloc(H, pitch), *dmg = calloc(H, pitch);
  uint32_t frames = 0, partial = 0, last_serial = 0;
  uint8_t shape[32 * 32 * 4];
  lg_pattern_cursor_shape(shape);
  bool got_shape = false, warped = false, sent = false;
  uint32_t serial = 0, cursor_msgs = 0;
  int hot_x = 0, hot_y = 0;
  uint64_t deadline = lg_time_ms() + 10000;
  while ((frames < 40 || !got_shape || !warped) && lg_time_ms() < deadline) {
    assert_true(lgmp_client_session_valid(client));
    struct lgmp_message m;
    bool idle = true;
    if (lgmp_client_process(fq, &m) == LGMP_OK) {
      idle = false;
      struct lg_frame_view v;
      assert_int_equal(
          lg_frame_validate(region, REGION_SIZE, m.offset, m.size, &v, msg, sizeof(msg)),
          LG_FRAME_OK);
      assert_int_equal(v.header.type, FRAME_TYPE_BGRA);
      assert_int_equal(v.header.frame_width, W);
      assert_int_equal(v.header.data_height, H);
      assert_int_equal(v.header.pitch, pitch);
      assert_int_equal(v.header.offset, LG_HOST_ALIGN - 4);
      assert_int_equal(v.data_offset % LG_HOST_ALIGN, 0);
      assert_true(frames == 0 || lg_serial_newer(v.header.frame_serial, last_serial));
      last_serial = v.header.frame_serial;
      const struct lg_framebuffer *fb =
          (const struct lg_framebuffer *)(region + m.offset + v.header.offset);
      assert_true(lg_fb_read(fb, full, pitch, pitch, H, pitch, 0));
      if (frames == 0) {
        memcpy(dmg, full, H * pitch);
      } else {
        if (v.header.damage_rects_count)
          ++partial;
        assert_true(lg_fb_read_rects(fb, dmg, pitch, pitch, H, 4, v.header.damage_rects,
                                     v.header.damage_rects_count, 0));
      }
      assert_int_equal(lgmp_client_message_done(fq), LGMP_OK);
      assert_memory_equal(full, dmg, H * pitch);
      check_rows(full, pitch);
      ++frames;
    }
    if (lgmp_client_process(pq, &m) == LGMP_OK) {
      idle = false;
      struct lg_cursor_view c;
      assert_int_equal(
          lg_cursor_validate(region, REGION_SIZE, m.offset, m.size, m.udata, &c, msg, sizeof(msg)),
          LG_CURSOR_OK);
      assert_true(c.flags & CURSOR_FLAG_POSITION);
      assert_true(c.flags & CURSOR_FLAG_VISIBLE);
      if (c.has_shape) {
        assert_int_equal(c.header.type, CURSOR_TYPE_COLOR);
        assert_int_equal(c.header.width, 32);
        assert_int_equal(c.header.hx, 1);
        assert_memory_equal(region + c.shape_offset, shape, sizeof(shape));
        got_shape = true;
        hot_x = c.header.hx;
        hot_y = c.header.hy;
      }
      /* The hotspot comes with the shape; position-only messages leave it as it was. */
      if (sent && c.header.x + hot_x == 150 && c.header.y + hot_y == 90)
        warped = true;
      assert_int_equal(lgmp_client_message_done(pq), LGMP_OK);
      if (++cursor_msgs == 5 && !sent) {
        struct kvmfr_set_cursor_pos sp = {KVMFR_MESSAGE_SETCURSORPOS, 150, 90};
        assert_int_equal(lgmp_client_send_data(pq, &sp, sizeof(sp), &serial), LGMP_OK);
        sent = true;
      }
    }
    if (idle)
      lg_sleep_ms(1);
  }
  assert_true(frames >= 40);
  assert_true(partial > 0); /* band damage did reach the client */
  assert_true(got_shape);
  assert_true(sent);
  for (int i = 0; i < 100 && !lgmp_client_message_acked(pq, serial); ++i)
    lg_sleep_ms(10);
  assert_true(lgmp_client_message_acked(pq, serial));
  assert_true(warped);

  lgmp_client_unsubscribe(&fq);
  lgmp_client_unsubscribe(&pq);

  /* A wiped header (guest reboot) makes the host start a new session with a new ID. */
  uint32_t old_id = lgmp_client_session_id(client);
  memset(region, 0, 8);
  st = LGMP_ERR_INVALID_MAGIC;
  for (int i = 0; i < 100; ++i) {
    lg_sleep_ms(50);
    st = lgmp_client_session_init(client, &udata, &usize);
    if (st == LGMP_OK && lgmp_client_session_id(client) != old_id)
      break;
  }
  assert_int_equal(st, LGMP_OK);
  assert_int_not_equal(lgmp_client_session_id(client), old_id);
  lgmp_client_free(&client);
  atomic_store(&h->stop, true);
  lg_thread_join(t, NULL);
  assert_int_equal(h->rc, 0);
  munmap(region, REGION_SIZE);
  unlink(path);
  free(full);
  free(dmg);
  free(h);
}

static void test_too_small(void **state)
{
  char path[128];
  make_shm(path, sizeof(path), 1024 * 1024);
  struct lg_capture_options copts = {.get = get_opt, .opaque = (void *)pattern_opts};
  struct lg_host_config cfg = {.shm_file = path,
                               .root = "/",
                               .capture = "pattern",
                               .capture_opts = &copts,
                               .exit_after_ms = 2000,
                               .version = "t"};
  _Atomic bool stop;
  atomic_init(&stop, false);
  uint64_t t0 = lg_time_ms();
  assert_int_equal(lg_host_run(&cfg, &stop), 1);
  assert_true(lg_time_ms() - t0 < 1000); /* fails at once, no retry loop */
  unlink(path);
}

static void test_frame_sizing(void **state)
{
  /* Spec 3.7, measured on B7: 64 MiB region, avail 63 956 240 after the cursor buffers
   * (nextFree = 3 152 624), A = 4096: buffers at 0x302000 and 0x2181000, 31 977 472 each. */
  uint32_t size = 64u * 1024u * 1024u, next = 67108864u - 63956240u;
  uint32_t per = lg_host_frame_alloc_size(size, next, 4096);
  assert_int_equal(per, 31977472u);
  assert_int_equal(0x302000u + per, 0x2181000u);
  assert_true(0x2181000u + per <= size);
  /* Where B7's own formula overflows (nextFree = 1 mod A, odd m), ours still fits. */
  uint32_t n2 = 4096u * 100u + 1u, s2 = 4096u * 301u;
  uint32_t p2 = lg_host_frame_alloc_size(s2, n2, 4096);
  assert_true((uint64_t)4096u * 101u + 2u * p2 <= s2);
  assert_int_equal(p2 % 4096u, 0);
  assert_int_equal(lg_host_frame_alloc_size(8192, 8000, 4096), 0);
  assert_true(lg_host_min_region_size() > 3u * MAX_POINTER_SIZE);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_frame_sizing),
      cmocka_unit_test_teardown(test_too_small, unlink_shm),
      cmocka_unit_test_teardown(test_e2e, unlink_shm),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
