/* Unit tests of the client's session (client/src/session.c) and region (region.c) modules:
 * a real LGMP host (repos/lgmp) on a heap "region" posts good and bad frames and cursors;
 * the test plays the render thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lg/kvmfr.h"
#include "lg/kvmfr_udata.h"
#include "lg/time.h"
#include "lgmp/host.h"
#include "region.h"
#include "session.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REGION_SIZE (4u << 20)
#define FW 64u
#define FH 48u
#define ALIGN 4096u

struct fixture {
  struct region region;
  struct lgmp_host *host;
  struct lgmp_host_queue *fq, *cq;
  struct lgmp_memory frame_mem[2], cursor_mem;
  pthread_t ticker;
  atomic_bool tick_stop;
  bool ticking;
  struct session *s;
  atomic_uint wakes;
};

static void wake(void *opaque)
{
  struct fixture *f = opaque;
  atomic_fetch_add(&f->wakes, 1);
}

static void *tick_main(void *opaque)
{
  struct fixture *f = opaque;
  while (!atomic_load(&f->tick_stop)) {
    lgmp_host_process(f->host, NULL, NULL);
    lg_sleep_ms(10);
  }
  return NULL;
}

static void host_stop(struct fixture *f)
{
  if (f->ticking) {
    atomic_store(&f->tick_stop, true);
    pthread_join(f->ticker, NULL);
    f->ticking = false;
  }
  lgmp_host_free(&f->host);
}

/* (Re)starts the host with udata of KVMFR `version`. */
static void host_start(struct fixture *f, uint32_t version)
{
  uint8_t udata[256];
  size_t len = 0;
  if (version == KVMFR_VERSION) {
    struct lg_kvmfr_udata u;
    memset(&u, 0, sizeof(u));
    snprintf(u.hostver, sizeof(u.hostver), "test-host");
    u.features = KVMFR_FEATURE_SETCURSORPOS;
    assert_int_equal(lg_kvmfr_udata_encode(&u, udata, sizeof(udata), &len), LG_KVMFR_UDATA_OK);
  } else {
    assert_int_equal(lg_kvmfr_udata_write_header(udata, sizeof(udata), version, "old-host", 0),
                     LG_KVMFR_UDATA_OK);
    len = 48;
  }
  assert_int_equal(
      lgmp_host_init(f->region.mem, (uint32_t)f->region.size, udata, (uint32_t)len, &f->host),
      LGMP_OK);
  struct lgmp_queue_config pc = {LGMP_Q_POINTER, LGMP_Q_POINTER_LEN, 1000};
  struct lgmp_queue_config fc = {LGMP_Q_FRAME, LGMP_Q_FRAME_LEN, 1000};
  assert_int_equal(lgmp_host_queue_new(f->host, pc, &f->cq), LGMP_OK);
  assert_int_equal(lgmp_host_queue_new(f->host, fc, &f->fq), LGMP_OK);
  assert_int_equal(lgmp_host_mem_alloc(f->host, 1048600, 64, &f->cursor_mem), LGMP_OK);
  for (int i = 0; i < 2; ++i)
    assert_int_equal(
        lgmp_host_mem_alloc(f->host, ALIGN + FW * FH * 4 + ALIGN, ALIGN, &f->frame_mem[i]),
        LGMP_OK);
  atomic_store(&f->tick_stop, false);
  assert_int_equal(pthread_create(&f->ticker, NULL, tick_main, f), 0);
  f->ticking = true;
}

static int setup(void **state)
{
  struct fixture *f = calloc(1, sizeof(*f));
  f->region.mem = aligned_alloc(ALIGN, REGION_SIZE);
  memset(f->region.mem, 0, REGION_SIZE);
  f->region.size = REGION_SIZE;
  f->region.fd = -1;
  snprintf(f->region.path, sizeof(f->region.path), "test-region");
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *f = *state;
  session_stop(f->s);
  host_stop(f);
  free(f->region.mem);
  free(f);
  return 0;
}

/* Waits up to `ms` for the session to reach `want`; returns the last info. */
static bool wait_state(struct fixture *f, enum session_state want, uint32_t ms,
                       struct session_info *info)
{
  uint64_t seen = 0, end = lg_time_ms() + ms;
  memset(info, 0, sizeof(*info));
  do {
    session_info_get(f->s, info, &seen);
    if (seen && info->state == want)
      return true;
    lg_sleep_ms(5);
  } while (lg_time_ms() < end);
  return false;
}

