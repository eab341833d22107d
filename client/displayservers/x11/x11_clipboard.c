/* X11 CLIPBOARD: we own the selection while the guest's text is offered, and convert
 * another owner's selection to UTF8_STRING into a property on our window to read it. */
#include "x11_clipboard.h"

#include "lg/log.h"

#include <X11/Xatom.h>

#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct x11_clip {
  Display *dpy;
  Window win;
  char *text; /* owned text while we own CLIPBOARD, else NULL */
  size_t len;
  bool owner;
  size_t max_bytes; /* largest property we write or read in one request */
  struct {
    Atom clipboard, targets, utf8, text_plain_utf8, prop, incr;
  } atom;
};

struct x11_clip *x11_clip_create(Display *dpy, Window win)
{
  struct x11_clip *c = calloc(1, sizeof(*c));
  if (!c)
    return NULL;
  c->dpy = dpy;
  c->win = win;
  static const char *const names[] = {
      "CLIPBOARD", "TARGETS", "UTF8_STRING", "text/plain;charset=utf-8", "LG_CLIPBOARD", "INCR"};
  Atom atoms[sizeof(names) / sizeof(names[0])];
  XInternAtoms(dpy, (char **)names, (int)(sizeof(names) / sizeof(names[0])), False, atoms);
  _Static_assert(sizeof(c->atom) == sizeof(atoms), "atom table");
  memcpy(&c->atom, atoms, sizeof(atoms));
  long units = XExtendedMaxRequestSize(dpy);
  if (units <= 0)
    units = XMaxRequestSize(dpy);
  /* request size is in 4-byte units; keep room for the ChangeProperty header */
  c->max_bytes = units > 64 ? (size_t)units * 4 - 256 : 4096;
  return c;
}

void x11_clip_destroy(struct x11_clip *c)
{
  if (!c)
    return;
  free(c->text);
  free(c);
}

bool x11_clip_set_text(struct x11_clip *c, const char *text, size_t len)
{
  char *copy = malloc(len + 1);
  if (!copy)
    return false;
  memcpy(copy, text, len);
  copy[len] = '\0';
  free(c->text);
  c->text = copy;
  c->len = len;
  XSetSelectionOwner(c->dpy, c->atom.clipboard, c->win, CurrentTime);
  c->owner = XGetSelectionOwner(c->dpy, c->atom.clipboard) == c->win;
  if (!c->owner) {
    LG_WARN("x11: could not take the clipboard selection");
    free(c->text);
    c->text = NULL;
    c->len = 0;
    return false;
  }
  if (len > c->max_bytes)
    LG_WARN("x11: clipboard text of %zu bytes is over the %zu-byte request limit, "
            "requests for it will be refused",
            len, c->max_bytes);
  return true;
}

/* Writes the answer for one target into `prop` on the requestor; false to refuse. */
static bool serve_target(struct x11_clip *c, Window requestor, Atom target, Atom prop)
{
  if (target == c->atom.targets) {
    Atom list[] = {c->atom.targets, c->atom.utf8, XA_STRING, c->atom.text_plain_utf8};
    XChangeProperty(c->dpy, requestor, prop, XA_ATOM, 32, PropModeReplace,
                    (const unsigned char *)list, (int)(sizeof(list) / sizeof(list[0])));
    return true;
  }
  if (target != c->atom.utf8 && target != XA_STRING && target != c->atom.text_plain_utf8)
    return false;
  if (c->len > c->max_bytes) {
    LG_WARN_RL("x11: clipboard request refused: %zu bytes is over the %zu-byte limit (no INCR)",
               c->len, c->max_bytes);
    return false;
  }
  XChangeProperty(c->dpy, requestor, prop, target, 8, PropModeReplace,
                  (const unsigned char *)c->text, (int)c->len);
  return true;
}

