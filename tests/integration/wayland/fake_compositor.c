/* A small fake compositor for the wayland display-server input tests; see fake_compositor.h.
 * One client at a time is expected (plus probe connections that come and go). All protocol
 * work happens on the compositor thread; the test thread talks to it through a pipe
 * (commands) and a mutex (recorded state). This file: surfaces, xdg-shell, the output,
 * commands and the lifecycle; the seat and the extensions are in fake_seat_ext.c. */
#include "fake_priv.h"

#include "relative-pointer-unstable-v1-server-protocol.h"
#include "xdg-shell-server-protocol.h"
#ifdef FAKE_HAVE_FRACTIONAL
#include "fractional-scale-v1-server-protocol.h"
#endif

#include <xkbcommon/xkbcommon.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define OUT_W 1280
#define OUT_H 800

struct cmd_msg {
  enum fake_cmd cmd;
  int32_t a, b;
};

/* ---- surfaces and regions -------------------------------------------------------------- */

static void region_rect(struct wl_client *c, struct wl_resource *r, int32_t x, int32_t y, int32_t w,
                        int32_t h)
{
}

static const struct wl_region_interface region_impl = {
    .destroy = destroy_request, .add = region_rect, .subtract = region_rect};

static void surf_attach(struct wl_client *c, struct wl_resource *r, struct wl_resource *buffer,
                        int32_t x, int32_t y)
{
}

static void surf_rect(struct wl_client *c, struct wl_resource *r, int32_t x, int32_t y, int32_t w,
                      int32_t h)
{
}

static void surf_frame(struct wl_client *c, struct wl_resource *r, uint32_t id)
{
  struct wl_resource *cb = wl_resource_create(c, &wl_callback_interface, 1, id);
  if (!cb) {
    wl_client_post_no_memory(c);
    return;
  }
  /* no repaint here: the frame is "presented" at once */
  wl_callback_send_done(cb, 0);
  wl_resource_destroy(cb);
}

static void surf_region(struct wl_client *c, struct wl_resource *r, struct wl_resource *region) {}

static void send_configure(struct fake_comp *fc, int32_t w, int32_t h, bool fullscreen)
{
  struct wl_array states;
  wl_array_init(&states);
  if (fullscreen) {
    uint32_t *s = wl_array_add(&states, sizeof(uint32_t));
    if (s)
      *s = XDG_TOPLEVEL_STATE_FULLSCREEN;
  }
  xdg_toplevel_send_configure(fc->toplevel, w, h, &states);
  wl_array_release(&states);
  xdg_surface_send_configure(fc->xdg_surf, next_serial(fc));
}

static void surf_commit(struct wl_client *c, struct wl_resource *r)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  if (r == fc->window && fc->toplevel && !fc->configured) {
    fc->configured = true;
    send_configure(fc, 0, 0, false);
    if (fc->output)
      wl_surface_send_enter(r, fc->output);
  }
}

static void surf_transform(struct wl_client *c, struct wl_resource *r, int32_t t) {}

static void surf_scale(struct wl_client *c, struct wl_resource *r, int32_t scale)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  if (r != fc->window)
    return;
  lock_state(fc);
  fc->st.buffer_scale = scale;
  unlock_state(fc);
}

static const struct wl_surface_interface surface_impl = {
    .destroy = destroy_request,
    .attach = surf_attach,
    .damage = surf_rect,
    .frame = surf_frame,
    .set_opaque_region = surf_region,
    .set_input_region = surf_region,
    .commit = surf_commit,
    .set_buffer_transform = surf_transform,
    .set_buffer_scale = surf_scale,
    .damage_buffer = surf_rect,
};

static void surface_gone(struct wl_resource *r)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  if (fc->window == r)
    fc->window = NULL;
}

static void comp_create_surface(struct wl_client *c, struct wl_resource *r, uint32_t id)
{
  struct wl_resource *s =
      wl_resource_create(c, &wl_surface_interface, wl_resource_get_version(r), id);
  if (!s) {
    wl_client_post_no_memory(c);
    return;
  }
  wl_resource_set_implementation(s, &surface_impl, wl_resource_get_user_data(r), surface_gone);
}

static void comp_create_region(struct wl_client *c, struct wl_resource *r, uint32_t id)
{
  struct wl_resource *s = wl_resource_create(c, &wl_region_interface, 1, id);
  if (!s) {
    wl_client_post_no_memory(c);
    return;
  }
  wl_resource_set_implementation(s, &region_impl, NULL, NULL);
}

static const struct wl_compositor_interface compositor_impl = {
    .create_surface = comp_create_surface, .create_region = comp_create_region};

/* ---- xdg-shell ------------------------------------------------------------------------- */

