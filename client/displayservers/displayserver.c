/* The table of built-in display servers and probe-order selection. */
#include "displayserver.h"

#include "lg/log.h"

#include <string.h>

const struct lg_ds_impl *const lg_ds_table[] = {
#ifdef LG_DS_HAVE_WAYLAND
    &lg_ds_wayland_impl,
#endif
#ifdef LG_DS_HAVE_X11
    &lg_ds_x11_impl,
#endif
#ifdef LG_DS_HAVE_SDL
    &lg_ds_sdl_impl,
#endif
    NULL,
};

const struct lg_ds_impl *lg_ds_find(const char *name)
{
  for (size_t i = 0; lg_ds_table[i]; ++i)
    if (strcmp(lg_ds_table[i]->name, name) == 0)
      return lg_ds_table[i];
  return NULL;
}

struct lg_ds *lg_ds_create_auto(const char *name, const struct lg_ds_window_params *params,
                                const struct lg_ds_callbacks *callbacks)
{
  if (name) {
    const struct lg_ds_impl *impl = lg_ds_find(name);
    if (!impl) {
      LG_ERROR("display server '%s' is not built in", name);
      return NULL;
    }
    if (!impl->probe()) {
      LG_ERROR("display server '%s' is not usable here", name);
      return NULL;
    }
    return impl->create(params, callbacks);
  }

  for (size_t i = 0; lg_ds_table[i]; ++i) {
    const struct lg_ds_impl *impl = lg_ds_table[i];
    if (!impl->probe()) {
      LG_INFO("display server %s: not available", impl->name);
      continue;
    }
    LG_INFO("display server %s: using it (%s)", impl->name, impl->description);
    struct lg_ds *ds = impl->create(params, callbacks);
    if (ds)
      return ds;
  }
  LG_ERROR("no display server could open a window");
  return NULL;
}