static bool wait_frame(struct fixture *f, struct session_frame *fr, uint32_t ms)
{
  uint64_t end = lg_time_ms() + ms;
  do {
    if (session_frame_take(f->s, fr))
      return true;
    lg_sleep_ms(1);
  } while (lg_time_ms() < end);
  return false;
}

static bool wait_alert(struct fixture *f, const char *needle, uint32_t ms)
{
  char buf[200];
  uint64_t end = lg_time_ms() + ms;
  do {
    while (session_alert_take(f->s, buf, sizeof(buf)))
      if (strstr(buf, needle))
        return true;
    lg_sleep_ms(5);
  } while (lg_time_ms() < end);
  return false;
}

/* Writes a BGRA frame into slot `slot` and posts it. `finish` false leaves wp short. */
static void post_frame(struct fixture *f, int slot, uint32_t serial, uint32_t type,
                       uint32_t ndamage, bool finish)
{
  struct kvmfr_frame h;
  memset(&h, 0, sizeof(h));
  h.format_ver = 1;
  h.frame_serial = serial;
  h.type = type;
  h.screen_width = h.data_width = h.frame_width = h.stride = FW;
  h.screen_height = h.data_height = h.frame_height = FH;
  h.pitch = FW * 4;
  h.offset = ALIGN - 4;
  h.damage_rects_count = ndamage;
  for (uint32_t i = 0; i < ndamage && i < KVMFR_MAX_DAMAGE_RECTS; ++i)
    h.damage_rects[i] = (struct frame_damage_rect){0, i, FW, 1};
  uint8_t *base = f->frame_mem[slot].mem;
  memcpy(base, &h, sizeof(h));
  _Atomic uint32_t *wp = (_Atomic uint32_t *)(void *)(base + h.offset);
  atomic_store(wp, 0);
  uint8_t *data = base + h.offset + 4;
  for (uint32_t y = 0; y < FH; ++y)
    for (uint32_t x = 0; x < FW; ++x) {
      uint8_t *p = data + y * h.pitch + x * 4;
      p[0] = (uint8_t)(x ^ y);
      p[1] = (uint8_t)y;
      p[2] = (uint8_t)x;
      p[3] = 255;
    }
  atomic_store(wp, finish ? FH * h.pitch : h.pitch);
  assert_int_equal(lgmp_host_queue_post(f->fq, 0, &f->frame_mem[slot]), LGMP_OK);
}

static void start_running(struct fixture *f)
{
  host_start(f, KVMFR_VERSION);
  f->s = session_start(&f->region, wake, f);
  assert_non_null(f->s);
  struct session_info info;
  assert_true(wait_state(f, SESSION_RUNNING, 3000, &info));
  assert_true(info.have_udata);
  assert_string_equal(info.udata.hostver, "test-host");
  assert_non_null(strstr(info.message, "test-host"));
}

static void test_frames_delivered(void **state)
{
  struct fixture *f = *state;
  start_running(f);
  post_frame(f, 0, 1, FRAME_TYPE_BGRA, 0, true);
  struct session_frame fr;
  assert_true(wait_frame(f, &fr, 2000));
  assert_true(fr.format_changed);
  assert_int_equal(fr.format.width, FW);
  assert_int_equal(fr.format.pitch, FW * 4);
  assert_int_equal(fr.damage_count, 0);
  assert_ptr_equal(fr.data, (uint8_t *)f->frame_mem[0].mem + ALIGN);
  assert_int_equal(fr.data[(5 * FW + 7) * 4 + 2], 7); /* R = x */
  /* the slot is not acknowledged before the release */
  lg_sleep_ms(50);
  assert_int_equal(lgmp_host_queue_pending(f->fq), 1);
  session_frame_release(f->s, true);

  post_frame(f, 1, 2, FRAME_TYPE_BGRA, 3, true);
  assert_true(wait_frame(f, &fr, 2000));
  assert_false(fr.format_changed);
  assert_int_equal(fr.damage_count, 3);
  assert_int_equal(fr.damage[2].y, 2);
  session_frame_release(f->s, true);

  /* a repost of serial 2 is dropped */
  post_frame(f, 1, 2, FRAME_TYPE_BGRA, 0, true);
  assert_false(wait_frame(f, &fr, 300));
  uint64_t frames, bad;
  session_counters(f->s, &frames, &bad);
  assert_int_equal(frames, 2);
  assert_int_equal(bad, 0);
  assert_true(atomic_load(&f->wakes) > 0);
}

