/* lg-xcheck: pixel-exact checks of looking-glass-client's window against the host's pattern
 * capture, for the client acceptance tests. Every check works in frame coordinates: each
 * window pixel is mapped back through the rotation (clockwise, as the renderer documents),
 * compared with the pattern R = (x + s) mod 256, G = y mod 256, B = ((x + s) xor y) mod 256
 * (s = the row's shift), and the pixels that differ must be exactly the host's 32 x 32
 * pattern cursor composited at one position, or nothing.
 *
 *   lg-xcheck frame  TITLE W H ROT TOL SECONDS [OUT.ppm]
 *       wait until the whole window (W x H frame, rotated by ROT = 0/90/180/270 clockwise)
 *       shows the still pattern within TOL steps per channel; prints the cursor position
 *   lg-xcheck cursor TITLE W H SECONDS [OUT.ppm]
 *       as frame (ROT 0, TOL 0) but the cursor must be visible, at a position the pattern
 *       host's path (bounce(4n, W-32), bounce(3n, H-32)) reaches, with exact pixels
 *   lg-xcheck band   TITLE W H SECONDS [OUT.ppm]
 *       motion with band damage: each 64-row band b shows the shift of the frame that last
 *       rendered it; finds one frame number n whose band shifts explain every row
 *   lg-xcheck differ TITLE W H SECONDS
 *       wait until pixels that no cursor explains differ from the still pattern (an
 *       overlay); prints their bounding box
 *   lg-xcheck geom   TITLE      prints "WINDOW_W WINDOW_H SCREEN_W SCREEN_H"
 *   lg-xcheck wm     TITLE SECONDS
 *       a stand-in window manager for Xvfb (which has none): takes over the root window's
 *       substructure redirect, forwards map and configure requests, and applies
 *       _NET_WM_STATE_FULLSCREEN requests for the window (sets _NET_WM_STATE, resizes it to
 *       the screen, or back); prints "ready" once listening and one line per change
 *   lg-xcheck keys   TITLE CODE...   presses the evdev key CODEs in order through XTest
 *       (focus on the window, pointer left where it is), then releases them in reverse
 * Exit status 0 on success, 1 on failure (with the reason on stderr). */
#include <X11/Xlib.h>
#include <X11/Xatom.h>
#include <X11/Xutil.h>
#include <X11/extensions/XTest.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CUR 32       /* pattern cursor size */
#define BAND_ROWS 64 /* rows per damage band */

struct rgb {
  int r, g, b;
};

struct shot {
  int w, h;          /* window size */
  struct rgb *px;    /* window pixels */
  int fw, fh, rot;   /* frame size and rotation (0..3, clockwise quarter turns) */
  int tol;           /* allowed difference per channel */
  const int *shift;  /* per frame row shift, or NULL for none */
};

struct verdict {
  long diffs;              /* pixels off the pattern */
  int bx0, by0, bx1, by1;  /* their bounding box, frame coordinates */
  bool cursor;             /* the differences are exactly one cursor */
  int cx, cy;              /* its top-left, frame coordinates */
  char why[160];
};

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int ignore_errors(Display *dpy, XErrorEvent *ev)
{
  (void)dpy;
  (void)ev;
  return 0;
}

static Window find_titled(Display *dpy, Window w, const char *title)
{
  char *name = NULL;
  if (XFetchName(dpy, w, &name) && name) {
    bool hit = strcmp(name, title) == 0;
    XFree(name);
    if (hit)
      return w;
  }
  Window root, parent, *kids = NULL;
  unsigned n = 0;
  if (!XQueryTree(dpy, w, &root, &parent, &kids, &n))
    return 0;
  Window hit = 0;
  for (unsigned i = 0; i < n && !hit; ++i)
    hit = find_titled(dpy, kids[i], title);
  if (kids)
    XFree(kids);
  return hit;
}

static Window await_window(Display *dpy, const char *title, double seconds)
{
  double end = now_s() + seconds;
  do {
    Window w = find_titled(dpy, DefaultRootWindow(dpy), title);
    XWindowAttributes at;
    if (w && XGetWindowAttributes(dpy, w, &at) && at.map_state == IsViewable)
      return w;
    usleep(50000);
  } while (now_s() < end);
  fprintf(stderr, "lg-xcheck: no window named \"%s\"\n", title);
  return 0;
}

static unsigned channel(unsigned long p, unsigned long mask)
{
  return mask ? (unsigned)((p & mask) >> __builtin_ctzl(mask)) & 0xffu : 0;
}

