/* Integration: lgspice against QEMU's real SPICE server (qemu-system-x86_64,
 * -machine none). A missing QEMU fails the test. QEMU runs with PDEATHSIG so it
 * dies with the test even on a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lgspice/client.h"
#include "spice_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/input-event-codes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct qemu {
  pid_t pid;
  uint16_t port;  /* 0 for the unix-socket instance */
  char sock[108]; /* SPICE unix socket */
  char qmp[108];
};

static struct qemu q_open, q_pass, q_unix;

static uint16_t free_port(void)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t l = sizeof(a);
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
      getsockname(fd, (struct sockaddr *)&a, &l) != 0) {
    if (fd >= 0)
      close(fd);
    return 0;
  }
  close(fd);
  return ntohs(a.sin_port);
}

static int unix_connect(const char *path)
{
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un u = {.sun_family = AF_UNIX};
  snprintf(u.sun_path, sizeof(u.sun_path), "%s", path);
  if (fd >= 0 && connect(fd, (struct sockaddr *)&u, sizeof(u)) == 0)
    return fd;
  if (fd >= 0)
    close(fd);
  return -1;
}

static void sleep_ms(long ms)
{
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static bool start_qemu(struct qemu *q, const char *tag, const char *password, bool use_unix)
{
  memset(q, 0, sizeof(*q));
  snprintf(q->qmp, sizeof(q->qmp), "/tmp/lgspice-qmp-%d-%s.sock", (int)getpid(), tag);
  char spice[256];
  if (use_unix) {
    snprintf(q->sock, sizeof(q->sock), "/tmp/lgspice-spice-%d-%s.sock", (int)getpid(), tag);
    unlink(q->sock);
    snprintf(spice, sizeof(spice), "unix=on,addr=%s,disable-ticketing=on", q->sock);
  } else {
    q->port = free_port();
    if (!q->port)
      return false;
    snprintf(spice, sizeof(spice), "port=%u,addr=127.0.0.1,%s", q->port,
             password ? "password-secret=sec0" : "disable-ticketing=on");
  }
  char qmp[160], secret[96];
  snprintf(qmp, sizeof(qmp), "unix:%s,server=on,wait=off", q->qmp);
  snprintf(secret, sizeof(secret), "secret,id=sec0,data=%s", password ? password : "");
  unlink(q->qmp);

  q->pid = fork();
  if (q->pid < 0)
    return false;
  if (q->pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0)
      dup2(devnull, STDIN_FILENO);
    const char *argv[] = {"qemu-system-x86_64",
                          "-machine",
                          "none",
                          "-nodefaults",
                          "-display",
                          "none",
                          "-spice",
                          spice,
                          "-qmp",
                          qmp,
                          "-object",
                          secret,
                          NULL};
    if (!password) /* no secret object needed */
      argv[10] = NULL;
    execvp(argv[0], (char *const *)argv);
    fprintf(stderr, "spice_qemu: cannot run qemu-system-x86_64: %s\n", strerror(errno));
    _exit(127);
  }
  /* Ready when QMP accepts a connection (QEMU opens it after -spice is set up). */
  for (int i = 0; i < 300; ++i) {
    int status;
    if (waitpid(q->pid, &status, WNOHANG) == q->pid) {
      fprintf(stderr, "spice_qemu: qemu exited early (status %d)\n", status);
      q->pid = 0;
      return false;
    }
    int fd = unix_connect(q->qmp);
    if (fd >= 0) {
      close(fd);
      return true;
    }
    sleep_ms(50);
  }
  fprintf(stderr, "spice_qemu: qemu did not start\n");
  return false;
}

static void stop_qemu(struct qemu *q)
{
  if (q->pid > 0) {
    kill(q->pid, SIGTERM);
    waitpid(q->pid, NULL, 0);
  }
  q->pid = 0;
  if (q->qmp[0])
    unlink(q->qmp);
  if (q->sock[0])
    unlink(q->sock);
}

