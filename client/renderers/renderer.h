/* The renderer seam: takes frames, the cursor and an overlay draw list, and draws them into
 * the display server's window.
 *
 * Threads: a renderer belongs to the thread that created it (it holds the GL context
 * current there, the "render thread"); every call below is made on that thread. The
 * frame thread hands validated frame pointers over to it; on_frame() has finished reading
 * the frame when it returns, so the slot may be acknowledged right after. */
#ifndef LG_RENDERER_H
#define LG_RENDERER_H

#include "displayserver.h"
#include "lg/kvmfr.h"
#include "overlay/drawlist.h"
#include "overlay/font.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lg_scale_mode {
  LG_SCALE_FIT = 0, /* keep the aspect ratio, letterbox the rest */
  LG_SCALE_STRETCH, /* fill the window, ignore the aspect ratio */
  LG_SCALE_INTEGER, /* largest whole-number upscale that fits (FIT when it cannot) */
};

struct lg_renderer_params {
  bool vsync; /* swap interval 1 (else 0) */
  enum lg_scale_mode scale;
  bool no_upscale;    /* never draw the frame larger than 1:1 */
  bool no_pbo;        /* upload with plain glTexSubImage2D even if buffer storage exists */
  bool no_bgra_ext;   /* upload BGRA as RGBA and swizzle in the shader */
  bool no_buffer_age; /* always redraw the whole window */
};

/* A frame format: what KVMFRFrame says about size and layout. */
struct lg_frame_format {
  uint32_t type;          /* FRAME_TYPE_* */
  uint32_t width, height; /* frame size in pixels */
  uint32_t data_height;   /* rows present (<= height) */
  uint32_t stride;        /* texels per row */
  uint32_t pitch;         /* bytes per row */
  uint32_t rotation;      /* FRAME_ROT_*; others are treated as 0 */
};

/* A cursor shape; `data` holds height * pitch bytes in the CURSOR_TYPE_* layout (for
 * MONOCHROME, height counts the AND and the XOR rows). */
struct lg_cursor_shape {
  uint32_t type;
  uint32_t width, height, pitch;
  int32_t hot_x, hot_y;
  const uint8_t *data;
};

struct lg_renderer;

struct lg_renderer_impl {
  const char *name;
  /* Creates the context and window surface for `target`; NULL on failure (logged). */
  struct lg_renderer *(*create)(const struct lg_renderer_params *params,
                                const struct lg_ds_egl_target *target, uint32_t width,
                                uint32_t height);
  /* Frees everything; the display server must still exist. */
  void (*destroy)(struct lg_renderer *r);
  /* The window is now width x height pixels. */
  void (*resize)(struct lg_renderer *r, uint32_t width, uint32_t height);
  /* Changes the scaling mode. */
  void (*set_scale)(struct lg_renderer *r, enum lg_scale_mode mode, bool no_upscale);
  /* A new frame format (validated by the caller: pitch >= width * bpp). False if the
   * renderer cannot show it (logged). */
  bool (*on_frame_format)(struct lg_renderer *r, const struct lg_frame_format *fmt);
  /* A frame: row y at data + y * pitch, data_height rows. Only the `count` damage rects are
   * read (count 0: all). Done reading when it returns. */
  bool (*on_frame)(struct lg_renderer *r, const uint8_t *data,
                   const struct frame_damage_rect *rects, uint32_t count);
  /* A new cursor shape (copied). False for a bad or unknown shape (logged). */
  bool (*on_cursor_shape)(struct lg_renderer *r, const struct lg_cursor_shape *shape);
  /* Cursor image top-left in frame pixels, and visibility. */
  void (*on_cursor_state)(struct lg_renderer *r, int32_t x, int32_t y, bool visible);
  /* Uses `font`'s atlas for text (uploaded now). `font` must stay alive while it is set:
   * glyph metrics are read from it while drawing. */
  bool (*set_font)(struct lg_renderer *r, const struct lg_font *font);
  /* The overlay list drawn on top (NULL: none). It is read during render(); a change of
   * its serial makes the next render() draw. */
  void (*set_overlay)(struct lg_renderer *r, const struct lg_drawlist *list);
  /* Draws and swaps if anything changed (or `force`); true if it did. */
  bool (*render)(struct lg_renderer *r, bool force);
  /* True if frames can be imported as DMA-BUFs; else `*why` (may be NULL) gets the reason.
   * NULL op: no DMA-BUF support. */
  bool (*supports_dmabuf)(struct lg_renderer *r, const char **why);
  /* A frame as a DMA-BUF: the data (current format) starts at `offset_in_fd` in `fd` (owned by
   * the caller, kept open while frames use it). False if the import failed (logged): the
   * caller then uses on_frame. Images are cached per (buffer, offset, format). */
  bool (*on_frame_dmabuf)(struct lg_renderer *r, int fd, uint32_t offset_in_fd,
                          const struct frame_damage_rect *rects, uint32_t count);
};

/* The EGL + GLES 3 renderer. */
extern const struct lg_renderer_impl lg_renderer_egl;

#endif
