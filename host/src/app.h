/* looking-glass-host app core (private): one session = LGMP host + queues + buffers + a
 * capture instance; the capture loop runs on the calling thread, the 10 ms LGMP tick on its
 * own thread. */
#ifndef LG_HOST_APP_H
#define LG_HOST_APP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capture/capture.h"
#include "lg/framebuffer.h"
#include "lgmp/host.h"
#include "platform/region.h"

/* The frame allocation alignment (B7 alignSize without D3D12); KVMFRFrame.offset = A - 4. */
#define LG_HOST_ALIGN 4096u

/* What main() hands the app. */
struct lg_host_config {
  const char *shm_file; /* -f; NULL or "" = the ivshmem PCI device */
  const char *root;     /* sysfs/etc root for facts ("/") */
  unsigned shm_device;  /* os:shmDevice */
  const char *capture;  /* backend name; NULL or "" = probe */
  const struct lg_capture_options *capture_opts;
  uint32_t exit_after_ms; /* 0 = run until stopped */
  const char *version;    /* hostver */
  unsigned copy_threads;  /* threads for full-frame copies, caller included; 0 = default */
  const char *timing_log; /* debug:timingLog; NULL or "" = off */
};

/* Copy threads used when lg_host_config.copy_threads is 0 (1 on a single-CPU machine). */
#define LG_HOST_COPY_THREADS_DEFAULT 2u

/* Per-session state shared by the capture loop and the tick thread. */
struct lg_host_session {
  struct lgmp_host *lgmp;
  struct lgmp_host_queue *frame_q, *pointer_q;
  struct lgmp_memory pos_mem[LG_POINTER_POS_BUFFERS];
  struct lgmp_memory shape_mem[POINTER_SHAPE_BUFFERS];
  struct lgmp_memory frame_mem[2];
  uint32_t frame_rows_bytes; /* data bytes per frame buffer: alloc size - A */

  /* Frame state (capture thread). */
  struct lg_damage_acc acc[2];   /* what each buffer missed since it was last written */
  struct lg_damage_acc acc_post; /* change since the last posted frame: the header's rects */
  unsigned next_buf;
  int last_buf; /* -1 until a frame was posted */
  uint32_t frame_serial, format_ver;
  struct kvmfr_frame last_fmt; /* type/size/pitch/rotation/flags of the last posted frame */

  /* Cursor state (capture thread). */
  unsigned next_pos, next_shape;
  int last_shape;                  /* -1 until a shape was written */
  struct lg_capture_cursor cursor; /* last known (shape pointer not kept) */
  bool cursor_known, cursor_resend;

  struct lg_copy_pool *copy_pool; /* not owned (lg_host_run's); NULL = copy inline */
  FILE *timing_log;               /* not owned (lg_host_run's); NULL = no timing lines */
  struct lg_capture *cap;
  struct lg_mutex *cap_lock; /* held around start/stop and the tick's set_cursor_pos */
  bool capturing;            /* started (guarded by cap_lock) */
  struct lg_thread *tick;
  struct lg_event *tick_stop;
  _Atomic bool corrupted;
  _Atomic uint32_t set_pos_count; /* SETCURSORPOS messages handled */
};

/* Runs the host until `stop` becomes true (or exit_after_ms passes); returns the exit code. */
int lg_host_run(const struct lg_host_config *cfg, _Atomic bool *stop);

/* Smallest region the host can run in (header, udata, rings, cursor buffers, two tiny frames). */
size_t lg_host_min_region_size(void);

/* Per-buffer size of the two frame buffers in a `size`-byte region whose next free offset is
 * `next_free` (spec 3.7: floor((size - ALIGN(next, A)) / 2A) * A); 0 if they do not fit. */
uint32_t lg_host_frame_alloc_size(uint32_t size, uint32_t next_free, uint32_t align);

/* Builds the KVMFR udata (header, VMINFO, OSINFO, LGDIAG) into buf; returns its length or 0. */
size_t lg_host_build_udata(void *buf, size_t cap, const char *version, uint32_t features,
                           const char *capture_name, const struct lg_guest_facts *facts,
                           const char *root);

/* Writes frame `f` into the next frame buffer and posts it (capture thread). */
bool lg_host_post_frame(struct lg_host_session *s, const struct lg_capture_frame *f);

/* Adds a captured frame's damage to both buffers (also when the frame is not posted). */
void lg_host_note_damage(struct lg_host_session *s, const struct lg_capture_frame *f);

/* Reposts the last frame for a new subscriber (same memory, same serial). */
bool lg_host_repost_frame(struct lg_host_session *s);

/* Posts a cursor update; `full` also sends the last shape (new subscriber). */
bool lg_host_post_cursor(struct lg_host_session *s, const struct lg_capture_cursor *c, bool full);

#endif