static void test_bad_frames_skipped(void **state)
{
  struct fixture *f = *state;
  start_running(f);
  post_frame(f, 0, 1, 9 /* no such type */, 0, true);
  assert_true(wait_alert(f, "bad frame", 2000));
  struct session_frame fr;
  assert_false(session_frame_take(f->s, &fr));

  /* a frame whose writer never finishes: skipped after the wp timeout */
  post_frame(f, 1, 2, FRAME_TYPE_BGRA, 0, false);
  assert_true(wait_alert(f, "unfinished", 2000));

  /* a refused frame comes back with full damage and its format next time */
  post_frame(f, 0, 3, FRAME_TYPE_BGRA, 2, true);
  assert_true(wait_frame(f, &fr, 2000));
  assert_true(fr.format_changed);
  assert_int_equal(fr.damage_count, 0);
  session_frame_release(f->s, false);
  post_frame(f, 1, 4, FRAME_TYPE_BGRA, 2, true);
  assert_true(wait_frame(f, &fr, 2000));
  assert_true(fr.format_changed);
  assert_int_equal(fr.damage_count, 0);
  session_frame_release(f->s, true);

  uint64_t frames = 0, bad = 0, end = lg_time_ms() + 2000;
  do { /* the frame thread counts it once it is back from the hand-over */
    lg_sleep_ms(2);
    session_counters(f->s, &frames, &bad);
  } while (frames == 0 && lg_time_ms() < end);
  assert_int_equal(frames, 1);
  assert_int_equal(bad, 2);
  struct session_info info;
  uint64_t seen = 0;
  session_info_get(f->s, &info, &seen);
  assert_int_equal(info.state, SESSION_RUNNING);
}

static void post_cursor(struct fixture *f, uint32_t flags, uint32_t width)
{
  struct kvmfr_cursor c;
  memset(&c, 0, sizeof(c));
  c.x = 10;
  c.y = 20;
  c.type = CURSOR_TYPE_COLOR;
  c.hx = 1;
  c.hy = 2;
  c.width = width;
  c.height = 8;
  c.pitch = width * 4;
  memcpy(f->cursor_mem.mem, &c, sizeof(c));
  memset((uint8_t *)f->cursor_mem.mem + 24, 0xab, 8u * c.pitch);
  assert_int_equal(lgmp_host_queue_post(f->cq, flags, &f->cursor_mem), LGMP_OK);
}

static void test_cursor(void **state)
{
  struct fixture *f = *state;
  start_running(f);
  post_cursor(f, CURSOR_FLAG_POSITION | CURSOR_FLAG_VISIBLE | CURSOR_FLAG_SHAPE, 8);
  struct session_cursor c;
  uint64_t end = lg_time_ms() + 2000;
  bool got = false;
  while (!(got = session_cursor_take(f->s, &c)) && lg_time_ms() < end)
    lg_sleep_ms(2);
  assert_true(got);
  assert_true(c.shape_changed);
  assert_true(c.visible);
  assert_int_equal(c.x, 10);
  assert_int_equal(c.width, 8);
  assert_int_equal(c.hot_y, 2);
  assert_int_equal(c.shape[8 * 32 - 1], 0xab);

  post_cursor(f, CURSOR_FLAG_SHAPE, 600); /* too wide */
  assert_true(wait_alert(f, "bad cursor", 2000));
  assert_true(session_set_cursor_pos(f->s, 5, 6));
}

static void test_incompatible_then_ok(void **state)
{
  struct fixture *f = *state;
  host_start(f, 19);
  f->s = session_start(&f->region, wake, f);
  struct session_info info;
  assert_true(wait_state(f, SESSION_INCOMPATIBLE, 3000, &info));
  assert_non_null(strstr(info.message, "KVMFR version 19"));
  assert_non_null(strstr(info.message, "need 20"));
  assert_non_null(strstr(info.message, "old-host"));
  assert_false(session_set_cursor_pos(f->s, 1, 1));
  host_stop(f);
  host_start(f, KVMFR_VERSION);
  assert_true(wait_state(f, SESSION_RUNNING, 3000, &info));
}