/* Reads the whole window into s->px (freed by the caller). */
static bool capture(Display *dpy, Window w, struct shot *s)
{
  XWindowAttributes at;
  if (!XGetWindowAttributes(dpy, w, &at))
    return false;
  XImage *img = XGetImage(dpy, w, 0, 0, (unsigned)at.width, (unsigned)at.height, AllPlanes,
                          ZPixmap);
  if (!img)
    return false;
  s->w = img->width;
  s->h = img->height;
  s->px = malloc((size_t)s->w * (size_t)s->h * sizeof(*s->px));
  if (!s->px) {
    XDestroyImage(img);
    return false;
  }
  for (int y = 0; y < s->h; ++y)
    for (int x = 0; x < s->w; ++x) {
      unsigned long p = XGetPixel(img, x, y);
      s->px[(size_t)y * (size_t)s->w + (size_t)x] =
          (struct rgb){(int)channel(p, img->red_mask), (int)channel(p, img->green_mask),
                       (int)channel(p, img->blue_mask)};
    }
  XDestroyImage(img);
  return true;
}

static bool save_ppm(const struct shot *s, const char *path)
{
  FILE *f = fopen(path, "wb");
  if (!f)
    return false;
  fprintf(f, "P6\n%d %d\n255\n", s->w, s->h);
  for (size_t i = 0; i < (size_t)s->w * (size_t)s->h; ++i) {
    unsigned char c[3] = {(unsigned char)s->px[i].r, (unsigned char)s->px[i].g,
                          (unsigned char)s->px[i].b};
    fwrite(c, 1, 3, f);
  }
  return fclose(f) == 0;
}

/* Window pixel that shows frame pixel (fx, fy), rotated clockwise by s->rot quarter turns. */
static struct rgb at_frame(const struct shot *s, int fx, int fy)
{
  int wx, wy;
  switch (s->rot) {
  case 1: wx = s->fh - 1 - fy, wy = fx; break;
  case 2: wx = s->fw - 1 - fx, wy = s->fh - 1 - fy; break;
  case 3: wx = fy, wy = s->fw - 1 - fx; break;
  default: wx = fx, wy = fy; break;
  }
  return s->px[(size_t)wy * (size_t)s->w + (size_t)wx];
}

static struct rgb pattern(const struct shot *s, int x, int y)
{
  unsigned xs = (unsigned)x + (unsigned)(s->shift ? s->shift[y] : 0);
  return (struct rgb){(int)(xs & 0xffu), y & 0xff, (int)((xs ^ (unsigned)y) & 0xffu)};
}

static bool near(struct rgb a, struct rgb b, int tol)
{
  return abs(a.r - b.r) <= tol && abs(a.g - b.g) <= tol && abs(a.b - b.b) <= tol;
}

/* The host's cursor shape: an arrow with a black outline, inside pixels B = 8x, G = 8y,
 * R = 255 (the shape is BGRA in memory). Returns false for transparent pixels. */
static bool cursor_in(int x, int y)
{
  if (x < 0 || y < 0 || x >= CUR || y >= CUR)
    return false;
  if (y < 24 && x <= (y * 2) / 3)
    return true;
  int stem = (y - 16) / 2 + 4;
  return y >= 16 && x >= stem && x < stem + 4;
}

static bool cursor_px(int x, int y, struct rgb *out)
{
  if (!cursor_in(x, y))
    return false;
  bool edge = !cursor_in(x - 1, y) || !cursor_in(x + 1, y) || !cursor_in(x, y - 1) ||
              !cursor_in(x, y + 1);
  *out = edge ? (struct rgb){0, 0, 0} : (struct rgb){255, (y * 8) & 0xff, (x * 8) & 0xff};
  return true;
}

/* True if the cursor at (cx, cy) over the pattern reproduces every pixel it covers and
 * covers every differing pixel. */
static bool cursor_fits(const struct shot *s, const struct verdict *v, int cx, int cy)
{
  for (int y = v->by0; y <= v->by1; ++y)
    for (int x = v->bx0; x <= v->bx1; ++x) {
      if (!near(at_frame(s, x, y), pattern(s, x, y), s->tol) && !cursor_in(x - cx, y - cy))
        return false;
    }
  for (int y = 0; y < CUR; ++y)
    for (int x = 0; x < CUR; ++x) {
      int fx = cx + x, fy = cy + y;
      struct rgb c;
      if (fx < 0 || fy < 0 || fx >= s->fw || fy >= s->fh || !cursor_px(x, y, &c))
        continue;
      if (!near(at_frame(s, fx, fy), c, s->tol))
        return false;
    }
  return true;
}

