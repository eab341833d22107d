/* Private state of the fake compositor, shared by fake_compositor.c (surfaces, xdg-shell,
 * output, commands, lifecycle) and fake_seat_ext.c (seat, relative pointer, constraints,
 * inhibitors, viewporter, fractional scale). Client objects belong to the compositor thread;
 * `st` is guarded by `lock`. */
#ifndef LG_TEST_FAKE_PRIV_H
#define LG_TEST_FAKE_PRIV_H

#include "fake_compositor.h"

#include <wayland-server.h>

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fake_comp {
  struct wl_display *display;
  pthread_t thread;
  bool thread_started;
  int cmd_pipe[2];
  struct wl_event_source *cmd_source;
  char rundir[64];
  int32_t scale;

  /* the keymap handed to keyboards */
  char *keymap;
  size_t keymap_size;

  /* client objects (compositor thread only) */
  struct wl_resource *window; /* wl_surface with the toplevel role */
  struct wl_resource *xdg_surf;
  struct wl_resource *toplevel;
  struct wl_resource *output;
  struct wl_resource *pointer;
  struct wl_resource *keyboard;
  struct wl_resource *relative;
  struct wl_resource *fractional;
  bool configured;

  /* command completion and recorded state */
  pthread_mutex_t lock;
  pthread_cond_t cond;
  uint64_t cmds_sent, cmds_done;
  struct fake_state st;
};

/* Takes / releases the lock over the recorded state. */
static inline void lock_state(struct fake_comp *fc) { pthread_mutex_lock(&fc->lock); }
static inline void unlock_state(struct fake_comp *fc) { pthread_mutex_unlock(&fc->lock); }

/* The destroy request of every interface that has nothing else to free. */
static inline void destroy_request(struct wl_client *c, struct wl_resource *r)
{
  wl_resource_destroy(r);
}

/* The display's next event serial. */
static inline uint32_t next_serial(struct fake_comp *fc)
{
  return wl_display_next_serial(fc->display);
}

/* Sets one recorded flag under the lock. */
static inline void set_flag(struct fake_comp *fc, bool *flag, bool v)
{
  lock_state(fc);
  *flag = v;
  unlock_state(fc);
}

/* One bind function for every global: the implementation comes from the interface. */
static inline void bind_global(struct wl_client *c, void *data, uint32_t version, uint32_t id,
                               const struct wl_interface *iface, const void *impl,
                               wl_resource_destroy_func_t gone)
{
  struct wl_resource *r = wl_resource_create(c, iface, (int)version, id);
  if (!r) {
    wl_client_post_no_memory(c);
    return;
  }
  wl_resource_set_implementation(r, impl, data, gone);
}

/* Defines a static bind function `name` for a global with no per-bind setup. */
#define BINDER(name, iface, impl)                                                                  \
  static void name(struct wl_client *c, void *data, uint32_t version, uint32_t id)                 \
  {                                                                                                \
    bind_global(c, data, version, id, iface, impl, NULL);                                          \
  }

/* Adds the wl_seat global (pointer + keyboard with fc's keymap). False on failure. */
bool fake_add_seat_global(struct fake_comp *fc);

/* Adds the relative-pointer, pointer-constraints, keyboard-shortcuts-inhibit,
 * idle-inhibit, viewporter and (FAKE_HAVE_FRACTIONAL) fractional-scale globals. */
bool fake_add_ext_globals(struct fake_comp *fc);

/* Adds wl_data_device_manager v3 (selection only: offers forwarded to every data device,
 * receive turned into send on the owning source). False on failure. */
bool fake_add_data_device_global(struct fake_comp *fc);

#endif
