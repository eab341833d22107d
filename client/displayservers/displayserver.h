/* The display-server seam: one window, its EGL native handles, an event pump that calls
 * the app back, and the pointer/keyboard/screensaver controls the client needs.
 *
 * Threads: every function here, and every callback, runs on the thread that called
 * lg_ds_create() (the "UI thread"), except lg_ds_impl.egl_target(), whose result may be
 * handed to the render thread (implementations make their native display thread-safe). */
#ifndef LG_DISPLAYSERVER_H
#define LG_DISPLAYSERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lg_ds;

/* Which EGL platform the native handles belong to (EGL_PLATFORM_*_KHR). */
enum lg_ds_egl_platform {
  LG_DS_EGL_X11 = 0, /* display: Display *, window: Window * (pointer to the XID) */
  LG_DS_EGL_WAYLAND, /* display: struct wl_display *, window: struct wl_egl_window * */
};

/* Handles the renderer needs to create its EGL display and window surface. */
struct lg_ds_egl_target {
  enum lg_ds_egl_platform platform;
  void *native_display;
  void *native_window;
};

/* Mouse buttons as reported to the app. */
enum lg_ds_button {
  LG_DS_BUTTON_LEFT = 1,
  LG_DS_BUTTON_MIDDLE = 2,
  LG_DS_BUTTON_RIGHT = 3,
  LG_DS_BUTTON_WHEEL_UP = 4,
  LG_DS_BUTTON_WHEEL_DOWN = 5,
  LG_DS_BUTTON_SIDE = 8,
  LG_DS_BUTTON_EXTRA = 9,
};

/* App callbacks. Any member may be NULL. Called on the UI thread from lg_ds_impl.pump();
 * pointers passed in are only valid during the call. */
struct lg_ds_callbacks {
  void *opaque;
  /* The drawable size changed (pixels); also sent once after the window is mapped. */
  void (*resize)(void *opaque, uint32_t width, uint32_t height);
  /* The user asked to close the window. */
  void (*close)(void *opaque);
  /* A key changed state; `evdev` is a KEY_* code from <linux/input-event-codes.h>. */
  void (*key)(void *opaque, uint32_t evdev, bool down);
  /* Absolute pointer position in window pixels. */
  void (*motion)(void *opaque, double x, double y);
  /* Relative device motion (unaccelerated), only while raw motion is enabled. */
  void (*raw_motion)(void *opaque, double dx, double dy);
  /* A mouse button changed state. */
  void (*button)(void *opaque, enum lg_ds_button button, bool down);
  /* Keyboard focus was gained or lost. */
  void (*focus)(void *opaque, bool focused);
  /* The pointer entered or left the window. */
  void (*enter)(void *opaque, bool entered);
  /* The window became fullscreen or left fullscreen (whoever asked). */
  void (*fullscreen)(void *opaque, bool fullscreen);
};

/* Window hints for lg_ds_impl.create(). Zero-initialise, then set what you need. */
struct lg_ds_window_params {
  const char *title;  /* window title (UTF-8); NULL gives "Looking Glass" */
  const char *app_id; /* WM_CLASS / app id; NULL gives "looking-glass-client" */
  uint32_t width, height;
  int32_t x, y;
  bool position_set; /* x, y are meaningful */
  bool borderless;
  bool fullscreen;
  bool maximize;
  bool resizable;
  bool keep_aspect; /* ask the WM to keep aspect_w:aspect_h */
  uint32_t aspect_w, aspect_h;
};

/* A display server's operations. Each implementation has one const table. */
struct lg_ds_impl {
  const char *name;
  const char *description;
  /* True if this display server can run here (e.g. its display can be opened). Any thread. */
  bool (*probe)(void);
  /* Opens the display and creates + maps the window; NULL on failure (logged). The
   * callbacks are copied. */
  struct lg_ds *(*create)(const struct lg_ds_window_params *params,
                          const struct lg_ds_callbacks *callbacks);
  /* Closes the window and the display connection. */
  void (*destroy)(struct lg_ds *ds);
  /* Fills the EGL native handles; they live until destroy. */
  bool (*egl_target)(struct lg_ds *ds, struct lg_ds_egl_target *out);
  /* Dispatches pending events, waiting up to `timeout_ms` (0: do not wait) for the first.
   * Returns false if the connection broke. */
  bool (*pump)(struct lg_ds *ds, uint32_t timeout_ms);
  /* Current drawable size in pixels. */
  void (*get_size)(struct lg_ds *ds, uint32_t *width, uint32_t *height);
  /* Asks for a new window size (the WM may refuse; a resize callback follows). */
  void (*set_size)(struct lg_ds *ds, uint32_t width, uint32_t height);
  /* Enters or leaves fullscreen. */
  void (*set_fullscreen)(struct lg_ds *ds, bool fullscreen);
  /* True if the window is fullscreen now. */
  bool (*get_fullscreen)(struct lg_ds *ds);
  /* Sets (or with 0,0 clears) the aspect ratio the WM keeps while resizing. */
  void (*set_aspect)(struct lg_ds *ds, uint32_t aspect_w, uint32_t aspect_h);
  /* Grabs the pointer (confined to the window if `confine`) or releases it. */
  bool (*grab_pointer)(struct lg_ds *ds, bool grab, bool confine);
  /* Grabs or releases the keyboard. */
  bool (*grab_keyboard)(struct lg_ds *ds, bool grab);
  /* Turns the raw_motion callback on or off. */
  bool (*set_raw_motion)(struct lg_ds *ds, bool enable);
  /* Moves the pointer to window pixel (x, y). */
  void (*warp_pointer)(struct lg_ds *ds, int32_t x, int32_t y);
  /* Shows or hides the local pointer over the window. */
  void (*set_cursor_visible)(struct lg_ds *ds, bool visible);
  /* Inhibits the screensaver while `inhibit` is true. */
  void (*inhibit_screensaver)(struct lg_ds *ds, bool inhibit);
  /* Offers `len` bytes of UTF-8 text as the clipboard; false if unsupported. */
  bool (*clipboard_set_text)(struct lg_ds *ds, const char *text, size_t len);
  /* Copies the clipboard text into `buf` (NUL-terminated); false if unsupported/empty. */
  bool (*clipboard_get_text)(struct lg_ds *ds, char *buf, size_t size);
};

/* The part every implementation embeds first in its own state struct. */
struct lg_ds {
  const struct lg_ds_impl *impl;
  struct lg_ds_callbacks cb;
};

/* The display servers built in, in probe order, ended by NULL. */
extern const struct lg_ds_impl *const lg_ds_table[];

/* The implementations; each exists only when built (LG_DS_HAVE_<NAME> is defined then). */
extern const struct lg_ds_impl lg_ds_x11_impl;
extern const struct lg_ds_impl lg_ds_wayland_impl;
extern const struct lg_ds_impl lg_ds_sdl_impl;

/* Finds an implementation by name in lg_ds_table; NULL if not built in. */
const struct lg_ds_impl *lg_ds_find(const char *name);

/* Probes lg_ds_table in order (or only `name` when not NULL) and creates the window with
 * the first that works; NULL if none did (logged). */
struct lg_ds *lg_ds_create_auto(const char *name, const struct lg_ds_window_params *params,
                                const struct lg_ds_callbacks *callbacks);

#endif
