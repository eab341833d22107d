/* X11 display server with Xlib: the window and its hints, the event pump, pointer and
 * keyboard grabs, XInput2 raw motion, XFixes cursor hiding, XScreenSaver inhibit. */
#include "../displayserver.h"
#include "x11_clipboard.h"

#include "lg/log.h"

#include <X11/XKBlib.h>
#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XInput2.h>
#include <X11/extensions/Xfixes.h>
#include <X11/extensions/scrnsaver.h>

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ICON_SIZE 32

struct x11_ds {
  struct lg_ds base; /* first: the generic part */
  Display *dpy;
  int screen;
  Window root;
  Window win;
  uint32_t width, height;
  bool mapped;
  bool fullscreen;
  bool resizable;
  bool cursor_hidden;
  bool raw_motion;
  bool has_xfixes;
  bool has_xss;
  int xi_opcode; /* 0: no XInput2 */
  Cursor blank_cursor;
  struct x11_clip *clip; /* CLIPBOARD selection (x11_clipboard.c) */
  struct {
    Atom wm_protocols, wm_delete, net_wm_name, utf8, net_wm_icon, net_wm_pid, motif_hints,
        net_wm_state, net_fullscreen, net_max_vert, net_max_horz;
  } atom;
};

static struct x11_ds *to_x11(struct lg_ds *ds) { return (struct x11_ds *)ds; }

/* Non-fatal protocol errors (a refused grab, a missing atom) are logged instead of the
 * default handler ending the process. Only this file installs it. */
static int x11_error_handler(Display *dpy, XErrorEvent *ev)
{
  char text[128];
  XGetErrorText(dpy, ev->error_code, text, sizeof(text));
  LG_WARN_RL("X11 error: %s (request %u.%u)", text, ev->request_code, ev->minor_code);
  return 0;
}

static bool x11_probe(void)
{
  const char *name = getenv("DISPLAY");
  if (!name || !*name)
    return false;
  XInitThreads(); /* before any other Xlib call of the process */
  Display *dpy = XOpenDisplay(NULL);
  if (!dpy)
    return false;
  XCloseDisplay(dpy);
  return true;
}

/* A 32x32 ARGB icon: a blue lens with a light rim on a transparent background. */
static void make_icon(unsigned long *out)
{
  out[0] = ICON_SIZE;
  out[1] = ICON_SIZE;
  const int c = ICON_SIZE / 2;
  for (int y = 0; y < ICON_SIZE; ++y)
    for (int x = 0; x < ICON_SIZE; ++x) {
      int dx = x - c, dy = y - c;
      int d2 = dx * dx + dy * dy;
      unsigned long px = 0;
      if (d2 <= (c - 1) * (c - 1)) {
        unsigned long shade = (unsigned long)(0x60 + (y * 0x90) / ICON_SIZE);
        px = 0xff000000ul | (0x20ul << 16) | ((shade / 2) << 8) | shade;
        if (d2 >= (c - 4) * (c - 4))
          px = 0xffd0e0f0ul;
      }
      out[2 + y * ICON_SIZE + x] = px;
    }
}

static void set_size_hints(struct x11_ds *x, uint32_t aspect_w, uint32_t aspect_h)
{
  XSizeHints *hints = XAllocSizeHints();
  if (!hints)
    return;
  hints->flags = PMinSize;
  hints->min_width = 64;
  hints->min_height = 64;
  if (!x->resizable) {
    hints->flags |= PMaxSize;
    hints->min_width = hints->max_width = (int)x->width;
    hints->min_height = hints->max_height = (int)x->height;
  }
  if (aspect_w && aspect_h) {
    hints->flags |= PAspect;
    hints->min_aspect.x = hints->max_aspect.x = (int)aspect_w;
    hints->min_aspect.y = hints->max_aspect.y = (int)aspect_h;
  }
  XSetWMNormalHints(x->dpy, x->win, hints);
  XFree(hints);
}

