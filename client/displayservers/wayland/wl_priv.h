/* Private state of the Wayland display server, shared by wayland.c (connection, globals,
 * outputs, lifecycle, pump), wl_window.c (toplevel, configure, scale, fullscreen) and
 * wl_input.c (seat, pointer, keyboard, grabs, cursor).
 * Everything here runs on the UI thread. */
#ifndef LG_WL_PRIV_H
#define LG_WL_PRIV_H

#include "displayserver.h"

#include <wayland-client.h>
#include <xkbcommon/xkbcommon.h>

/* generated at build time; LG_WL_HAVE_<NAME> says which the installed protocols had */
#include "xdg-shell-client-protocol.h"
#ifdef LG_WL_HAVE_XDG_DECORATION_UNSTABLE_V1
#include "xdg-decoration-unstable-v1-client-protocol.h"
#endif
#ifdef LG_WL_HAVE_RELATIVE_POINTER_UNSTABLE_V1
#include "relative-pointer-unstable-v1-client-protocol.h"
#endif
#ifdef LG_WL_HAVE_POINTER_CONSTRAINTS_UNSTABLE_V1
#include "pointer-constraints-unstable-v1-client-protocol.h"
#endif
#ifdef LG_WL_HAVE_KEYBOARD_SHORTCUTS_INHIBIT_UNSTABLE_V1
#include "keyboard-shortcuts-inhibit-unstable-v1-client-protocol.h"
#endif
#ifdef LG_WL_HAVE_IDLE_INHIBIT_UNSTABLE_V1
#include "idle-inhibit-unstable-v1-client-protocol.h"
#endif
#ifdef LG_WL_HAVE_VIEWPORTER
#include "viewporter-client-protocol.h"
#endif
#ifdef LG_WL_HAVE_FRACTIONAL_SCALE_V1
#include "fractional-scale-v1-client-protocol.h"
#endif
#ifdef LG_WL_HAVE_PRESENTATION_TIME
#include "presentation-time-client-protocol.h"
#endif
#ifdef LG_WL_HAVE_XDG_ACTIVATION_V1
#include "xdg-activation-v1-client-protocol.h"
#endif

#include <stdbool.h>
#include <stdint.h>

/* One wl_output, kept for its integer scale and whether our surface is on it. */
struct wlds_output {
  struct wl_list link;
  struct wl_output *output;
  uint32_t name;
  int32_t scale;
  bool entered;
};

/* Seat, pointer and keyboard state (wl_input.c). */
struct wlds_input {
  struct wl_seat *seat;
  uint32_t caps;
  struct wl_pointer *pointer;
  struct wl_keyboard *keyboard;
  uint32_t pointer_serial; /* serial of the last pointer enter (for set_cursor) */
  uint32_t last_serial;    /* serial of the last input event (for set_selection) */
  bool pointer_inside;
  struct xkb_context *xkb;
  struct xkb_keymap *keymap;
  struct xkb_state *xkb_state;
  /* scroll: discrete steps seen in the current frame, and the smooth remainder */
  int32_t discrete_steps;
  bool discrete_seen;
  double smooth_accum;
  /* relative motion and constraints */
  struct zwp_relative_pointer_v1 *relative;
  struct zwp_locked_pointer_v1 *locked;
  struct zwp_confined_pointer_v1 *confined;
  struct zwp_keyboard_shortcuts_inhibitor_v1 *kb_inhibit;
  bool raw_motion;   /* app wants raw_motion callbacks */
  bool grab_pointer; /* app wants the pointer grabbed */
  bool grab_confine; /* ... confined (else locked) */
  bool grab_keyboard;
  /* cursor: our own small arrow in a wl_shm buffer, or none when hidden */
  bool cursor_hidden;
  struct wl_surface *cursor_surface;
  struct wl_buffer *cursor_buffer;
};

struct wl_ds {
  struct lg_ds base; /* first: the generic part */
  struct wl_display *display;
  struct wl_registry *registry;
  struct wl_compositor *compositor;
  struct wl_shm *shm;
  struct xdg_wm_base *wm_base;
  struct zxdg_decoration_manager_v1 *deco_mgr;
  struct zwp_relative_pointer_manager_v1 *rel_mgr;
  struct zwp_pointer_constraints_v1 *constraints;
  struct zwp_keyboard_shortcuts_inhibit_manager_v1 *ksi_mgr;
  struct zwp_idle_inhibit_manager_v1 *idle_mgr;
  struct wp_viewporter *viewporter;
  struct wp_fractional_scale_manager_v1 *frac_mgr;
  struct wp_presentation *presentation;
  struct xdg_activation_v1 *activation;
  struct wl_list outputs; /* struct wlds_output */
  struct wl_data_device_manager *data_mgr;
  struct wlds_clip *clip; /* clipboard state (wl_clipboard.c) */

