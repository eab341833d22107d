/* looking-glass-host app core: region, sessions (LGMP host, queues, buffers, capture), the
 * 10 ms tick thread and the capture loop. */
#include "app.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lg/cpuinfo.h"
#include "lg/log.h"
#include "lg/thread.h"
#include "lg/time.h"

#define TICK_MS 10u
#define IDLE_POLL_MS 100u /* no subscriber on either queue (spec 3.7.1) */
#define CAPTURE_WAIT_MS 100u
#define UDATA_CAP 1024u
#define RETRY_DELAY_MS 1000u

size_t lg_host_min_region_size(void)
{
  size_t n = LGMP_HEADER_SIZE + UDATA_CAP;
  n += 16u * (LGMP_Q_FRAME_LEN + 1) + 16u * (LGMP_Q_POINTER_LEN + 1);
  n += LG_POINTER_POS_BUFFERS * sizeof(struct kvmfr_cursor);
  n += POINTER_SHAPE_BUFFERS * ((size_t)MAX_POINTER_SIZE + 4);
  n += 2 * 2 * (size_t)LG_HOST_ALIGN + LG_HOST_ALIGN; /* two one-page frames + alignment */
  return n;
}

/* Tick-thread handler of client messages: SETCURSORPOS warps; everything is acknowledged by
 * LGMP after this returns. The message bytes are untrusted: only `size` bytes are read. */
static void on_client_msg(void *opaque, const void *data, uint32_t size)
{
  struct lg_host_session *s = opaque;
  uint32_t type;
  if (size < sizeof(type))
    return;
  memcpy(&type, data, sizeof(type));
  if (type == KVMFR_MESSAGE_SETCURSORPOS && size >= sizeof(struct kvmfr_set_cursor_pos)) {
    struct kvmfr_set_cursor_pos m;
    memcpy(&m, data, sizeof(m));
    atomic_fetch_add(&s->set_pos_count, 1);
    lg_mutex_lock(s->cap_lock);
    if (s->capturing)
      lg_capture_set_cursor_pos(s->cap, m.x, m.y);
    lg_mutex_unlock(s->cap_lock);
  }
}

static int tick_thread(void *opaque)
{
  struct lg_host_session *s = opaque;
  for (;;) {
    enum lgmp_status st = lgmp_host_process(s->lgmp, on_client_msg, s);
    if (st == LGMP_ERR_CORRUPTED) {
      LG_WARN("host: the region header was wiped (guest reboot?); starting a new session");
      atomic_store(&s->corrupted, true);
      return 0;
    }
    if (lg_event_wait(s->tick_stop, TICK_MS))
      return 0;
  }
}

static void session_end(struct lg_host_session *s)
{
  if (s->tick) {
    lg_event_signal(s->tick_stop);
    lg_thread_join(s->tick, NULL);
    s->tick = NULL;
  }
  lg_event_free(s->tick_stop);
  s->tick_stop = NULL;
  if (s->cap) {
    if (s->capturing)
      lg_capture_stop(s->cap);
    s->capturing = false;
    lg_capture_destroy(s->cap);
    s->cap = NULL;
  }
  lg_mutex_free(s->cap_lock);
  s->cap_lock = NULL;
  if (s->lgmp)
    lgmp_host_free(&s->lgmp);
  s->lgmp = NULL;
}

static const struct lg_capture_backend *pick_backend(const struct lg_host_config *cfg)
{
  if (cfg->capture && *cfg->capture) {
    const struct lg_capture_backend *b = lg_capture_find(cfg->capture);
    if (!b) {
      LG_ERROR("host: no capture backend named '%s'; compiled in:", cfg->capture);
      for (size_t i = 0; lg_capture_backends[i]; ++i)
        LG_ERROR("  %-8s %s", lg_capture_backends[i]->name, lg_capture_backends[i]->description);
    }
    return b;
  }
  const struct lg_capture_backend *b = lg_capture_probe_all();
  if (!b)
    LG_ERROR("host: no capture backend can run here");
  return b;
}

