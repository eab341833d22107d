/* The client application and its UI loop; see app.h. */
#include "app.h"

#include "client_options.h"
#include "lg/log.h"

#ifndef LGC_HAVE_UI

int app_run(const struct lg_options *opts)
{
  (void)opts;
  LG_ERROR("this client was built without a display server, renderer or font library");
  return 1;
}

#else

#include "diag_live.h"
#include "dmabuf.h"
#include "displayserver.h"
#include "lg/thread.h"
#include "lg/time.h"
#include "overlay/widgets.h"
#include "region.h"
#include "renderer.h"
#include "session.h"
#include "spice_input.h"

#include <inttypes.h>
#include <linux/input-event-codes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REGION_RETRY_MS 1000u
#define IDLE_WAIT_MS 4u /* longest wait between event pumps when nothing happens */

struct app {
  const struct lg_options *opts;
  bool quit;
  int rc;

  struct region region;
  bool region_open;
  struct dmabuf_path dma; /* DMA-BUF import of frame slots (kvmfr devices), or why not */
  bool dma_setup;         /* dma holds a cache to free */
  char region_msg[REGION_MSG_MAX], region_remedy[REGION_MSG_MAX];
  uint64_t region_retry_ms;
  struct session *session;
  struct lg_event *wake;
  struct spice_input *spice;

  struct lg_ds *ds;
  struct lg_renderer *r;
  const struct lg_renderer_impl *ri;
  struct lg_font font;
  bool have_font;
  uint32_t win_w, win_h;

  struct lg_drawlist dl;
  bool overlay_dirty, force_render;

  struct session_info info;
  uint64_t info_seen;
  bool have_frame;
  struct session_format fmt;
  uint32_t user_rot; /* 0..3, quarter turns added to the frame's rotation */
  bool rotate_changed;
  bool screensaver_inhibited;

  int esc_key;
  bool esc_down, show_fps, show_diag, captured;
  struct overlay_alerts alerts;
  struct overlay_fps fps;
  struct diag_live *dlive; /* the diagnostics panel's worker */

  FILE *timing;           /* debug:timingLog, buffered; NULL = off */
  bool timing_pending;    /* a frame was uploaded since the last swap */
  uint32_t timing_serial; /* its serial */
};

/* Set by SIGINT/SIGTERM: the loop ends and the client exits 0. */
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

static void wake_cb(void *opaque)
{
  struct app *a = opaque;
  lg_event_signal(a->wake);
}

/* ---- display server callbacks ------------------------------------------------------- */

static void on_resize(void *opaque, uint32_t w, uint32_t h)
{
  struct app *a = opaque;
  a->win_w = w;
  a->win_h = h;
  if (a->r)
    a->ri->resize(a->r, w, h);
  a->overlay_dirty = true;
  a->force_render = true;
}

static void on_close(void *opaque)
{
  struct app *a = opaque;
  if (lg_option_get_bool(a->opts, "win", "ignoreQuit")) {
    LG_INFO("window close ignored (win:ignoreQuit)");
    return;
  }
  LG_INFO("window closed: exiting");
  a->quit = true;
}

static void set_capture(struct app *a, bool on)
{
  const struct lg_ds_impl *d = a->ds->impl;
  bool ok = d->grab_pointer(a->ds, on, true);
  if (lg_option_get_bool(a->opts, "input", "grabKeyboard"))
    d->grab_keyboard(a->ds, on);
  d->set_raw_motion(a->ds, on);
  if (lg_option_get_bool(a->opts, "input", "hideCursor"))
    d->set_cursor_visible(a->ds, !on);
  a->captured = on && ok;
  spice_input_set_capture(a->spice, a->captured);
  overlay_alerts_push(&a->alerts, a->captured ? "Input capture on" : "Input capture off",
                      lg_time_ms());
  a->overlay_dirty = true;
}