  struct wl_surface *surface;
  struct xdg_surface *xdg_surface;
  struct xdg_toplevel *toplevel;
  struct zxdg_toplevel_decoration_v1 *decoration;
  struct wp_viewport *viewport;
  struct wp_fractional_scale_v1 *frac;
  struct zwp_idle_inhibitor_v1 *idle_inhibitor;
  struct wl_egl_window *egl_window;

  /* window geometry: logical (surface) size, and the drawable size in pixels */
  int32_t width, height;
  int32_t float_w, float_h; /* last floating size, restored when leaving fullscreen */
  uint32_t buf_w, buf_h;
  int32_t scale;     /* integer buffer scale (max over the outputs we are on) */
  uint32_t scale120; /* preferred fractional scale * 120; 0 when none was sent */
  bool configured;
  bool fullscreen;
  bool maximized;
  bool resizable;
  uint32_t aspect_w, aspect_h;
  /* the toplevel configure being assembled (applied on xdg_surface.configure) */
  int32_t pend_w, pend_h;
  bool pend_fullscreen, pend_maximized, pend_tiled;

  struct wlds_input input;
};

/* Effective scale factor: fractional if the compositor sent one, else the integer one. */
double wlds_scale(const struct wl_ds *w);

/* Recomputes the integer scale from the outputs the surface is on; applies a change. */
void wlds_window_update_scale(struct wl_ds *w);

/* Creates the surface, viewport, fractional scale, xdg toplevel and decoration from p,
 * then commits; the first configure arrives through the event pump. */
void wlds_window_create(struct wl_ds *w, const struct lg_ds_window_params *p);

/* lg_ds_impl.set_size: a size in pixels, ignored while fullscreen or maximized. */
void wlds_window_set_size(struct wl_ds *w, uint32_t width, uint32_t height);

/* lg_ds_impl.set_fullscreen: asks the compositor; the state follows its configure. */
void wlds_window_set_fullscreen(struct wl_ds *w, bool fullscreen);

/* lg_ds_impl.set_aspect: the ratio floating configures are fitted to (0 for none). */
void wlds_window_set_aspect(struct wl_ds *w, uint32_t aspect_w, uint32_t aspect_h);

/* lg_ds_impl.inhibit_screensaver: an idle inhibitor on our surface, if supported. */
void wlds_window_inhibit_idle(struct wl_ds *w, bool inhibit);

/* Binds the seat global and starts listening to it. */
void wlds_input_bind_seat(struct wl_ds *w, uint32_t name, uint32_t version);

/* Frees the seat, its devices, constraints, inhibitors and the cursor. */
void wlds_input_destroy(struct wl_ds *w);

/* lg_ds_impl.grab_pointer: confine (confine) or lock (otherwise) the pointer. */
bool wlds_input_grab_pointer(struct wl_ds *w, bool grab, bool confine);

/* lg_ds_impl.grab_keyboard: keyboard-shortcuts-inhibit on our surface. */
bool wlds_input_grab_keyboard(struct wl_ds *w, bool grab);

/* lg_ds_impl.set_raw_motion: relative-pointer events on or off. */
bool wlds_input_set_raw_motion(struct wl_ds *w, bool enable);

/* lg_ds_impl.warp_pointer: a position hint while the pointer is locked (no warp otherwise). */
void wlds_input_warp(struct wl_ds *w, int32_t x, int32_t y);

/* lg_ds_impl.set_cursor_visible. */
void wlds_input_set_cursor_visible(struct wl_ds *w, bool visible);

/* Gets the seat's wl_data_device once data_mgr and the seat are bound (else no clipboard). */
void wlds_clip_init(struct wl_ds *w);

/* Frees the data device, our source, the offers and data_mgr. */
void wlds_clip_destroy(struct wl_ds *w);

/* lg_ds_impl.clipboard_set_text: a data source offering a copy of the text as selection. */
bool wlds_clip_set_text(struct wl_ds *w, const char *text, size_t len);

/* lg_ds_impl.clipboard_get_text: our text, or the selection offer's read within timeout_ms. */
bool wlds_clip_get_text(struct wl_ds *w, char *buf, size_t size, uint32_t timeout_ms);

#endif
