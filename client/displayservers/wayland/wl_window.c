/* Wayland display server, the window: the wl_surface with its xdg toplevel, decoration,
 * viewport and fractional scale; configure handling, integer / fractional scale and the
 * drawable size, fullscreen, size and aspect controls, and idle inhibit. The connection,
 * globals and event pump live in wayland.c, input in wl_input.c. */
#include "wl_priv.h"

#include "lg/log.h"

#include <wayland-egl.h>

#include <math.h>

#define MIN_SIZE 64

double wlds_scale(const struct wl_ds *w)
{
  if (w->scale120 && w->viewport)
    return w->scale120 / 120.0;
  return w->scale > 0 ? w->scale : 1;
}

/* ---- geometry ---------------------------------------------------------------------- */

/* Recomputes the drawable size from the logical size and scale; resizes the EGL window,
 * sets the buffer scale or viewport, and reports a change. */
static void apply_geometry(struct wl_ds *w)
{
  uint32_t bw, bh;
#ifdef LG_WL_HAVE_VIEWPORTER
  if (w->viewport && w->scale120) {
    bw = (uint32_t)lround(w->width * (double)w->scale120 / 120.0);
    bh = (uint32_t)lround(w->height * (double)w->scale120 / 120.0);
    wl_surface_set_buffer_scale(w->surface, 1);
    wp_viewport_set_destination(w->viewport, w->width, w->height);
  } else
#endif
  {
    bw = (uint32_t)(w->width * w->scale);
    bh = (uint32_t)(w->height * w->scale);
#ifdef LG_WL_HAVE_VIEWPORTER
    if (w->viewport)
      wp_viewport_set_destination(w->viewport, -1, -1);
#endif
    wl_surface_set_buffer_scale(w->surface, w->scale);
  }
  if (!bw)
    bw = 1;
  if (!bh)
    bh = 1;
  if (bw == w->buf_w && bh == w->buf_h)
    return;
  w->buf_w = bw;
  w->buf_h = bh;
  if (w->egl_window) {
    wl_egl_window_resize(w->egl_window, (int)bw, (int)bh, 0, 0);
    LG_INFO("wayland: drawable %ux%u (logical %dx%d, scale %.3f)", bw, bh, w->width, w->height,
            wlds_scale(w));
    if (w->base.cb.resize)
      w->base.cb.resize(w->base.cb.opaque, bw, bh);
  }
}

/* The integer scale is the largest of the outputs the surface is on (wl_compositor v4
 * has no preferred_buffer_scale). */
void wlds_window_update_scale(struct wl_ds *w)
{
  int32_t s = 0;
  struct wlds_output *o;
  wl_list_for_each(o, &w->outputs, link)
  {
    if (o->entered && o->scale > s)
      s = o->scale;
  }
  if (s <= 0)
    return; /* on no output (yet): keep the guess */
  if (s != w->scale) {
    w->scale = s;
    if (w->configured)
      apply_geometry(w);
  }
}

/* Shrinks (cw, ch) to the requested aspect ratio. */
static void fit_aspect(const struct wl_ds *w, int32_t *cw, int32_t *ch)
{
  if (!w->aspect_w || !w->aspect_h)
    return;
  int64_t want_h = (int64_t)*cw * w->aspect_h / w->aspect_w;
  if (want_h <= *ch)
    *ch = (int32_t)want_h;
  else
    *cw = (int32_t)((int64_t)*ch * w->aspect_w / w->aspect_h);
}

static void surface_enter(void *data, struct wl_surface *s, struct wl_output *o)
{
  struct wl_ds *w = data;
  struct wlds_output *out;
  wl_list_for_each(out, &w->outputs, link)
  {
    if (out->output == o)
      out->entered = true;
  }
  wlds_window_update_scale(w);
}

static void surface_leave(void *data, struct wl_surface *s, struct wl_output *o)
{
  struct wl_ds *w = data;
  struct wlds_output *out;
  wl_list_for_each(out, &w->outputs, link)
  {
    if (out->output == o)
      out->entered = false;
  }
  wlds_window_update_scale(w);
}

static const struct wl_surface_listener surface_listener = {
    .enter = surface_enter,
    .leave = surface_leave,
};

#ifdef LG_WL_HAVE_FRACTIONAL_SCALE_V1
static void frac_preferred(void *data, struct wp_fractional_scale_v1 *f, uint32_t scale120)
{
  struct wl_ds *w = data;
  if (scale120 == w->scale120)
    return;
  w->scale120 = scale120;
  LG_INFO("wayland: preferred fractional scale %.3f", scale120 / 120.0);
  if (w->configured)
    apply_geometry(w);
}

