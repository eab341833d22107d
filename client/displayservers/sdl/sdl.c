/* SDL2 display server: a plain (non-GL) SDL window whose native X11 or Wayland handles go
 * to the EGL renderer, SDL events turned into app callbacks, and SDL's own pointer,
 * keyboard, screensaver and clipboard controls. A fallback for systems where the native
 * display servers do not work. */
#include "../displayserver.h"
#include "sdl_keymap.h"

#include "lg/log.h"

#include <SDL.h>
#include <SDL_syswm.h>

#if defined(SDL_VIDEO_DRIVER_WAYLAND) && defined(LG_SDL_HAVE_WAYLAND_EGL)
#define SDL_DS_WAYLAND 1
#include <wayland-egl.h>
#endif

#include <stdlib.h>
#include <string.h>

#define ICON_SIZE 32

struct sdl_ds {
  struct lg_ds base; /* first: the generic part */
  SDL_Window *win;
  bool video_init;
  uint32_t width, height; /* drawable pixels, as last reported */
  bool fullscreen;
  bool raw_motion;
  unsigned long x11_window; /* the XID the EGL target points at */
#ifdef SDL_DS_WAYLAND
  struct wl_egl_window *egl_window;
#endif
};

static struct sdl_ds *to_sdl(struct lg_ds *ds) { return (struct sdl_ds *)ds; }

/* True for the SDL video drivers whose windows have native handles EGL can use (SDL also
 * has "offscreen" and "dummy" drivers that start without any display). */
static bool driver_has_egl_target(const char *driver)
{
  if (!driver)
    return false;
#ifdef SDL_VIDEO_DRIVER_X11
  if (strcmp(driver, "x11") == 0)
    return true;
#endif
#ifdef SDL_DS_WAYLAND
  if (strcmp(driver, "wayland") == 0)
    return true;
#endif
  return false;
}

static bool sdl_probe(void)
{
  if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
    LG_DEBUG("sdl: no video driver: %s", SDL_GetError());
    return false;
  }
  const char *driver = SDL_GetCurrentVideoDriver();
  const bool ok = driver_has_egl_target(driver);
  if (!ok)
    LG_DEBUG("sdl: video driver '%s' has no EGL window handles", driver ? driver : "?");
  SDL_QuitSubSystem(SDL_INIT_VIDEO);
  return ok;
}

/* The same lens icon as the native display servers, as an ARGB8888 surface. */
static void set_icon(SDL_Window *win)
{
  uint32_t px[ICON_SIZE * ICON_SIZE];
  const int c = ICON_SIZE / 2;
  for (int y = 0; y < ICON_SIZE; ++y)
    for (int x = 0; x < ICON_SIZE; ++x) {
      const int dx = x - c, dy = y - c, d2 = dx * dx + dy * dy;
      uint32_t v = 0;
      if (d2 <= (c - 1) * (c - 1)) {
        const uint32_t shade = (uint32_t)(0x60 + (y * 0x90) / ICON_SIZE);
        v = d2 >= (c - 4) * (c - 4) ? 0xffd0e0f0u : (0xff200000u | ((shade / 2) << 8) | shade);
      }
      px[y * ICON_SIZE + x] = v;
    }
  SDL_Surface *s = SDL_CreateRGBSurfaceWithFormatFrom(px, ICON_SIZE, ICON_SIZE, 32, ICON_SIZE * 4,
                                                      SDL_PIXELFORMAT_ARGB8888);
  if (!s)
    return;
  SDL_SetWindowIcon(win, s);
  SDL_FreeSurface(s);
}

/* Reads the drawable size; true if it changed since the last call. */
static bool refresh_size(struct sdl_ds *s)
{
  int w = 0, h = 0;
  SDL_GetWindowSizeInPixels(s->win, &w, &h);
  if (w <= 0 || h <= 0 || ((uint32_t)w == s->width && (uint32_t)h == s->height))
    return false;
  s->width = (uint32_t)w;
  s->height = (uint32_t)h;
#ifdef SDL_DS_WAYLAND
  if (s->egl_window)
    wl_egl_window_resize(s->egl_window, w, h, 0, 0);
#endif
  return true;
}

static void sdl_destroy(struct lg_ds *ds);

