/* The x11 display server's clipboard against a second, plain Xlib client on Xvfb: the
 * other client reads our selection, and we read the selection it owns. */
#include "displayserver.h"

#include <X11/Xatom.h>
#include <X11/Xlib.h>

#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

static const char k_ours[] = "h\xc3\xa9llo \xe2\x9c\x93"; /* "héllo ✓" */
static const char k_theirs[] = "from-other";

struct fixture {
  struct lg_ds *ds;
  Display *other;
  Window owin;
  Atom clipboard, utf8, targets, prop;
};

static uint64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int setup(void **state)
{
  struct fixture *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  struct lg_ds_window_params p = {.title = "clipboard", .width = 160, .height = 120};
  f->ds = lg_ds_x11_impl.create(&p, NULL);
  assert_non_null(f->ds);
  f->other = XOpenDisplay(NULL);
  assert_non_null(f->other);
  f->owin = XCreateSimpleWindow(f->other, DefaultRootWindow(f->other), 0, 0, 10, 10, 0, 0, 0);
  f->clipboard = XInternAtom(f->other, "CLIPBOARD", False);
  f->utf8 = XInternAtom(f->other, "UTF8_STRING", False);
  f->targets = XInternAtom(f->other, "TARGETS", False);
  f->prop = XInternAtom(f->other, "OTHER_PROP", False);
  XSync(f->other, False);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *f = *state;
  XDestroyWindow(f->other, f->owin);
  XCloseDisplay(f->other);
  f->ds->impl->destroy(f->ds);
  free(f);
  return 0;
}

/* The other client converts CLIPBOARD to `target` while the ds is pumped. Returns the
 * property data (XFree it) or NULL if refused; fails the test on a timeout. */
static unsigned char *other_convert(struct fixture *f, Atom target, Atom *type, int *format,
                                    unsigned long *count)
{
  XDeleteProperty(f->other, f->owin, f->prop);
  XConvertSelection(f->other, f->clipboard, target, f->prop, f->owin, CurrentTime);
  XFlush(f->other);
  uint64_t deadline = now_ms() + 3000;
  XEvent ev;
  for (;;) {
    assert_true(f->ds->impl->pump(f->ds, 10));
    if (XCheckTypedWindowEvent(f->other, f->owin, SelectionNotify, &ev))
      break;
    assert_true(now_ms() < deadline);
  }
  assert_int_equal(ev.xselection.selection, f->clipboard);
  assert_int_equal(ev.xselection.target, target);
  if (ev.xselection.property == None)
    return NULL;
  assert_int_equal(ev.xselection.property, f->prop);
  unsigned long after = 0;
  unsigned char *data = NULL;
  assert_int_equal(XGetWindowProperty(f->other, f->owin, f->prop, 0, 65536, True, AnyPropertyType,
                                      type, format, count, &after, &data),
                   Success);
  assert_int_equal(after, 0);
  return data;
}

static void test_other_reads_ours(void **state)
{
  struct fixture *f = *state;
  assert_true(f->ds->impl->clipboard_set_text(f->ds, k_ours, strlen(k_ours)));
  assert_int_equal(XGetSelectionOwner(f->other, f->clipboard) != None, 1);

  Atom type;
  int format;
  unsigned long count;
  unsigned char *data = other_convert(f, f->utf8, &type, &format, &count);
  assert_non_null(data);
  assert_int_equal(type, f->utf8);
  assert_int_equal(format, 8);
  assert_int_equal(count, strlen(k_ours));
  assert_memory_equal(data, k_ours, strlen(k_ours));
  XFree(data);

  data = other_convert(f, XInternAtom(f->other, "text/plain;charset=utf-8", False), &type, &format,
                       &count);
  assert_non_null(data);
  assert_int_equal(count, strlen(k_ours));
  assert_memory_equal(data, k_ours, strlen(k_ours));
  XFree(data);

  data = other_convert(f, f->targets, &type, &format, &count);
  assert_non_null(data);
  assert_int_equal(type, XA_ATOM);
  assert_int_equal(format, 32);
  bool has_utf8 = false, has_string = false;
  for (unsigned long i = 0; i < count; ++i) {
    Atom a = ((const Atom *)(const void *)data)[i];
    has_utf8 |= a == f->utf8;
    has_string |= a == XA_STRING;
  }
  XFree(data);
  assert_true(has_utf8);
  assert_true(has_string);

  /* an unsupported target is refused */
  data = other_convert(f, XInternAtom(f->other, "image/png", False), &type, &format, &count);
  assert_null(data);

  /* our own text comes back without a round trip through the server */
  char buf[64];
  assert_true(f->ds->impl->clipboard_get_text(f->ds, buf, sizeof(buf)));
  assert_string_equal(buf, k_ours);
  /* truncated to the buffer, NUL-terminated */
  char small[4];
  assert_true(f->ds->impl->clipboard_get_text(f->ds, small, sizeof(small)));
  assert_string_equal(small, "h\xc3\xa9");
}