static bool alloc_all(struct lg_host_session *s, uint32_t size)
{
  enum lgmp_status st;
  struct lgmp_queue_config fq = {LGMP_Q_FRAME, LGMP_Q_FRAME_LEN, LG_SUB_TIMEOUT_MS};
  struct lgmp_queue_config pq = {LGMP_Q_POINTER, LGMP_Q_POINTER_LEN, LG_SUB_TIMEOUT_MS};
  if ((st = lgmp_host_queue_new(s->lgmp, fq, &s->frame_q)) != LGMP_OK ||
      (st = lgmp_host_queue_new(s->lgmp, pq, &s->pointer_q)) != LGMP_OK) {
    LG_ERROR("host: cannot create the queues: %s", lgmp_status_string(st));
    return false;
  }
  for (unsigned i = 0; i < LG_POINTER_POS_BUFFERS; ++i)
    if ((st = lgmp_host_mem_alloc(s->lgmp, sizeof(struct kvmfr_cursor), 4, &s->pos_mem[i])) !=
        LGMP_OK)
      goto nomem;
  for (unsigned i = 0; i < POINTER_SHAPE_BUFFERS; ++i)
    if ((st = lgmp_host_mem_alloc(s->lgmp, MAX_POINTER_SIZE, 4, &s->shape_mem[i])) != LGMP_OK)
      goto nomem;
  uint32_t per = lg_host_frame_alloc_size(size, lgmp_host_mem_next(s->lgmp), LG_HOST_ALIGN);
  if (per <= LG_HOST_ALIGN) {
    st = LGMP_ERR_NO_SHARED_MEM;
    goto nomem;
  }
  for (unsigned i = 0; i < 2; ++i) {
    if ((st = lgmp_host_mem_alloc(s->lgmp, per, LG_HOST_ALIGN, &s->frame_mem[i])) != LGMP_OK)
      goto nomem;
    struct kvmfr_frame *f = s->frame_mem[i].mem;
    memset(f, 0, sizeof(*f));
    f->offset = LG_HOST_ALIGN - 4;
  }
  s->frame_rows_bytes = per - LG_HOST_ALIGN;
  LG_INFO("host: frame buffers 2 x %" PRIu32 " bytes at 0x%" PRIx32 " and 0x%" PRIx32
          " (max %" PRIu32 " data bytes each)",
          per, s->frame_mem[0].offset, s->frame_mem[1].offset, s->frame_rows_bytes);
  return true;
nomem:
  LG_ERROR("host: the region is too small for the host's buffers: %s", lgmp_status_string(st));
  return false;
}

/* Sets up one session; false (logged) on failure. */
static bool session_begin(struct lg_host_session *s, const struct lg_host_config *cfg,
                          const struct lg_capture_backend *b, struct lg_region *region,
                          const struct lg_guest_facts *facts, struct lg_copy_pool *pool,
                          FILE *timing_log)
{
  memset(s, 0, sizeof(*s));
  s->copy_pool = pool;
  s->timing_log = timing_log;
  s->last_buf = -1;
  s->last_shape = -1;
  atomic_init(&s->corrupted, false);
  atomic_init(&s->set_pos_count, 0);

  s->cap_lock = lg_mutex_new();
  if (!s->cap_lock)
    return false;
  s->cap = b->create(cfg->capture_opts);
  if (!s->cap || !lg_capture_start(s->cap))
    goto fail;
  s->capturing = true;

  uint8_t udata[UDATA_CAP];
  uint32_t features = lg_capture_can_set_cursor_pos(s->cap) ? KVMFR_FEATURE_SETCURSORPOS : 0;
  size_t ulen =
      lg_host_build_udata(udata, sizeof(udata), cfg->version, features, b->name, facts, cfg->root);
  if (!ulen)
    goto fail;
  uint32_t size =
      region->size > UINT32_MAX ? (UINT32_MAX & ~(LG_HOST_ALIGN - 1)) : (uint32_t)region->size;
  enum lgmp_status st = lgmp_host_init(region->mem, size, udata, (uint32_t)ulen, &s->lgmp);
  if (st != LGMP_OK) {
    LG_ERROR("host: LGMP init failed: %s", lgmp_status_string(st));
    goto fail;
  }
  if (!alloc_all(s, size))
    goto fail;
  lg_damage_acc_init(&s->acc[0]);
  lg_damage_acc_init(&s->acc[1]);
  lg_damage_acc_init(&s->acc_post);

  s->tick_stop = lg_event_new(true);
  if (!s->tick_stop)
    goto fail;
  s->tick = lg_thread_create("lgmp-tick", tick_thread, s);
  if (!s->tick)
    goto fail;
  LG_INFO("host: session 0x%08" PRIx32 " up: capture '%s', udata %" PRIu64
          " bytes, features 0x%" PRIx32,
          lgmp_host_session_id(s->lgmp), b->name, (uint64_t)ulen, features);
  return true;
fail:
  session_end(s);
  return false;
}

enum loop_end { LOOP_STOP, LOOP_REINIT, LOOP_ERROR };