static int setup(void **state)
{
  (void)state;
  if (!start_qemu(&q_open, "open", NULL, false) || !start_qemu(&q_pass, "pass", "secret", false) ||
      !start_qemu(&q_unix, "unix", NULL, true)) {
    fprintf(stderr, "spice_qemu: FAILED to start QEMU (is qemu-system-x86_64 installed?)\n");
    stop_qemu(&q_open);
    stop_qemu(&q_pass);
    stop_qemu(&q_unix);
    return -1;
  }
  return 0;
}

static int teardown(void **state)
{
  (void)state;
  stop_qemu(&q_open);
  stop_qemu(&q_pass);
  stop_qemu(&q_unix);
  return 0;
}

/* Sends `cmd` on a fresh QMP session and returns the reply line in `out`. */
static bool qmp_query(const struct qemu *q, const char *cmd, char *out, size_t cap)
{
  int fd = unix_connect(q->qmp);
  if (fd < 0)
    return false;
  char msg[256];
  snprintf(msg, sizeof(msg), "{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"%s\"}\n", cmd);
  if (write(fd, msg, strlen(msg)) != (ssize_t)strlen(msg)) {
    close(fd);
    return false;
  }
  size_t got = 0;
  bool ok = false;
  while (got < cap - 1) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 3000) <= 0)
      break;
    ssize_t n = read(fd, out + got, cap - 1 - got);
    if (n <= 0)
      break;
    got += (size_t)n;
    out[got] = 0;
    /* greeting, capabilities reply, then the answer: three lines */
    int lines = 0;
    for (size_t i = 0; i < got; ++i)
      lines += out[i] == '\n';
    if (lines >= 3) {
      ok = true;
      break;
    }
  }
  close(fd);
  return ok;
}

static bool has_channel(const char *json, int type)
{
  char a[32], b[32];
  snprintf(a, sizeof(a), "\"channel-type\": %d,", type);
  snprintf(b, sizeof(b), "\"channel-type\":%d,", type);
  return strstr(json, a) || strstr(json, b);
}

static struct spice_config config_for(const struct qemu *q, const char *password)
{
  struct spice_config c = {.host = "127.0.0.1",
                           .port = q->port,
                           .password = password,
                           .client_mouse = true,
                           .timeout_ms = 5000};
  if (q->sock[0])
    c.unix_path = q->sock;
  return c;
}

static void exercise_inputs(struct spice_session *s, const struct qemu *q)
{
  assert_true(spice_key_down(s, KEY_A));
  assert_true(spice_key_up(s, KEY_A));
  assert_true(spice_key_down(s, KEY_RIGHTCTRL));
  assert_true(spice_key_up(s, KEY_RIGHTCTRL));
  assert_true(spice_key_down(s, KEY_PAUSE)); /* QEMU offers KEY_SCANCODE */
  assert_true(spice_key_up(s, KEY_PAUSE));
  assert_true(spice_key_modifiers(s, SPICE_MOD_NUM_LOCK));
  for (int i = 0; i < 50; ++i)
    assert_true(spice_mouse_motion(s, 3, -2));
  assert_true(spice_mouse_position(s, 100, 200, 0));
  assert_true(spice_mouse_press(s, SPICE_BUTTON_LEFT));
  assert_true(spice_mouse_release(s, SPICE_BUTTON_LEFT));
  assert_true(spice_mouse_wheel(s, 2));
  assert_true(spice_mouse_wheel(s, -1));
  sleep_ms(700);
  enum spice_error err = SPICE_OK;
  assert_int_equal(spice_get_state(s, &err), SPICE_STATE_READY);
  /* Only 8 motion messages may be in flight: all 50 went out only if the server
   * parsed them and sent MOUSE_MOTION_ACKs back. */
  pthread_mutex_lock(&s->lock);
  bool flushed =
      !s->rel_pending && !s->abs_pending && s->motion_unacked < 8 && s->inputs.out.len == 0;
  pthread_mutex_unlock(&s->lock);
  assert_true(flushed);

  char json[8192];
  assert_true(qmp_query(q, "query-spice", json, sizeof(json)));
  if (!has_channel(json, 1) || !has_channel(json, 3))
    fprintf(stderr, "query-spice: %s\n", json);
  assert_true(has_channel(json, 1)); /* main */
  assert_true(has_channel(json, 3)); /* inputs */
}