/* Sends a _NET_WM_STATE change for a mapped window (the WM acts on it). */
static void send_wm_state(struct x11_ds *x, bool add, Atom a1, Atom a2)
{
  XEvent ev = {0};
  ev.xclient.type = ClientMessage;
  ev.xclient.window = x->win;
  ev.xclient.message_type = x->atom.net_wm_state;
  ev.xclient.format = 32;
  ev.xclient.data.l[0] = add ? 1 : 0;
  ev.xclient.data.l[1] = (long)a1;
  ev.xclient.data.l[2] = (long)a2;
  ev.xclient.data.l[3] = 1; /* source: application */
  XSendEvent(x->dpy, x->root, False, SubstructureRedirectMask | SubstructureNotifyMask, &ev);
}

static Bool is_map_notify(Display *dpy, XEvent *ev, XPointer arg)
{
  (void)dpy;
  return ev->type == MapNotify && ev->xmap.window == *(Window *)arg;
}

static void init_extensions(struct x11_ds *x)
{
  int ev, err, major = 2, minor = 0;
  if (XQueryExtension(x->dpy, "XInputExtension", &x->xi_opcode, &ev, &err) &&
      XIQueryVersion(x->dpy, &major, &minor) == Success)
    LG_INFO("x11: XInput %d.%d (raw motion available)", major, minor);
  else
    x->xi_opcode = 0;
  x->has_xfixes = XFixesQueryExtension(x->dpy, &ev, &err);
  x->has_xss = XScreenSaverQueryExtension(x->dpy, &ev, &err);
  LG_INFO("x11: XFixes %s, XScreenSaver %s", x->has_xfixes ? "yes" : "no",
          x->has_xss ? "yes" : "no");
}

static void x11_destroy(struct lg_ds *ds);