static void combo(struct app *a, uint32_t key)
{
  const struct lg_ds_impl *d = a->ds->impl;
  switch (key) {
  case KEY_Q:
    LG_INFO("quit requested (escape key + Q)");
    a->quit = true;
    break;
  case KEY_F:
    d->set_fullscreen(a->ds, !d->get_fullscreen(a->ds));
    break;
  case KEY_D:
    a->show_fps = !a->show_fps;
    break;
  case KEY_H:
    a->show_diag = !a->show_diag;
    break;
  case KEY_R:
    a->user_rot = (a->user_rot + 1) % 4;
    a->rotate_changed = true;
    overlay_alerts_push(&a->alerts,
                        a->user_rot == 0   ? "Rotation 0"
                        : a->user_rot == 1 ? "Rotation 90"
                        : a->user_rot == 2 ? "Rotation 180"
                                           : "Rotation 270",
                        lg_time_ms());
    break;
  case KEY_I:
    set_capture(a, !a->captured);
    break;
  default:
    return;
  }
  a->overlay_dirty = true;
}

static void on_key(void *opaque, uint32_t evdev, bool down)
{
  struct app *a = opaque;
  if ((int)evdev == a->esc_key) {
    if (a->esc_down != down)
      a->overlay_dirty = true;
    a->esc_down = down;
    return;
  }
  if (a->esc_down && down)
    combo(a, evdev);
  else
    spice_input_key(a->spice, evdev, down);
}

static void on_raw_motion(void *opaque, double dx, double dy)
{
  struct app *a = opaque;
  spice_input_raw_motion(a->spice, dx, dy);
}

static void on_button(void *opaque, enum lg_ds_button button, bool down)
{
  struct app *a = opaque;
  spice_input_button(a->spice, (int)button, down);
}

static void on_fullscreen(void *opaque, bool fs)
{
  struct app *a = opaque;
  LG_INFO("fullscreen %s", fs ? "on" : "off");
  a->force_render = true;
}

/* ---- overlay ------------------------------------------------------------------------ */

static void build_overlay(struct app *a)
{
  struct lg_drawlist *dl = &a->dl;
  const struct lg_font *f = a->have_font ? &a->font : NULL;
  lg_drawlist_clear(dl);
  if (!a->region_open) {
    overlay_draw_status(dl, f, a->win_w, a->win_h, "Cannot use the shared memory", a->region_msg,
                        a->region_remedy);
  } else if (a->info.state != SESSION_RUNNING) {
    overlay_draw_status(dl, f, a->win_w, a->win_h,
                        a->info.state == SESSION_INCOMPATIBLE ? "Incompatible host"
                                                              : "Waiting for the host...",
                        a->info.message, NULL);
  } else if (!a->have_frame) {
    overlay_draw_status(dl, f, a->win_w, a->win_h, "Connected", "Waiting for the first frame",
                        NULL);
  }
  if (a->show_fps)
    overlay_draw_fps(dl, f, &a->fps);
  if (a->show_diag) {
    const char *const *lines;
    size_t n = diag_live_lines(a->dlive, &lines);
    overlay_draw_panel(dl, f, a->win_w, a->win_h, "Diagnostics (escape key + H hides)", lines, n);
  }
  if (a->esc_down) {
    static const char *const help[] = {
        "Q  quit",        "F  fullscreen",    "D  FPS display",
        "H  diagnostics", "R  rotate 90 deg", "I  input capture",
    };
    char title[96];
    snprintf(title, sizeof(title),
             "Hold %s and press:", lg_option_get_string(a->opts, "input", "escapeKey"));
    overlay_draw_panel(dl, f, a->win_w, a->win_h, title, help, sizeof(help) / sizeof(help[0]));
  }
  overlay_draw_alerts(dl, f, a->win_w, a->win_h, &a->alerts);
  a->ri->set_overlay(a->r, dl);
  a->overlay_dirty = false;
}

/* ---- frames ------------------------------------------------------------------------- */

/* The shown image is now w x h: window aspect hint and win:autoResize. */
static void apply_frame_size(struct app *a, uint32_t w, uint32_t h)
{
  const struct lg_ds_impl *d = a->ds->impl;
  if (lg_option_get_bool(a->opts, "win", "keepAspect") &&
      lg_option_get_bool(a->opts, "win", "forceAspect"))
    d->set_aspect(a->ds, w, h);
  if (lg_option_get_bool(a->opts, "win", "autoResize") && !d->get_fullscreen(a->ds))
    d->set_size(a->ds, w, h);
}

