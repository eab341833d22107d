/* Capture backend interface of looking-glass-host.
 *
 * A backend is a concrete struct that embeds `struct lg_capture` (usually first) and points it
 * at a const `struct lg_capture_impl`; it gets back to its own struct with container_of. Each
 * backend also exports one const `struct lg_capture_backend` entry (name, description, its
 * options, probe, create) which backends.c lists in probe order.
 *
 * Threads: the main thread calls probe, create and destroy. The capture thread calls start,
 * stop, capture, write_frame and cursor. The LGMP tick thread calls set_cursor_pos only; a
 * backend that implements it must make it safe against the capture thread. */
#ifndef LG_HOST_CAPTURE_H
#define LG_HOST_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lg/fastcopy.h"
#include "lg/kvmfr.h"

#ifndef container_of
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))
#endif

#define LG_CAPTURE_MAX_RECTS KVMFR_MAX_DAMAGE_RECTS

struct lg_capture;
struct lg_capture_backend;

/* Result of lg_capture_capture. */
enum lg_capture_result {
  LG_CAPTURE_OK = 0,  /* a new frame is described in the out struct */
  LG_CAPTURE_TIMEOUT, /* nothing new within the timeout (not an error) */
  LG_CAPTURE_REINIT,  /* the source changed under us: stop, destroy and create again */
  LG_CAPTURE_ERROR,   /* fatal for this backend instance (already logged) */
};

/* One frame as the backend sees it. Filled by capture(); read by the core and write_frame. */
struct lg_capture_frame {
  uint32_t format;        /* FRAME_TYPE_* */
  uint32_t format_serial; /* changes whenever format, size, pitch or rotation change */
  uint32_t width, height; /* frame size in pixels */
  uint32_t screen_width, screen_height; /* guest desktop size (cursor coordinate space) */
  uint32_t pitch;                       /* bytes per source row */
  uint32_t stride;                      /* texels per source row (pitch / bytes per texel) */
  uint32_t rotation;                    /* FRAME_ROT_* */
  bool hdr, hdr_pq;                     /* FRAME_FLAG_HDR / FRAME_FLAG_HDR_PQ */
  bool full_damage;                     /* true: everything changed, damage[] is unused */
  uint32_t damage_count; /* rects valid in damage[] when !full_damage (<= 64, 0 = no change) */
  struct frame_damage_rect damage[LG_CAPTURE_MAX_RECTS]; /* change since the previous frame */
};

/* Where write_frame puts pixels: a frame buffer in the region, owned by the core. */
struct lg_capture_dest {
  uint8_t *data; /* row 0 of the destination */
  size_t pitch;  /* bytes per destination row (>= frame width * bytes per texel) */
  uint32_t rows; /* rows that fit (< frame height when the region truncates the frame) */
  const struct frame_damage_rect *rects; /* what to copy, in frame pixels */
  uint32_t rect_count;                   /* 0 means copy the whole frame */
  /* Called from write_frame with the count of leading destination bytes now complete. May
   * be NULL. Without a pool it runs on the capture thread and the value never decreases;
   * with one it may run on any pool thread, concurrently, so calls can arrive out of order:
   * the callee keeps the largest value. */
  void (*progress)(void *opaque, size_t bytes_done);
  void *opaque;
  /* Copy threads for full-frame copies (lg/fastcopy.h); NULL copies on the calling thread. */
  struct lg_copy_pool *pool;
};

/* Cursor state from cursor(). Each *_changed flag says whether that part is new. */
struct lg_capture_cursor {
  bool position_changed;
  int32_t x, y; /* top-left of the shape image, screen pixels */
  bool visible_changed;
  bool visible;
  bool shape_changed;
  uint32_t type;          /* CURSOR_TYPE_* */
  uint32_t width, height; /* pixels; MONOCHROME height counts the AND and the XOR rows */
  uint32_t pitch;         /* bytes per shape row */
  int32_t hx, hy;         /* hotspot inside the image */
  const uint8_t *shape;   /* owned by the backend; valid until the next cursor() call */
};

/* Instance callbacks. Comments give the calling thread and ownership. */
struct lg_capture_impl {
  /* Capture thread. Begins delivering frames; false on failure (logged). */
  bool (*start)(struct lg_capture *cap);
  /* Capture thread. Stops delivering frames; start may be called again. */
  void (*stop)(struct lg_capture *cap);
  /* Capture thread. Waits up to timeout_ms for a new frame without spinning; fills `out`
   * (owned by the caller) on LG_CAPTURE_OK. */
  enum lg_capture_result (*capture)(struct lg_capture *cap, uint32_t timeout_ms,
                                    struct lg_capture_frame *out);
  /* Capture thread. Writes the pixels of the frame last returned by capture() into `dst`
   * (owned by the core); returns false if the frame cannot be written (logged). */
  bool (*write_frame)(struct lg_capture *cap, const struct lg_capture_frame *frame,
                      const struct lg_capture_dest *dst);
  /* Capture thread. Fills `out` with the current cursor state; returns true if any
   * *_changed flag is set. */
  bool (*cursor)(struct lg_capture *cap, struct lg_capture_cursor *out);
  /* Tick thread (may be NULL). Moves the pointer so its hotspot is at (x, y). The core
   * never calls it while start, stop or destroy run. */
  void (*set_cursor_pos)(struct lg_capture *cap, int32_t x, int32_t y);
  /* Main thread, after stop. Frees the instance. */
  void (*destroy)(struct lg_capture *cap);
};