static struct lg_ds *x11_create(const struct lg_ds_window_params *p,
                                const struct lg_ds_callbacks *cb)
{
  XInitThreads(); /* the render thread uses the same Display through EGL */
  struct x11_ds *x = calloc(1, sizeof(*x));
  if (!x)
    return NULL;
  x->base.impl = &lg_ds_x11_impl;
  if (cb)
    x->base.cb = *cb;
  x->dpy = XOpenDisplay(NULL);
  if (!x->dpy) {
    LG_ERROR("x11: cannot open display '%s'", getenv("DISPLAY") ? getenv("DISPLAY") : "");
    free(x);
    return NULL;
  }
  XSetErrorHandler(x11_error_handler);
  x->screen = DefaultScreen(x->dpy);
  x->root = RootWindow(x->dpy, x->screen);
  x->width = p->width ? p->width : 1024;
  x->height = p->height ? p->height : 768;
  x->resizable = p->resizable;

  XSetWindowAttributes wa = {0};
  wa.background_pixel = BlackPixel(x->dpy, x->screen);
  wa.event_mask = StructureNotifyMask | ExposureMask | KeyPressMask | KeyReleaseMask |
                  PointerMotionMask | ButtonPressMask | ButtonReleaseMask | FocusChangeMask |
                  EnterWindowMask | LeaveWindowMask | PropertyChangeMask;
  x->win = XCreateWindow(x->dpy, x->root, p->position_set ? p->x : 0, p->position_set ? p->y : 0,
                         x->width, x->height, 0, CopyFromParent, InputOutput, CopyFromParent,
                         CWBackPixel | CWEventMask, &wa);
  if (!x->win) {
    LG_ERROR("x11: XCreateWindow failed");
    x11_destroy(&x->base);
    return NULL;
  }

  static const char *const names[] = {"WM_PROTOCOLS",
                                      "WM_DELETE_WINDOW",
                                      "_NET_WM_NAME",
                                      "UTF8_STRING",
                                      "_NET_WM_ICON",
                                      "_NET_WM_PID",
                                      "_MOTIF_WM_HINTS",
                                      "_NET_WM_STATE",
                                      "_NET_WM_STATE_FULLSCREEN",
                                      "_NET_WM_STATE_MAXIMIZED_VERT",
                                      "_NET_WM_STATE_MAXIMIZED_HORZ"};
  Atom atoms[sizeof(names) / sizeof(names[0])];
  XInternAtoms(x->dpy, (char **)names, (int)(sizeof(names) / sizeof(names[0])), False, atoms);
  memcpy(&x->atom, atoms, sizeof(atoms));
  _Static_assert(sizeof(x->atom) == sizeof(atoms), "atom table");

  const char *title = p->title ? p->title : "Looking Glass";
  const char *app_id = p->app_id ? p->app_id : "looking-glass-client";
  XStoreName(x->dpy, x->win, title);
  XChangeProperty(x->dpy, x->win, x->atom.net_wm_name, x->atom.utf8, 8, PropModeReplace,
                  (const unsigned char *)title, (int)strlen(title));
  XClassHint class_hint = {.res_name = (char *)app_id, .res_class = (char *)app_id};
  XSetClassHint(x->dpy, x->win, &class_hint);
  XSetWMProtocols(x->dpy, x->win, &x->atom.wm_delete, 1);
  long pid = (long)getpid();
  XChangeProperty(x->dpy, x->win, x->atom.net_wm_pid, XA_CARDINAL, 32, PropModeReplace,
                  (const unsigned char *)&pid, 1);
  unsigned long icon[2 + ICON_SIZE * ICON_SIZE];
  make_icon(icon);
  XChangeProperty(x->dpy, x->win, x->atom.net_wm_icon, XA_CARDINAL, 32, PropModeReplace,
                  (const unsigned char *)icon, (int)(sizeof(icon) / sizeof(icon[0])));
  if (p->borderless) {
    long motif[5] = {2 /* decorations field valid */, 0, 0 /* no decorations */, 0, 0};
    XChangeProperty(x->dpy, x->win, x->atom.motif_hints, x->atom.motif_hints, 32, PropModeReplace,
                    (const unsigned char *)motif, 5);
  }
  set_size_hints(x, p->keep_aspect ? p->aspect_w : 0, p->keep_aspect ? p->aspect_h : 0);
  if (p->position_set) {
    XSizeHints *h = XAllocSizeHints();
    long supplied;
    if (h && XGetWMNormalHints(x->dpy, x->win, h, &supplied)) {
      h->flags |= PPosition | USPosition;
      XSetWMNormalHints(x->dpy, x->win, h);
    }
    if (h)
      XFree(h);
  }
  Atom state[3];
  int nstate = 0;
  if (p->fullscreen)
    state[nstate++] = x->atom.net_fullscreen;
  if (p->maximize) {
    state[nstate++] = x->atom.net_max_vert;
    state[nstate++] = x->atom.net_max_horz;
  }
  if (nstate)
    XChangeProperty(x->dpy, x->win, x->atom.net_wm_state, XA_ATOM, 32, PropModeReplace,
                    (const unsigned char *)state, nstate);

  XkbSetDetectableAutoRepeat(x->dpy, True, NULL);
  init_extensions(x);
  x->clip = x11_clip_create(x->dpy, x->win);

  XMapRaised(x->dpy, x->win);
  XEvent ev;
  XIfEvent(x->dpy, &ev, is_map_notify, (XPointer)&x->win);
  x->mapped = true;
  XWindowAttributes attr;
  if (XGetWindowAttributes(x->dpy, x->win, &attr)) {
    x->width = (uint32_t)attr.width;
    x->height = (uint32_t)attr.height;
  }
  LG_INFO("x11: window 0x%lx mapped, %ux%u", (unsigned long)x->win, x->width, x->height);
  if (x->base.cb.resize)
    x->base.cb.resize(x->base.cb.opaque, x->width, x->height);
  return &x->base;
}

static void x11_destroy(struct lg_ds *ds)
{
  if (!ds)
    return;
  struct x11_ds *x = to_x11(ds);
  if (x->dpy) {
    if (x->has_xss)
      XScreenSaverSuspend(x->dpy, False);
    if (x->blank_cursor)
      XFreeCursor(x->dpy, x->blank_cursor);
    x11_clip_destroy(x->clip);
    if (x->win)
      XDestroyWindow(x->dpy, x->win);
    XCloseDisplay(x->dpy);
  }
  free(x);
}

