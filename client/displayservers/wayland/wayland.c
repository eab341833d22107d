/* Wayland display server: the connection and its globals, outputs, the lifecycle (create,
 * destroy, EGL target) and the event pump. The window (xdg toplevel, configure, scale,
 * fullscreen) lives in wl_window.c, input in wl_input.c. */
#include "wl_priv.h"

#include "lg/log.h"

#include <wayland-egl.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_W 1024
#define DEFAULT_H 768
#define CONFIGURE_TIMEOUT_MS 5000

static struct wl_ds *to_wl(struct lg_ds *ds) { return (struct wl_ds *)ds; }

static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

/* ---- outputs ----------------------------------------------------------------------- */

static void output_geometry(void *data, struct wl_output *o, int32_t x, int32_t y, int32_t pw,
                            int32_t ph, int32_t subpixel, const char *make, const char *model,
                            int32_t transform)
{
}

static void output_mode(void *data, struct wl_output *o, uint32_t flags, int32_t width,
                        int32_t height, int32_t refresh)
{
}

static void output_done(void *data, struct wl_output *o) {}

static void output_scale(void *data, struct wl_output *o, int32_t factor)
{
  struct wl_ds *w = data;
  struct wlds_output *out;
  wl_list_for_each(out, &w->outputs, link)
  {
    if (out->output == o)
      out->scale = factor;
  }
  wlds_window_update_scale(w);
}

static const struct wl_output_listener output_listener = {
    .geometry = output_geometry,
    .mode = output_mode,
    .done = output_done,
    .scale = output_scale,
};

/* ---- registry ---------------------------------------------------------------------- */

