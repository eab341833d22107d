/* lg-xshot: test helper for the client end-to-end tests, on an X display.
 *   lg-xshot wait  TITLE SECONDS              wait until a window named TITLE exists
 *   lg-xshot shot  TITLE OUT.ppm              save the window contents as a binary PPM
 *   lg-xshot check TITLE W H SECONDS [OUT.ppm]
 *       wait until the window's top-left W x H pixels show the test pattern
 *       (R = x mod 256, G = y mod 256, B = (x xor y) mod 256); only a box of at most
 *       40 x 40 pixels (the guest cursor) may differ. Saves the last capture to OUT.ppm.
 *   lg-xshot status TITLE SECONDS [OUT.ppm]
 *       wait until the window shows a status screen: in the central third of the window one
 *       colour (the panel or background) covers at least 60% of the pixels, at least 80 pixels
 *       differ clearly from it (text), and the window does not show the test pattern. Saves the
 *       last capture to OUT.ppm.
 *   lg-xshot keys  TITLE CODE...              press CODEs (evdev numbers) in order through
 *       XTest, then release them in reverse order
 *   lg-xshot press TITLE CODE / release TITLE CODE   one XTest key event
 *   lg-xshot close TITLE                      send WM_DELETE_WINDOW, as a window manager does
 * Exit status 0 on success, 1 on failure (with a message on stderr). */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XTest.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static Window find_window(Display *dpy, Window w, const char *title)
{
  char *name = NULL;
  if (XFetchName(dpy, w, &name) && name) {
    bool match = strcmp(name, title) == 0;
    XFree(name);
    if (match)
      return w;
  }
  Window root, parent, *kids = NULL;
  unsigned n = 0;
  if (!XQueryTree(dpy, w, &root, &parent, &kids, &n))
    return 0;
  Window found = 0;
  for (unsigned i = 0; i < n && !found; ++i)
    found = find_window(dpy, kids[i], title);
  if (kids)
    XFree(kids);
  return found;
}

static Window wait_window(Display *dpy, const char *title, double seconds)
{
  double end = now_s() + seconds;
  do {
    Window w = find_window(dpy, DefaultRootWindow(dpy), title);
    if (w) {
      XWindowAttributes at;
      if (XGetWindowAttributes(dpy, w, &at) && at.map_state == IsViewable)
        return w;
    }
    usleep(50000);
  } while (now_s() < end);
  fprintf(stderr, "lg-xshot: no window named \"%s\"\n", title);
  return 0;
}

static int no_errors(Display *dpy, XErrorEvent *ev)
{
  (void)dpy;
  (void)ev;
  return 0;
}

static XImage *grab(Display *dpy, Window w)
{
  XWindowAttributes at;
  if (!XGetWindowAttributes(dpy, w, &at))
    return NULL;
  return XGetImage(dpy, w, 0, 0, (unsigned)at.width, (unsigned)at.height, AllPlanes, ZPixmap);
}

static void pixel(XImage *img, int x, int y, unsigned *r, unsigned *g, unsigned *b)
{
  unsigned long p = XGetPixel(img, x, y);
  *r = (unsigned)((p & img->red_mask) >> __builtin_ctzl(img->red_mask)) & 0xffu;
  *g = (unsigned)((p & img->green_mask) >> __builtin_ctzl(img->green_mask)) & 0xffu;
  *b = (unsigned)((p & img->blue_mask) >> __builtin_ctzl(img->blue_mask)) & 0xffu;
}

static bool save_ppm(XImage *img, const char *path)
{
  FILE *f = fopen(path, "wb");
  if (!f)
    return false;
  fprintf(f, "P6\n%d %d\n255\n", img->width, img->height);
  for (int y = 0; y < img->height; ++y)
    for (int x = 0; x < img->width; ++x) {
      unsigned r, g, b;
      pixel(img, x, y, &r, &g, &b);
      unsigned char px[3] = {(unsigned char)r, (unsigned char)g, (unsigned char)b};
      fwrite(px, 1, 3, f);
    }
  return fclose(f) == 0;
}