static bool x11_egl_target(struct lg_ds *ds, struct lg_ds_egl_target *out)
{
  struct x11_ds *x = to_x11(ds);
  out->platform = LG_DS_EGL_X11;
  out->native_display = x->dpy;
  out->native_window = &x->win;
  return true;
}

/* Reads _NET_WM_STATE and reports a fullscreen change. */
static void refresh_wm_state(struct x11_ds *x)
{
  Atom type;
  int format;
  unsigned long count, after;
  unsigned char *data = NULL;
  bool fs = false;
  if (XGetWindowProperty(x->dpy, x->win, x->atom.net_wm_state, 0, 64, False, XA_ATOM, &type,
                         &format, &count, &after, &data) == Success &&
      data && format == 32) {
    const Atom *atoms = (const Atom *)data;
    for (unsigned long i = 0; i < count; ++i)
      if (atoms[i] == x->atom.net_fullscreen)
        fs = true;
  }
  if (data)
    XFree(data);
  if (fs != x->fullscreen) {
    x->fullscreen = fs;
    if (x->base.cb.fullscreen)
      x->base.cb.fullscreen(x->base.cb.opaque, fs);
  }
}

static void handle_raw(struct x11_ds *x, XGenericEventCookie *cookie)
{
  const XIRawEvent *raw = cookie->data;
  double d[2] = {0, 0};
  const double *v = raw->raw_values;
  for (int i = 0; i < raw->valuators.mask_len * 8 && i < 2; ++i)
    if (XIMaskIsSet(raw->valuators.mask, i))
      d[i] = *v++;
  if ((d[0] != 0 || d[1] != 0) && x->base.cb.raw_motion)
    x->base.cb.raw_motion(x->base.cb.opaque, d[0], d[1]);
}

static void handle_button(struct x11_ds *x, const XButtonEvent *e, bool down)
{
  enum lg_ds_button b;
  switch (e->button) {
  case Button1:
    b = LG_DS_BUTTON_LEFT;
    break;
  case Button2:
    b = LG_DS_BUTTON_MIDDLE;
    break;
  case Button3:
    b = LG_DS_BUTTON_RIGHT;
    break;
  case Button4:
    b = LG_DS_BUTTON_WHEEL_UP;
    break;
  case Button5:
    b = LG_DS_BUTTON_WHEEL_DOWN;
    break;
  case 8:
    b = LG_DS_BUTTON_SIDE;
    break;
  case 9:
    b = LG_DS_BUTTON_EXTRA;
    break;
  default:
    return;
  }
  if (x->base.cb.button)
    x->base.cb.button(x->base.cb.opaque, b, down);
}

static void dispatch(struct x11_ds *x, XEvent *ev)
{
  const struct lg_ds_callbacks *cb = &x->base.cb;
  if (x11_clip_handle_event(x->clip, ev))
    return;
  switch (ev->type) {
  case ConfigureNotify:
    if ((uint32_t)ev->xconfigure.width != x->width ||
        (uint32_t)ev->xconfigure.height != x->height) {
      x->width = (uint32_t)ev->xconfigure.width;
      x->height = (uint32_t)ev->xconfigure.height;
      if (cb->resize)
        cb->resize(cb->opaque, x->width, x->height);
    }
    break;
  case ClientMessage:
    if (ev->xclient.message_type == x->atom.wm_protocols &&
        (Atom)ev->xclient.data.l[0] == x->atom.wm_delete && cb->close)
      cb->close(cb->opaque);
    break;
  case KeyPress:
  case KeyRelease:
    if (ev->xkey.keycode >= 8 && cb->key)
      cb->key(cb->opaque, ev->xkey.keycode - 8, ev->type == KeyPress);
    break;
  case MotionNotify:
    if (cb->motion)
      cb->motion(cb->opaque, ev->xmotion.x, ev->xmotion.y);
    break;
  case ButtonPress:
  case ButtonRelease:
    handle_button(x, &ev->xbutton, ev->type == ButtonPress);
    break;
  case FocusIn:
  case FocusOut:
    if (ev->xfocus.mode != NotifyGrab && ev->xfocus.mode != NotifyUngrab && cb->focus)
      cb->focus(cb->opaque, ev->type == FocusIn);
    break;
  case EnterNotify:
  case LeaveNotify:
    if (ev->xcrossing.mode == NotifyNormal && cb->enter)
      cb->enter(cb->opaque, ev->type == EnterNotify);
    break;
  case PropertyNotify:
    if (ev->xproperty.atom == x->atom.net_wm_state)
      refresh_wm_state(x);
    break;
  case MappingNotify:
    XRefreshKeyboardMapping(&ev->xmapping);
    break;
  case GenericEvent:
    if (x->xi_opcode && ev->xcookie.extension == x->xi_opcode &&
        XGetEventData(x->dpy, &ev->xcookie)) {
      if (ev->xcookie.evtype == XI_RawMotion)
        handle_raw(x, &ev->xcookie);
      XFreeEventData(x->dpy, &ev->xcookie);
    }
    break;
  default:
    break;
  }
}