static bool upload(struct app *a, const struct session_frame *f)
{
  bool full = false;
  if (f->format_changed || a->rotate_changed || !a->have_frame) {
    struct lg_frame_format fmt = {
        .type = f->format.type,
        .width = f->format.width,
        .height = f->format.height,
        .data_height = f->format.data_height,
        .stride = f->format.stride,
        .pitch = f->format.pitch,
        .rotation = (f->format.rotation + a->user_rot) % 4,
    };
    if (!a->ri->on_frame_format(a->r, &fmt)) {
      LG_WARN_RL("the renderer cannot show this frame format");
      return false;
    }
    bool size_changed = !a->have_frame || f->format.width != a->fmt.width ||
                        f->format.height != a->fmt.height || a->rotate_changed;
    a->fmt = f->format;
    a->rotate_changed = false;
    full = true;
    if (size_changed)
      apply_frame_size(a, fmt.rotation % 2 ? fmt.height : fmt.width,
                       fmt.rotation % 2 ? fmt.width : fmt.height);
  }
  uint32_t doff = 0;
  int dfd = a->ri->on_frame_dmabuf ? dmabuf_path_fd(&a->dma, f, &doff) : -1;
  bool shown = dfd >= 0 &&
               a->ri->on_frame_dmabuf(a->r, dfd, doff, f->damage, full ? 0 : f->damage_count);
  if (dfd >= 0)
    dmabuf_path_result(&a->dma, shown);
  if (!shown && !a->ri->on_frame(a->r, f->data, f->damage, full ? 0 : f->damage_count))
    return false;
  bool inhibit = (f->flags & FRAME_FLAG_BLOCK_SCREENSAVER) ||
                 lg_option_get_bool(a->opts, "win", "noScreensaver");
  if (inhibit != a->screensaver_inhibited) {
    a->ds->impl->inhibit_screensaver(a->ds, inhibit);
    a->screensaver_inhibited = inhibit;
  }
  return true;
}

/* Does one round of non-UI work; true if anything happened. */
static bool poll_session(struct app *a)
{
  bool busy = false;
  uint64_t now = lg_time_ms();
  if (!a->region_open && now >= a->region_retry_ms) {
    const char *path = lg_option_get_string(a->opts, "app", "shmFile");
    char msg[REGION_MSG_MAX], remedy[REGION_MSG_MAX];
    enum region_error err = region_open(&a->region, path, msg, sizeof(msg), remedy, sizeof(remedy));
    a->region_retry_ms = now + REGION_RETRY_MS;
    if (err == REGION_OK) {
      LG_INFO("mapped %s: %llu bytes (%s)", path, (unsigned long long)a->region.size,
              a->region.is_kvmfr ? "kvmfr device" : "file");
      a->region_open = true;
      diag_live_region(a->dlive, &a->region, NULL);
      a->session = session_start(&a->region, wake_cb, a);
      const char *why = NULL;
      bool rok = a->r && a->ri->supports_dmabuf && a->ri->supports_dmabuf(a->r, &why);
      if (a->dma_setup)
        dmabuf_path_free(&a->dma);
      a->dma_setup = true;
      dmabuf_path_setup(&a->dma, lg_option_get_bool(a->opts, "app", "allowDMA"), &a->region, rok,
                        why, NULL);
      LG_INFO("frame path: %s", a->dma.reason);
      if (!a->session) {
        LG_ERROR("cannot start the session thread");
        a->quit = true;
        a->rc = 1;
      }
      a->overlay_dirty = true;
    } else if (strcmp(msg, a->region_msg) != 0) {
      LG_ERROR("%s. %s", msg, remedy);
      snprintf(a->region_msg, sizeof(a->region_msg), "%s", msg);
      snprintf(a->region_remedy, sizeof(a->region_remedy), "%s", remedy);
      diag_live_region(a->dlive, NULL, msg);
      a->overlay_dirty = true;
    }
  }
  if (diag_live_poll(a->dlive, &a->show_diag))
    a->overlay_dirty = true;
  if (!a->session)
    return busy;

  if (session_info_get(a->session, &a->info, &a->info_seen)) {
    diag_live_session(a->dlive, &a->info);
    if (a->info.state != SESSION_RUNNING)
      a->have_frame = false;
    a->overlay_dirty = true;
    busy = true;
  }
  char line[OVERLAY_ALERT_LEN];
  while (session_alert_take(a->session, line, sizeof(line))) {
    overlay_alerts_push(&a->alerts, line, now);
    a->overlay_dirty = true;
  }
  struct session_frame f;
  if (session_frame_take(a->session, &f)) {
    bool ok = upload(a, &f);
    session_frame_release(a->session, ok);
    if (ok) {
      if (!a->have_frame)
        a->overlay_dirty = true;
      a->have_frame = true;
      overlay_fps_frame(&a->fps, lg_time_ns());
      a->force_render = true;
      a->timing_pending = true;
      a->timing_serial = f.serial;
    }
    busy = true;
  }
  struct session_cursor c;
  if (session_cursor_take(a->session, &c)) {
    if (c.shape_changed) {
      struct lg_cursor_shape shape = {c.type,  c.width, c.height, c.pitch,
                                      c.hot_x, c.hot_y, c.shape};
      a->ri->on_cursor_shape(a->r, &shape);
    }
    if (c.pos_valid)
      a->ri->on_cursor_state(a->r, c.x, c.y, c.visible);
    busy = true;
  }
  return busy;
}