/* The other client serving its selection from a thread while the ds waits for it. */
struct server {
  struct fixture *f;
  atomic_bool stop;
  atomic_int served;
};

static void *serve(void *arg)
{
  struct server *s = arg;
  Display *dpy = s->f->other;
  while (!atomic_load(&s->stop)) {
    struct pollfd pfd = {.fd = ConnectionNumber(dpy), .events = POLLIN};
    if (!XPending(dpy))
      poll(&pfd, 1, 10);
    while (XPending(dpy)) {
      XEvent ev;
      XNextEvent(dpy, &ev);
      if (ev.type != SelectionRequest)
        continue;
      const XSelectionRequestEvent *req = &ev.xselectionrequest;
      XEvent reply = {0};
      reply.xselection.type = SelectionNotify;
      reply.xselection.requestor = req->requestor;
      reply.xselection.selection = req->selection;
      reply.xselection.target = req->target;
      reply.xselection.time = req->time;
      reply.xselection.property = None;
      if (req->target == s->f->utf8 && req->property != None) {
        XChangeProperty(dpy, req->requestor, req->property, s->f->utf8, 8, PropModeReplace,
                        (const unsigned char *)k_theirs, (int)strlen(k_theirs));
        reply.xselection.property = req->property;
      }
      XSendEvent(dpy, req->requestor, False, NoEventMask, &reply);
      XFlush(dpy);
      atomic_fetch_add(&s->served, 1);
    }
  }
  return NULL;
}

static void test_we_read_theirs(void **state)
{
  struct fixture *f = *state;
  XSetSelectionOwner(f->other, f->clipboard, f->owin, CurrentTime);
  XSync(f->other, False);
  assert_int_equal(XGetSelectionOwner(f->other, f->clipboard), f->owin);

  struct server s = {.f = f};
  atomic_init(&s.stop, false);
  atomic_init(&s.served, 0);
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, serve, &s), 0);
  char buf[64];
  memset(buf, 'x', sizeof(buf));
  bool ok = f->ds->impl->clipboard_get_text(f->ds, buf, sizeof(buf));
  bool ok2 = ok && f->ds->impl->clipboard_get_text(f->ds, buf, sizeof(buf));
  atomic_store(&s.stop, true);
  pthread_join(th, NULL);
  assert_true(ok);
  assert_true(ok2);
  assert_string_equal(buf, k_theirs);
  assert_int_equal(atomic_load(&s.served), 2);
}

static void test_unanswered_is_bounded(void **state)
{
  struct fixture *f = *state;
  /* the other client still owns CLIPBOARD but nobody answers now */
  char buf[64];
  uint64_t t0 = now_ms();
  assert_false(f->ds->impl->clipboard_get_text(f->ds, buf, sizeof(buf)));
  uint64_t took = now_ms() - t0;
  assert_true(took >= 150);
  assert_true(took < 1500);
  /* drain the request the other client got */
  XSync(f->other, False);
  XEvent ev;
  while (XCheckTypedEvent(f->other, SelectionRequest, &ev)) {
  }
}

static void test_no_owner(void **state)
{
  struct fixture *f = *state;
  XSetSelectionOwner(f->other, f->clipboard, None, CurrentTime);
  XSync(f->other, False);
  char buf[64];
  assert_false(f->ds->impl->clipboard_get_text(f->ds, buf, sizeof(buf)));
  /* and taking it back works after losing it */
  assert_true(f->ds->impl->clipboard_set_text(f->ds, "again", 5));
  assert_true(f->ds->impl->clipboard_get_text(f->ds, buf, sizeof(buf)));
  assert_string_equal(buf, "again");
  Atom type;
  int format;
  unsigned long count;
  unsigned char *data = other_convert(f, f->utf8, &type, &format, &count);
  assert_non_null(data);
  assert_int_equal(count, 5);
  assert_memory_equal(data, "again", 5);
  XFree(data);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_other_reads_ours),
      cmocka_unit_test(test_we_read_theirs),
      cmocka_unit_test(test_unanswered_is_bounded),
      cmocka_unit_test(test_no_owner),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
