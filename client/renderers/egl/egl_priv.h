/* EGL renderer internals shared by its modules (not a public header). */
#ifndef LG_EGL_PRIV_H
#define LG_EGL_PRIV_H

#include "renderer.h"

#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLES3/gl3.h>
#include <GLES2/gl2ext.h>

#define EGL_PBO_COUNT 2
#define EGL_DAMAGE_HIST 4
#define EGL_CURSOR_MAX 512u

/* An axis-aligned box in window pixels; empty when x1 <= x0. */
struct egl_box {
  float x0, y0, x1, y1;
};

/* The frame texture and how it is uploaded (egl_frame.c). */
struct egl_frame {
  bool has_bgra_ext, has_buffer_storage;
  PFNGLBUFFERSTORAGEEXTPROC buffer_storage;
  struct lg_frame_format fmt;
  bool valid;    /* a format is set */
  bool has_data; /* at least one frame uploaded */
  GLuint tex;
  GLenum internal, format, type;
  uint32_t bpp;
  bool swizzle; /* texture holds B,G,R,A in its R,G,B,A channels */
  GLuint pbo[EGL_PBO_COUNT];
  uint8_t *pbo_map[EGL_PBO_COUNT];
  GLsync fence[EGL_PBO_COUNT];
  size_t pbo_size;
  unsigned pbo_next;
};

/* The cursor texture (egl_cursor.c). */
struct egl_cursor {
  GLuint tex;
  uint8_t *rgba; /* conversion buffer, EGL_CURSOR_MAX^2 * 4 bytes */
  uint32_t width, height;
  int32_t hot_x, hot_y;
  bool masked; /* MASKED_COLOR semantics (MONOCHROME is converted to them) */
  bool has_shape;
  int32_t x, y;
  bool visible;
};

/* Overlay geometry and atlas (egl_overlay.c). */
struct egl_overlay {
  GLuint prog, vbo, vao, atlas;
  GLint u_viewport;
  uint32_t atlas_w, atlas_h;
  float white_u, white_v;
  const struct lg_font *font;
  const struct lg_drawlist *list;
  uint64_t last_serial;
  void *verts;      /* vertex array (egl_overlay.c's layout), grown on demand */
  size_t verts_cap; /* vertices */
};

#define EGL_DMABUF_IMAGES 4

/* One imported frame buffer (egl_dmabuf.c), keyed by the buffer's identity and layout. */
struct egl_dmabuf_image {
  EGLImageKHR image; /* EGL_NO_IMAGE_KHR: unused */
  uint64_t dev, ino; /* fstat of the DMA-BUF fd: fd numbers get reused, inodes do not */
  uint32_t offset, fourcc, width, height, pitch;
  uint64_t last_use;
};

/* The entry points a DMA-BUF import needs (egl_dmabuf_probe fills them). */
struct egl_dmabuf_procs {
  PFNEGLCREATEIMAGEKHRPROC create_image;
  PFNEGLDESTROYIMAGEKHRPROC destroy_image;
  PFNGLEGLIMAGETARGETTEXTURE2DOESPROC target_texture;
};

/* DMA-BUF import state of the renderer (egl_dmabuf.c). */
struct egl_dmabuf {
  bool probed, supported;
  const char *why; /* why not supported */
  struct egl_dmabuf_procs procs;
  struct egl_dmabuf_image img[EGL_DMABUF_IMAGES];
  EGLImageKHR bound; /* image the frame texture currently shows, or EGL_NO_IMAGE_KHR */
  uint64_t tick;
  bool warned;
};

struct lg_renderer {
  struct lg_renderer_params params;
  EGLDisplay dpy;
  EGLContext ctx;
  EGLSurface surface;
  EGLConfig config;
  bool has_buffer_age;
  uint32_t width, height;

  GLuint quad_vao, quad_vbo;
  GLuint frame_prog, cursor_prog;
  GLint f_xform, f_swizzle, f_tap, c_xform, c_mode;

  struct egl_frame frame;
  struct egl_cursor cursor;
  struct egl_overlay overlay;
  struct egl_dmabuf dmabuf;

  /* layout: frame pixels -> NDC (GLSL mat3, column-major) and -> window pixels (2x3) */
  float xform[9];
  float win[6];
  bool nearest;           /* 1:1 layout: sample without filtering */
  float scale_x, scale_y; /* window pixels per frame pixel */
  bool layout_valid;