static const struct wp_fractional_scale_v1_listener frac_listener = {
    .preferred_scale = frac_preferred,
};
#endif

/* ---- xdg toplevel -------------------------------------------------------------------- */

static void toplevel_configure(void *data, struct xdg_toplevel *t, int32_t width, int32_t height,
                               struct wl_array *states)
{
  struct wl_ds *w = data;
  w->pend_w = width;
  w->pend_h = height;
  w->pend_fullscreen = w->pend_maximized = w->pend_tiled = false;
  const uint32_t *st;
  wl_array_for_each(st, states)
  {
    switch (*st) {
    case XDG_TOPLEVEL_STATE_FULLSCREEN:
      w->pend_fullscreen = true;
      break;
    case XDG_TOPLEVEL_STATE_MAXIMIZED:
      w->pend_maximized = true;
      break;
    case XDG_TOPLEVEL_STATE_TILED_LEFT:
    case XDG_TOPLEVEL_STATE_TILED_RIGHT:
    case XDG_TOPLEVEL_STATE_TILED_TOP:
    case XDG_TOPLEVEL_STATE_TILED_BOTTOM:
      w->pend_tiled = true;
      break;
    default:
      break;
    }
  }
}

static void toplevel_close(void *data, struct xdg_toplevel *t)
{
  struct wl_ds *w = data;
  if (w->base.cb.close)
    w->base.cb.close(w->base.cb.opaque);
}

static const struct xdg_toplevel_listener toplevel_listener = {
    .configure = toplevel_configure,
    .close = toplevel_close,
};

/* Applies the assembled configure: the compositor's size when it sets one (kept to the
 * aspect ratio when the window floats), else ours. */
static void xdg_surface_configure(void *data, struct xdg_surface *s, uint32_t serial)
{
  struct wl_ds *w = data;
  bool floating = !w->pend_fullscreen && !w->pend_maximized && !w->pend_tiled;
  bool was_floating = !w->fullscreen && !w->maximized;
  int32_t cw = w->pend_w > 0 ? w->pend_w : (floating && !was_floating ? w->float_w : w->width);
  int32_t ch = w->pend_h > 0 ? w->pend_h : (floating && !was_floating ? w->float_h : w->height);
  if (floating && !w->resizable && w->configured) {
    cw = w->float_w;
    ch = w->float_h;
  }
  if (floating)
    fit_aspect(w, &cw, &ch);
  if (cw < 1)
    cw = 1;
  if (ch < 1)
    ch = 1;
  xdg_surface_ack_configure(s, serial);
  w->width = cw;
  w->height = ch;
  if (floating) {
    w->float_w = cw;
    w->float_h = ch;
  }
  w->maximized = w->pend_maximized;
  bool first = !w->configured;
  w->configured = true;
  apply_geometry(w);
  if (first)
    LG_INFO("wayland: first configure %dx%d%s", cw, ch, w->pend_fullscreen ? " fullscreen" : "");
  if (w->pend_fullscreen != w->fullscreen) {
    w->fullscreen = w->pend_fullscreen;
    if (!first && w->base.cb.fullscreen)
      w->base.cb.fullscreen(w->base.cb.opaque, w->fullscreen);
  }
}

static const struct xdg_surface_listener xdg_surface_listener = {
    .configure = xdg_surface_configure,
};

#ifdef LG_WL_HAVE_XDG_DECORATION_UNSTABLE_V1
static void decoration_configure(void *data, struct zxdg_toplevel_decoration_v1 *d, uint32_t mode)
{
  LG_INFO("wayland: decorations drawn by the %s",
          mode == ZXDG_TOPLEVEL_DECORATION_V1_MODE_SERVER_SIDE ? "compositor" : "client (none)");
}

static const struct zxdg_toplevel_decoration_v1_listener decoration_listener = {
    .configure = decoration_configure,
};
#endif

static void set_size_limits(struct wl_ds *w)
{
  if (w->resizable) {
    xdg_toplevel_set_min_size(w->toplevel, MIN_SIZE, MIN_SIZE);
    xdg_toplevel_set_max_size(w->toplevel, 0, 0);
  } else {
    xdg_toplevel_set_min_size(w->toplevel, w->width, w->height);
    xdg_toplevel_set_max_size(w->toplevel, w->width, w->height);
  }
}