static void test_no_password(void **state)
{
  (void)state;
  struct spice_config c = config_for(&q_open, NULL);
  struct spice_session *s = spice_connect(&c);
  assert_non_null(s);
  assert_int_equal(spice_wait_ready(s, 10000), SPICE_OK);
  struct spice_info info;
  spice_get_info(s, &info);
  assert_true(info.session_id != 0);
  assert_true(info.supported_mouse_modes & 1); /* server mode */
  bool inputs_listed = false;
  for (uint32_t i = 0; i < info.num_channels; ++i)
    inputs_listed |= info.channel_type[i] == 3;
  assert_true(inputs_listed);
  exercise_inputs(s, &q_open);
  spice_disconnect(s);
}

static void test_unix_socket(void **state)
{
  (void)state;
  struct spice_config c = config_for(&q_unix, NULL);
  struct spice_session *s = spice_connect(&c);
  assert_non_null(s);
  assert_int_equal(spice_wait_ready(s, 10000), SPICE_OK);
  exercise_inputs(s, &q_unix);
  spice_disconnect(s);
}

static void test_right_password(void **state)
{
  (void)state;
  struct spice_config c = config_for(&q_pass, "secret");
  struct spice_session *s = spice_connect(&c);
  assert_non_null(s);
  assert_int_equal(spice_wait_ready(s, 10000), SPICE_OK);
  exercise_inputs(s, &q_pass);
  spice_disconnect(s);
}

static void expect_error(const struct qemu *q, const char *password, enum spice_error want)
{
  struct spice_config c = config_for(q, password);
  struct spice_session *s = spice_connect(&c);
  assert_non_null(s);
  assert_int_equal(spice_wait_ready(s, 10000), want);
  enum spice_error err = SPICE_OK;
  assert_int_equal(spice_get_state(s, &err), SPICE_STATE_CLOSED);
  assert_int_equal(err, want);
  spice_disconnect(s);
}

static void test_wrong_password(void **state)
{
  (void)state;
  expect_error(&q_pass, "wrong", SPICE_ERR_PERMISSION_DENIED);
  expect_error(&q_pass, NULL, SPICE_ERR_PERMISSION_DENIED);
}

static void test_refused(void **state)
{
  (void)state;
  struct qemu none = {.port = free_port()};
  assert_true(none.port != 0);
  expect_error(&none, NULL, SPICE_ERR_CONNECT_REFUSED);
  struct qemu nosock = {.sock = "/tmp/lgspice-no-such-socket"};
  expect_error(&nosock, NULL, SPICE_ERR_CONNECT_REFUSED);
}

/* Four threads hammer the send functions of one live session at once (the
 * render-loop use); the server must parse everything (no disconnect) and the
 * motion window must drain. */
static void *hammer(void *arg)
{
  struct spice_session *s = arg;
  for (int i = 0; i < 500; ++i) {
    if (!spice_key_down(s, KEY_LEFTSHIFT) || !spice_key_up(s, KEY_LEFTSHIFT) ||
        !spice_mouse_motion(s, 1, 1) || !spice_mouse_press(s, SPICE_BUTTON_MIDDLE) ||
        !spice_mouse_release(s, SPICE_BUTTON_MIDDLE))
      return (void *)1;
  }
  return NULL;
}