static void copy_str(struct fake_comp *fc, char *dst, size_t size, const char *src)
{
  lock_state(fc);
  snprintf(dst, size, "%s", src);
  unlock_state(fc);
}

static void tl_set_parent(struct wl_client *c, struct wl_resource *r, struct wl_resource *p) {}

static void tl_set_title(struct wl_client *c, struct wl_resource *r, const char *t)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  copy_str(fc, fc->st.title, sizeof(fc->st.title), t);
}

static void tl_set_app_id(struct wl_client *c, struct wl_resource *r, const char *t)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  copy_str(fc, fc->st.app_id, sizeof(fc->st.app_id), t);
}

static void tl_size(struct wl_client *c, struct wl_resource *r, int32_t w, int32_t h) {}
static void tl_plain(struct wl_client *c, struct wl_resource *r) {}

static void tl_set_fullscreen(struct wl_client *c, struct wl_resource *r, struct wl_resource *o)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  lock_state(fc);
  fc->st.fullscreen_req = true;
  unlock_state(fc);
}

static void tl_unset_fullscreen(struct wl_client *c, struct wl_resource *r)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  lock_state(fc);
  fc->st.fullscreen_req = false;
  unlock_state(fc);
}

static const struct xdg_toplevel_interface toplevel_impl = {
    .destroy = destroy_request,
    .set_parent = tl_set_parent,
    .set_title = tl_set_title,
    .set_app_id = tl_set_app_id,
    .set_max_size = tl_size,
    .set_min_size = tl_size,
    .set_maximized = tl_plain,
    .unset_maximized = tl_plain,
    .set_fullscreen = tl_set_fullscreen,
    .unset_fullscreen = tl_unset_fullscreen,
    .set_minimized = tl_plain,
};

static void toplevel_gone(struct wl_resource *r)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  if (fc->toplevel == r)
    fc->toplevel = NULL;
}

static void xs_get_toplevel(struct wl_client *c, struct wl_resource *r, uint32_t id)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  struct wl_resource *t =
      wl_resource_create(c, &xdg_toplevel_interface, wl_resource_get_version(r), id);
  if (!t) {
    wl_client_post_no_memory(c);
    return;
  }
  wl_resource_set_implementation(t, &toplevel_impl, fc, toplevel_gone);
  fc->toplevel = t;
  fc->configured = false;
}

static void xs_geometry(struct wl_client *c, struct wl_resource *r, int32_t x, int32_t y, int32_t w,
                        int32_t h)
{
}

static void xs_ack(struct wl_client *c, struct wl_resource *r, uint32_t serial)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  lock_state(fc);
  fc->st.acks++;
  unlock_state(fc);
}

static const struct xdg_surface_interface xdg_surface_impl = {
    .destroy = destroy_request,
    .get_toplevel = xs_get_toplevel,
    .set_window_geometry = xs_geometry,
    .ack_configure = xs_ack,
};

static void xdg_surface_gone(struct wl_resource *r)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  if (fc->xdg_surf == r)
    fc->xdg_surf = NULL;
}

static void wm_get_xdg_surface(struct wl_client *c, struct wl_resource *r, uint32_t id,
                               struct wl_resource *surface)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  struct wl_resource *x =
      wl_resource_create(c, &xdg_surface_interface, wl_resource_get_version(r), id);
  if (!x) {
    wl_client_post_no_memory(c);
    return;
  }
  wl_resource_set_implementation(x, &xdg_surface_impl, fc, xdg_surface_gone);
  fc->xdg_surf = x;
  fc->window = surface;
}

static void wm_pong(struct wl_client *c, struct wl_resource *r, uint32_t serial) {}

static const struct xdg_wm_base_interface wm_base_impl = {
    .destroy = destroy_request, .get_xdg_surface = wm_get_xdg_surface, .pong = wm_pong};
/* ---- globals --------------------------------------------------------------------------- */

static void output_gone(struct wl_resource *r)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  if (fc->output == r)
    fc->output = NULL;
}

BINDER(bind_compositor, &wl_compositor_interface, &compositor_impl)
BINDER(bind_wm_base, &xdg_wm_base_interface, &wm_base_impl)

static void bind_output(struct wl_client *c, void *data, uint32_t version, uint32_t id)
{
  struct fake_comp *fc = data;
  struct wl_resource *r = wl_resource_create(c, &wl_output_interface, (int)version, id);
  if (!r) {
    wl_client_post_no_memory(c);
    return;
  }
  wl_resource_set_implementation(r, NULL, fc, output_gone);
  fc->output = r;
  wl_output_send_geometry(r, 0, 0, 300, 200, WL_OUTPUT_SUBPIXEL_UNKNOWN, "lg", "fake",
                          WL_OUTPUT_TRANSFORM_NORMAL);
  wl_output_send_mode(r, WL_OUTPUT_MODE_CURRENT, OUT_W, OUT_H, 60000);
  if (version >= 2) {
    wl_output_send_scale(r, fc->scale);
    wl_output_send_done(r);
  }
}