/* ---- setup -------------------------------------------------------------------------- */

static bool create_window(struct app *a)
{
  const struct lg_options *o = a->opts;
  struct lg_ds_window_params p = {0};
  p.title = lg_option_get_string(o, "win", "title");
  p.app_id = "looking-glass-client";
  unsigned w = 1024, h = 768;
  client_options_parse_size(lg_option_get_string(o, "win", "size"), &w, &h);
  p.width = w;
  p.height = h;
  bool center = true;
  int x = 0, y = 0;
  client_options_parse_position(lg_option_get_string(o, "win", "position"), &center, &x, &y);
  p.position_set = !center;
  p.x = x;
  p.y = y;
  p.borderless = lg_option_get_bool(o, "win", "borderless");
  p.fullscreen = lg_option_get_bool(o, "win", "fullScreen");
  p.maximize = lg_option_get_bool(o, "win", "maximize");
  p.resizable = lg_option_get_bool(o, "win", "allowResize");
  struct lg_ds_callbacks cb = {
      .opaque = a,
      .resize = on_resize,
      .close = on_close,
      .key = on_key,
      .raw_motion = on_raw_motion,
      .button = on_button,
      .fullscreen = on_fullscreen,
  };
  a->win_w = w;
  a->win_h = h;
  const char *ds_name = lg_option_get_enum(a->opts, "app", "displayServer");
  a->ds = lg_ds_create_auto(ds_name && strcmp(ds_name, "auto") != 0 ? ds_name : NULL, &p, &cb);
  if (!a->ds)
    return false;
  a->ds->impl->get_size(a->ds, &a->win_w, &a->win_h);
  return true;
}

static bool create_renderer(struct app *a)
{
  const struct lg_options *o = a->opts;
  const char *name = lg_option_get_string(o, "app", "renderer");
  if (strcmp(name, "auto") != 0 && strcmp(name, lg_renderer_egl.name) != 0) {
    LG_ERROR("unknown renderer \"%s\" (built in: %s)", name, lg_renderer_egl.name);
    return false;
  }
  struct lg_ds_egl_target target;
  if (!a->ds->impl->egl_target(a->ds, &target)) {
    LG_ERROR("the display server has no EGL target");
    return false;
  }
  struct lg_renderer_params p = {0};
  p.vsync = lg_option_get_bool(o, "egl", "vsync");
  p.scale = lg_option_get_bool(o, "win", "intUpscale")   ? LG_SCALE_INTEGER
            : lg_option_get_bool(o, "win", "keepAspect") ? LG_SCALE_FIT
                                                         : LG_SCALE_STRETCH;
  p.no_upscale = lg_option_get_bool(o, "win", "dontUpscale");
  a->ri = &lg_renderer_egl;
  a->r = a->ri->create(&p, &target, a->win_w, a->win_h);
  if (!a->r)
    return false;
  a->have_font = lg_font_load(&a->font, NULL, 16);
  if (a->have_font && !a->ri->set_font(a->r, &a->font)) {
    lg_font_free(&a->font);
    a->have_font = false;
  }
  if (!a->have_font)
    LG_WARN("no overlay font: the status and overlay text will not be shown");
  return true;
}

