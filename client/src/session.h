/* The host session (spec wire-b7 §2.4, §3.2-3.5, §5.1): follows the LGMP session on the
 * mapped region, checks the KVMFR udata, and runs a frame thread and a cursor thread.
 * When the host goes away (C3 fails, or a queue reports INVALID_SESSION, QUEUE_TIMEOUT,
 * QUEUE_UNSUBSCRIBED or CORRUPTED) it drops back to "waiting for the host" and attaches
 * again, without restarting the client.
 *
 * Frame hand-over: the frame thread validates a frame, waits until the host's write pointer
 * covers all of it, then posts it in a one-slot mailbox and waits until the render thread
 * has uploaded it (session_frame_take / session_frame_release) before acknowledging the
 * message: the pixels are read straight from the region, never copied by the client, and
 * nothing is allocated per frame. Cursor shapes are copied into a buffer allocated once. */
#ifndef CLIENT_SESSION_H
#define CLIENT_SESSION_H

#include "lg/kvmfr.h"
#include "lg/kvmfr_udata.h"
#include "region.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct session;

enum session_state {
  SESSION_WAITING = 0,  /* no live host yet (or it went away) */
  SESSION_NOT_LG,       /* the region holds no LGMP header (all zero or garbage) */
  SESSION_INCOMPATIBLE, /* LGMP or KVMFR version mismatch */
  SESSION_RUNNING,      /* subscribed and receiving */
};

/* A snapshot of what the session knows, for the status screen and diagnostics. */
struct session_info {
  enum session_state state;
  char message[256]; /* one line for the user ("Waiting for the host...") */
  uint64_t serial;   /* grows on every change of state or message */
  bool have_udata;   /* `udata` holds the last decoded KVMFR udata */
  struct lg_kvmfr_udata udata;
  uint32_t sessions; /* sessions attached so far */
};

/* The frame format as the render thread gets it (mirrors struct lg_frame_format). */
struct session_format {
  uint32_t type, width, height, data_height, stride, pitch, rotation;
  uint32_t screen_width, screen_height;
};

/* A frame handed to the render thread. `data` stays valid until session_frame_release. */
struct session_frame {
  bool format_changed; /* call the renderer's on_frame_format before on_frame */
  struct session_format format;
  const uint8_t *data;
  uint64_t frame_pos; /* region offset of the KVMFRFrame (the DMA-BUF cache key) */
  uint64_t data_pos;  /* region offset of `data` (data_height * pitch bytes, all written) */
  uint32_t serial;
  uint32_t flags;        /* FRAME_FLAG_* */
  uint32_t damage_count; /* 0: full damage */
  const struct frame_damage_rect *damage;
};

/* The cursor as the render thread gets it. */
struct session_cursor {
  bool shape_changed;
  uint32_t type, width, height, pitch;
  int32_t hot_x, hot_y;
  const uint8_t *shape; /* valid until the next session_cursor_take */
  bool pos_valid;
  int32_t x, y; /* image top-left, guest pixels */
  bool visible;
};

/* Starts the session thread on `region` (which must outlive the session). `wake` is called
 * from session threads whenever something new is waiting for the render thread. */
struct session *session_start(const struct region *region, void (*wake)(void *opaque),
                              void *opaque);

/* Stops every thread and frees the session. */
void session_stop(struct session *s);

/* Copies the current session info if its serial differs from `*seen`; true if it did. */
bool session_info_get(struct session *s, struct session_info *out, uint64_t *seen);

/* Render thread: takes the waiting frame, if any (then session_frame_release must follow). */
bool session_frame_take(struct session *s, struct session_frame *out);

/* Render thread: done with the frame from session_frame_take; `ok` false if it was refused
 * (the next frame is then sent with full damage and its format). */
void session_frame_release(struct session *s, bool ok);

/* Render thread: takes the cursor if it changed since the last call. */
bool session_cursor_take(struct session *s, struct session_cursor *out);

/* Asks the host to move the pointer hotspot to (x, y) guest pixels (SETCURSORPOS). Only sent
 * when the host advertises the feature; false if it does not or no host is attached. */
bool session_set_cursor_pos(struct session *s, int32_t x, int32_t y);

/* Takes the oldest pending alert (a transient line for the user, e.g. a skipped bad frame)
 * into `buf`; false when there is none. */
bool session_alert_take(struct session *s, char *buf, size_t cap);

/* Frames received, and frames skipped as invalid, since start. */
void session_counters(struct session *s, uint64_t *frames, uint64_t *bad);

#endif
