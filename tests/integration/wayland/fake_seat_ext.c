/* The fake compositor's seat (pointer, keyboard with an xkb keymap) and protocol
 * extensions (relative pointer, pointer constraints, shortcuts and idle inhibitors,
 * viewporter, fractional scale): they record what the client asked for in fc->st. */
#include "fake_priv.h"

#include "idle-inhibit-unstable-v1-server-protocol.h"
#include "keyboard-shortcuts-inhibit-unstable-v1-server-protocol.h"
#include "pointer-constraints-unstable-v1-server-protocol.h"
#include "relative-pointer-unstable-v1-server-protocol.h"
#include "viewporter-server-protocol.h"
#ifdef FAKE_HAVE_FRACTIONAL
#include "fractional-scale-v1-server-protocol.h"
#endif

#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

/* ---- seat ------------------------------------------------------------------------------ */

static void ptr_set_cursor(struct wl_client *c, struct wl_resource *r, uint32_t serial,
                           struct wl_resource *surface, int32_t hx, int32_t hy)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  lock_state(fc);
  fc->st.cursor_sets++;
  fc->st.cursor_null = surface == NULL;
  unlock_state(fc);
}

static const struct wl_pointer_interface pointer_impl = {.set_cursor = ptr_set_cursor,
                                                         .release = destroy_request};

static const struct wl_keyboard_interface keyboard_impl = {.release = destroy_request};

static void pointer_gone(struct wl_resource *r)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  if (fc->pointer == r)
    fc->pointer = NULL;
}

static void keyboard_gone(struct wl_resource *r)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  if (fc->keyboard == r)
    fc->keyboard = NULL;
}

static void seat_get_pointer(struct wl_client *c, struct wl_resource *r, uint32_t id)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  struct wl_resource *p =
      wl_resource_create(c, &wl_pointer_interface, wl_resource_get_version(r), id);
  if (!p) {
    wl_client_post_no_memory(c);
    return;
  }
  wl_resource_set_implementation(p, &pointer_impl, fc, pointer_gone);
  fc->pointer = p;
}

static void seat_get_keyboard(struct wl_client *c, struct wl_resource *r, uint32_t id)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  struct wl_resource *k =
      wl_resource_create(c, &wl_keyboard_interface, wl_resource_get_version(r), id);
  if (!k) {
    wl_client_post_no_memory(c);
    return;
  }
  wl_resource_set_implementation(k, &keyboard_impl, fc, keyboard_gone);
  fc->keyboard = k;
  int fd = memfd_create("fake-keymap", MFD_CLOEXEC);
  if (fd >= 0 && ftruncate(fd, (off_t)fc->keymap_size) == 0 &&
      pwrite(fd, fc->keymap, fc->keymap_size, 0) == (ssize_t)fc->keymap_size)
    wl_keyboard_send_keymap(k, WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1, fd, (uint32_t)fc->keymap_size);
  if (fd >= 0)
    close(fd);
  wl_keyboard_send_repeat_info(k, 25, 600);
}

static void seat_get_touch(struct wl_client *c, struct wl_resource *r, uint32_t id)
{
  wl_resource_post_error(r, WL_SEAT_ERROR_MISSING_CAPABILITY, "no touch");
}

static const struct wl_seat_interface seat_impl = {.get_pointer = seat_get_pointer,
                                                   .get_keyboard = seat_get_keyboard,
                                                   .get_touch = seat_get_touch,
                                                   .release = destroy_request};

/* ---- relative pointer, constraints, inhibitors ---------------------------------------------- */

static void relative_gone(struct wl_resource *r)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  if (fc->relative == r)
    fc->relative = NULL;
  set_flag(fc, &fc->st.relative, false);
}

static const struct zwp_relative_pointer_v1_interface relative_impl = {.destroy = destroy_request};

static void relmgr_get(struct wl_client *c, struct wl_resource *r, uint32_t id,
                       struct wl_resource *pointer)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  struct wl_resource *p = wl_resource_create(c, &zwp_relative_pointer_v1_interface, 1, id);
  if (!p) {
    wl_client_post_no_memory(c);
    return;
  }
  wl_resource_set_implementation(p, &relative_impl, fc, relative_gone);
  fc->relative = p;
  set_flag(fc, &fc->st.relative, true);
}

static const struct zwp_relative_pointer_manager_v1_interface relmgr_impl = {
    .destroy = destroy_request, .get_relative_pointer = relmgr_get};