static bool x11_pump(struct lg_ds *ds, uint32_t timeout_ms)
{
  struct x11_ds *x = to_x11(ds);
  if (timeout_ms && !XPending(x->dpy)) {
    struct pollfd pfd = {.fd = ConnectionNumber(x->dpy), .events = POLLIN};
    int r = poll(&pfd, 1, timeout_ms > INT32_MAX ? -1 : (int)timeout_ms);
    if (r > 0 && (pfd.revents & (POLLHUP | POLLERR))) {
      LG_ERROR("x11: connection to the X server broke");
      return false;
    }
  }
  while (XPending(x->dpy)) {
    XEvent ev;
    XNextEvent(x->dpy, &ev);
    dispatch(x, &ev);
  }
  return true;
}

static void x11_get_size(struct lg_ds *ds, uint32_t *w, uint32_t *h)
{
  *w = to_x11(ds)->width;
  *h = to_x11(ds)->height;
}

static void x11_set_size(struct lg_ds *ds, uint32_t w, uint32_t h)
{
  struct x11_ds *x = to_x11(ds);
  if (!x->resizable) {
    /* the fixed-size hints must follow, or the WM keeps the old size */
    uint32_t ow = x->width, oh = x->height;
    x->width = w;
    x->height = h;
    set_size_hints(x, 0, 0);
    x->width = ow;
    x->height = oh;
  }
  XResizeWindow(x->dpy, x->win, w, h);
  XFlush(x->dpy);
}

static void x11_set_fullscreen(struct lg_ds *ds, bool fs)
{
  struct x11_ds *x = to_x11(ds);
  send_wm_state(x, fs, x->atom.net_fullscreen, None);
  XFlush(x->dpy);
}

static bool x11_get_fullscreen(struct lg_ds *ds) { return to_x11(ds)->fullscreen; }

static void x11_set_aspect(struct lg_ds *ds, uint32_t aw, uint32_t ah)
{
  set_size_hints(to_x11(ds), aw, ah);
  XFlush(to_x11(ds)->dpy);
}

static bool x11_grab_pointer(struct lg_ds *ds, bool grab, bool confine)
{
  struct x11_ds *x = to_x11(ds);
  if (!grab) {
    XUngrabPointer(x->dpy, CurrentTime);
    XFlush(x->dpy);
    return true;
  }
  int r =
      XGrabPointer(x->dpy, x->win, True, PointerMotionMask | ButtonPressMask | ButtonReleaseMask,
                   GrabModeAsync, GrabModeAsync, confine ? x->win : None, None, CurrentTime);
  if (r != GrabSuccess) {
    LG_WARN("x11: pointer grab refused (%d)", r);
    return false;
  }
  return true;
}

static bool x11_grab_keyboard(struct lg_ds *ds, bool grab)
{
  struct x11_ds *x = to_x11(ds);
  if (!grab) {
    XUngrabKeyboard(x->dpy, CurrentTime);
    XFlush(x->dpy);
    return true;
  }
  int r = XGrabKeyboard(x->dpy, x->win, True, GrabModeAsync, GrabModeAsync, CurrentTime);
  if (r != GrabSuccess) {
    LG_WARN("x11: keyboard grab refused (%d)", r);
    return false;
  }
  return true;
}