/* ---- commands ------------------------------------------------------------------------- */

static uint32_t now_ms32(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

static void run_cmd(struct fake_comp *fc, const struct cmd_msg *m)
{
  struct wl_resource *p = fc->pointer, *k = fc->keyboard;
  const uint32_t t = now_ms32();
  switch (m->cmd) {
  case FAKE_KB_ENTER:
    if (k && fc->window) {
      struct wl_array keys;
      wl_array_init(&keys);
      wl_keyboard_send_enter(k, next_serial(fc), fc->window, &keys);
      wl_keyboard_send_modifiers(k, next_serial(fc), 0, 0, 0, 0);
      wl_array_release(&keys);
    }
    break;
  case FAKE_KB_LEAVE:
    if (k && fc->window)
      wl_keyboard_send_leave(k, next_serial(fc), fc->window);
    break;
  case FAKE_KEY:
    if (k)
      wl_keyboard_send_key(k, next_serial(fc), t, (uint32_t)m->a,
                           m->b ? WL_KEYBOARD_KEY_STATE_PRESSED : WL_KEYBOARD_KEY_STATE_RELEASED);
    break;
  case FAKE_PTR_ENTER:
    if (p && fc->window) {
      wl_pointer_send_enter(p, next_serial(fc), fc->window, m->a, m->b);
      wl_pointer_send_frame(p);
    }
    break;
  case FAKE_PTR_MOTION:
    if (p) {
      wl_pointer_send_motion(p, t, m->a, m->b);
      wl_pointer_send_frame(p);
    }
    break;
  case FAKE_PTR_LEAVE:
    if (p && fc->window) {
      wl_pointer_send_leave(p, next_serial(fc), fc->window);
      wl_pointer_send_frame(p);
    }
    break;
  case FAKE_BUTTON:
    if (p) {
      wl_pointer_send_button(p, next_serial(fc), t, (uint32_t)m->a,
                             m->b ? WL_POINTER_BUTTON_STATE_PRESSED
                                  : WL_POINTER_BUTTON_STATE_RELEASED);
      wl_pointer_send_frame(p);
    }
    break;
  case FAKE_AXIS_DISCRETE:
    if (p) {
      wl_pointer_send_axis_source(p, WL_POINTER_AXIS_SOURCE_WHEEL);
      wl_pointer_send_axis_discrete(p, WL_POINTER_AXIS_VERTICAL_SCROLL, m->a);
      wl_pointer_send_axis(p, t, WL_POINTER_AXIS_VERTICAL_SCROLL, wl_fixed_from_int(m->a * 10));
      wl_pointer_send_frame(p);
    }
    break;
  case FAKE_AXIS_SMOOTH:
    if (p) {
      wl_pointer_send_axis_source(p, WL_POINTER_AXIS_SOURCE_FINGER);
      wl_pointer_send_axis(p, t, WL_POINTER_AXIS_VERTICAL_SCROLL, m->a);
      wl_pointer_send_frame(p);
    }
    break;
  case FAKE_REL_MOTION:
    if (fc->relative)
      zwp_relative_pointer_v1_send_relative_motion(fc->relative, 0, t * 1000u, m->a * 2, m->b * 2,
                                                   m->a, m->b);
    break;
  case FAKE_CLOSE:
    if (fc->toplevel)
      xdg_toplevel_send_close(fc->toplevel);
    break;
  case FAKE_CONFIGURE:
    if (fc->toplevel && fc->xdg_surf)
      send_configure(fc, m->a, m->b, true);
    break;
  case FAKE_FRACTIONAL:
#ifdef FAKE_HAVE_FRACTIONAL
    if (fc->fractional)
      wp_fractional_scale_v1_send_preferred_scale(fc->fractional, (uint32_t)m->a);
#endif
    break;
  }
}

static int on_cmd(int fd, uint32_t mask, void *data)
{
  struct fake_comp *fc = data;
  struct cmd_msg m;
  ssize_t n = read(fd, &m, sizeof(m));
  if (n == (ssize_t)sizeof(m)) {
    run_cmd(fc, &m);
    wl_display_flush_clients(fc->display);
  }
  pthread_mutex_lock(&fc->lock);
  fc->cmds_done++;
  pthread_cond_broadcast(&fc->cond);
  pthread_mutex_unlock(&fc->lock);
  return 0;
}

static void *thread_main(void *arg)
{
  struct fake_comp *fc = arg;
  wl_display_run(fc->display);
  return NULL;
}

static bool make_keymap(struct fake_comp *fc)
{
  struct xkb_context *ctx = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
  if (!ctx)
    return false;
  struct xkb_rule_names names = {.rules = "evdev", .model = "pc105", .layout = "us"};
  struct xkb_keymap *km = xkb_keymap_new_from_names(ctx, &names, XKB_KEYMAP_COMPILE_NO_FLAGS);
  if (km) {
    char *s = xkb_keymap_get_as_string(km, XKB_KEYMAP_FORMAT_TEXT_V1);
    if (s) {
      fc->keymap = s;
      fc->keymap_size = strlen(s) + 1;
    }
    xkb_keymap_unref(km);
  }
  xkb_context_unref(ctx);
  return fc->keymap != NULL;
}

struct fake_comp *fake_comp_start(int32_t output_scale)
{
  struct fake_comp *fc = calloc(1, sizeof(*fc));
  if (!fc)
    return NULL;
  fc->cmd_pipe[0] = fc->cmd_pipe[1] = -1;
  fc->scale = output_scale;
  pthread_mutex_init(&fc->lock, NULL);
  pthread_cond_init(&fc->cond, NULL);
  snprintf(fc->rundir, sizeof(fc->rundir), "/tmp/lg-fakewl-%d-XXXXXX", (int)getpid());
  if (!mkdtemp(fc->rundir)) {
    fc->rundir[0] = 0;
    goto fail;
  }
  setenv("XDG_RUNTIME_DIR", fc->rundir, 1);
  if (!make_keymap(fc)) {
    fprintf(stderr, "fake compositor: no xkb keymap (xkb-data installed?)\n");
    goto fail;
  }
  fc->display = wl_display_create();
  if (!fc->display)
    goto fail;
  const char *sock = wl_display_add_socket_auto(fc->display);
  if (!sock)
    goto fail;
  setenv("WAYLAND_DISPLAY", sock, 1);
  wl_display_init_shm(fc->display);
  if (!wl_global_create(fc->display, &wl_compositor_interface, 4, fc, bind_compositor) ||
      !wl_global_create(fc->display, &xdg_wm_base_interface, 3, fc, bind_wm_base) ||
      !fake_add_seat_global(fc) ||
      !wl_global_create(fc->display, &wl_output_interface, 2, fc, bind_output) ||
      !fake_add_ext_globals(fc) || !fake_add_data_device_global(fc))
    goto fail;
  if (pipe(fc->cmd_pipe) < 0)
    goto fail;
  fc->cmd_source = wl_event_loop_add_fd(wl_display_get_event_loop(fc->display), fc->cmd_pipe[0],
                                        WL_EVENT_READABLE, on_cmd, fc);
  if (!fc->cmd_source)
    goto fail;
  if (pthread_create(&fc->thread, NULL, thread_main, fc) != 0)
    goto fail;
  fc->thread_started = true;
  return fc;

fail:
  fake_comp_stop(fc);
  return NULL;
}

void fake_comp_cmd(struct fake_comp *fc, enum fake_cmd cmd, int32_t a, int32_t b)
{
  struct cmd_msg m = {.cmd = cmd, .a = a, .b = b};
  pthread_mutex_lock(&fc->lock);
  uint64_t want = ++fc->cmds_sent;
  pthread_mutex_unlock(&fc->lock);
  if (write(fc->cmd_pipe[1], &m, sizeof(m)) != (ssize_t)sizeof(m))
    return;
  pthread_mutex_lock(&fc->lock);
  while (fc->cmds_done < want)
    pthread_cond_wait(&fc->cond, &fc->lock);
  pthread_mutex_unlock(&fc->lock);
}

void fake_comp_state(struct fake_comp *fc, struct fake_state *out)
{
  lock_state(fc);
  *out = fc->st;
  unlock_state(fc);
}

void fake_comp_stop(struct fake_comp *fc)
{
  if (!fc)
    return;
  if (fc->thread_started) {
    wl_display_terminate(fc->display);
    pthread_join(fc->thread, NULL);
  }
  if (fc->cmd_source)
    wl_event_source_remove(fc->cmd_source);
  if (fc->display) {
    wl_display_destroy_clients(fc->display);
    wl_display_destroy(fc->display);
  }
  if (fc->cmd_pipe[0] >= 0)
    close(fc->cmd_pipe[0]);
  if (fc->cmd_pipe[1] >= 0)
    close(fc->cmd_pipe[1]);
  free(fc->keymap);
  if (fc->rundir[0])
    rmdir(fc->rundir); /* the socket and its lock went with wl_display_destroy */
  pthread_cond_destroy(&fc->cond);
  pthread_mutex_destroy(&fc->lock);
  free(fc);
}