/* Compares the window with the pattern; differences must be one cursor (or none). */
static bool judge(const struct shot *s, struct verdict *v)
{
  memset(v, 0, sizeof(*v));
  int ww = (s->rot & 1) ? s->fh : s->fw, wh = (s->rot & 1) ? s->fw : s->fh;
  if (s->w != ww || s->h != wh) {
    snprintf(v->why, sizeof(v->why), "window is %dx%d, expected %dx%d", s->w, s->h, ww, wh);
    return false;
  }
  v->bx0 = s->fw, v->by0 = s->fh, v->bx1 = v->by1 = -1;
  for (int y = 0; y < s->fh; ++y)
    for (int x = 0; x < s->fw; ++x) {
      if (near(at_frame(s, x, y), pattern(s, x, y), s->tol))
        continue;
      v->diffs++;
      v->bx0 = x < v->bx0 ? x : v->bx0;
      v->by0 = y < v->by0 ? y : v->by0;
      v->bx1 = x > v->bx1 ? x : v->bx1;
      v->by1 = y > v->by1 ? y : v->by1;
    }
  if (v->diffs == 0) {
    snprintf(v->why, sizeof(v->why), "all %d pixels match, no cursor shown", s->fw * s->fh);
    return true;
  }
  if (v->bx1 - v->bx0 < CUR && v->by1 - v->by0 < CUR)
    for (int cy = v->by1 - CUR + 1; cy <= v->by0 && !v->cursor; ++cy)
      for (int cx = v->bx1 - CUR + 1; cx <= v->bx0 && !v->cursor; ++cx)
        if (cursor_fits(s, v, cx, cy)) {
          v->cursor = true;
          v->cx = cx, v->cy = cy;
        }
  if (v->cursor) {
    snprintf(v->why, sizeof(v->why), "all %d pixels match, cursor exact at (%d,%d)",
             s->fw * s->fh, v->cx, v->cy);
    return true;
  }
  snprintf(v->why, sizeof(v->why), "%ld pixels differ in (%d,%d)-(%d,%d), not one cursor",
           v->diffs, v->bx0, v->by0, v->bx1, v->by1);
  return false;
}

static int bounce(long t, int len)
{
  if (len <= 0)
    return 0;
  long m = t % (2L * len);
  return (int)(m <= len ? m : 2L * len - m);
}

/* The cursor's top-left must lie on the host's path, for some frame number. */
static bool on_path(int fw, int fh, int cx, int cy, long *n_out)
{
  int sx = fw > CUR ? fw - CUR : 0, sy = fh > CUR ? fh - CUR : 0;
  for (long n = 0; n < 2000000; ++n)
    if (bounce(n * 4, sx) == cx && bounce(n * 3, sy) == cy) {
      *n_out = n;
      return true;
    }
  return false;
}

/* Band damage with motion: the shift of row y after frame n (the host renders band b in
 * frames b, b + P, b + 2P, ...; frame 0 renders everything with shift 0). */
static int band_shift(int h, long n, int y)
{
  long p = (h + BAND_ROWS - 1) / BAND_ROWS;
  long b = y / BAND_ROWS;
  if (n < b)
    return 0;
  return (int)((n - (n - b) % p) & 0xff);
}

/* Finds the frame number whose band shifts explain the window; fills shift[]. */
static bool fit_bands(struct shot *s, int *shift, long *n_out, char *why, size_t cap)
{
  /* each band's shift: the majority of (R - x) over its rows at three far apart columns
   * (the cursor covers at most one of them in a row) */
  int nb = (s->fh + BAND_ROWS - 1) / BAND_ROWS;
  int *seen = malloc((size_t)nb * sizeof(int));
  if (!seen)
    return false;
  const int cols[3] = {0, s->fw / 2, s->fw - 1};
  for (int b = 0; b < nb; ++b) {
    int votes[256] = {0};
    for (int y = b * BAND_ROWS; y < s->fh && y < (b + 1) * BAND_ROWS; ++y)
      for (int i = 0; i < 3; ++i)
        votes[(at_frame(s, cols[i], y).r - cols[i]) & 0xff]++;
    seen[b] = 0;
    for (int v = 1; v < 256; ++v)
      if (votes[v] > votes[seen[b]])
        seen[b] = v;
  }
  bool ok = false;
  for (long n = 0; n < 4000000 && !ok; ++n) {
    ok = true;
    for (int b = 0; b < nb && ok; ++b)
      ok = band_shift(s->fh, n, b * BAND_ROWS) == seen[b];
    if (ok)
      *n_out = n;
  }
  free(seen);
  if (!ok) {
    snprintf(why, cap, "no frame number explains the band shifts");
    return false;
  }
  for (int y = 0; y < s->fh; ++y)
    shift[y] = band_shift(s->fh, *n_out, y);
  return true;
}