/* The generic part every backend instance embeds. */
struct lg_capture {
  const struct lg_capture_impl *impl;
  const struct lg_capture_backend *backend;
};

/* One option a backend reads; the full name is "<backend>:<name>". */
struct lg_capture_option_desc {
  const char *name;          /* e.g. "width" */
  const char *description;   /* one line for --help */
  const char *default_value; /* as a string */
};

/* Option values handed to create(); `get` returns NULL when the option is unset. */
struct lg_capture_options {
  const char *(*get)(void *opaque, const char *backend, const char *name);
  void *opaque;
};

/* A backend entry for the table in backends.c. */
struct lg_capture_backend {
  const char *name;                             /* short name, also the option prefix */
  const char *description;                      /* one line */
  const struct lg_capture_option_desc *options; /* terminated by a NULL name */
  /* Main thread. True if the backend can work on this machine (cheap, no state kept). */
  bool (*probe)(void);
  /* Main thread. Creates an instance from `opts` (may be NULL: defaults); NULL on failure
   * (logged). The caller owns the result and frees it with lg_capture_destroy. */
  struct lg_capture *(*create)(const struct lg_capture_options *opts);
};

/* The compiled-in backends in probe order, terminated by NULL. */
extern const struct lg_capture_backend *const lg_capture_backends[];

/* Finds a compiled-in backend by name; NULL if there is none. */
const struct lg_capture_backend *lg_capture_find(const char *name);

/* Probes the backends in table order and returns the first that accepts; NULL if none. */
const struct lg_capture_backend *lg_capture_probe_all(void);

/* Value of option `name` of backend `b`: the set value, else its default; NULL if the
 * backend declares no such option. */
const char *lg_capture_opt_str(const struct lg_capture_backend *b,
                               const struct lg_capture_options *opts, const char *name);

/* Parses option `name` as an unsigned integer in [min, max]; false with one error line if
 * the value is not a number or out of range. */
bool lg_capture_opt_uint(const struct lg_capture_backend *b, const struct lg_capture_options *opts,
                         const char *name, uint32_t min, uint32_t max, uint32_t *out);

/* Maps option `name` to the index of its value in `choices` (NULL-terminated, case-
 * insensitive); false with one error line listing the choices otherwise. */
bool lg_capture_opt_choice(const struct lg_capture_backend *b,
                           const struct lg_capture_options *opts, const char *name,
                           const char *const *choices, unsigned *out);

/* Starts capture (see lg_capture_impl.start). */
bool lg_capture_start(struct lg_capture *cap);

/* Stops capture (see lg_capture_impl.stop). */
void lg_capture_stop(struct lg_capture *cap);

/* Waits for a frame (see lg_capture_impl.capture). */
enum lg_capture_result lg_capture_capture(struct lg_capture *cap, uint32_t timeout_ms,
                                          struct lg_capture_frame *out);

/* Writes the last frame's pixels (see lg_capture_impl.write_frame). */
bool lg_capture_write_frame(struct lg_capture *cap, const struct lg_capture_frame *frame,
                            const struct lg_capture_dest *dst);

/* Reads the cursor state (see lg_capture_impl.cursor). */
bool lg_capture_cursor(struct lg_capture *cap, struct lg_capture_cursor *out);

/* Warps the pointer if the backend can (see lg_capture_impl.set_cursor_pos). */
void lg_capture_set_cursor_pos(struct lg_capture *cap, int32_t x, int32_t y);

/* True if the backend can warp the pointer (SETCURSORPOS may be advertised). */
bool lg_capture_can_set_cursor_pos(const struct lg_capture *cap);

/* Frees an instance (NULL is ignored). */
void lg_capture_destroy(struct lg_capture *cap);

/* Helper for backends that hold the frame in CPU memory: copies `dst->rects` (or the whole
 * frame) from `src` (`src_pitch` bytes per row) into `dst`, clipped to the frame and to
 * dst->rows, in top-to-bottom bands, reporting progress after each band. */
bool lg_capture_copy_cpu(const struct lg_capture_frame *frame, const uint8_t *src, size_t src_pitch,
                         const struct lg_capture_dest *dst);

#endif