/* Gets the decoration object and asks for compositor decorations (none when borderless). */
static void setup_decoration(struct wl_ds *w, bool borderless)
{
#ifdef LG_WL_HAVE_XDG_DECORATION_UNSTABLE_V1
  if (!w->deco_mgr) {
    LG_INFO("wayland: no xdg-decoration, the window has no decorations");
    return;
  }
  w->decoration = zxdg_decoration_manager_v1_get_toplevel_decoration(w->deco_mgr, w->toplevel);
  zxdg_toplevel_decoration_v1_add_listener(w->decoration, &decoration_listener, w);
  zxdg_toplevel_decoration_v1_set_mode(w->decoration,
                                       borderless ? ZXDG_TOPLEVEL_DECORATION_V1_MODE_CLIENT_SIDE
                                                  : ZXDG_TOPLEVEL_DECORATION_V1_MODE_SERVER_SIDE);
#else
  (void)w;
  (void)borderless;
#endif
}

/* ---- creation and controls -------------------------------------------------------- */

void wlds_window_create(struct wl_ds *w, const struct lg_ds_window_params *p)
{
  w->surface = wl_compositor_create_surface(w->compositor);
  wl_surface_add_listener(w->surface, &surface_listener, w);
#ifdef LG_WL_HAVE_VIEWPORTER
  if (w->viewporter)
    w->viewport = wp_viewporter_get_viewport(w->viewporter, w->surface);
#endif
#ifdef LG_WL_HAVE_FRACTIONAL_SCALE_V1
  if (w->frac_mgr && w->viewport) {
    w->frac = wp_fractional_scale_manager_v1_get_fractional_scale(w->frac_mgr, w->surface);
    wp_fractional_scale_v1_add_listener(w->frac, &frac_listener, w);
  }
#endif
  w->xdg_surface = xdg_wm_base_get_xdg_surface(w->wm_base, w->surface);
  xdg_surface_add_listener(w->xdg_surface, &xdg_surface_listener, w);
  w->toplevel = xdg_surface_get_toplevel(w->xdg_surface);
  xdg_toplevel_add_listener(w->toplevel, &toplevel_listener, w);
  xdg_toplevel_set_title(w->toplevel, p->title ? p->title : "Looking Glass");
  xdg_toplevel_set_app_id(w->toplevel, p->app_id ? p->app_id : "looking-glass-client");
  set_size_limits(w);
  setup_decoration(w, p->borderless);
  if (p->maximize)
    xdg_toplevel_set_maximized(w->toplevel);
  if (p->fullscreen)
    xdg_toplevel_set_fullscreen(w->toplevel, NULL);
  if (p->position_set)
    LG_DEBUG("wayland: window position is chosen by the compositor");
  wl_surface_commit(w->surface);
}

void wlds_window_set_size(struct wl_ds *w, uint32_t width, uint32_t height)
{
  if (w->fullscreen || w->maximized) {
    LG_DEBUG("wayland: set_size ignored while fullscreen/maximized");
    return;
  }
  double s = wlds_scale(w);
  w->width = (int32_t)lround(width / s);
  w->height = (int32_t)lround(height / s);
  if (w->width < 1)
    w->width = 1;
  if (w->height < 1)
    w->height = 1;
  w->float_w = w->width;
  w->float_h = w->height;
  if (!w->resizable)
    set_size_limits(w);
  apply_geometry(w);
  wl_display_flush(w->display);
}

void wlds_window_set_fullscreen(struct wl_ds *w, bool fullscreen)
{
  if (fullscreen)
    xdg_toplevel_set_fullscreen(w->toplevel, NULL);
  else
    xdg_toplevel_unset_fullscreen(w->toplevel);
  wl_display_flush(w->display);
}

void wlds_window_set_aspect(struct wl_ds *w, uint32_t aspect_w, uint32_t aspect_h)
{
  /* xdg-shell has no aspect hint: configures of a floating window are fitted instead */
  w->aspect_w = aspect_w;
  w->aspect_h = aspect_h;
}

void wlds_window_inhibit_idle(struct wl_ds *w, bool inhibit)
{
#ifdef LG_WL_HAVE_IDLE_INHIBIT_UNSTABLE_V1
  if (!w->idle_mgr) {
    LG_DEBUG("wayland: no idle-inhibit, cannot inhibit the screensaver");
    return;
  }
  if (inhibit && !w->idle_inhibitor)
    w->idle_inhibitor = zwp_idle_inhibit_manager_v1_create_inhibitor(w->idle_mgr, w->surface);
  else if (!inhibit && w->idle_inhibitor) {
    zwp_idle_inhibitor_v1_destroy(w->idle_inhibitor);
    w->idle_inhibitor = NULL;
  }
  wl_display_flush(w->display);
#endif
}
