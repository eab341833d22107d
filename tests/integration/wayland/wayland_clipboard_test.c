/* The wayland display server's clipboard against the fake compositor's data device, with a
 * second plain wayland client in this process (dispatched on its own thread): it reads the
 * text the display server offers, and offers text the display server reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "displayserver.h"
#include "fake_compositor.h"

#include <wayland-client.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MIME_UTF8 "text/plain;charset=utf-8"
#define WAIT_MS 2000u

static const char k_ours[] = "h\xc3\xa9llo \xe2\x9c\x93"; /* "héllo ✓" */
static const char k_theirs[] = "from-other";

/* The second client. Its events are dispatched on `thread`; `lock` guards the fields below. */
struct other {
  struct wl_display *display;
  struct wl_registry *registry;
  struct wl_seat *seat;
  struct wl_data_device_manager *mgr;
  struct wl_data_device *device;
  struct wl_data_source *source;
  pthread_t thread;
  atomic_bool stop;
  pthread_mutex_t lock;
  struct wl_data_offer *selection;
  unsigned selection_events;
  char mimes[256]; /* the selection offer's mime types, each after a '|' */
  atomic_int sends;
};

struct test_state {
  struct fake_comp *fc;
  struct lg_ds *ds;
  struct other o;
};

static uint64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void offer_offer(void *data, struct wl_data_offer *offer, const char *mime)
{
  struct other *o = data;
  pthread_mutex_lock(&o->lock);
  if (wl_data_offer_get_user_data(offer) == o &&
      strlen(o->mimes) + strlen(mime) + 2 < sizeof(o->mimes)) {
    strcat(o->mimes, "|");
    strcat(o->mimes, mime);
  }
  pthread_mutex_unlock(&o->lock);
}
static void offer_actions(void *data, struct wl_data_offer *offer, uint32_t a) {}
static const struct wl_data_offer_listener offer_listener = {
    .offer = offer_offer, .source_actions = offer_actions, .action = offer_actions};

static void dev_data_offer(void *data, struct wl_data_device *d, struct wl_data_offer *offer)
{
  struct other *o = data;
  pthread_mutex_lock(&o->lock);
  o->mimes[0] = '\0';
  pthread_mutex_unlock(&o->lock);
  wl_data_offer_add_listener(offer, &offer_listener, o);
}
static void dev_enter(void *data, struct wl_data_device *d, uint32_t serial, struct wl_surface *s,
                      wl_fixed_t x, wl_fixed_t y, struct wl_data_offer *of)
{
}
static void dev_leave(void *data, struct wl_data_device *d) {}
static void dev_motion(void *data, struct wl_data_device *d, uint32_t t, wl_fixed_t x, wl_fixed_t y)
{
}
static void dev_drop(void *data, struct wl_data_device *d) {}
static void dev_selection(void *data, struct wl_data_device *d, struct wl_data_offer *offer)
{
  struct other *o = data;
  pthread_mutex_lock(&o->lock);
  if (o->selection)
    wl_data_offer_destroy(o->selection);
  o->selection = offer;
  o->selection_events++;
  pthread_mutex_unlock(&o->lock);
}
static const struct wl_data_device_listener dev_listener = {
    .data_offer = dev_data_offer,
    .enter = dev_enter,
    .leave = dev_leave,
    .motion = dev_motion,
    .drop = dev_drop,
    .selection = dev_selection,
};

static void src_target(void *data, struct wl_data_source *s, const char *mime) {}
static void src_send(void *data, struct wl_data_source *s, const char *mime, int32_t fd)
{
  struct other *o = data;
  atomic_fetch_add(&o->sends, 1); /* before the reader can see EOF */
  if (strcmp(mime, MIME_UTF8) == 0) {
    ssize_t n = write(fd, k_theirs, strlen(k_theirs));
    (void)n;
  }
  close(fd);
}
static void src_cancelled(void *data, struct wl_data_source *s) {}
static void src_plain(void *data, struct wl_data_source *s) {}
static void src_action(void *data, struct wl_data_source *s, uint32_t a) {}
static const struct wl_data_source_listener src_listener = {
    .target = src_target,
    .send = src_send,
    .cancelled = src_cancelled,
    .dnd_drop_performed = src_plain,
    .dnd_finished = src_plain,
    .action = src_action,
};

static void reg_global(void *data, struct wl_registry *r, uint32_t name, const char *iface,
                       uint32_t version)
{
  struct other *o = data;
  if (strcmp(iface, wl_seat_interface.name) == 0 && !o->seat)
    o->seat = wl_registry_bind(r, name, &wl_seat_interface, 1);
  else if (strcmp(iface, wl_data_device_manager_interface.name) == 0 && !o->mgr)
    o->mgr = wl_registry_bind(r, name, &wl_data_device_manager_interface, 3);
}
static void reg_remove(void *data, struct wl_registry *r, uint32_t name) {}
static const struct wl_registry_listener reg_listener = {.global = reg_global,
                                                         .global_remove = reg_remove};

static void *other_thread(void *arg)
{
  struct other *o = arg;
  struct wl_display *d = o->display;
  while (!atomic_load(&o->stop)) {
    while (wl_display_prepare_read(d) != 0)
      wl_display_dispatch_pending(d);
    wl_display_flush(d);
    struct pollfd pfd = {.fd = wl_display_get_fd(d), .events = POLLIN};
    if (poll(&pfd, 1, 10) > 0)
      wl_display_read_events(d);
    else
      wl_display_cancel_read(d);
    wl_display_dispatch_pending(d);
  }
  return NULL;
}