static void locked_hint(struct wl_client *c, struct wl_resource *r, wl_fixed_t x, wl_fixed_t y)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  lock_state(fc);
  fc->st.hint_x = wl_fixed_to_double(x);
  fc->st.hint_y = wl_fixed_to_double(y);
  unlock_state(fc);
}

static void constraint_region(struct wl_client *c, struct wl_resource *r,
                              struct wl_resource *region)
{
}

static const struct zwp_locked_pointer_v1_interface locked_impl = {.destroy = destroy_request,
                                                                   .set_cursor_position_hint =
                                                                       locked_hint,
                                                                   .set_region = constraint_region};

static const struct zwp_confined_pointer_v1_interface confined_impl = {
    .destroy = destroy_request, .set_region = constraint_region};

static void locked_gone(struct wl_resource *r)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  set_flag(fc, &fc->st.locked, false);
}

static void confined_gone(struct wl_resource *r)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  set_flag(fc, &fc->st.confined, false);
}

static void pc_lock(struct wl_client *c, struct wl_resource *r, uint32_t id,
                    struct wl_resource *surface, struct wl_resource *pointer,
                    struct wl_resource *region, uint32_t lifetime)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  struct wl_resource *l = wl_resource_create(c, &zwp_locked_pointer_v1_interface, 1, id);
  if (!l) {
    wl_client_post_no_memory(c);
    return;
  }
  wl_resource_set_implementation(l, &locked_impl, fc, locked_gone);
  set_flag(fc, &fc->st.locked, true);
  zwp_locked_pointer_v1_send_locked(l);
}

static void pc_confine(struct wl_client *c, struct wl_resource *r, uint32_t id,
                       struct wl_resource *surface, struct wl_resource *pointer,
                       struct wl_resource *region, uint32_t lifetime)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  struct wl_resource *l = wl_resource_create(c, &zwp_confined_pointer_v1_interface, 1, id);
  if (!l) {
    wl_client_post_no_memory(c);
    return;
  }
  wl_resource_set_implementation(l, &confined_impl, fc, confined_gone);
  set_flag(fc, &fc->st.confined, true);
  zwp_confined_pointer_v1_send_confined(l);
}

static const struct zwp_pointer_constraints_v1_interface constraints_impl = {
    .destroy = destroy_request, .lock_pointer = pc_lock, .confine_pointer = pc_confine};

static const struct zwp_keyboard_shortcuts_inhibitor_v1_interface ksi_impl = {.destroy =
                                                                                  destroy_request};

static void ksi_gone(struct wl_resource *r)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  set_flag(fc, &fc->st.kb_inhibit, false);
}

static void ksi_inhibit(struct wl_client *c, struct wl_resource *r, uint32_t id,
                        struct wl_resource *surface, struct wl_resource *seat)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  struct wl_resource *i =
      wl_resource_create(c, &zwp_keyboard_shortcuts_inhibitor_v1_interface, 1, id);
  if (!i) {
    wl_client_post_no_memory(c);
    return;
  }
  wl_resource_set_implementation(i, &ksi_impl, fc, ksi_gone);
  set_flag(fc, &fc->st.kb_inhibit, true);
  zwp_keyboard_shortcuts_inhibitor_v1_send_active(i);
}

static const struct zwp_keyboard_shortcuts_inhibit_manager_v1_interface ksi_mgr_impl = {
    .destroy = destroy_request, .inhibit_shortcuts = ksi_inhibit};

static const struct zwp_idle_inhibitor_v1_interface idle_impl = {.destroy = destroy_request};

static void idle_gone(struct wl_resource *r)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  set_flag(fc, &fc->st.idle_inhibit, false);
}

static void idle_create(struct wl_client *c, struct wl_resource *r, uint32_t id,
                        struct wl_resource *surface)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  struct wl_resource *i = wl_resource_create(c, &zwp_idle_inhibitor_v1_interface, 1, id);
  if (!i) {
    wl_client_post_no_memory(c);
    return;
  }
  wl_resource_set_implementation(i, &idle_impl, fc, idle_gone);
  set_flag(fc, &fc->st.idle_inhibit, true);
}

static const struct zwp_idle_inhibit_manager_v1_interface idle_mgr_impl = {
    .destroy = destroy_request, .create_inhibitor = idle_create};

/* ---- viewporter and fractional scale ------------------------------------------------------ */

static void vp_source(struct wl_client *c, struct wl_resource *r, wl_fixed_t x, wl_fixed_t y,
                      wl_fixed_t w, wl_fixed_t h)
{
}