/* Compares against the pattern; returns true if only a cursor-sized box differs. */
static bool check_pattern(XImage *img, int w, int h, char *why, size_t cap)
{
  if (img->width < w || img->height < h) {
    snprintf(why, cap, "window %dx%d smaller than %dx%d", img->width, img->height, w, h);
    return false;
  }
  int x0 = w, y0 = h, x1 = -1, y1 = -1;
  long bad = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      unsigned r, g, b;
      pixel(img, x, y, &r, &g, &b);
      if (r == ((unsigned)x & 0xffu) && g == ((unsigned)y & 0xffu) &&
          b == (((unsigned)x ^ (unsigned)y) & 0xffu))
        continue;
      bad++;
      x0 = x < x0 ? x : x0;
      y0 = y < y0 ? y : y0;
      x1 = x > x1 ? x : x1;
      y1 = y > y1 ? y : y1;
    }
  if (bad == 0) {
    snprintf(why, cap, "all %d pixels match", w * h);
    return true;
  }
  snprintf(why, cap, "%ld pixels differ, in box (%d,%d)-(%d,%d)", bad, x0, y0, x1, y1);
  return x1 - x0 < 40 && y1 - y0 < 40;
}

static int cmd_check(Display *dpy, Window w, int pw, int ph, double seconds, const char *out)
{
  double end = now_s() + seconds;
  char why[128] = "no capture";
  for (;;) {
    XImage *img = grab(dpy, w);
    bool ok = img && check_pattern(img, pw, ph, why, sizeof(why));
    if (img && (ok || now_s() >= end)) {
      if (out && !save_ppm(img, out))
        fprintf(stderr, "lg-xshot: cannot write %s\n", out);
    }
    if (img)
      XDestroyImage(img);
    if (ok) {
      printf("pattern ok: %s\n", why);
      return 0;
    }
    if (now_s() >= end)
      break;
    usleep(100000);
  }
  fprintf(stderr, "lg-xshot: pattern mismatch: %s\n", why);
  return 1;
}

static int cmp_u32(const void *a, const void *b)
{
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

/* Text pixels: colour channels differ from the dominant colour by this much in total. */
#define STATUS_TEXT_DIFF 96u
#define STATUS_MIN_TEXT 80L
#define STATUS_MIN_DOMINANT_PCT 60L

/* Looks for a status screen in the central third; fills why with the figures. */
static bool check_status(XImage *img, char *why, size_t cap)
{
  int x0 = img->width / 3, y0 = img->height / 3;
  int bw = img->width / 3, bh = img->height / 3;
  if (bw < 8 || bh < 8) {
    snprintf(why, cap, "window %dx%d too small", img->width, img->height);
    return false;
  }
  size_t n = (size_t)bw * (size_t)bh;
  uint32_t *px = malloc(n * sizeof(*px));
  if (!px) {
    snprintf(why, cap, "out of memory");
    return false;
  }
  for (int y = 0; y < bh; ++y)
    for (int x = 0; x < bw; ++x) {
      unsigned r, g, b;
      pixel(img, x0 + x, y0 + y, &r, &g, &b);
      px[(size_t)y * (size_t)bw + (size_t)x] = (r << 16) | (g << 8) | b;
    }
  qsort(px, n, sizeof(*px), cmp_u32);
  uint32_t dom = px[0];
  size_t best = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && px[j] == px[i])
      j++;
    if (j - i > best) {
      best = j - i;
      dom = px[i];
    }
    i = j;
  }
  long text = 0;
  for (size_t i = 0; i < n; ++i) {
    unsigned d = 0;
    for (unsigned sh = 0; sh <= 16; sh += 8) {
      unsigned a = (px[i] >> sh) & 0xffu, c = (dom >> sh) & 0xffu;
      d += a > c ? a - c : c - a;
    }
    text += d >= STATUS_TEXT_DIFF;
  }
  free(px);
  long pct = (long)(best * 100 / n);
  char pwhy[128];
  bool pattern = check_pattern(img, img->width < 320 ? img->width : 320,
                               img->height < 240 ? img->height : 240, pwhy, sizeof(pwhy));
  snprintf(why, cap, "centre %dx%d: dominant #%06x on %ld%%, %ld text pixels%s", bw, bh,
           (unsigned)dom, pct, text, pattern ? ", shows the pattern" : "");
  return !pattern && pct >= STATUS_MIN_DOMINANT_PCT && text >= STATUS_MIN_TEXT;
}

