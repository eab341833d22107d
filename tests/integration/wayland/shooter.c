/* weston screenshooter client: the interface is described here by hand (weston does not
 * install its XML): one request "take_shot" with an output and a buffer, one event "done". */
#include "shooter.h"

#include <wayland-client.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static const struct wl_interface *take_shot_types[] = {&wl_output_interface, &wl_buffer_interface};

static const struct wl_message shooter_requests[] = {
    {"take_shot", "oo", take_shot_types},
};

static const struct wl_message shooter_events[] = {
    {"done", "", NULL},
};

static const struct wl_interface shooter_interface = {
    "weston_screenshooter", 1, 1, shooter_requests, 1, shooter_events,
};

struct shooter_listener {
  void (*done)(void *data, struct wl_proxy *proxy);
};

struct shooter {
  struct wl_display *dpy;
  struct wl_registry *reg;
  struct wl_output *output;
  struct wl_shm *shm;
  struct wl_proxy *shooter;
  int32_t width, height;
  struct wl_buffer *buffer;
  uint32_t *pixels;
  size_t size;
  bool done;
};

static void out_geometry(void *data, struct wl_output *o, int32_t x, int32_t y, int32_t pw,
                         int32_t ph, int32_t sub, const char *make, const char *model, int32_t tr)
{
}

static void out_mode(void *data, struct wl_output *o, uint32_t flags, int32_t w, int32_t h,
                     int32_t refresh)
{
  struct shooter *s = data;
  if (flags & WL_OUTPUT_MODE_CURRENT) {
    s->width = w;
    s->height = h;
  }
}

static void out_done(void *data, struct wl_output *o) {}
static void out_scale(void *data, struct wl_output *o, int32_t f) {}

static const struct wl_output_listener out_listener = {
    .geometry = out_geometry, .mode = out_mode, .done = out_done, .scale = out_scale};

static void global(void *data, struct wl_registry *reg, uint32_t name, const char *iface,
                   uint32_t version)
{
  struct shooter *s = data;
  if (strcmp(iface, "wl_output") == 0 && !s->output) {
    s->output = wl_registry_bind(reg, name, &wl_output_interface, 2);
    wl_output_add_listener(s->output, &out_listener, s);
  } else if (strcmp(iface, "wl_shm") == 0)
    s->shm = wl_registry_bind(reg, name, &wl_shm_interface, 1);
  else if (strcmp(iface, shooter_interface.name) == 0)
    s->shooter = wl_registry_bind(reg, name, &shooter_interface, 1);
}

static void global_remove(void *data, struct wl_registry *reg, uint32_t name) {}

static const struct wl_registry_listener reg_listener = {.global = global,
                                                         .global_remove = global_remove};

static void shot_done(void *data, struct wl_proxy *proxy)
{
  struct shooter *s = data;
  s->done = true;
}

static const struct shooter_listener shot_listener = {.done = shot_done};

struct shooter *shooter_open(void)
{
  struct shooter *s = calloc(1, sizeof(*s));
  if (!s)
    return NULL;
  s->dpy = wl_display_connect(NULL);
  if (!s->dpy) {
    fprintf(stderr, "shooter: cannot connect to the compositor\n");
    free(s);
    return NULL;
  }
  s->reg = wl_display_get_registry(s->dpy);
  wl_registry_add_listener(s->reg, &reg_listener, s);
  wl_display_roundtrip(s->dpy);
  wl_display_roundtrip(s->dpy);
  if (!s->output || !s->shm || !s->shooter || s->width <= 0 || s->height <= 0) {
    fprintf(stderr, "shooter: missing %s\n",
            !s->shooter ? "weston_screenshooter (is weston running with --debug?)"
                        : "wl_output / wl_shm / output mode");
    shooter_close(s);
    return NULL;
  }
  wl_proxy_add_listener(s->shooter, (void (**)(void)) & shot_listener, s);

  const int32_t stride = s->width * 4;
  s->size = (size_t)stride * (size_t)s->height;
  int fd = memfd_create("lg-shot", MFD_CLOEXEC);
  if (fd < 0 || ftruncate(fd, (off_t)s->size) < 0) {
    if (fd >= 0)
      close(fd);
    shooter_close(s);
    return NULL;
  }
  void *map = mmap(NULL, s->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) {
    close(fd);
    shooter_close(s);
    return NULL;
  }
  s->pixels = map;
  struct wl_shm_pool *pool = wl_shm_create_pool(s->shm, fd, (int32_t)s->size);
  s->buffer =
      wl_shm_pool_create_buffer(pool, 0, s->width, s->height, stride, WL_SHM_FORMAT_ARGB8888);
  wl_shm_pool_destroy(pool);
  close(fd);
  return s;
}

void shooter_size(const struct shooter *s, uint32_t *width, uint32_t *height)
{
  *width = (uint32_t)s->width;
  *height = (uint32_t)s->height;
}

const uint32_t *shooter_take(struct shooter *s, uint32_t timeout_ms)
{
  s->done = false;
  memset(s->pixels, 0, s->size);
  wl_proxy_marshal_flags(s->shooter, 0, NULL, wl_proxy_get_version(s->shooter), 0, s->output,
                         s->buffer);
  wl_display_flush(s->dpy);
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  while (!s->done) {
    clock_gettime(CLOCK_MONOTONIC, &t);
    long ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
    if (ms >= (long)timeout_ms) {
      fprintf(stderr, "shooter: no 'done' within %u ms\n", timeout_ms);
      return NULL;
    }
    while (wl_display_prepare_read(s->dpy) != 0)
      wl_display_dispatch_pending(s->dpy);
    wl_display_flush(s->dpy);
    struct pollfd pfd = {.fd = wl_display_get_fd(s->dpy), .events = POLLIN};
    if (poll(&pfd, 1, (int)(timeout_ms - ms)) > 0) {
      if (wl_display_read_events(s->dpy) < 0)
        return NULL;
    } else
      wl_display_cancel_read(s->dpy);
    if (wl_display_dispatch_pending(s->dpy) < 0)
      return NULL;
  }
  return s->pixels;
}

void shooter_close(struct shooter *s)
{
  if (!s)
    return;
  if (s->buffer)
    wl_buffer_destroy(s->buffer);
  if (s->pixels)
    munmap(s->pixels, s->size);
  if (s->shooter)
    wl_proxy_destroy(s->shooter);
  if (s->shm)
    wl_shm_destroy(s->shm);
  if (s->output)
    wl_output_destroy(s->output);
  if (s->reg)
    wl_registry_destroy(s->reg);
  if (s->dpy)
    wl_display_disconnect(s->dpy);
  free(s);
}