static void vp_destination(struct wl_client *c, struct wl_resource *r, int32_t w, int32_t h)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  lock_state(fc);
  fc->st.dest_w = w;
  fc->st.dest_h = h;
  unlock_state(fc);
}

static const struct wp_viewport_interface viewport_impl = {
    .destroy = destroy_request, .set_source = vp_source, .set_destination = vp_destination};

static void vpr_get(struct wl_client *c, struct wl_resource *r, uint32_t id,
                    struct wl_resource *surface)
{
  struct wl_resource *v = wl_resource_create(c, &wp_viewport_interface, 1, id);
  if (!v) {
    wl_client_post_no_memory(c);
    return;
  }
  wl_resource_set_implementation(v, &viewport_impl, wl_resource_get_user_data(r), NULL);
}

static const struct wp_viewporter_interface viewporter_impl = {.destroy = destroy_request,
                                                               .get_viewport = vpr_get};

#ifdef FAKE_HAVE_FRACTIONAL
static const struct wp_fractional_scale_v1_interface frac_impl = {.destroy = destroy_request};

static void frac_gone(struct wl_resource *r)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  if (fc->fractional == r)
    fc->fractional = NULL;
  set_flag(fc, &fc->st.fractional, false);
}

static void fracmgr_get(struct wl_client *c, struct wl_resource *r, uint32_t id,
                        struct wl_resource *surface)
{
  struct fake_comp *fc = wl_resource_get_user_data(r);
  struct wl_resource *f = wl_resource_create(c, &wp_fractional_scale_v1_interface, 1, id);
  if (!f) {
    wl_client_post_no_memory(c);
    return;
  }
  wl_resource_set_implementation(f, &frac_impl, fc, frac_gone);
  fc->fractional = f;
  set_flag(fc, &fc->st.fractional, true);
}

static const struct wp_fractional_scale_manager_v1_interface fracmgr_impl = {
    .destroy = destroy_request, .get_fractional_scale = fracmgr_get};
#endif

/* ---- globals --------------------------------------------------------------------------- */

BINDER(bind_relmgr, &zwp_relative_pointer_manager_v1_interface, &relmgr_impl)
BINDER(bind_constraints, &zwp_pointer_constraints_v1_interface, &constraints_impl)
BINDER(bind_ksi, &zwp_keyboard_shortcuts_inhibit_manager_v1_interface, &ksi_mgr_impl)
BINDER(bind_idle, &zwp_idle_inhibit_manager_v1_interface, &idle_mgr_impl)
BINDER(bind_viewporter, &wp_viewporter_interface, &viewporter_impl)
#ifdef FAKE_HAVE_FRACTIONAL
BINDER(bind_fracmgr, &wp_fractional_scale_manager_v1_interface, &fracmgr_impl)
#endif

static void bind_seat(struct wl_client *c, void *data, uint32_t version, uint32_t id)
{
  struct wl_resource *r = wl_resource_create(c, &wl_seat_interface, (int)version, id);
  if (!r) {
    wl_client_post_no_memory(c);
    return;
  }
  wl_resource_set_implementation(r, &seat_impl, data, NULL);
  wl_seat_send_capabilities(r, WL_SEAT_CAPABILITY_POINTER | WL_SEAT_CAPABILITY_KEYBOARD);
  if (version >= 2)
    wl_seat_send_name(r, "fake-seat");
}

bool fake_add_seat_global(struct fake_comp *fc)
{
  return wl_global_create(fc->display, &wl_seat_interface, 5, fc, bind_seat) != NULL;
}

bool fake_add_ext_globals(struct fake_comp *fc)
{
  if (!wl_global_create(fc->display, &zwp_relative_pointer_manager_v1_interface, 1, fc,
                        bind_relmgr) ||
      !wl_global_create(fc->display, &zwp_pointer_constraints_v1_interface, 1, fc,
                        bind_constraints) ||
      !wl_global_create(fc->display, &zwp_keyboard_shortcuts_inhibit_manager_v1_interface, 1, fc,
                        bind_ksi) ||
      !wl_global_create(fc->display, &zwp_idle_inhibit_manager_v1_interface, 1, fc, bind_idle) ||
      !wl_global_create(fc->display, &wp_viewporter_interface, 1, fc, bind_viewporter))
    return false;
#ifdef FAKE_HAVE_FRACTIONAL
  if (!wl_global_create(fc->display, &wp_fractional_scale_manager_v1_interface, 1, fc,
                        bind_fracmgr))
    return false;
#endif
  return true;
}