static int send_keys(Display *dpy, Window w, int n, char **codes)
{
  int ev, err, maj, min;
  if (!XTestQueryExtension(dpy, &ev, &err, &maj, &min)) {
    fprintf(stderr, "lg-xcheck: the display has no XTest\n");
    return 1;
  }
  XSetInputFocus(dpy, w, RevertToParent, CurrentTime);
  XSync(dpy, False);
  usleep(100000);
  for (int i = 0; i < 2 * n; ++i) {
    bool down = i < n;
    int k = down ? i : 2 * n - 1 - i;
    XTestFakeKeyEvent(dpy, (unsigned)atoi(codes[k]) + 8, down ? True : False, 0);
    XSync(dpy, False);
    usleep(50000);
  }
  return 0;
}

static int run_wm(Display *dpy, Window w, double seconds)
{
  Window root = DefaultRootWindow(dpy);
  Atom state = XInternAtom(dpy, "_NET_WM_STATE", False);
  Atom full = XInternAtom(dpy, "_NET_WM_STATE_FULLSCREEN", False);
  XWindowAttributes at;
  if (!XGetWindowAttributes(dpy, w, &at))
    return 1;
  XSelectInput(dpy, root, SubstructureRedirectMask | SubstructureNotifyMask);
  XSync(dpy, False);
  printf("ready\n");
  fflush(stdout);
  bool is_full = false;
  double end = now_s() + seconds;
  while (now_s() < end) {
    if (!XPending(dpy)) {
      usleep(10000);
      continue;
    }
    XEvent ev;
    XNextEvent(dpy, &ev);
    if (ev.type == MapRequest)
      XMapWindow(dpy, ev.xmaprequest.window);
    else if (ev.type == ConfigureRequest) {
      XConfigureRequestEvent *r = &ev.xconfigurerequest;
      XWindowChanges c = {.x = r->x, .y = r->y, .width = r->width, .height = r->height,
                          .border_width = r->border_width, .sibling = r->above,
                          .stack_mode = r->detail};
      XConfigureWindow(dpy, r->window, (unsigned)r->value_mask, &c);
    } else if (ev.type == ClientMessage && ev.xclient.window == w &&
               ev.xclient.message_type == state &&
               ((Atom)ev.xclient.data.l[1] == full || (Atom)ev.xclient.data.l[2] == full)) {
      long action = ev.xclient.data.l[0]; /* 0 remove, 1 add, 2 toggle */
      bool want = action == 2 ? !is_full : action == 1;
      if (want == is_full)
        continue;
      is_full = want;
      if (want) {
        XChangeProperty(dpy, w, state, XA_ATOM, 32, PropModeReplace,
                        (const unsigned char *)&full, 1);
        XMoveResizeWindow(dpy, w, 0, 0, (unsigned)DisplayWidth(dpy, DefaultScreen(dpy)),
                          (unsigned)DisplayHeight(dpy, DefaultScreen(dpy)));
      } else {
        XChangeProperty(dpy, w, state, XA_ATOM, 32, PropModeReplace, NULL, 0);
        XMoveResizeWindow(dpy, w, at.x, at.y, (unsigned)at.width, (unsigned)at.height);
      }
      XSync(dpy, False);
      printf("fullscreen %s\n", want ? "on" : "off");
      fflush(stdout);
    }
  }
  return 0;
}

enum mode { M_FRAME, M_CURSOR, M_BAND, M_DIFFER };

