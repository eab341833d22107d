/* Two processes over a real /dev/shm file: a host process posting frames with a 10 ms tick
 * and client processes receiving them, with stalled clients, host and client restarts,
 * client->host messages and back-pressure. Children are bounded by alarm(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lgmp/client.h"
#include "lgmp/host.h"

#define SHM_SIZE (16u << 20)
#define NBUF 3
#define BUF_SIZE (64u * 1024u)
#define CHILD_ALARM_S 10
#define MAX_CLIENTS 4

/* Shared between the test process and its children (anonymous shared mapping). */
struct ctl {
  uint32_t stop;     /* host exits */
  uint32_t restart;  /* host re-inits the region (new session) */
  uint32_t frame_ms; /* host pacing; 0 = as fast as possible */
  uint32_t posted, full, max_count, sessions;
  uint64_t max_full_ms; /* longest stretch of QUEUE_FULL */
  uint32_t msgs, msg_errors;
  uint32_t frames[MAX_CLIENTS], errors[MAX_CLIENTS];
  int64_t value[MAX_CLIENTS];
};

static struct ctl *ctl;
static char shm_path[128];
static pid_t children[8]; /* killed by teardown, so that a failed test leaves nothing behind */
static int num_children;

static void track(pid_t pid)
{
  if (num_children < 8)
    children[num_children++] = pid;
}