static void answer_request(struct x11_clip *c, const XSelectionRequestEvent *req)
{
  Atom prop = req->property != None ? req->property : req->target; /* obsolete clients */
  bool ok = req->selection == c->atom.clipboard && c->owner && c->text &&
            serve_target(c, req->requestor, req->target, prop);
  XEvent reply = {0};
  reply.xselection.type = SelectionNotify;
  reply.xselection.display = c->dpy;
  reply.xselection.requestor = req->requestor;
  reply.xselection.selection = req->selection;
  reply.xselection.target = req->target;
  reply.xselection.property = ok ? prop : None;
  reply.xselection.time = req->time;
  XSendEvent(c->dpy, req->requestor, False, NoEventMask, &reply);
  XFlush(c->dpy);
}

bool x11_clip_handle_event(struct x11_clip *c, const XEvent *ev)
{
  if (!c)
    return false;
  if (ev->type == SelectionRequest && ev->xselectionrequest.owner == c->win) {
    answer_request(c, &ev->xselectionrequest);
    return true;
  }
  if (ev->type == SelectionClear && ev->xselectionclear.window == c->win) {
    if (ev->xselectionclear.selection == c->atom.clipboard) {
      c->owner = false;
      free(c->text);
      c->text = NULL;
      c->len = 0;
    }
    return true;
  }
  return false;
}

static uint64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Reads (and deletes) the converted text from our property into `buf`. */
static bool read_property(struct x11_clip *c, char *buf, size_t size)
{
  Atom type = None;
  int format = 0;
  unsigned long count = 0, after = 0;
  unsigned char *data = NULL;
  long max_longs = (long)(c->max_bytes / 4);
  if (XGetWindowProperty(c->dpy, c->win, c->atom.prop, 0, max_longs, True, AnyPropertyType, &type,
                         &format, &count, &after, &data) != Success) {
    return false;
  }
  bool ok = false;
  if (type == c->atom.incr) {
    LG_WARN_RL("x11: clipboard owner answered with INCR (too large), ignored");
    XDeleteProperty(c->dpy, c->win, c->atom.prop);
  } else if (data && format == 8 && count > 0) {
    if (after)
      LG_WARN_RL("x11: clipboard text truncated to %lu bytes", count);
    size_t n = count < size - 1 ? (size_t)count : size - 1;
    memcpy(buf, data, n);
    buf[n] = '\0';
    ok = true;
  }
  if (data)
    XFree(data);
  return ok;
}

bool x11_clip_get_text(struct x11_clip *c, char *buf, size_t size, unsigned timeout_ms,
                       x11_clip_dispatch_fn fn, void *opaque)
{
  if (!c || !buf || size == 0)
    return false;
  if (c->owner && XGetSelectionOwner(c->dpy, c->atom.clipboard) != c->win) {
    /* taken by another client; its SelectionClear may still be queued */
    c->owner = false;
    free(c->text);
    c->text = NULL;
    c->len = 0;
  }
  if (c->owner && c->text) {
    if (c->len == 0)
      return false;
    size_t n = c->len < size - 1 ? c->len : size - 1;
    memcpy(buf, c->text, n);
    buf[n] = '\0';
    return true;
  }
  if (XGetSelectionOwner(c->dpy, c->atom.clipboard) == None)
    return false;
  XDeleteProperty(c->dpy, c->win, c->atom.prop);
  XConvertSelection(c->dpy, c->atom.clipboard, c->atom.utf8, c->atom.prop, c->win, CurrentTime);
  XFlush(c->dpy);

  uint64_t deadline = now_ms() + timeout_ms;
  for (;;) {
    while (XPending(c->dpy)) {
      XEvent ev;
      XNextEvent(c->dpy, &ev);
      if (ev.type == SelectionNotify && ev.xselection.requestor == c->win &&
          ev.xselection.selection == c->atom.clipboard) {
        if (ev.xselection.property == None)
          return false; /* the owner refused */
        return read_property(c, buf, size);
      }
      if (!x11_clip_handle_event(c, &ev) && fn)
        fn(opaque, &ev);
    }
    uint64_t now = now_ms();
    if (now >= deadline) {
      LG_WARN_RL("x11: clipboard owner did not answer within %u ms", timeout_ms);
      return false;
    }
    struct pollfd pfd = {.fd = ConnectionNumber(c->dpy), .events = POLLIN};
    if (poll(&pfd, 1, (int)(deadline - now)) > 0 && (pfd.revents & (POLLHUP | POLLERR)))
      return false;
  }
}