/* The capture loop of one session. */
static enum loop_end session_loop(struct lg_host_session *s, _Atomic bool *stop,
                                  uint64_t deadline_ms)
{
  struct lg_capture_frame frame;
  struct lg_capture_cursor cur;
  bool want_repost = false;
  while (!atomic_load(stop)) {
    if (deadline_ms && lg_time_ms() >= deadline_ms)
      return LOOP_STOP;
    if (atomic_load(&s->corrupted))
      return LOOP_REINIT;
    bool frame_subs = lgmp_host_queue_has_subs(s->frame_q);
    bool ptr_subs = lgmp_host_queue_has_subs(s->pointer_q);
    if (lgmp_host_queue_new_subs(s->frame_q) > 0)
      want_repost = true;
    bool new_ptr = lgmp_host_queue_new_subs(s->pointer_q) > 0;
    if (!frame_subs && !ptr_subs) {
      /* Nobody watches: stop capturing (B7 does the same) and poll. */
      if (s->capturing) {
        lg_mutex_lock(s->cap_lock);
        lg_capture_stop(s->cap);
        s->capturing = false;
        lg_mutex_unlock(s->cap_lock);
        LG_INFO("host: no subscribers; capture paused");
      }
      lg_sleep_ms(IDLE_POLL_MS);
      continue;
    }
    if (!s->capturing) {
      lg_mutex_lock(s->cap_lock);
      s->capturing = lg_capture_start(s->cap);
      lg_mutex_unlock(s->cap_lock);
      if (!s->capturing)
        return LOOP_ERROR;
      LG_INFO("host: a client subscribed; capture resumed");
    }

    enum lg_capture_result r = lg_capture_capture(s->cap, CAPTURE_WAIT_MS, &frame);
    switch (r) {
    case LG_CAPTURE_OK:
      lg_host_note_damage(s, &frame);
      if (frame_subs) {
        if (!lg_host_post_frame(s, &frame))
          LG_WARN_RL("host: frame not written");
        want_repost = false;
      }
      break;
    case LG_CAPTURE_TIMEOUT:
      if (want_repost && frame_subs && lg_host_repost_frame(s))
        want_repost = false;
      break;
    case LG_CAPTURE_REINIT:
      return LOOP_REINIT;
    case LG_CAPTURE_ERROR:
      return LOOP_ERROR;
    }

    /* With no pointer subscriber the post goes to nobody but keeps the state (and the last
     * shape buffer) for the next subscriber. */
    bool changed = lg_capture_cursor(s->cap, &cur);
    bool full = ptr_subs && (new_ptr || s->cursor_resend);
    if (changed || full)
      lg_host_post_cursor(s, &cur, full);
  }
  return LOOP_STOP;
}

int lg_host_run(const struct lg_host_config *cfg, _Atomic bool *stop)
{
  const struct lg_capture_backend *backend = pick_backend(cfg);
  if (!backend)
    return 1;
  struct lg_guest_facts facts;
  lg_guest_facts_init(&facts);
  lg_guest_facts_read_cpu(&facts);
  if (lg_guest_facts_read_bar(&facts, cfg->root, cfg->shm_device))
    LG_INFO("host: guest facts: ivshmem %s BAR2 0x%" PRIx64 " (%" PRIu64
            " MiB), phys-bits %u, hypervisor '%s'",
            facts.bdf, facts.bar_addr, facts.bar_size >> 20, facts.phys_bits, facts.hv_signature);
  else
    LG_INFO("host: guest facts: no ivshmem BAR found, phys-bits %u, hypervisor '%s'",
            facts.phys_bits, facts.hv_signature);

  struct lg_region region;
  struct lg_region_params rp = {.path = cfg->shm_file,
                                .root = cfg->root,
                                .device = cfg->shm_device,
                                .min_size = lg_host_min_region_size()};
  if (!lg_region_open(&rp, &region, &facts))
    return 1;

  uint64_t deadline = cfg->exit_after_ms ? lg_time_ms() + cfg->exit_after_ms : 0;
  struct lg_host_session *s = calloc(1, sizeof(*s));
  if (!s) {
    LG_ERROR("host: out of memory");
    lg_region_close(&region);
    return 1;
  }
  /* Full-frame writes are split across this pool (one copy thread can not fill the memory
   * bandwidth); without it they run on the capture thread alone. */
  unsigned threads = cfg->copy_threads;
  if (threads == 0)
    threads = lg_cpu_count() >= 2 ? LG_HOST_COPY_THREADS_DEFAULT : 1;
  struct lg_copy_pool *pool = threads > 1 ? lg_copy_pool_new(threads) : NULL;
  if (threads > 1 && !pool)
    LG_WARN("host: no copy threads; frames are copied by the capture thread alone");
  /* Opt-in timing lines (one per posted frame), buffered, written out at exit. */
  FILE *timing = NULL;
  if (cfg->timing_log && *cfg->timing_log) {
    timing = fopen(cfg->timing_log, "a");
    if (!timing)
      LG_WARN("host: cannot open the timing log '%s'; timing lines are off", cfg->timing_log);
  }
  int rc = 0;
  while (!atomic_load(stop) && !(deadline && lg_time_ms() >= deadline)) {
    if (!session_begin(s, cfg, backend, &region, &facts, pool, timing)) {
      lg_sleep_ms(RETRY_DELAY_MS);
      continue;
    }
    enum loop_end e = session_loop(s, stop, deadline);
    session_end(s);
    if (e == LOOP_ERROR)
      lg_sleep_ms(RETRY_DELAY_MS);
  }
  free(s);
  if (timing)
    fclose(timing);
  lg_copy_pool_free(pool);
  lg_region_close(&region);
  return rc;
}