static struct lg_ds *sdl_create(const struct lg_ds_window_params *p,
                                const struct lg_ds_callbacks *cb)
{
  struct sdl_ds *s = calloc(1, sizeof(*s));
  if (!s)
    return NULL;
  s->base.impl = &lg_ds_sdl_impl;
  if (cb)
    s->base.cb = *cb;

  const char *app_id = p->app_id ? p->app_id : "looking-glass-client";
  /* before the video subsystem starts: SDL reads these while it creates the window */
  SDL_SetHint(SDL_HINT_APP_NAME, app_id);
  /* SDL 2 reads the window class from the environment only; a user's own setting wins */
  setenv("SDL_VIDEO_X11_WMCLASS", app_id, 0);
  setenv("SDL_VIDEO_WAYLAND_WMCLASS", app_id, 0);
  SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
  SDL_SetHint(SDL_HINT_MOUSE_FOCUS_CLICKTHROUGH, "1");
  SDL_SetHint(SDL_HINT_VIDEO_MINIMIZE_ON_FOCUS_LOSS, "0"); /* fullscreen stays up on alt-tab */
  if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
    LG_ERROR("sdl: SDL_Init(VIDEO) failed: %s", SDL_GetError());
    free(s);
    return NULL;
  }
  s->video_init = true;
  if (!driver_has_egl_target(SDL_GetCurrentVideoDriver())) {
    LG_ERROR("sdl: video driver '%s' has no EGL window handles (x11 or wayland needed)",
             SDL_GetCurrentVideoDriver() ? SDL_GetCurrentVideoDriver() : "?");
    sdl_destroy(&s->base);
    return NULL;
  }
  SDL_EnableScreenSaver(); /* SDL inhibits it by default; only inhibit_screensaver() should */

  Uint32 flags = SDL_WINDOW_SHOWN | SDL_WINDOW_ALLOW_HIGHDPI;
  if (p->borderless)
    flags |= SDL_WINDOW_BORDERLESS;
  if (p->resizable)
    flags |= SDL_WINDOW_RESIZABLE;
  if (p->fullscreen)
    flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
  if (p->maximize)
    flags |= SDL_WINDOW_MAXIMIZED;
  const int x = p->position_set ? p->x : (int)SDL_WINDOWPOS_UNDEFINED;
  const int y = p->position_set ? p->y : (int)SDL_WINDOWPOS_UNDEFINED;
  const int w = p->width ? (int)p->width : 1024, h = p->height ? (int)p->height : 768;
  s->win = SDL_CreateWindow(p->title ? p->title : "Looking Glass", x, y, w, h, flags);
  if (!s->win) {
    LG_ERROR("sdl: SDL_CreateWindow failed: %s", SDL_GetError());
    sdl_destroy(&s->base);
    return NULL;
  }
  set_icon(s->win);
  SDL_SetWindowMinimumSize(s->win, 64, 64);
  s->fullscreen = (SDL_GetWindowFlags(s->win) & SDL_WINDOW_FULLSCREEN) != 0;
  refresh_size(s);
  LG_INFO("sdl: window created with the '%s' video driver, %ux%u%s", SDL_GetCurrentVideoDriver(),
          s->width, s->height, s->fullscreen ? " (fullscreen)" : "");
  if (s->base.cb.resize)
    s->base.cb.resize(s->base.cb.opaque, s->width, s->height);
  return &s->base;
}

static void sdl_destroy(struct lg_ds *ds)
{
  if (!ds)
    return;
  struct sdl_ds *s = to_sdl(ds);
  if (s->raw_motion)
    SDL_SetRelativeMouseMode(SDL_FALSE);
#ifdef SDL_DS_WAYLAND
  if (s->egl_window)
    wl_egl_window_destroy(s->egl_window);
#endif
  if (s->win)
    SDL_DestroyWindow(s->win);
  if (s->video_init)
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
  free(s);
}