static bool x11_set_raw_motion(struct lg_ds *ds, bool enable)
{
  struct x11_ds *x = to_x11(ds);
  if (!x->xi_opcode)
    return false;
  unsigned char bits[XIMaskLen(XI_LASTEVENT)] = {0};
  if (enable)
    XISetMask(bits, XI_RawMotion);
  XIEventMask mask = {.deviceid = XIAllMasterDevices, .mask_len = sizeof(bits), .mask = bits};
  XISelectEvents(x->dpy, x->root, &mask, 1);
  XSync(x->dpy, False); /* in effect on return: no motion between here and the server lost */
  x->raw_motion = enable;
  return true;
}

static void x11_warp_pointer(struct lg_ds *ds, int32_t px, int32_t py)
{
  struct x11_ds *x = to_x11(ds);
  XWarpPointer(x->dpy, None, x->win, 0, 0, 0, 0, px, py);
  XFlush(x->dpy);
}

static void x11_set_cursor_visible(struct lg_ds *ds, bool visible)
{
  struct x11_ds *x = to_x11(ds);
  if (visible == !x->cursor_hidden)
    return;
  x->cursor_hidden = !visible;
  if (x->has_xfixes) {
    if (visible)
      XFixesShowCursor(x->dpy, x->win);
    else
      XFixesHideCursor(x->dpy, x->win);
  } else {
    if (!x->blank_cursor) {
      static const char zero[1] = {0};
      XColor black = {0};
      Pixmap pm = XCreateBitmapFromData(x->dpy, x->win, zero, 1, 1);
      x->blank_cursor = XCreatePixmapCursor(x->dpy, pm, pm, &black, &black, 0, 0);
      XFreePixmap(x->dpy, pm);
    }
    if (visible)
      XUndefineCursor(x->dpy, x->win);
    else
      XDefineCursor(x->dpy, x->win, x->blank_cursor);
  }
  XFlush(x->dpy);
}

static void x11_inhibit_screensaver(struct lg_ds *ds, bool inhibit)
{
  struct x11_ds *x = to_x11(ds);
  if (!x->has_xss)
    return;
  XScreenSaverSuspend(x->dpy, inhibit ? True : False);
  XFlush(x->dpy);
}

static bool x11_clipboard_set_text(struct lg_ds *ds, const char *text, size_t len)
{
  struct x11_ds *x = to_x11(ds);
  return x->clip && text && x11_clip_set_text(x->clip, text, len);
}

/* Events read while the clipboard waits for the owner go through the normal path. */
static void clip_dispatch(void *opaque, XEvent *ev) { dispatch(opaque, ev); }

static bool x11_clipboard_get_text(struct lg_ds *ds, char *buf, size_t size)
{
  struct x11_ds *x = to_x11(ds);
  return x->clip && x11_clip_get_text(x->clip, buf, size, 200, clip_dispatch, x);
}

const struct lg_ds_impl lg_ds_x11_impl = {
    .name = "x11",
    .description = "X11 (Xlib, XInput2, XFixes, XScreenSaver)",
    .probe = x11_probe,
    .create = x11_create,
    .destroy = x11_destroy,
    .egl_target = x11_egl_target,
    .pump = x11_pump,
    .get_size = x11_get_size,
    .set_size = x11_set_size,
    .set_fullscreen = x11_set_fullscreen,
    .get_fullscreen = x11_get_fullscreen,
    .set_aspect = x11_set_aspect,
    .grab_pointer = x11_grab_pointer,
    .grab_keyboard = x11_grab_keyboard,
    .set_raw_motion = x11_set_raw_motion,
    .warp_pointer = x11_warp_pointer,
    .set_cursor_visible = x11_set_cursor_visible,
    .inhibit_screensaver = x11_inhibit_screensaver,
    .clipboard_set_text = x11_clipboard_set_text,
    .clipboard_get_text = x11_clipboard_get_text,
};