static uint64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint32_t ld(uint32_t *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
static void st(uint32_t *p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }

static void *map_region(void)
{
  int fd = open(shm_path, O_RDWR);
  if (fd < 0)
    _exit(90);
  void *mem = mmap(NULL, SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (mem == MAP_FAILED)
    _exit(91);
  return mem;
}

static uint8_t pattern(uint32_t serial, uint32_t i) { return (uint8_t)(serial * 7u + i * 13u); }

static void fill(uint8_t *buf, uint32_t serial)
{
  memcpy(buf, &serial, 4);
  for (uint32_t i = 4; i < BUF_SIZE; ++i)
    buf[i] = pattern(serial, i);
}

static bool verify(const struct lgmp_message *m)
{
  uint32_t serial;
  if (m->size != BUF_SIZE)
    return false;
  const uint8_t *p = m->mem;
  memcpy(&serial, p, 4);
  if (serial != m->udata)
    return false;
  for (uint32_t i = 4; i < BUF_SIZE; ++i)
    if (p[i] != pattern(serial, i))
      return false;
  return true;
}

/* ---- host process ---- */

struct host_state {
  struct lgmp_host *host;
  struct lgmp_host_queue *frame, *pointer;
  struct lgmp_memory buf[NBUF];
};

static void host_setup(void *mem, struct host_state *h)
{
  static const char udata[] = "lgmp two-process test";
  if (lgmp_host_init(mem, SHM_SIZE, udata, sizeof(udata), &h->host) != LGMP_OK ||
      lgmp_host_queue_new(h->host, (struct lgmp_queue_config){2, 2, 1000}, &h->frame) != LGMP_OK ||
      lgmp_host_queue_new(h->host, (struct lgmp_queue_config){1, 20, 1000}, &h->pointer) != LGMP_OK)
    _exit(92);
  for (int i = 0; i < NBUF; ++i)
    if (lgmp_host_mem_alloc(h->host, BUF_SIZE, 4096, &h->buf[i]) != LGMP_OK)
      _exit(93);
  __atomic_add_fetch(&ctl->sessions, 1, __ATOMIC_SEQ_CST);
}

/* SETCURSORPOS-like messages: {i, -i, 0x1234} in order. */
static void host_on_msg(void *opaque, const void *data, uint32_t size)
{
  (void)opaque;
  int32_t v[3];
  uint32_t n = ld(&ctl->msgs);
  if (size != 12) {
    __atomic_add_fetch(&ctl->msg_errors, 1, __ATOMIC_SEQ_CST);
  } else {
    memcpy(v, data, 12);
    if (v[0] != (int32_t)n || v[1] != -(int32_t)n || v[2] != 0x1234)
      __atomic_add_fetch(&ctl->msg_errors, 1, __ATOMIC_SEQ_CST);
  }
  st(&ctl->msgs, n + 1);
}

static void host_main(void)
{
  alarm(CHILD_ALARM_S);
  void *mem = map_region();
  struct lgmp_header *hdr = mem;
  struct host_state h;
  host_setup(mem, &h);
  uint64_t next_tick = now_ms(), next_frame = 0, full_since = 0;
  uint32_t serial = 1;
  bool filled = false;
  while (!ld(&ctl->stop)) {
    uint64_t now = now_ms();
    if (now >= next_tick) {
      if (lgmp_host_process(h.host, host_on_msg, NULL) != LGMP_OK)
        _exit(94);
      next_tick += 10;
    }
    if (__atomic_exchange_n(&ctl->restart, 0, __ATOMIC_SEQ_CST)) {
      lgmp_host_free(&h.host);
      host_setup(mem, &h);
      filled = false;
      full_since = 0;
    }
    uint32_t count = __atomic_load_n(&hdr->queues[0].count, __ATOMIC_SEQ_CST);
    if (count > ld(&ctl->max_count))
      st(&ctl->max_count, count);
    if (lgmp_host_queue_has_subs(h.frame) && now >= next_frame) {
      struct lgmp_memory *b = &h.buf[serial % NBUF];
      if (!filled) {
        fill(b->mem, serial);
        filled = true;
      }
      enum lgmp_status s = lgmp_host_queue_post(h.frame, serial, b);
      if (s == LGMP_OK) {
        if (full_since && now - full_since > ctl->max_full_ms)
          ctl->max_full_ms = now - full_since;
        full_since = 0;
        serial++;
        filled = false;
        next_frame = now + ld(&ctl->frame_ms);
        __atomic_add_fetch(&ctl->posted, 1, __ATOMIC_SEQ_CST);
      } else if (s == LGMP_ERR_QUEUE_FULL) {
        if (!full_since)
          full_since = now;
        __atomic_add_fetch(&ctl->full, 1, __ATOMIC_SEQ_CST);
      } else {
        _exit(95);
      }
    }
    usleep(200);
  }
  lgmp_host_free(&h.host);
  _exit(0);
}

/* ---- client processes ---- */

enum client_mode {
  RECV,     /* receive `n` consecutive frames, `delay_ms` per frame */
  STALL,    /* receive `n`, then hold a message until QUEUE_TIMEOUT; value = ms until then */
  REATTACH, /* receive `n`, ask for a host restart, re-attach, receive `n` more */
  CRASH,    /* receive `n`, then exit without done/unsubscribe */
  MSGS,     /* send `n` messages on the pointer queue, waiting for each ack */
};

struct client_args {
  int idx;
  enum client_mode mode;
  uint32_t n;
  uint32_t delay_ms;
};

static void attach(struct lgmp_client *c, uint32_t queue_id, struct lgmp_client_queue **q)
{
  uint64_t deadline = now_ms() + 4000;
  const uint8_t *udata;
  uint32_t udata_size;
  while (lgmp_client_session_init(c, &udata, &udata_size) != LGMP_OK) {
    if (now_ms() > deadline)
      _exit(80);
    usleep(5000);
  }
  if (udata_size != 22 || memcmp(udata, "lgmp two-process test", 22) != 0)
    _exit(81);
  enum lgmp_status s;
  while ((s = lgmp_client_subscribe(c, queue_id, q)) == LGMP_ERR_NO_SUCH_QUEUE) {
    if (now_ms() > deadline)
      _exit(82);
    usleep(1000);
  }
  if (s != LGMP_OK)
    _exit(83);
}

static void client_main(struct client_args a)
{
  alarm(CHILD_ALARM_S);
  void *mem = map_region();
  struct lgmp_client *c;
  struct lgmp_client_queue *q = NULL;
  if (lgmp_client_init(mem, SHM_SIZE, &c) != LGMP_OK)
    _exit(84);
  usleep(20000);
  attach(c, a.mode == MSGS ? 1 : 2, &q);

  if (a.mode == MSGS) {
    for (uint32_t i = 0; i < a.n; ++i) {
      int32_t v[3] = {(int32_t)i, -(int32_t)i, 0x1234};
      uint32_t serial;
      enum lgmp_status s;
      while ((s = lgmp_client_send_data(q, v, 12, &serial)) == LGMP_ERR_QUEUE_FULL)
        usleep(1000);
      if (s != LGMP_OK)
        _exit(85);
      uint64_t deadline = now_ms() + 1000;
      while (!lgmp_client_message_acked(q, serial)) {
        if (now_ms() > deadline)
          _exit(86);
        usleep(1000);
      }
      ctl->frames[a.idx]++;
    }
    lgmp_client_unsubscribe(&q);
    _exit(0);
  }

  uint32_t last = 0, got = 0, sessions = 1;
  uint32_t first_session = lgmp_client_session_id(c);
  uint64_t last_check = now_ms();
  for (;;) {
    struct lgmp_message m;
    enum lgmp_status s = lgmp_client_process(q, &m);
    if (now_ms() - last_check >= 100) {
      last_check = now_ms();
      if (!lgmp_client_session_valid(c))
        s = LGMP_ERR_INVALID_SESSION;
    }
    if (s == LGMP_ERR_QUEUE_EMPTY) {
      usleep(1000);
      continue;
    }
    if (s == LGMP_ERR_INVALID_SESSION && a.mode == REATTACH) {
      lgmp_client_unsubscribe(&q);
      attach(c, 2, &q);
      if (lgmp_client_session_id(c) != first_session)
        sessions++;
      last = 0;
      continue;
    }
    if (s != LGMP_OK)
      _exit(87);
    bool ok = verify(&m);
    if (last && m.udata != last + 1)
      ok = false;
    last = m.udata;
    if (a.mode == STALL && got == a.n) {
      /* hold this message and watch the host time us out */
      uint64_t t0 = now_ms();
      while ((s = lgmp_client_process(q, &m)) == LGMP_OK)
        usleep(5000);
      ctl->value[a.idx] = s == LGMP_ERR_QUEUE_TIMEOUT ? (int64_t)(now_ms() - t0) : -(int64_t)s;
      lgmp_client_unsubscribe(&q); /* QUEUE_TIMEOUT: the bit stays until reaped */
      _exit(0);
    }
    s = lgmp_client_message_done(q);
    if (s == LGMP_ERR_INVALID_SESSION && a.mode == REATTACH)
      continue; /* a frame of the old session: do not judge its bytes */
    if (s != LGMP_OK)
      _exit(88);
    if (!ok)
      ctl->errors[a.idx]++;
    got++;
    ctl->frames[a.idx] = got;
    if (a.mode == CRASH && got == a.n)
      _exit(0);
    if (a.mode == REATTACH && got == a.n && sessions == 1)
      st(&ctl->restart, 1);
    if (a.mode == RECV && got >= a.n)
      break;
    if (a.mode == REATTACH && got >= 2 * a.n && sessions > 1)
      break;
    if (a.delay_ms)
      usleep(a.delay_ms * 1000u);
  }
  ctl->value[a.idx] = sessions;
  lgmp_client_unsubscribe(&q);
  lgmp_client_free(&c);
  _exit(0);
}

/* ---- test process ---- */

static pid_t spawn_host(void)
{
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0)
    host_main();
  track(pid);
  return pid;
}

static pid_t spawn_client(struct client_args a)
{
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0)
    client_main(a);
  track(pid);
  return pid;
}

