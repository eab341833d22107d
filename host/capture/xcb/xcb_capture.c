/* The `xcb` capture backend (see xcb_capture.h). */
#include "xcb_capture.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include <xcb/damage.h>
#include <xcb/shm.h>
#include <xcb/xcb.h>
#include <xcb/xfixes.h>

#include "lg/log.h"
#include "lg/time.h"

struct xcb_capture {
  struct lg_capture base;
  char display[128]; /* empty: $DISPLAY */
  xcb_connection_t *conn;
  xcb_window_t root;
  uint32_t width, height, format;
  uint8_t damage_event, fixes_event;
  xcb_damage_damage_t damage;
  bool damage_made;
  xcb_shm_seg_t seg;
  int shmid;
  uint8_t *shm;
  size_t shm_size;
  bool started;
  /* Damage collected since the last frame. */
  bool full;
  uint32_t nrects;
  struct frame_damage_rect rects[LG_CAPTURE_MAX_RECTS];
  bool resized;
  /* Cursor. */
  bool shape_dirty, shape_sent, visible_sent;
  int32_t hx, hy, last_x, last_y;
  uint32_t cw, ch;
  uint8_t *shape; /* LG_CURSOR_MAX_DIM^2 * 4 bytes */
};

static const struct lg_capture_option_desc xcb_options[] = {
    {"display", "X display to capture (empty: $DISPLAY)", ""},
    {NULL, NULL, NULL},
};

void lg_xcb_cursor_to_bgra(const uint32_t *argb, uint8_t *out, uint32_t count)
{
  for (uint32_t i = 0; i < count; ++i, out += 4) {
    uint32_t p = argb[i];
    uint32_t a = p >> 24, r = (p >> 16) & 0xffu, g = (p >> 8) & 0xffu, b = p & 0xffu;
    if (a != 0 && a != 255) {
      r = r >= a ? 255u : (r * 255u + a / 2) / a;
      g = g >= a ? 255u : (g * 255u + a / 2) / a;
      b = b >= a ? 255u : (b * 255u + a / 2) / a;
    }
    out[0] = (uint8_t)b;
    out[1] = (uint8_t)g;
    out[2] = (uint8_t)r;
    out[3] = (uint8_t)a;
  }
}

static bool has_ext(xcb_connection_t *c, xcb_extension_t *ext, const char *name, bool quiet)
{
  const xcb_query_extension_reply_t *r = xcb_get_extension_data(c, ext);
  if (r && r->present)
    return true;
  if (!quiet)
    LG_ERROR("xcb: the X server lacks the %s extension", name);
  return false;
}

static bool xcb_probe(void)
{
  const char *d = getenv("DISPLAY");
  if (!d || !*d)
    return false;
  xcb_connection_t *c = xcb_connect(NULL, NULL);
  bool ok = c && !xcb_connection_has_error(c) && has_ext(c, &xcb_shm_id, "MIT-SHM", true) &&
            has_ext(c, &xcb_damage_id, "DAMAGE", true) &&
            has_ext(c, &xcb_xfixes_id, "XFIXES", true);
  if (c)
    xcb_disconnect(c);
  return ok;
}

static uint32_t visual_format(const xcb_screen_t *s)
{
  for (xcb_depth_iterator_t d = xcb_screen_allowed_depths_iterator(s); d.rem; xcb_depth_next(&d))
    for (xcb_visualtype_iterator_t v = xcb_depth_visuals_iterator(d.data); v.rem;
         xcb_visualtype_next(&v)) {
      if (v.data->visual_id != s->root_visual)
        continue;
      if (v.data->red_mask == 0xff0000u && v.data->green_mask == 0xff00u &&
          v.data->blue_mask == 0xffu)
        return FRAME_TYPE_BGRA;
      if (v.data->red_mask == 0xffu && v.data->green_mask == 0xff00u &&
          v.data->blue_mask == 0xff0000u)
        return FRAME_TYPE_RGBA;
      return FRAME_TYPE_INVALID;
    }
  return FRAME_TYPE_INVALID;
}

static void release_shm(struct xcb_capture *x)
{
  if (x->shm) {
    if (x->conn)
      xcb_shm_detach(x->conn, x->seg);
    shmdt(x->shm);
    x->shm = NULL;
  }
}

static void xcb_cap_stop(struct lg_capture *cap)
{
  struct xcb_capture *x = container_of(cap, struct xcb_capture, base);
  if (x->conn) {
    if (x->damage_made)
      xcb_damage_destroy(x->conn, x->damage);
    release_shm(x);
    xcb_disconnect(x->conn);
  }
  x->damage_made = false;
  x->conn = NULL;
  x->started = false;
}

