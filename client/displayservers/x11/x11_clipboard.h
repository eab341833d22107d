/* X11 CLIPBOARD selection for the x11 display server: owning it (answering
 * SelectionRequest for TARGETS and the UTF-8 text targets) and reading another owner's
 * text through XConvertSelection with a bounded wait. UI thread only. */
#ifndef LG_X11_CLIPBOARD_H
#define LG_X11_CLIPBOARD_H

#include <X11/Xlib.h>

#include <stdbool.h>
#include <stddef.h>

struct x11_clip;

/* Called for every event read while waiting for the owner's answer that is not ours. */
typedef void (*x11_clip_dispatch_fn)(void *opaque, XEvent *ev);

/* Interns the atoms the clipboard uses, for window `win` on `dpy`; NULL on no memory. */
struct x11_clip *x11_clip_create(Display *dpy, Window win);

/* Frees the owned text (the selection goes with the window). NULL is fine. */
void x11_clip_destroy(struct x11_clip *c);

/* Handles SelectionRequest / SelectionClear for our window; true if the event was ours. */
bool x11_clip_handle_event(struct x11_clip *c, const XEvent *ev);

/* Takes ownership of CLIPBOARD and offers a copy of `len` bytes of UTF-8 `text`. */
bool x11_clip_set_text(struct x11_clip *c, const char *text, size_t len);

/* Copies the CLIPBOARD text (NUL-terminated, truncated to `size`) into `buf`; other events
 * read while waiting (at most `timeout_ms`) go to `fn`. False if none/empty/timeout. */
bool x11_clip_get_text(struct x11_clip *c, char *buf, size_t size, unsigned timeout_ms,
                       x11_clip_dispatch_fn fn, void *opaque);

#endif