/* Exit status of `pid`, or -1 (and the child killed) after `timeout_ms`. */
static int wait_child(pid_t pid, uint64_t timeout_ms)
{
  uint64_t deadline = now_ms() + timeout_ms;
  int status;
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (now_ms() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    usleep(2000);
  }
}

static int setup(void **state)
{
  (void)state;
  static int n;
  snprintf(shm_path, sizeof(shm_path), "/dev/shm/lgmp_test_%d_%d", (int)getpid(), n++);
  int fd = open(shm_path, O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd < 0 || ftruncate(fd, SHM_SIZE) != 0)
    return -1;
  close(fd);
  memset(ctl, 0, sizeof(*ctl));
  ctl->frame_ms = 5;
  return 0;
}

static int teardown(void **state)
{
  (void)state;
  for (int i = 0; i < num_children; ++i)
    if (waitpid(children[i], NULL, WNOHANG) == 0) {
      kill(children[i], SIGKILL);
      waitpid(children[i], NULL, 0);
    }
  num_children = 0;
  unlink(shm_path);
  return 0;
}

static void stop_host(pid_t host)
{
  st(&ctl->stop, 1);
  assert_int_equal(wait_child(host, 3000), 0);
}

static void test_frames_exact(void **state)
{
  (void)state;
  pid_t host = spawn_host();
  uint64_t t0 = now_ms();
  pid_t c = spawn_client((struct client_args){0, RECV, 300, 0});
  assert_int_equal(wait_child(c, 5000), 0);
  uint64_t ms = now_ms() - t0;
  stop_host(host);
  assert_int_equal(ctl->frames[0], 300);
  assert_int_equal(ctl->errors[0], 0);
  assert_true(ctl->max_count <= 2);
  print_message("  300 frames of %u KiB in %llu ms\n", BUF_SIZE / 1024, (unsigned long long)ms);
}