static int cmd_status(Display *dpy, Window w, double seconds, const char *out)
{
  double end = now_s() + seconds;
  char why[160] = "no capture";
  for (;;) {
    XImage *img = grab(dpy, w);
    bool ok = img && check_status(img, why, sizeof(why));
    if (img && (ok || now_s() >= end) && out && !save_ppm(img, out))
      fprintf(stderr, "lg-xshot: cannot write %s\n", out);
    if (img)
      XDestroyImage(img);
    if (ok) {
      printf("status screen ok: %s\n", why);
      return 0;
    }
    if (now_s() >= end)
      break;
    usleep(100000);
  }
  fprintf(stderr, "lg-xshot: no status screen: %s\n", why);
  return 1;
}

static int cmd_keys(Display *dpy, Window w, int argc, char **argv)
{
  int ev, err, maj, min;
  if (!XTestQueryExtension(dpy, &ev, &err, &maj, &min)) {
    fprintf(stderr, "lg-xshot: no XTest\n");
    return 1;
  }
  XRaiseWindow(dpy, w);
  XSetInputFocus(dpy, w, RevertToParent, CurrentTime);
  XWarpPointer(dpy, None, w, 0, 0, 0, 0, 10, 10);
  XSync(dpy, False);
  usleep(100000);
  for (int i = 0; i < argc; ++i) {
    XTestFakeKeyEvent(dpy, (unsigned)atoi(argv[i]) + 8, True, 0);
    XSync(dpy, False);
    usleep(50000);
  }
  for (int i = argc - 1; i >= 0; --i) {
    XTestFakeKeyEvent(dpy, (unsigned)atoi(argv[i]) + 8, False, 0);
    XSync(dpy, False);
    usleep(50000);
  }
  return 0;
}

static int cmd_key1(Display *dpy, Window w, const char *code, bool down)
{
  XRaiseWindow(dpy, w);
  XSetInputFocus(dpy, w, RevertToParent, CurrentTime);
  XTestFakeKeyEvent(dpy, (unsigned)atoi(code) + 8, down ? True : False, 0);
  XSync(dpy, False);
  return 0;
}

static int cmd_close(Display *dpy, Window w)
{
  XEvent ev;
  memset(&ev, 0, sizeof(ev));
  ev.xclient.type = ClientMessage;
  ev.xclient.window = w;
  ev.xclient.message_type = XInternAtom(dpy, "WM_PROTOCOLS", False);
  ev.xclient.format = 32;
  ev.xclient.data.l[0] = (long)XInternAtom(dpy, "WM_DELETE_WINDOW", False);
  ev.xclient.data.l[1] = CurrentTime;
  XSendEvent(dpy, w, False, NoEventMask, &ev);
  XSync(dpy, False);
  return 0;
}

int main(int argc, char **argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: lg-xshot COMMAND TITLE ... (commands: see lg_xshot.c)\n");
    return 2;
  }
  Display *dpy = XOpenDisplay(NULL);
  if (!dpy) {
    fprintf(stderr, "lg-xshot: cannot open the display\n");
    return 1;
  }
  XSetErrorHandler(no_errors);
  const char *cmd = argv[1];
  double wait_s = strcmp(cmd, "wait") == 0 && argc > 3 ? atof(argv[3]) : 10.0;
  Window w = wait_window(dpy, argv[2], wait_s);
  int rc = 1;
  if (!w)
    rc = 1;
  else if (strcmp(cmd, "wait") == 0)
    rc = 0;
  else if (strcmp(cmd, "shot") == 0 && argc == 4) {
    XImage *img = grab(dpy, w);
    rc = img && save_ppm(img, argv[3]) ? 0 : 1;
    if (img)
      XDestroyImage(img);
  } else if (strcmp(cmd, "check") == 0 && argc >= 6)
    rc = cmd_check(dpy, w, atoi(argv[3]), atoi(argv[4]), atof(argv[5]), argc > 6 ? argv[6] : NULL);
  else if (strcmp(cmd, "status") == 0 && argc >= 4)
    rc = cmd_status(dpy, w, atof(argv[3]), argc > 4 ? argv[4] : NULL);
  else if ((strcmp(cmd, "press") == 0 || strcmp(cmd, "release") == 0) && argc == 4)
    rc = cmd_key1(dpy, w, argv[3], strcmp(cmd, "press") == 0);
  else if (strcmp(cmd, "close") == 0)
    rc = cmd_close(dpy, w);
  else if (strcmp(cmd, "keys") == 0)
    rc = cmd_keys(dpy, w, argc - 3, argv + 3);
  else {
    fprintf(stderr, "lg-xshot: bad arguments\n");
    rc = 2;
  }
  XCloseDisplay(dpy);
  return rc;
}