static bool sdl_egl_target(struct lg_ds *ds, struct lg_ds_egl_target *out)
{
  struct sdl_ds *s = to_sdl(ds);
  SDL_SysWMinfo info;
  SDL_VERSION(&info.version);
  if (!SDL_GetWindowWMInfo(s->win, &info)) {
    LG_ERROR("sdl: SDL_GetWindowWMInfo failed: %s", SDL_GetError());
    return false;
  }
  switch (info.subsystem) {
#ifdef SDL_VIDEO_DRIVER_X11
  case SDL_SYSWM_X11:
    /* SDL's X11 driver has called XInitThreads: the render thread may share the Display */
    s->x11_window = (unsigned long)info.info.x11.window;
    out->platform = LG_DS_EGL_X11;
    out->native_display = info.info.x11.display;
    out->native_window = &s->x11_window;
    _Static_assert(sizeof(s->x11_window) == sizeof(info.info.x11.window), "XID size");
    return true;
#endif
#ifdef SDL_DS_WAYLAND
  case SDL_SYSWM_WAYLAND:
    if (!s->egl_window) {
      s->egl_window = wl_egl_window_create(info.info.wl.surface, (int)s->width, (int)s->height);
      if (!s->egl_window) {
        LG_ERROR("sdl: wl_egl_window_create failed");
        return false;
      }
    }
    out->platform = LG_DS_EGL_WAYLAND;
    out->native_display = info.info.wl.display;
    out->native_window = s->egl_window;
    return true;
#endif
  default:
    LG_ERROR("sdl: the '%s' video driver has no EGL handles this build can use",
             SDL_GetCurrentVideoDriver());
    return false;
  }
}

static void send_button(struct sdl_ds *s, Uint8 sdl_button, bool down)
{
  enum lg_ds_button b;
  switch (sdl_button) {
  case SDL_BUTTON_LEFT:
    b = LG_DS_BUTTON_LEFT;
    break;
  case SDL_BUTTON_MIDDLE:
    b = LG_DS_BUTTON_MIDDLE;
    break;
  case SDL_BUTTON_RIGHT:
    b = LG_DS_BUTTON_RIGHT;
    break;
  case SDL_BUTTON_X1:
    b = LG_DS_BUTTON_SIDE;
    break;
  case SDL_BUTTON_X2:
    b = LG_DS_BUTTON_EXTRA;
    break;
  default:
    return;
  }
  if (s->base.cb.button)
    s->base.cb.button(s->base.cb.opaque, b, down);
}

/* A wheel event is a click of button 4 or 5 per notch, as X11 reports it. */
static void send_wheel(struct sdl_ds *s, const SDL_MouseWheelEvent *e)
{
  int y = e->direction == SDL_MOUSEWHEEL_FLIPPED ? -e->y : e->y;
  const enum lg_ds_button b = y > 0 ? LG_DS_BUTTON_WHEEL_UP : LG_DS_BUTTON_WHEEL_DOWN;
  int n = abs(y);
  if (n > 16)
    n = 16; /* a burst from a free-spinning wheel: enough clicks */
  for (int i = 0; i < n && s->base.cb.button; ++i) {
    s->base.cb.button(s->base.cb.opaque, b, true);
    s->base.cb.button(s->base.cb.opaque, b, false);
  }
}

static void handle_window_event(struct sdl_ds *s, const SDL_WindowEvent *e)
{
  const struct lg_ds_callbacks *cb = &s->base.cb;
  switch (e->event) {
  case SDL_WINDOWEVENT_SIZE_CHANGED:
  case SDL_WINDOWEVENT_RESIZED:
  case SDL_WINDOWEVENT_SHOWN:
  case SDL_WINDOWEVENT_MAXIMIZED:
  case SDL_WINDOWEVENT_RESTORED:
    if (refresh_size(s) && cb->resize)
      cb->resize(cb->opaque, s->width, s->height);
    break;
  case SDL_WINDOWEVENT_CLOSE:
    if (cb->close)
      cb->close(cb->opaque);
    break;
  case SDL_WINDOWEVENT_FOCUS_GAINED:
  case SDL_WINDOWEVENT_FOCUS_LOST:
    if (cb->focus)
      cb->focus(cb->opaque, e->event == SDL_WINDOWEVENT_FOCUS_GAINED);
    break;
  case SDL_WINDOWEVENT_ENTER:
  case SDL_WINDOWEVENT_LEAVE:
    if (cb->enter)
      cb->enter(cb->opaque, e->event == SDL_WINDOWEVENT_ENTER);
    break;
  default:
    break;
  }
  /* SDL has no event of its own for fullscreen: compare the flag after each change */
  const bool fs = (SDL_GetWindowFlags(s->win) & SDL_WINDOW_FULLSCREEN) != 0;
  if (fs != s->fullscreen) {
    s->fullscreen = fs;
    if (cb->fullscreen)
      cb->fullscreen(cb->opaque, fs);
  }
}