static int setup(void **state)
{
  struct test_state *s = calloc(1, sizeof(*s));
  if (!s)
    return -1;
  *state = s;
  s->fc = fake_comp_start(1);
  if (!s->fc)
    return -1;
  struct lg_ds_window_params wp = {.title = "clipboard test", .width = 320, .height = 240};
  s->ds = lg_ds_wayland_impl.create(&wp, NULL);
  if (!s->ds)
    return -1;
  struct other *o = &s->o;
  pthread_mutex_init(&o->lock, NULL);
  o->display = wl_display_connect(NULL);
  if (!o->display)
    return -1;
  o->registry = wl_display_get_registry(o->display);
  wl_registry_add_listener(o->registry, &reg_listener, o);
  wl_display_roundtrip(o->display);
  if (!o->seat || !o->mgr)
    return -1;
  o->device = wl_data_device_manager_get_data_device(o->mgr, o->seat);
  wl_data_device_add_listener(o->device, &dev_listener, o);
  wl_display_roundtrip(o->display);
  if (pthread_create(&o->thread, NULL, other_thread, o) != 0)
    return -1;
  return 0;
}

static int teardown(void **state)
{
  struct test_state *s = *state;
  struct other *o = &s->o;
  if (o->display) {
    atomic_store(&o->stop, true);
    pthread_join(o->thread, NULL);
    if (o->selection)
      wl_data_offer_destroy(o->selection);
    if (o->source)
      wl_data_source_destroy(o->source);
    if (o->device)
      wl_data_device_destroy(o->device);
    if (o->mgr)
      wl_data_device_manager_destroy(o->mgr);
    if (o->seat)
      wl_seat_destroy(o->seat);
    wl_registry_destroy(o->registry);
    wl_display_disconnect(o->display);
  }
  if (s->ds)
    s->ds->impl->destroy(s->ds);
  fake_comp_stop(s->fc);
  pthread_mutex_destroy(&o->lock);
  free(s);
  return 0;
}

static void test_other_reads_ours(void **state)
{
  struct test_state *s = *state;
  struct other *o = &s->o;
  pthread_mutex_lock(&o->lock);
  unsigned before = o->selection_events;
  pthread_mutex_unlock(&o->lock);
  assert_true(s->ds->impl->clipboard_set_text(s->ds, k_ours, strlen(k_ours)));

  /* the other client sees the new selection with our mime types */
  struct wl_data_offer *offer = NULL;
  char mimes[256];
  uint64_t deadline = now_ms() + WAIT_MS;
  while (!offer) {
    assert_true(s->ds->impl->pump(s->ds, 10));
    pthread_mutex_lock(&o->lock);
    if (o->selection_events != before && o->selection) {
      offer = o->selection;
      memcpy(mimes, o->mimes, sizeof(mimes));
    }
    pthread_mutex_unlock(&o->lock);
    assert_true(now_ms() < deadline);
  }
  assert_non_null(strstr(mimes, "|" MIME_UTF8));
  assert_non_null(strstr(mimes, "|UTF8_STRING"));
  assert_non_null(strstr(mimes, "|text/plain"));

  int fds[2];
  assert_int_equal(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
  pthread_mutex_lock(&o->lock); /* the offer stays current while we use it */
  wl_data_offer_receive(offer, MIME_UTF8, fds[1]);
  pthread_mutex_unlock(&o->lock);
  wl_display_flush(o->display);
  close(fds[1]);
  char got[64];
  size_t n = 0;
  for (;;) {
    assert_true(s->ds->impl->pump(s->ds, 10)); /* the ds answers the send here */
    ssize_t r = read(fds[0], got + n, sizeof(got) - 1 - n);
    if (r == 0)
      break;
    if (r > 0)
      n += (size_t)r;
    else
      assert_int_equal(errno, EAGAIN);
    assert_true(now_ms() < deadline);
  }
  close(fds[0]);
  assert_int_equal(n, strlen(k_ours));
  assert_memory_equal(got, k_ours, n);

  /* our own text comes back directly */
  char buf[64];
  assert_true(s->ds->impl->clipboard_get_text(s->ds, buf, sizeof(buf)));
  assert_string_equal(buf, k_ours);
}

static void test_we_read_theirs(void **state)
{
  struct test_state *s = *state;
  struct other *o = &s->o;
  o->source = wl_data_device_manager_create_data_source(o->mgr);
  wl_data_source_add_listener(o->source, &src_listener, o);
  wl_data_source_offer(o->source, "text/html");
  wl_data_source_offer(o->source, MIME_UTF8);
  wl_data_device_set_selection(o->device, o->source, 0);
  wl_display_flush(o->display);

  char buf[64] = "";
  uint64_t deadline = now_ms() + WAIT_MS;
  for (;;) {
    assert_true(s->ds->impl->pump(s->ds, 10));
    if (s->ds->impl->clipboard_get_text(s->ds, buf, sizeof(buf)) && strcmp(buf, k_theirs) == 0)
      break;
    assert_true(now_ms() < deadline);
  }
  assert_string_equal(buf, k_theirs);
  assert_true(atomic_load(&o->sends) >= 1);

  /* the owner goes away: the selection is empty */
  wl_data_source_destroy(o->source);
  o->source = NULL;
  wl_display_flush(o->display);
  deadline = now_ms() + WAIT_MS;
  while (s->ds->impl->clipboard_get_text(s->ds, buf, sizeof(buf))) {
    assert_true(s->ds->impl->pump(s->ds, 10));
    assert_true(now_ms() < deadline);
  }

  /* and the ds can take it again */
  assert_true(s->ds->impl->clipboard_set_text(s->ds, "again", 5));
  assert_true(s->ds->impl->clipboard_get_text(s->ds, buf, sizeof(buf)));
  assert_string_equal(buf, "again");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_other_reads_ours),
      cmocka_unit_test(test_we_read_theirs),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