static bool xcb_cap_start(struct lg_capture *cap)
{
  struct xcb_capture *x = container_of(cap, struct xcb_capture, base);
  int screen_num = 0;
  x->conn = xcb_connect(x->display[0] ? x->display : NULL, &screen_num);
  if (!x->conn || xcb_connection_has_error(x->conn)) {
    LG_ERROR("xcb: cannot connect to display '%s'",
             x->display[0] ? x->display : (getenv("DISPLAY") ? getenv("DISPLAY") : ""));
    goto fail;
  }
  if (!has_ext(x->conn, &xcb_shm_id, "MIT-SHM", false) ||
      !has_ext(x->conn, &xcb_damage_id, "DAMAGE", false) ||
      !has_ext(x->conn, &xcb_xfixes_id, "XFIXES", false))
    goto fail;
  free(xcb_damage_query_version_reply(x->conn, xcb_damage_query_version(x->conn, 1, 1), NULL));
  free(xcb_xfixes_query_version_reply(x->conn, xcb_xfixes_query_version(x->conn, 4, 0), NULL));
  x->damage_event = xcb_get_extension_data(x->conn, &xcb_damage_id)->first_event;
  x->fixes_event = xcb_get_extension_data(x->conn, &xcb_xfixes_id)->first_event;

  xcb_screen_iterator_t it = xcb_setup_roots_iterator(xcb_get_setup(x->conn));
  for (int i = 0; i < screen_num && it.rem; ++i)
    xcb_screen_next(&it);
  if (!it.rem) {
    LG_ERROR("xcb: screen %d not found", screen_num);
    goto fail;
  }
  const xcb_screen_t *s = it.data;
  x->root = s->root;
  x->width = s->width_in_pixels;
  x->height = s->height_in_pixels;
  x->format = visual_format(s);
  if (x->format == FRAME_TYPE_INVALID || (s->root_depth != 24 && s->root_depth != 32)) {
    LG_ERROR("xcb: unsupported root visual (depth %u); need 24/32-bit TrueColor", s->root_depth);
    goto fail;
  }

  x->shm_size = (size_t)x->width * x->height * 4;
  x->shmid = shmget(IPC_PRIVATE, x->shm_size, IPC_CREAT | 0600);
  if (x->shmid < 0) {
    LG_ERROR("xcb: shmget of %zu bytes failed: %s", x->shm_size, strerror(errno));
    goto fail;
  }
  void *addr = shmat(x->shmid, NULL, 0);
  if (addr == (void *)-1) {
    LG_ERROR("xcb: shmat failed: %s", strerror(errno));
    shmctl(x->shmid, IPC_RMID, NULL);
    goto fail;
  }
  x->seg = xcb_generate_id(x->conn);
  xcb_generic_error_t *err =
      xcb_request_check(x->conn, xcb_shm_attach_checked(x->conn, x->seg, (uint32_t)x->shmid, 0));
  shmctl(x->shmid, IPC_RMID, NULL); /* freed once both sides detach */
  if (err) {
    LG_ERROR("xcb: MIT-SHM attach failed (error %u); is the X server on another host?",
             err->error_code);
    free(err);
    shmdt(addr);
    goto fail;
  }
  x->shm = addr;

  x->damage = xcb_generate_id(x->conn);
  xcb_damage_create(x->conn, x->damage, x->root, XCB_DAMAGE_REPORT_LEVEL_RAW_RECTANGLES);
  x->damage_made = true;
  xcb_xfixes_select_cursor_input(x->conn, x->root, XCB_XFIXES_CURSOR_NOTIFY_MASK_DISPLAY_CURSOR);
  uint32_t mask = XCB_EVENT_MASK_STRUCTURE_NOTIFY;
  xcb_change_window_attributes(x->conn, x->root, XCB_CW_EVENT_MASK, &mask);
  xcb_flush(x->conn);

  x->full = true; /* the first frame is complete */
  x->nrects = 0;
  x->resized = false;
  x->shape_dirty = true;
  x->shape_sent = x->visible_sent = false;
  x->started = true;
  LG_INFO("xcb: capturing %ux%u (%s) from display '%s'", x->width, x->height,
          x->format == FRAME_TYPE_BGRA ? "BGRA" : "RGBA",
          x->display[0] ? x->display : (getenv("DISPLAY") ? getenv("DISPLAY") : ""));
  return true;

fail:
  xcb_cap_stop(cap);
  return false;
}

static void add_damage(struct xcb_capture *x, const xcb_rectangle_t *a)
{
  if (x->full)
    return;
  int32_t x0 = a->x < 0 ? 0 : a->x, y0 = a->y < 0 ? 0 : a->y;
  int32_t x1 = a->x + a->width, y1 = a->y + a->height;
  if (x1 > (int32_t)x->width)
    x1 = (int32_t)x->width;
  if (y1 > (int32_t)x->height)
    y1 = (int32_t)x->height;
  if (x1 <= x0 || y1 <= y0)
    return;
  if (x->nrects == LG_CAPTURE_MAX_RECTS) {
    x->full = true;
    return;
  }
  x->rects[x->nrects++] = (struct frame_damage_rect){(uint32_t)x0, (uint32_t)y0,
                                                     (uint32_t)(x1 - x0), (uint32_t)(y1 - y0)};
}