static void test_stalled_client_times_out(void **state)
{
  (void)state;
  pid_t host = spawn_host();
  pid_t a = spawn_client((struct client_args){0, STALL, 5, 0});
  pid_t b = spawn_client((struct client_args){1, RECV, 300, 0});
  assert_int_equal(wait_child(a, 5000), 0);
  assert_int_equal(wait_child(b, 5000), 0);
  uint32_t posted_after = ld(&ctl->posted);
  usleep(100000);
  assert_true(ld(&ctl->posted) > posted_after); /* the host carries on */
  stop_host(host);
  print_message("  stalled client timed out after %lld ms; longest QUEUE_FULL stretch %llu ms\n",
                (long long)ctl->value[0], (unsigned long long)ctl->max_full_ms);
  assert_true(ctl->value[0] >= 800 && ctl->value[0] <= 2500);
  assert_int_equal(ctl->frames[1], 300);
  assert_int_equal(ctl->errors[1], 0);
  assert_true(ctl->full > 0);
  assert_true(ctl->max_full_ms >= 500 && ctl->max_full_ms <= 2500);
  assert_true(ctl->max_count <= 2);
}

static void test_host_restart(void **state)
{
  (void)state;
  pid_t host = spawn_host();
  pid_t c = spawn_client((struct client_args){0, REATTACH, 50, 0});
  int rc = wait_child(c, 5000);
  assert_int_equal(rc, 0);
  stop_host(host);
  assert_int_equal(ctl->sessions, 2);
  assert_int_equal(ctl->value[0], 2);
  assert_true(ctl->frames[0] >= 100);
  assert_int_equal(ctl->errors[0], 0);
}

static void test_client_restart(void **state)
{
  (void)state;
  pid_t host = spawn_host();
  assert_int_equal(wait_child(spawn_client((struct client_args){0, RECV, 30, 0}), 3000), 0);
  assert_int_equal(wait_child(spawn_client((struct client_args){1, RECV, 30, 0}), 3000), 0);
  /* a client that dies holding its subscription: the next one waits for the host to mark
   * the dead bit BAD (~1 s) and then receives */
  uint64_t t0 = now_ms();
  assert_int_equal(wait_child(spawn_client((struct client_args){2, CRASH, 10, 0}), 3000), 0);
  assert_int_equal(wait_child(spawn_client((struct client_args){3, RECV, 30, 0}), 4000), 0);
  uint64_t ms = now_ms() - t0;
  stop_host(host);
  for (int i = 0; i < 4; ++i)
    assert_int_equal(ctl->errors[i], 0);
  assert_int_equal(ctl->frames[0], 30);
  assert_int_equal(ctl->frames[1], 30);
  assert_int_equal(ctl->frames[3], 30);
  print_message("  crash + new client: 30 frames after %llu ms\n", (unsigned long long)ms);
}

static void test_client_messages(void **state)
{
  (void)state;
  pid_t host = spawn_host();
  pid_t c = spawn_client((struct client_args){0, MSGS, 50, 0});
  assert_int_equal(wait_child(c, 5000), 0);
  stop_host(host);
  assert_int_equal(ctl->frames[0], 50);
  assert_int_equal(ctl->msgs, 50);
  assert_int_equal(ctl->msg_errors, 0);
}

static void test_back_pressure(void **state)
{
  (void)state;
  ctl->frame_ms = 0;
  pid_t host = spawn_host();
  pid_t c = spawn_client((struct client_args){0, RECV, 40, 10});
  assert_int_equal(wait_child(c, 5000), 0);
  stop_host(host);
  assert_int_equal(ctl->frames[0], 40);
  assert_int_equal(ctl->errors[0], 0);
  assert_true(ctl->full > 0);
  assert_true(ctl->max_count <= 2);
  print_message("  slow client: %u posts, %u QUEUE_FULL, max pending %u\n", ctl->posted, ctl->full,
                ctl->max_count);
}

int main(void)
{
  ctl = mmap(NULL, sizeof(*ctl), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (ctl == MAP_FAILED)
    return 1;
  if (getenv("LGMP_TEST_FILTER"))
    cmocka_set_test_filter(getenv("LGMP_TEST_FILTER"));
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_frames_exact, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stalled_client_times_out, setup, teardown),
      cmocka_unit_test_setup_teardown(test_host_restart, setup, teardown),
      cmocka_unit_test_setup_teardown(test_client_restart, setup, teardown),
      cmocka_unit_test_setup_teardown(test_client_messages, setup, teardown),
      cmocka_unit_test_setup_teardown(test_back_pressure, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