static void run_loop(struct app *a)
{
  const struct lg_ds_impl *d = a->ds->impl;
  a->overlay_dirty = true;
  a->force_render = true;
  while (!a->quit) {
    if (stop_signal) {
      LG_INFO("signal %d: exiting", (int)stop_signal);
      break;
    }
    if (!d->pump(a->ds, 0)) {
      LG_ERROR("the display connection broke");
      a->rc = 1;
      break;
    }
    bool busy = poll_session(a);
    uint64_t now = lg_time_ms();
    if (spice_input_poll(a->spice, &a->alerts, now))
      a->overlay_dirty = true;
    if (overlay_alerts_expire(&a->alerts, now))
      a->overlay_dirty = true;
    if (a->overlay_dirty)
      build_overlay(a);
    bool drew = a->ri->render(a->r, a->force_render);
    a->force_render = false;
    if (drew && a->timing) {
      uint64_t t = lg_time_ns();
      if (a->timing_pending)
        fprintf(a->timing, "swap %" PRIu32 " %" PRIu64 "\n", a->timing_serial, t);
      fprintf(a->timing, "render %" PRIu64 "\n", t);
      a->timing_pending = false;
    }
    if (drew && overlay_fps_render(&a->fps, lg_time_ns()) && a->show_fps)
      a->overlay_dirty = true;
    if (!busy && !drew)
      lg_event_wait(a->wake, IDLE_WAIT_MS);
  }
}

int app_run(const struct lg_options *opts)
{
  struct app *a = calloc(1, sizeof(*a));
  if (!a)
    return 1;
  a->opts = opts;
  a->region.fd = -1;
  a->esc_key = client_options_key_code(lg_option_get_string(opts, "input", "escapeKey"));
  a->show_fps = lg_option_get_bool(opts, "win", "showFPS");
  a->user_rot = (uint32_t)(lg_option_get_int(opts, "win", "rotate") / 90) % 4;
  a->wake = lg_event_new(true);
  const char *timing_path = lg_option_get_string(opts, "debug", "timingLog");
  if (timing_path && *timing_path) {
    a->timing = fopen(timing_path, "a");
    if (!a->timing)
      LG_WARN("cannot open the timing log '%s'; timing lines are off", timing_path);
  }
  int rc = 1;
  if (!a->wake || !lg_drawlist_init(&a->dl, 1024, 16384))
    goto out;
  if (!create_window(a)) {
    LG_ERROR("cannot create a window: is a display (X11 DISPLAY) available?");
    goto out;
  }
  if (!create_renderer(a)) {
    LG_ERROR("cannot create the renderer");
    goto out;
  }
  LG_INFO("window %ux%u; escape key code %d", a->win_w, a->win_h, a->esc_key);
  a->dlive = diag_live_start(opts, wake_cb, a);
  if (!a->dlive)
    LG_WARN("cannot start the diagnostics worker: the panel stays empty");
  a->spice = spice_input_create(opts, a->ds);
  struct sigaction sa = {0};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  run_loop(a);
  rc = a->rc;
out:
  diag_live_stop(a->dlive);
  spice_input_destroy(a->spice);
  if (a->session)
    session_stop(a->session);
  if (a->r)
    a->ri->destroy(a->r);
  if (a->have_font)
    lg_font_free(&a->font);
  if (a->ds)
    a->ds->impl->destroy(a->ds);
  if (a->dma_setup)
    dmabuf_path_free(&a->dma);
  if (a->region_open)
    region_close(&a->region);
  lg_drawlist_free(&a->dl);
  if (a->timing)
    fclose(a->timing);
  if (a->wake)
    lg_event_free(a->wake);
  free(a);
  return rc;
}

#endif