/* Handles every queued event; false if the connection broke. */
static bool drain_events(struct xcb_capture *x)
{
  xcb_generic_event_t *ev;
  while ((ev = xcb_poll_for_event(x->conn))) {
    uint8_t type = ev->response_type & 0x7f;
    if (type == (uint8_t)(x->damage_event + XCB_DAMAGE_NOTIFY)) {
      add_damage(x, &((xcb_damage_notify_event_t *)ev)->area);
    } else if (type == (uint8_t)(x->fixes_event + XCB_XFIXES_CURSOR_NOTIFY)) {
      x->shape_dirty = true;
    } else if (type == XCB_CONFIGURE_NOTIFY) {
      xcb_configure_notify_event_t *c = (xcb_configure_notify_event_t *)ev;
      if (c->window == x->root && (c->width != x->width || c->height != x->height))
        x->resized = true;
    }
    free(ev);
  }
  if (xcb_connection_has_error(x->conn)) {
    LG_ERROR("xcb: connection to the X server lost");
    return false;
  }
  return true;
}

static enum lg_capture_result xcb_cap_capture(struct lg_capture *cap, uint32_t timeout_ms,
                                              struct lg_capture_frame *out)
{
  struct xcb_capture *x = container_of(cap, struct xcb_capture, base);
  if (!x->started)
    return LG_CAPTURE_ERROR;
  uint64_t deadline = lg_time_ns() + (uint64_t)timeout_ms * 1000000ull;
  for (;;) {
    if (!drain_events(x))
      return LG_CAPTURE_REINIT;
    if (x->resized) {
      LG_INFO("xcb: the screen size changed; restarting capture");
      return LG_CAPTURE_REINIT;
    }
    if (x->full || x->nrects)
      break;
    uint64_t now = lg_time_ns();
    if (now >= deadline)
      return LG_CAPTURE_TIMEOUT;
    struct pollfd pfd = {.fd = xcb_get_file_descriptor(x->conn), .events = POLLIN};
    int ms = (int)((deadline - now + 999999ull) / 1000000ull);
    if (poll(&pfd, 1, ms) < 0 && errno != EINTR) {
      LG_ERROR("xcb: poll failed: %s", strerror(errno));
      return LG_CAPTURE_ERROR;
    }
  }

  /* Clear the server-side region so it does not grow; raw events keep coming. */
  xcb_damage_subtract(x->conn, x->damage, XCB_NONE, XCB_NONE);
  xcb_generic_error_t *err = NULL;
  xcb_shm_get_image_reply_t *r = xcb_shm_get_image_reply(
      x->conn,
      xcb_shm_get_image(x->conn, x->root, 0, 0, (uint16_t)x->width, (uint16_t)x->height, UINT32_MAX,
                        XCB_IMAGE_FORMAT_Z_PIXMAP, x->seg, 0),
      &err);
  if (!r) {
    LG_ERROR_RL("xcb: MIT-SHM GetImage failed (error %u)", err ? err->error_code : 0);
    free(err);
    return xcb_connection_has_error(x->conn) ? LG_CAPTURE_REINIT : LG_CAPTURE_ERROR;
  }
  free(r);

  memset(out, 0, offsetof(struct lg_capture_frame, damage));
  out->format = x->format;
  out->format_serial = 1;
  out->width = out->screen_width = x->width;
  out->height = out->screen_height = x->height;
  out->pitch = x->width * 4;
  out->stride = x->width;
  out->rotation = FRAME_ROT_0;
  out->full_damage = x->full;
  if (!x->full) {
    out->damage_count = x->nrects;
    memcpy(out->damage, x->rects, x->nrects * sizeof(x->rects[0]));
  }
  x->full = false;
  x->nrects = 0;
  return LG_CAPTURE_OK;
}

static bool xcb_cap_write_frame(struct lg_capture *cap, const struct lg_capture_frame *frame,
                                const struct lg_capture_dest *dst)
{
  struct xcb_capture *x = container_of(cap, struct xcb_capture, base);
  if (!x->shm || frame->width != x->width || frame->height != x->height) {
    LG_ERROR_RL("xcb: write_frame without a matching captured frame");
    return false;
  }
  return lg_capture_copy_cpu(frame, x->shm, (size_t)x->width * 4, dst);
}