static void dispatch(struct sdl_ds *s, const SDL_Event *ev)
{
  const struct lg_ds_callbacks *cb = &s->base.cb;
  const Uint32 id = SDL_GetWindowID(s->win);
  switch (ev->type) {
  case SDL_WINDOWEVENT:
    if (ev->window.windowID == id)
      handle_window_event(s, &ev->window);
    break;
  case SDL_QUIT:
    break; /* the window's CLOSE event already told the app */
  case SDL_KEYDOWN:
  case SDL_KEYUP: {
    if (ev->key.repeat)
      break; /* the guest makes its own repeats */
    const uint32_t code = lg_sdl_scancode_to_evdev((int)ev->key.keysym.scancode);
    if (!code) {
      LG_DEBUG("sdl: scancode %d has no evdev code", (int)ev->key.keysym.scancode);
      break;
    }
    if (cb->key)
      cb->key(cb->opaque, code, ev->type == SDL_KEYDOWN);
    break;
  }
  case SDL_MOUSEMOTION:
    if (ev->motion.which == SDL_TOUCH_MOUSEID)
      break;
    if (s->raw_motion) {
      if (cb->raw_motion && (ev->motion.xrel || ev->motion.yrel))
        cb->raw_motion(cb->opaque, ev->motion.xrel, ev->motion.yrel);
    } else if (cb->motion)
      cb->motion(cb->opaque, ev->motion.x, ev->motion.y);
    break;
  case SDL_MOUSEBUTTONDOWN:
  case SDL_MOUSEBUTTONUP:
    if (ev->button.which != SDL_TOUCH_MOUSEID)
      send_button(s, ev->button.button, ev->type == SDL_MOUSEBUTTONDOWN);
    break;
  case SDL_MOUSEWHEEL:
    if (ev->wheel.which != SDL_TOUCH_MOUSEID && ev->wheel.y)
      send_wheel(s, &ev->wheel);
    break;
  default:
    break;
  }
}

static bool sdl_pump(struct lg_ds *ds, uint32_t timeout_ms)
{
  struct sdl_ds *s = to_sdl(ds);
  SDL_Event ev;
  int got;
  if (timeout_ms)
    got = SDL_WaitEventTimeout(&ev, timeout_ms > INT32_MAX ? INT32_MAX : (int)timeout_ms);
  else
    got = SDL_PollEvent(&ev);
  while (got) {
    dispatch(s, &ev);
    got = SDL_PollEvent(&ev);
  }
  return true;
}

static void sdl_get_size(struct lg_ds *ds, uint32_t *w, uint32_t *h)
{
  *w = to_sdl(ds)->width;
  *h = to_sdl(ds)->height;
}

static void sdl_set_size(struct lg_ds *ds, uint32_t w, uint32_t h)
{
  struct sdl_ds *s = to_sdl(ds);
  if (w > INT32_MAX || h > INT32_MAX)
    return;
  /* SDL takes the size in screen units; on a scaled output those differ from pixels */
  int sw = 0, sh = 0, pw = 0, ph = 0;
  SDL_GetWindowSize(s->win, &sw, &sh);
  SDL_GetWindowSizeInPixels(s->win, &pw, &ph);
  if (sw > 0 && pw > sw) {
    w = (uint32_t)((uint64_t)w * (uint64_t)sw / (uint64_t)pw);
    h = (uint32_t)((uint64_t)h * (uint64_t)sh / (uint64_t)ph);
  }
  SDL_SetWindowSize(s->win, (int)w, (int)h);
}

static void sdl_set_fullscreen(struct lg_ds *ds, bool fs)
{
  struct sdl_ds *s = to_sdl(ds);
  if (SDL_SetWindowFullscreen(s->win, fs ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0) != 0)
    LG_WARN("sdl: fullscreen %s failed: %s", fs ? "on" : "off", SDL_GetError());
}

static bool sdl_get_fullscreen(struct lg_ds *ds) { return to_sdl(ds)->fullscreen; }