  bool full_damage;                     /* next render redraws everything */
  struct egl_box damage;                /* window-space damage since the last render */
  struct egl_box hist[EGL_DAMAGE_HIST]; /* damage of the last renders, newest first */
};

/* Compiles and links a program from two sources; 0 on failure (logged). */
GLuint egl_program(const char *vs, const char *fs);

/* True if the space-separated `list` contains `name` exactly. */
bool egl_has_ext(const char *list, const char *name);

/* True if the GL context reports extension `name`. */
bool egl_gl_has_ext(const char *name);

/* Grows `box` to include `add`. */
void egl_box_union(struct egl_box *box, const struct egl_box *add);

/* Window-space box of the frame-pixel rectangle (x, y, w, h) under the current layout. */
struct egl_box egl_frame_rect_box(const struct lg_renderer *r, float x, float y, float w, float h);

/* Frame module (egl_frame.c). Probes the upload extensions; context must be current. */
void egl_frame_init(struct lg_renderer *r);
/* Frees the frame texture and PBOs. */
void egl_frame_free(struct lg_renderer *r);
/* Sets the format: (re)creates the texture and PBOs. */
bool egl_frame_format(struct lg_renderer *r, const struct lg_frame_format *fmt);
/* Uploads the damaged parts of a frame. */
bool egl_frame_upload(struct lg_renderer *r, const uint8_t *data,
                      const struct frame_damage_rect *rects, uint32_t count);

/* DMA-BUF module (egl_dmabuf.c). DRM fourcc for a FRAME_TYPE_*; 0 if it has none. */
uint32_t egl_dmabuf_fourcc(uint32_t frame_type);
/* Checks `dpy` and the current GL context for DMA-BUF import and loads the entry points;
 * false with `*why` set (a static string) if it is not possible. */
bool egl_dmabuf_probe(EGLDisplay dpy, struct egl_dmabuf_procs *procs, const char **why);
/* Imports data_height rows of `fmt` at `offset` in DMA-BUF `fd` as an EGLImage; returns
 * EGL_NO_IMAGE_KHR with `why` filled on failure. Needs no window or renderer. */
EGLImageKHR egl_dmabuf_import(EGLDisplay dpy, const struct egl_dmabuf_procs *procs, int fd,
                              uint32_t offset, const struct lg_frame_format *fmt, char *why,
                              size_t why_cap);
/* Renderer op: true if frames can be imported, else `*why` says why. */
bool egl_dmabuf_supported(struct lg_renderer *r, const char **why);
/* Renderer op: shows the frame at `offset` in `fd` through a cached EGLImage. False (logged
 * once) if it cannot: the frame texture is then a plain texture again for on_frame. */
bool egl_dmabuf_frame(struct lg_renderer *r, int fd, uint32_t offset,
                      const struct frame_damage_rect *rects, uint32_t count);
/* Destroys every cached image (call with the context current, before the display goes). */
void egl_dmabuf_free(struct lg_renderer *r);

/* Cursor module (egl_cursor.c). Allocates the conversion buffer and texture. */
bool egl_cursor_init(struct lg_renderer *r);
/* Frees the cursor texture (the buffer goes with the renderer). */
void egl_cursor_free(struct lg_renderer *r);
/* Validates and converts a shape and uploads it; false for a bad shape (logged). */
bool egl_cursor_shape(struct lg_renderer *r, const struct lg_cursor_shape *shape);
/* Window-space box the cursor covers now (empty if hidden). */
struct egl_box egl_cursor_box(const struct lg_renderer *r);
/* Draws the cursor over the frame (egl.c: it shares the quad and the layout). */
void egl_cursor_draw(struct lg_renderer *r);

/* Overlay module (egl_overlay.c). Program, buffers and a 2x2 white atlas. */
bool egl_overlay_init(struct lg_renderer *r);
/* Frees the overlay's GL objects and vertex memory. */
void egl_overlay_free(struct lg_renderer *r);
/* Uploads `font`'s atlas as GL_R8 and keeps the pointer for glyph metrics. */
bool egl_overlay_set_font(struct lg_renderer *r, const struct lg_font *font);
/* Draws the current draw list in one call (window pixels, alpha blended). */
void egl_overlay_draw(struct lg_renderer *r);

#endif