static bool xcb_cap_cursor(struct lg_capture *cap, struct lg_capture_cursor *out)
{
  struct xcb_capture *x = container_of(cap, struct xcb_capture, base);
  memset(out, 0, sizeof(*out));
  if (!x->started)
    return false;
  int32_t px, py;
  bool shape_new = false;
  if (x->shape_dirty) {
    x->shape_dirty = false;
    xcb_xfixes_get_cursor_image_reply_t *r =
        xcb_xfixes_get_cursor_image_reply(x->conn, xcb_xfixes_get_cursor_image(x->conn), NULL);
    if (!r)
      return false;
    px = r->x;
    py = r->y;
    if (r->width <= LG_CURSOR_MAX_DIM && r->height <= LG_CURSOR_MAX_DIM &&
        (uint32_t)xcb_xfixes_get_cursor_image_cursor_image_length(r) >=
            (uint32_t)r->width * r->height) {
      lg_xcb_cursor_to_bgra(xcb_xfixes_get_cursor_image_cursor_image(r), x->shape,
                            (uint32_t)r->width * r->height);
      x->cw = r->width;
      x->ch = r->height;
      x->hx = r->xhot;
      x->hy = r->yhot;
      shape_new = true;
    } else {
      LG_WARN_RL("xcb: cursor image %ux%u is larger than %u; keeping the old one", r->width,
                 r->height, LG_CURSOR_MAX_DIM);
    }
    free(r);
  } else {
    xcb_query_pointer_reply_t *q =
        xcb_query_pointer_reply(x->conn, xcb_query_pointer(x->conn, x->root), NULL);
    if (!q)
      return false;
    px = q->root_x;
    py = q->root_y;
    free(q);
  }
  out->x = px - x->hx;
  out->y = py - x->hy;
  out->position_changed = !x->visible_sent || out->x != x->last_x || out->y != x->last_y;
  out->visible = true; /* XFixes offers no way to ask whether the cursor is hidden */
  out->visible_changed = !x->visible_sent;
  out->shape_changed = shape_new || (!x->shape_sent && x->cw);
  out->type = CURSOR_TYPE_COLOR;
  out->width = x->cw;
  out->height = x->ch;
  out->pitch = x->cw * 4;
  out->hx = x->hx;
  out->hy = x->hy;
  out->shape = x->shape;
  x->last_x = out->x;
  x->last_y = out->y;
  x->visible_sent = true;
  if (out->shape_changed)
    x->shape_sent = true;
  return out->position_changed || out->visible_changed || out->shape_changed;
}

static void xcb_cap_set_cursor_pos(struct lg_capture *cap, int32_t px, int32_t py)
{
  struct xcb_capture *x = container_of(cap, struct xcb_capture, base);
  if (!x->started || !x->conn)
    return;
  int16_t cx = (int16_t)(px < INT16_MIN ? INT16_MIN : px > INT16_MAX ? INT16_MAX : px);
  int16_t cy = (int16_t)(py < INT16_MIN ? INT16_MIN : py > INT16_MAX ? INT16_MAX : py);
  xcb_warp_pointer(x->conn, XCB_NONE, x->root, 0, 0, 0, 0, cx, cy);
  xcb_flush(x->conn);
}

static void xcb_cap_destroy(struct lg_capture *cap)
{
  struct xcb_capture *x = container_of(cap, struct xcb_capture, base);
  if (x->started)
    xcb_cap_stop(cap);
  free(x->shape);
  free(x);
}

static const struct lg_capture_impl xcb_impl = {
    .start = xcb_cap_start,
    .stop = xcb_cap_stop,
    .capture = xcb_cap_capture,
    .write_frame = xcb_cap_write_frame,
    .cursor = xcb_cap_cursor,
    .set_cursor_pos = xcb_cap_set_cursor_pos,
    .destroy = xcb_cap_destroy,
};

static struct lg_capture *xcb_create(const struct lg_capture_options *opts)
{
  struct xcb_capture *x = calloc(1, sizeof(*x));
  if (x)
    x->shape = malloc((size_t)LG_CURSOR_MAX_DIM * LG_CURSOR_MAX_DIM * 4);
  if (!x || !x->shape) {
    LG_ERROR("xcb: out of memory");
    if (x)
      free(x);
    return NULL;
  }
  x->base.impl = &xcb_impl;
  x->base.backend = &lg_capture_xcb;
  const char *d = lg_capture_opt_str(&lg_capture_xcb, opts, "display");
  if (d && strlen(d) >= sizeof(x->display)) {
    LG_ERROR("xcb:display: '%s' is too long", d);
    xcb_cap_destroy(&x->base);
    return NULL;
  }
  snprintf(x->display, sizeof(x->display), "%s", d ? d : "");
  return &x->base;
}

const struct lg_capture_backend lg_capture_xcb = {
    .name = "xcb",
    .description = "X11 root window through MIT-SHM, XDamage and XFixes",
    .options = xcb_options,
    .probe = xcb_probe,
    .create = xcb_create,
};