static void sdl_set_aspect(struct lg_ds *ds, uint32_t aw, uint32_t ah)
{
  LG_DEBUG("sdl: SDL2 cannot ask the window manager to keep an aspect ratio");
}

static bool sdl_grab_pointer(struct lg_ds *ds, bool grab, bool confine)
{
  /* an SDL mouse grab always confines the pointer to the window */
  struct sdl_ds *s = to_sdl(ds);
  SDL_SetWindowMouseGrab(s->win, grab ? SDL_TRUE : SDL_FALSE);
  if (grab && !SDL_GetWindowMouseGrab(s->win)) {
    LG_WARN("sdl: pointer grab refused: %s", SDL_GetError());
    return false;
  }
  return true;
}

static bool sdl_grab_keyboard(struct lg_ds *ds, bool grab)
{
  struct sdl_ds *s = to_sdl(ds);
  SDL_SetWindowKeyboardGrab(s->win, grab ? SDL_TRUE : SDL_FALSE);
  if (grab && !SDL_GetWindowKeyboardGrab(s->win)) {
    LG_WARN("sdl: keyboard grab refused (the window needs the focus)");
    return false;
  }
  return true;
}

static bool sdl_set_raw_motion(struct lg_ds *ds, bool enable)
{
  struct sdl_ds *s = to_sdl(ds);
  if (SDL_SetRelativeMouseMode(enable ? SDL_TRUE : SDL_FALSE) != 0) {
    LG_WARN("sdl: relative mouse mode unavailable: %s", SDL_GetError());
    return false;
  }
  s->raw_motion = enable;
  return true;
}

static void sdl_warp_pointer(struct lg_ds *ds, int32_t x, int32_t y)
{
  SDL_WarpMouseInWindow(to_sdl(ds)->win, x, y);
}

static void sdl_set_cursor_visible(struct lg_ds *ds, bool visible)
{
  SDL_ShowCursor(visible ? SDL_ENABLE : SDL_DISABLE);
}

static void sdl_inhibit_screensaver(struct lg_ds *ds, bool inhibit)
{
  if (inhibit)
    SDL_DisableScreenSaver();
  else
    SDL_EnableScreenSaver();
}

static bool sdl_clipboard_set_text(struct lg_ds *ds, const char *text, size_t len)
{
  char *copy = malloc(len + 1); /* SDL wants a NUL-terminated string */
  if (!copy)
    return false;
  memcpy(copy, text, len);
  copy[len] = '\0';
  const bool ok = SDL_SetClipboardText(copy) == 0;
  if (!ok)
    LG_WARN("sdl: SDL_SetClipboardText failed: %s", SDL_GetError());
  free(copy);
  return ok;
}

static bool sdl_clipboard_get_text(struct lg_ds *ds, char *buf, size_t size)
{
  if (!size)
    return false;
  char *text = SDL_GetClipboardText(); /* "" (never NULL in practice) when empty */
  if (!text)
    return false;
  const size_t len = strlen(text);
  const bool ok = len > 0;
  if (ok) {
    size_t n = len < size - 1 ? len : size - 1;
    while (n < len && n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
      n--; /* do not cut a UTF-8 sequence in two */
    memcpy(buf, text, n);
    buf[n] = '\0';
  }
  SDL_free(text);
  return ok;
}

const struct lg_ds_impl lg_ds_sdl_impl = {
    .name = "sdl",
    .description = "SDL2 (fallback; X11 or Wayland underneath)",
    .probe = sdl_probe,
    .create = sdl_create,
    .destroy = sdl_destroy,
    .egl_target = sdl_egl_target,
    .pump = sdl_pump,
    .get_size = sdl_get_size,
    .set_size = sdl_set_size,
    .set_fullscreen = sdl_set_fullscreen,
    .get_fullscreen = sdl_get_fullscreen,
    .set_aspect = sdl_set_aspect,
    .grab_pointer = sdl_grab_pointer,
    .grab_keyboard = sdl_grab_keyboard,
    .set_raw_motion = sdl_set_raw_motion,
    .warp_pointer = sdl_warp_pointer,
    .set_cursor_visible = sdl_set_cursor_visible,
    .inhibit_screensaver = sdl_inhibit_screensaver,
    .clipboard_set_text = sdl_clipboard_set_text,
    .clipboard_get_text = sdl_clipboard_get_text,
};
