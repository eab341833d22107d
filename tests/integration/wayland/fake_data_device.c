/* Fake compositor: wl_data_device_manager v3 with the selection only (no drag and drop).
 * set_selection forwards the source's mime types as a new wl_data_offer to every data
 * device; receive on a current offer becomes wl_data_source.send to the owner. */
#include "fake_priv.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_MIMES 8

struct fake_dd {
  struct wl_list devices;        /* wl_data_device resources (resource links) */
  struct wl_resource *selection; /* the selection's wl_data_source, or NULL */
  uint32_t gen;                  /* bumped on every selection change */
  struct wl_listener display_gone;
};

struct fake_source {
  struct fake_dd *dd;
  char mimes[MAX_MIMES][64];
  int count;
};

struct fake_offer {
  struct fake_dd *dd;
  uint32_t gen;
};

/* ---- offers ------------------------------------------------------------------------- */

static void offer_accept(struct wl_client *c, struct wl_resource *r, uint32_t serial,
                         const char *mime)
{
}

static void offer_receive(struct wl_client *c, struct wl_resource *r, const char *mime, int32_t fd)
{
  struct fake_offer *o = wl_resource_get_user_data(r);
  if (o->gen == o->dd->gen && o->dd->selection)
    wl_data_source_send_send(o->dd->selection, mime, fd);
  close(fd);
}

static void offer_finish(struct wl_client *c, struct wl_resource *r) {}
static void offer_set_actions(struct wl_client *c, struct wl_resource *r, uint32_t a, uint32_t p) {}

static const struct wl_data_offer_interface offer_impl = {
    .accept = offer_accept,
    .receive = offer_receive,
    .destroy = destroy_request,
    .finish = offer_finish,
    .set_actions = offer_set_actions,
};

static void offer_gone(struct wl_resource *r) { free(wl_resource_get_user_data(r)); }

/* Sends the current selection (a fresh offer, or NULL) to one data device. */
static void announce(struct fake_dd *dd, struct wl_resource *device)
{
  if (!dd->selection) {
    wl_data_device_send_selection(device, NULL);
    return;
  }
  struct fake_offer *o = calloc(1, sizeof(*o));
  struct wl_resource *r =
      o ? wl_resource_create(wl_resource_get_client(device), &wl_data_offer_interface,
                             wl_resource_get_version(device), 0)
        : NULL;
  if (!r) {
    free(o);
    wl_client_post_no_memory(wl_resource_get_client(device));
    return;
  }
  o->dd = dd;
  o->gen = dd->gen;
  wl_resource_set_implementation(r, &offer_impl, o, offer_gone);
  wl_data_device_send_data_offer(device, r);
  const struct fake_source *s = wl_resource_get_user_data(dd->selection);
  for (int i = 0; i < s->count; ++i)
    wl_data_offer_send_offer(r, s->mimes[i]);
  wl_data_device_send_selection(device, r);
}

static void announce_all(struct fake_dd *dd)
{
  struct wl_resource *dev;
  wl_resource_for_each(dev, &dd->devices) announce(dd, dev);
}

/* ---- sources ------------------------------------------------------------------------ */

static void source_offer(struct wl_client *c, struct wl_resource *r, const char *mime)
{
  struct fake_source *s = wl_resource_get_user_data(r);
  if (s->count < MAX_MIMES && strlen(mime) < sizeof(s->mimes[0]))
    strcpy(s->mimes[s->count++], mime);
}

static void source_set_actions(struct wl_client *c, struct wl_resource *r, uint32_t a) {}

static const struct wl_data_source_interface source_impl = {
    .offer = source_offer,
    .destroy = destroy_request,
    .set_actions = source_set_actions,
};

static void source_gone(struct wl_resource *r)
{
  struct fake_source *s = wl_resource_get_user_data(r);
  if (s->dd->selection == r) {
    s->dd->selection = NULL;
    s->dd->gen++;
    /* not to the source's own client: it may be going away, mid resource teardown */
    struct wl_resource *dev;
    wl_resource_for_each(dev, &s->dd->devices) if (wl_resource_get_client(dev) !=
                                                   wl_resource_get_client(r)) announce(s->dd, dev);
  }
  free(s);
}

/* ---- devices ------------------------------------------------------------------------ */

static void device_start_drag(struct wl_client *c, struct wl_resource *r, struct wl_resource *src,
                              struct wl_resource *origin, struct wl_resource *icon, uint32_t serial)
{
}

static void device_set_selection(struct wl_client *c, struct wl_resource *r,
                                 struct wl_resource *source, uint32_t serial)
{
  struct fake_dd *dd = wl_resource_get_user_data(r);
  if (dd->selection == source)
    return;
  if (dd->selection)
    wl_data_source_send_cancelled(dd->selection);
  dd->selection = source;
  dd->gen++;
  announce_all(dd);
}

static const struct wl_data_device_interface device_impl = {
    .start_drag = device_start_drag,
    .set_selection = device_set_selection,
    .release = destroy_request,
};

static void device_gone(struct wl_resource *r) { wl_list_remove(wl_resource_get_link(r)); }

/* ---- manager ------------------------------------------------------------------------ */

static void mgr_create_source(struct wl_client *c, struct wl_resource *r, uint32_t id)
{
  struct fake_source *s = calloc(1, sizeof(*s));
  struct wl_resource *res =
      s ? wl_resource_create(c, &wl_data_source_interface, wl_resource_get_version(r), id) : NULL;
  if (!res) {
    free(s);
    wl_client_post_no_memory(c);
    return;
  }
  s->dd = wl_resource_get_user_data(r);
  wl_resource_set_implementation(res, &source_impl, s, source_gone);
}

static void mgr_get_device(struct wl_client *c, struct wl_resource *r, uint32_t id,
                           struct wl_resource *seat)
{
  struct fake_dd *dd = wl_resource_get_user_data(r);
  struct wl_resource *res =
      wl_resource_create(c, &wl_data_device_interface, wl_resource_get_version(r), id);
  if (!res) {
    wl_client_post_no_memory(c);
    return;
  }
  wl_resource_set_implementation(res, &device_impl, dd, device_gone);
  wl_list_insert(&dd->devices, wl_resource_get_link(res));
  announce(dd, res);
}

static const struct wl_data_device_manager_interface mgr_impl = {
    .create_data_source = mgr_create_source,
    .get_data_device = mgr_get_device,
};

static void bind_mgr(struct wl_client *c, void *data, uint32_t version, uint32_t id)
{
  bind_global(c, data, version, id, &wl_data_device_manager_interface, &mgr_impl, NULL);
}

static void dd_free(struct wl_listener *l, void *data)
{
  struct fake_dd *dd = wl_container_of(l, dd, display_gone);
  free(dd);
}

bool fake_add_data_device_global(struct fake_comp *fc)
{
  struct fake_dd *dd = calloc(1, sizeof(*dd));
  if (!dd)
    return false;
  wl_list_init(&dd->devices);
  dd->display_gone.notify = dd_free;
  wl_display_add_destroy_listener(fc->display, &dd->display_gone);
  return wl_global_create(fc->display, &wl_data_device_manager_interface, 3, dd, bind_mgr) != NULL;
}