static void wm_base_ping(void *data, struct xdg_wm_base *b, uint32_t serial)
{
  xdg_wm_base_pong(b, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {.ping = wm_base_ping};

static void *bind(struct wl_ds *w, uint32_t name, const struct wl_interface *iface, uint32_t have,
                  uint32_t want)
{
  return wl_registry_bind(w->registry, name, iface, min_u32(have, want));
}

static void registry_global(void *data, struct wl_registry *reg, uint32_t name, const char *iface,
                            uint32_t version)
{
  struct wl_ds *w = data;
  if (strcmp(iface, wl_compositor_interface.name) == 0)
    w->compositor = bind(w, name, &wl_compositor_interface, version, 4);
  else if (strcmp(iface, wl_shm_interface.name) == 0)
    w->shm = bind(w, name, &wl_shm_interface, version, 1);
  else if (strcmp(iface, xdg_wm_base_interface.name) == 0) {
    w->wm_base = bind(w, name, &xdg_wm_base_interface, version, 3);
    xdg_wm_base_add_listener(w->wm_base, &wm_base_listener, w);
  } else if (strcmp(iface, wl_seat_interface.name) == 0 && !w->input.seat)
    wlds_input_bind_seat(w, name, version);
  else if (strcmp(iface, wl_data_device_manager_interface.name) == 0 && !w->data_mgr)
    w->data_mgr = bind(w, name, &wl_data_device_manager_interface, version, 3);
  else if (strcmp(iface, wl_output_interface.name) == 0) {
    struct wlds_output *o = calloc(1, sizeof(*o));
    if (!o)
      return;
    o->name = name;
    o->scale = 1;
    o->output = bind(w, name, &wl_output_interface, version, 2);
    wl_output_add_listener(o->output, &output_listener, w);
    wl_list_insert(&w->outputs, &o->link);
  }
#ifdef LG_WL_HAVE_XDG_DECORATION_UNSTABLE_V1
  else if (strcmp(iface, zxdg_decoration_manager_v1_interface.name) == 0)
    w->deco_mgr = bind(w, name, &zxdg_decoration_manager_v1_interface, version, 1);
#endif
#ifdef LG_WL_HAVE_RELATIVE_POINTER_UNSTABLE_V1
  else if (strcmp(iface, zwp_relative_pointer_manager_v1_interface.name) == 0)
    w->rel_mgr = bind(w, name, &zwp_relative_pointer_manager_v1_interface, version, 1);
#endif
#ifdef LG_WL_HAVE_POINTER_CONSTRAINTS_UNSTABLE_V1
  else if (strcmp(iface, zwp_pointer_constraints_v1_interface.name) == 0)
    w->constraints = bind(w, name, &zwp_pointer_constraints_v1_interface, version, 1);
#endif
#ifdef LG_WL_HAVE_KEYBOARD_SHORTCUTS_INHIBIT_UNSTABLE_V1
  else if (strcmp(iface, zwp_keyboard_shortcuts_inhibit_manager_v1_interface.name) == 0)
    w->ksi_mgr = bind(w, name, &zwp_keyboard_shortcuts_inhibit_manager_v1_interface, version, 1);
#endif
#ifdef LG_WL_HAVE_IDLE_INHIBIT_UNSTABLE_V1
  else if (strcmp(iface, zwp_idle_inhibit_manager_v1_interface.name) == 0)
    w->idle_mgr = bind(w, name, &zwp_idle_inhibit_manager_v1_interface, version, 1);
#endif
#ifdef LG_WL_HAVE_VIEWPORTER
  else if (strcmp(iface, wp_viewporter_interface.name) == 0)
    w->viewporter = bind(w, name, &wp_viewporter_interface, version, 1);
#endif
#ifdef LG_WL_HAVE_FRACTIONAL_SCALE_V1
  else if (strcmp(iface, wp_fractional_scale_manager_v1_interface.name) == 0)
    w->frac_mgr = bind(w, name, &wp_fractional_scale_manager_v1_interface, version, 1);
#endif
#ifdef LG_WL_HAVE_PRESENTATION_TIME
  else if (strcmp(iface, wp_presentation_interface.name) == 0)
    w->presentation = bind(w, name, &wp_presentation_interface, version, 1);
#endif
#ifdef LG_WL_HAVE_XDG_ACTIVATION_V1
  else if (strcmp(iface, xdg_activation_v1_interface.name) == 0)
    w->activation = bind(w, name, &xdg_activation_v1_interface, version, 1);
#endif
}

static void registry_remove(void *data, struct wl_registry *reg, uint32_t name)
{
  struct wl_ds *w = data;
  struct wlds_output *o, *tmp;
  wl_list_for_each_safe(o, tmp, &w->outputs, link)
  {
    if (o->name != name)
      continue;
    wl_list_remove(&o->link);
    wl_output_destroy(o->output);
    free(o);
    wlds_window_update_scale(w);
    return;
  }
}

static const struct wl_registry_listener registry_listener = {
    .global = registry_global,
    .global_remove = registry_remove,
};

/* ---- lifecycle ----------------------------------------------------------------------- */

static bool wl_probe(void)
{
  struct wl_display *d = wl_display_connect(NULL);
  if (!d)
    return false;
  wl_display_disconnect(d);
  return true;
}

static void wl_destroy(struct lg_ds *ds);
static bool wl_pump(struct lg_ds *ds, uint32_t timeout_ms);

static void log_globals(const struct wl_ds *w)
{
  LG_INFO("wayland: decoration %s, relative-pointer %s, pointer-constraints %s, "
          "shortcuts-inhibit %s, idle-inhibit %s, viewporter %s, fractional-scale %s, "
          "presentation %s, activation %s",
          w->deco_mgr ? "yes" : "no", w->rel_mgr ? "yes" : "no", w->constraints ? "yes" : "no",
          w->ksi_mgr ? "yes" : "no", w->idle_mgr ? "yes" : "no", w->viewporter ? "yes" : "no",
          w->frac_mgr ? "yes" : "no", w->presentation ? "yes" : "no", w->activation ? "yes" : "no");
}

/* Uses an activation token handed over by the launcher, if any. */
static void activate_from_env(struct wl_ds *w)
{
#ifdef LG_WL_HAVE_XDG_ACTIVATION_V1
  const char *token = getenv("XDG_ACTIVATION_TOKEN");
  if (w->activation && token && *token) {
    xdg_activation_v1_activate(w->activation, token, w->surface);
    unsetenv("XDG_ACTIVATION_TOKEN");
  }
#else
  (void)w;
#endif
}

static uint64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static struct lg_ds *wl_create(const struct lg_ds_window_params *p,
                               const struct lg_ds_callbacks *cb)
{
  struct wl_ds *w = calloc(1, sizeof(*w));
  if (!w)
    return NULL;
  w->base.impl = &lg_ds_wayland_impl;
  if (cb)
    w->base.cb = *cb;
  wl_list_init(&w->outputs);
  w->scale = 1;
  w->width = p->width ? (int32_t)p->width : DEFAULT_W;
  w->height = p->height ? (int32_t)p->height : DEFAULT_H;
  w->resizable = p->resizable;
  if (p->keep_aspect) {
    w->aspect_w = p->aspect_w;
    w->aspect_h = p->aspect_h;
  }

  w->display = wl_display_connect(NULL);
  if (!w->display) {
    LG_ERROR("wayland: cannot connect to '%s'",
             getenv("WAYLAND_DISPLAY") ? getenv("WAYLAND_DISPLAY") : "wayland-0");
    free(w);
    return NULL;
  }
  w->registry = wl_display_get_registry(w->display);
  wl_registry_add_listener(w->registry, &registry_listener, w);
  /* first: the globals; second: what binding them sent (seat caps, output scale) */
  if (wl_display_roundtrip(w->display) < 0 || wl_display_roundtrip(w->display) < 0) {
    LG_ERROR("wayland: roundtrip failed");
    wl_destroy(&w->base);
    return NULL;
  }
  if (!w->compositor || !w->wm_base) {
    LG_ERROR("wayland: the compositor lacks %s", w->compositor ? "xdg_wm_base" : "wl_compositor");
    wl_destroy(&w->base);
    return NULL;
  }
  log_globals(w);
  wlds_clip_init(w);
  /* until the surface enters an output, guess the largest output scale (it is usually the
   * only one); create's size is in pixels like set_size's */
  struct wlds_output *o;
  wl_list_for_each(o, &w->outputs, link)
  {
    if (o->scale > w->scale)
      w->scale = o->scale;
  }
  w->width = (w->width + w->scale - 1) / w->scale;
  w->height = (w->height + w->scale - 1) / w->scale;
  w->float_w = w->width;
  w->float_h = w->height;

  wlds_window_create(w, p);

  const uint64_t deadline = now_ms() + CONFIGURE_TIMEOUT_MS;
  while (!w->configured) {
    uint64_t t = now_ms();
    if (t >= deadline || !wl_pump(&w->base, (uint32_t)(deadline - t))) {
      LG_ERROR("wayland: the compositor did not configure the window");
      wl_destroy(&w->base);
      return NULL;
    }
  }
  w->egl_window = wl_egl_window_create(w->surface, (int)w->buf_w, (int)w->buf_h);
  if (!w->egl_window) {
    LG_ERROR("wayland: wl_egl_window_create failed");
    wl_destroy(&w->base);
    return NULL;
  }
  activate_from_env(w);
  wl_display_flush(w->display);
  LG_INFO("wayland: window %ux%u (logical %dx%d)%s", w->buf_w, w->buf_h, w->width, w->height,
          w->fullscreen ? " fullscreen" : "");
  if (w->base.cb.resize)
    w->base.cb.resize(w->base.cb.opaque, w->buf_w, w->buf_h);
  return &w->base;
}

static void wl_destroy(struct lg_ds *ds)
{
  if (!ds)
    return;
  struct wl_ds *w = to_wl(ds);
  wlds_clip_destroy(w);
  wlds_input_destroy(w);
  if (w->egl_window)
    wl_egl_window_destroy(w->egl_window);
#ifdef LG_WL_HAVE_IDLE_INHIBIT_UNSTABLE_V1
  if (w->idle_inhibitor)
    zwp_idle_inhibitor_v1_destroy(w->idle_inhibitor);
  if (w->idle_mgr)
    zwp_idle_inhibit_manager_v1_destroy(w->idle_mgr);
#endif
#ifdef LG_WL_HAVE_XDG_DECORATION_UNSTABLE_V1
  if (w->decoration)
    zxdg_toplevel_decoration_v1_destroy(w->decoration);
  if (w->deco_mgr)
    zxdg_decoration_manager_v1_destroy(w->deco_mgr);
#endif
  if (w->toplevel)
    xdg_toplevel_destroy(w->toplevel);
  if (w->xdg_surface)
    xdg_surface_destroy(w->xdg_surface);
#ifdef LG_WL_HAVE_FRACTIONAL_SCALE_V1
  if (w->frac)
    wp_fractional_scale_v1_destroy(w->frac);
  if (w->frac_mgr)
    wp_fractional_scale_manager_v1_destroy(w->frac_mgr);
#endif
#ifdef LG_WL_HAVE_VIEWPORTER
  if (w->viewport)
    wp_viewport_destroy(w->viewport);
  if (w->viewporter)
    wp_viewporter_destroy(w->viewporter);
#endif
  if (w->surface)
    wl_surface_destroy(w->surface);
#ifdef LG_WL_HAVE_RELATIVE_POINTER_UNSTABLE_V1
  if (w->rel_mgr)
    zwp_relative_pointer_manager_v1_destroy(w->rel_mgr);
#endif
#ifdef LG_WL_HAVE_POINTER_CONSTRAINTS_UNSTABLE_V1
  if (w->constraints)
    zwp_pointer_constraints_v1_destroy(w->constraints);
#endif
#ifdef LG_WL_HAVE_KEYBOARD_SHORTCUTS_INHIBIT_UNSTABLE_V1
  if (w->ksi_mgr)
    zwp_keyboard_shortcuts_inhibit_manager_v1_destroy(w->ksi_mgr);
#endif
#ifdef LG_WL_HAVE_PRESENTATION_TIME
  if (w->presentation)
    wp_presentation_destroy(w->presentation);
#endif
#ifdef LG_WL_HAVE_XDG_ACTIVATION_V1
  if (w->activation)
    xdg_activation_v1_destroy(w->activation);
#endif
  struct wlds_output *o, *tmp;
  wl_list_for_each_safe(o, tmp, &w->outputs, link)
  {
    wl_output_destroy(o->output);
    free(o);
  }
  if (w->wm_base)
    xdg_wm_base_destroy(w->wm_base);
  if (w->shm)
    wl_shm_destroy(w->shm);
  if (w->compositor)
    wl_compositor_destroy(w->compositor);
  if (w->registry)
    wl_registry_destroy(w->registry);
  if (w->display) {
    wl_display_flush(w->display);
    wl_display_disconnect(w->display);
  }
  free(w);
}

static bool wl_egl_target(struct lg_ds *ds, struct lg_ds_egl_target *out)
{
  struct wl_ds *w = to_wl(ds);
  if (!w->egl_window)
    return false;
  out->platform = LG_DS_EGL_WAYLAND;
  out->native_display = w->display;
  out->native_window = w->egl_window;
  return true;
}

/* ---- event pump ---------------------------------------------------------------------- */

static bool wl_pump(struct lg_ds *ds, uint32_t timeout_ms)
{
  struct wl_ds *w = to_wl(ds);
  struct wl_display *d = w->display;
  while (wl_display_prepare_read(d) != 0)
    if (wl_display_dispatch_pending(d) < 0)
      goto broken;
  if (wl_display_flush(d) < 0 && errno != EAGAIN) {
    wl_display_cancel_read(d);
    goto broken;
  }
  struct pollfd pfd = {.fd = wl_display_get_fd(d), .events = POLLIN};
  int r = poll(&pfd, 1, timeout_ms > INT32_MAX ? -1 : (int)timeout_ms);
  if (r > 0 && (pfd.revents & POLLIN)) {
    if (wl_display_read_events(d) < 0)
      goto broken;
  } else {
    wl_display_cancel_read(d);
    if (r > 0 && (pfd.revents & (POLLHUP | POLLERR)))
      goto broken;
  }
  if (wl_display_dispatch_pending(d) < 0)
    goto broken;
  wl_display_flush(d);
  return true;

broken:
  LG_ERROR("wayland: the connection to the compositor broke (%s)",
           strerror(wl_display_get_error(d) ? wl_display_get_error(d) : errno));
  return false;
}

/* ---- window controls ------------------------------------------------------------------ */

static void wl_get_size(struct lg_ds *ds, uint32_t *width, uint32_t *height)
{
  *width = to_wl(ds)->buf_w;
  *height = to_wl(ds)->buf_h;
}

static void wl_set_size(struct lg_ds *ds, uint32_t width, uint32_t height)
{
  wlds_window_set_size(to_wl(ds), width, height);
}

static void wl_set_fullscreen(struct lg_ds *ds, bool fullscreen)
{
  wlds_window_set_fullscreen(to_wl(ds), fullscreen);
}

static bool wl_get_fullscreen(struct lg_ds *ds) { return to_wl(ds)->fullscreen; }

static void wl_set_aspect(struct lg_ds *ds, uint32_t aspect_w, uint32_t aspect_h)
{
  wlds_window_set_aspect(to_wl(ds), aspect_w, aspect_h);
}

static bool wl_grab_pointer(struct lg_ds *ds, bool grab, bool confine)
{
  return wlds_input_grab_pointer(to_wl(ds), grab, confine);
}

static bool wl_grab_keyboard(struct lg_ds *ds, bool grab)
{
  return wlds_input_grab_keyboard(to_wl(ds), grab);
}

static bool wl_set_raw_motion(struct lg_ds *ds, bool enable)
{
  return wlds_input_set_raw_motion(to_wl(ds), enable);
}

static void wl_warp_pointer(struct lg_ds *ds, int32_t x, int32_t y)
{
  wlds_input_warp(to_wl(ds), x, y);
}

static void wl_set_cursor_visible(struct lg_ds *ds, bool visible)
{
  wlds_input_set_cursor_visible(to_wl(ds), visible);
}

static void wl_inhibit_screensaver(struct lg_ds *ds, bool inhibit)
{
  wlds_window_inhibit_idle(to_wl(ds), inhibit);
}

static bool wl_clipboard_set_text(struct lg_ds *ds, const char *text, size_t len)
{
  return wlds_clip_set_text(to_wl(ds), text, len);
}

static bool wl_clipboard_get_text(struct lg_ds *ds, char *buf, size_t size)
{
  return wlds_clip_get_text(to_wl(ds), buf, size, 200);
}

const struct lg_ds_impl lg_ds_wayland_impl = {
    .name = "wayland",
    .description = "Wayland (xdg-shell, relative-pointer, pointer-constraints, xkbcommon)",
    .probe = wl_probe,
    .create = wl_create,
    .destroy = wl_destroy,
    .egl_target = wl_egl_target,
    .pump = wl_pump,
    .get_size = wl_get_size,
    .set_size = wl_set_size,
    .set_fullscreen = wl_set_fullscreen,
    .get_fullscreen = wl_get_fullscreen,
    .set_aspect = wl_set_aspect,
    .grab_pointer = wl_grab_pointer,
    .grab_keyboard = wl_grab_keyboard,
    .set_raw_motion = wl_set_raw_motion,
    .warp_pointer = wl_warp_pointer,
    .set_cursor_visible = wl_set_cursor_visible,
    .inhibit_screensaver = wl_inhibit_screensaver,
    .clipboard_set_text = wl_clipboard_set_text,
    .clipboard_get_text = wl_clipboard_get_text,
};