static void test_zero_region_then_host(void **state)
{
  struct fixture *f = *state;
  f->s = session_start(&f->region, wake, f);
  struct session_info info;
  assert_true(wait_state(f, SESSION_NOT_LG, 3000, &info));
  assert_non_null(strstr(info.message, "all zero"));
  host_start(f, KVMFR_VERSION);
  assert_true(wait_state(f, SESSION_RUNNING, 3000, &info));
}

static void test_host_restart(void **state)
{
  struct fixture *f = *state;
  start_running(f);
  post_frame(f, 0, 1, FRAME_TYPE_BGRA, 0, true);
  struct session_frame fr;
  assert_true(wait_frame(f, &fr, 2000));
  session_frame_release(f->s, true);

  host_stop(f); /* a new host process: new session ID */
  host_start(f, KVMFR_VERSION);
  struct session_info info;
  uint64_t end = lg_time_ms() + 4000, seen = 0;
  do {
    session_info_get(f->s, &info, &seen);
    lg_sleep_ms(5);
  } while (!(info.sessions == 2 && info.state == SESSION_RUNNING) && lg_time_ms() < end);
  assert_int_equal(info.sessions, 2);
  assert_int_equal(info.state, SESSION_RUNNING);
  post_frame(f, 0, 1, FRAME_TYPE_BGRA, 0, true); /* serial restarts: still shown */
  assert_true(wait_frame(f, &fr, 2000));
  assert_true(fr.format_changed);
  session_frame_release(f->s, true);
}

static void test_host_stalls(void **state)
{
  struct fixture *f = *state;
  start_running(f);
  atomic_store(&f->tick_stop, true); /* heartbeat stops */
  pthread_join(f->ticker, NULL);
  f->ticking = false;
  struct session_info info;
  assert_true(wait_state(f, SESSION_WAITING, 3000, &info));
  atomic_store(&f->tick_stop, false); /* same session resumes */
  assert_int_equal(pthread_create(&f->ticker, NULL, tick_main, f), 0);
  f->ticking = true;
  assert_true(wait_state(f, SESSION_RUNNING, 3000, &info));
  assert_int_equal(info.sessions, 2);
}

/* ---- region ---- */

static void test_region_errors(void **state)
{
  (void)state;
  struct region r;
  char msg[REGION_MSG_MAX], fix[REGION_MSG_MAX];
  char path[128];
  snprintf(path, sizeof(path), "/dev/shm/lg-test-region-%d", (int)getpid());

  unlink(path);
  assert_int_equal(region_open(&r, path, msg, sizeof(msg), fix, sizeof(fix)), REGION_MISSING);
  assert_non_null(strstr(fix, "VM running"));

  assert_int_equal(mkdir(path, 0700), 0);
  assert_int_equal(region_open(&r, path, msg, sizeof(msg), fix, sizeof(fix)), REGION_IS_DIRECTORY);
  rmdir(path);

  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  fwrite("x", 1, 1, fp);
  fclose(fp);
  assert_int_equal(region_open(&r, path, msg, sizeof(msg), fix, sizeof(fix)), REGION_TOO_SMALL);
  assert_non_null(strstr(msg, "too small"));

  assert_int_equal(truncate(path, 0), 0);
  assert_int_equal(truncate(path, 1 << 20), 0);
  assert_int_equal(region_open(&r, path, msg, sizeof(msg), fix, sizeof(fix)), REGION_OK);
  assert_int_equal(r.size, 1 << 20);
  assert_false(r.is_kvmfr);
  assert_true(region_is_zero(&r, 5760));
  ((uint8_t *)r.mem)[100] = 1;
  assert_false(region_is_zero(&r, 5760));
  region_close(&r);
  region_close(&r); /* twice is fine */

  if (geteuid() != 0) { /* root opens anything */
    chmod(path, 0400);
    assert_int_equal(region_open(&r, path, msg, sizeof(msg), fix, sizeof(fix)), REGION_PERMISSION);
    assert_non_null(strstr(fix, "chown"));
  }
  unlink(path);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_region_errors),
      cmocka_unit_test_setup_teardown(test_frames_delivered, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_frames_skipped, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cursor, setup, teardown),
      cmocka_unit_test_setup_teardown(test_incompatible_then_ok, setup, teardown),
      cmocka_unit_test_setup_teardown(test_zero_region_then_host, setup, teardown),
      cmocka_unit_test_setup_teardown(test_host_restart, setup, teardown),
      cmocka_unit_test_setup_teardown(test_host_stalls, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