static void test_threads(void **state)
{
  (void)state;
  struct spice_config c = config_for(&q_open, NULL);
  struct spice_session *s = spice_connect(&c);
  assert_non_null(s);
  assert_int_equal(spice_wait_ready(s, 10000), SPICE_OK);
  pthread_t t[4];
  for (int i = 0; i < 4; ++i)
    assert_int_equal(pthread_create(&t[i], NULL, hammer, s), 0);
  for (int i = 0; i < 4; ++i) {
    void *r = (void *)1;
    pthread_join(t[i], &r);
    assert_null(r);
  }
  exercise_inputs(s, &q_open);
  spice_disconnect(s);
}

/* A fake server that answers the link with `reply`; the error must be `want`. */
static void fake_server(const void *reply, size_t len, enum spice_error want)
{
  int l = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t al = sizeof(a);
  assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
  assert_int_equal(listen(l, 4), 0);
  assert_int_equal(getsockname(l, (struct sockaddr *)&a, &al), 0);
  struct qemu fake = {.port = ntohs(a.sin_port)};
  struct spice_config c = config_for(&fake, NULL);
  struct spice_session *s = spice_connect(&c);
  assert_non_null(s);
  int fd = accept(l, NULL, NULL);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, reply, len), (ssize_t)len);
  assert_int_equal(spice_wait_ready(s, 10000), want);
  spice_disconnect(s);
  close(fd);
  close(l);
}

static void test_not_spice(void **state)
{
  (void)state;
  const char junk[] = "HTTP/1.0 400 Bad Request\r\n\r\n";
  fake_server(junk, sizeof(junk) - 1, SPICE_ERR_PROTOCOL);
  /* REDQ but protocol major 1 */
  const uint8_t old[16] = {'R', 'E', 'D', 'Q', 1, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0};
  fake_server(old, sizeof(old), SPICE_ERR_VERSION);
  /* REDQ 2.2 with a reply that is too short for a public key */
  const uint8_t shortr[16 + 8] = {'R', 'E', 'D', 'Q', 2, 0, 0, 0, 2, 0, 0, 0, 8, 0, 0, 0};
  fake_server(shortr, sizeof(shortr), SPICE_ERR_PROTOCOL);
}

static int closed_calls;
static enum spice_error closed_err;
static void on_closed(void *opaque, enum spice_error err)
{
  (void)opaque;
  closed_err = err;
  ++closed_calls;
}

/* The server going away mid-session closes it with DISCONNECTED and a callback. */
static void test_server_gone(void **state)
{
  (void)state;
  struct qemu q;
  assert_true(start_qemu(&q, "gone", NULL, false));
  struct spice_config c = config_for(&q, NULL);
  c.cb.on_closed = on_closed;
  struct spice_session *s = spice_connect(&c);
  assert_non_null(s);
  assert_int_equal(spice_wait_ready(s, 10000), SPICE_OK);
  stop_qemu(&q);
  enum spice_error err = SPICE_OK;
  for (int i = 0; i < 100 && spice_get_state(s, &err) != SPICE_STATE_CLOSED; ++i)
    sleep_ms(50);
  assert_int_equal(spice_get_state(s, &err), SPICE_STATE_CLOSED);
  assert_int_equal(err, SPICE_ERR_DISCONNECTED);
  assert_int_equal(closed_calls, 1);
  assert_int_equal(closed_err, SPICE_ERR_DISCONNECTED);
  assert_false(spice_key_down(s, KEY_A)); /* nothing is queued on a closed session */
  spice_disconnect(s);
}

int main(void)
{
  signal(SIGPIPE, SIG_IGN);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_no_password),    cmocka_unit_test(test_unix_socket),
      cmocka_unit_test(test_right_password), cmocka_unit_test(test_wrong_password),
      cmocka_unit_test(test_refused),        cmocka_unit_test(test_not_spice),
      cmocka_unit_test(test_threads),        cmocka_unit_test(test_server_gone),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