static int run(Display *dpy, Window w, enum mode m, int fw, int fh, int rot, int tol,
               double seconds, const char *out)
{
  double end = now_s() + seconds;
  int *shift = calloc((size_t)fh, sizeof(int));
  if (!shift)
    return 1;
  char why[200] = "no capture";
  bool ok = false;
  for (;;) {
    struct shot s = {.fw = fw, .fh = fh, .rot = rot, .tol = tol};
    if (capture(dpy, w, &s)) {
      struct verdict v;
      long n = -1;
      if (m == M_BAND) {
        if (s.w == fw && s.h == fh && fit_bands(&s, shift, &n, why, sizeof(why))) {
          s.shift = shift;
          ok = judge(&s, &v);
          snprintf(why, sizeof(why), "frame %ld: %s", n, v.why);
        } else if (s.w != fw || s.h != fh)
          snprintf(why, sizeof(why), "window is %dx%d, expected %dx%d", s.w, s.h, fw, fh);
      } else {
        bool fits = judge(&s, &v);
        snprintf(why, sizeof(why), "%s", v.why);
        if (m == M_FRAME)
          ok = fits;
        else if (m == M_DIFFER) {
          ok = !fits && v.diffs > 0;
          if (ok)
            snprintf(why, sizeof(why), "%ld pixels differ in (%d,%d)-(%d,%d)", v.diffs, v.bx0,
                     v.by0, v.bx1, v.by1);
        } else if (fits && !v.cursor)
          snprintf(why, sizeof(why), "no cursor shown");
        else if (fits && !on_path(fw, fh, v.cx, v.cy, &n))
          snprintf(why, sizeof(why), "cursor at (%d,%d) is on no position of the host's path%s",
                   v.cx, v.cy,
                   on_path(fw, fh, v.cx + 1, v.cy + 1, &n) ? " (drawn 1 px up-left: hotspot "
                                                            "subtracted twice?)"
                                                          : "");
        else if (fits) {
          ok = true;
          snprintf(why, sizeof(why), "%s; frame %ld of the host's path", v.why, n);
        }
      }
      bool last = ok || now_s() >= end;
      if (last && out && !save_ppm(&s, out))
        fprintf(stderr, "lg-xcheck: cannot write %s\n", out);
      free(s.px);
      if (last)
        break;
    } else if (now_s() >= end)
      break;
    usleep(100000);
  }
  free(shift);
  if (ok) {
    printf("ok: %s\n", why);
    return 0;
  }
  fprintf(stderr, "lg-xcheck: %s\n", why);
  return 1;
}

int main(int argc, char **argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: lg-xcheck frame|cursor|band|differ|geom TITLE ...\n");
    return 2;
  }
  Display *dpy = XOpenDisplay(NULL);
  if (!dpy) {
    fprintf(stderr, "lg-xcheck: cannot open the display\n");
    return 1;
  }
  XSetErrorHandler(ignore_errors);
  const char *cmd = argv[1];
  Window w = await_window(dpy, argv[2], 10.0);
  int rc = 2;
  if (!w)
    rc = 1;
  else if (strcmp(cmd, "geom") == 0) {
    XWindowAttributes at;
    rc = XGetWindowAttributes(dpy, w, &at) ? 0 : 1;
    if (rc == 0)
      printf("%d %d %d %d\n", at.width, at.height, DisplayWidth(dpy, DefaultScreen(dpy)),
             DisplayHeight(dpy, DefaultScreen(dpy)));
  } else if (strcmp(cmd, "wm") == 0 && argc >= 4) {
    rc = run_wm(dpy, w, atof(argv[3]));
  } else if (strcmp(cmd, "keys") == 0 && argc >= 4) {
    rc = send_keys(dpy, w, argc - 3, argv + 3);
  } else if (strcmp(cmd, "frame") == 0 && argc >= 8) {
    int rot = atoi(argv[5]);
    if (rot % 90 == 0 && rot >= 0 && rot < 360)
      rc = run(dpy, w, M_FRAME, atoi(argv[3]), atoi(argv[4]), rot / 90, atoi(argv[6]),
               atof(argv[7]), argc > 8 ? argv[8] : NULL);
  } else if ((strcmp(cmd, "cursor") == 0 || strcmp(cmd, "band") == 0 ||
              strcmp(cmd, "differ") == 0) && argc >= 6) {
    enum mode m = cmd[0] == 'c' ? M_CURSOR : cmd[0] == 'b' ? M_BAND : M_DIFFER;
    rc = run(dpy, w, m, atoi(argv[3]), atoi(argv[4]), 0, 0, atof(argv[5]),
             argc > 6 ? argv[6] : NULL);
  }
  if (rc == 2)
    fprintf(stderr, "lg-xcheck: bad arguments\n");
  XCloseDisplay(dpy);
  return rc;
}
