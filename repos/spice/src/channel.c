/* Channel framing (mini or full data header) and the message dispatch of the
 * main and inputs channels. Everything received here is untrusted. */
#include "spice_internal.h"

#include "lg/log.h"

#include <spice/enums.h>
#include <spice/protocol.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

_Static_assert(sizeof(SpiceMiniDataHeader) == 6, "mini header size");
_Static_assert(sizeof(SpiceDataHeader) == 18, "data header size");

bool spice_buf_append(struct spice_buf *b, const void *d, size_t n)
{
  if (n > SPICE_BUF_MAX || b->len > SPICE_BUF_MAX - n)
    return false;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n)
      cap *= 2;
    uint8_t *p = realloc(b->data, cap);
    if (!p)
      return false;
    b->data = p;
    b->cap = cap;
  }
  if (n)
    memcpy(b->data + b->len, d, n);
  b->len += n;
  return true;
}

void spice_buf_consume(struct spice_buf *b, size_t n)
{
  if (n >= b->len) {
    b->len = 0;
    return;
  }
  memmove(b->data, b->data + n, b->len - n);
  b->len -= n;
}

void spice_buf_free(struct spice_buf *b)
{
  free(b->data);
  memset(b, 0, sizeof(*b));
}

void spice_chan_init(struct spice_chan *c, uint8_t type, uint8_t id)
{
  memset(c, 0, sizeof(*c));
  c->fd = -1;
  c->type = type;
  c->id = id;
  c->mini = true;
}

void spice_chan_close(struct spice_chan *c)
{
  if (c->fd >= 0)
    close(c->fd);
  c->fd = -1;
  c->linked = false;
  free(c->msg);
  c->msg = NULL;
  spice_buf_free(&c->out);
}

bool spice_chan_queue(struct spice_chan *c, uint16_t type, const void *payload, size_t len)
{
  uint8_t hdr[18];
  size_t hlen;
  if (len > SPICE_MSG_MAX)
    return false;
  if (c->mini) {
    spice_put_u16(hdr, type);
    spice_put_u32(hdr + 2, (uint32_t)len);
    hlen = 6;
  } else {
    spice_put_u64(hdr, ++c->serial);
    spice_put_u16(hdr + 8, type);
    spice_put_u32(hdr + 10, (uint32_t)len);
    spice_put_u32(hdr + 14, 0);
    hlen = 18;
  }
  size_t old = c->out.len;
  if (!spice_buf_append(&c->out, hdr, hlen) || !spice_buf_append(&c->out, payload, len)) {
    c->out.len = old;
    LG_WARN_RL("spice: send queue full, message %u dropped", type);
    return false;
  }
  return true;
}

static void queue_u32(struct spice_chan *c, uint16_t type, uint32_t v)
{
  uint8_t b[4];
  spice_put_u32(b, v);
  spice_chan_queue(c, type, b, sizeof(b));
}

void spice_inputs_flush_motion(struct spice_session *s, bool force)
{
  struct spice_chan *c = &s->inputs;
  if (!c->linked)
    return;
  while ((s->rel_pending || s->abs_pending) &&
         (force || s->motion_unacked < 2 * SPICE_INPUT_MOTION_ACK_BUNCH)) {
    uint8_t b[11];
    if (s->rel_pending) {
      int64_t dx = s->rel_dx, dy = s->rel_dy;
      dx = dx > INT32_MAX ? INT32_MAX : dx < INT32_MIN ? INT32_MIN : dx;
      dy = dy > INT32_MAX ? INT32_MAX : dy < INT32_MIN ? INT32_MIN : dy;
      spice_put_u32(b, (uint32_t)(int32_t)dx);
      spice_put_u32(b + 4, (uint32_t)(int32_t)dy);
      spice_put_u16(b + 8, s->buttons);
      s->rel_pending = false;
      s->rel_dx = s->rel_dy = 0;
      spice_chan_queue(c, SPICE_MSGC_INPUTS_MOUSE_MOTION, b, 10);
    } else {
      spice_put_u32(b, s->abs_x);
      spice_put_u32(b + 4, s->abs_y);
      spice_put_u16(b + 8, s->buttons);
      b[10] = s->abs_display;
      s->abs_pending = false;
      spice_chan_queue(c, SPICE_MSGC_INPUTS_MOUSE_POSITION, b, 11);
    }
    ++s->motion_unacked;
  }
}

static void maybe_request_client_mouse(struct spice_session *s)
{
  if (!s->cfg.client_mouse || s->mouse_requested ||
      !(s->info.supported_mouse_modes & SPICE_MOUSE_MODE_CLIENT) ||
      s->info.current_mouse_mode == SPICE_MOUSE_MODE_CLIENT)
    return;
  uint8_t b[2];
  spice_put_u16(b, SPICE_MOUSE_MODE_CLIENT);
  spice_chan_queue(&s->main, SPICE_MSGC_MAIN_MOUSE_MODE_REQUEST, b, sizeof(b));
  s->mouse_requested = true;
}

static enum spice_error too_short(uint16_t type, size_t len)
{
  LG_ERROR("spice: message %u too short (%zu bytes)", type, len);
  return SPICE_ERR_PROTOCOL;
}

static enum spice_error dispatch_main(struct spice_session *s, uint16_t type, const uint8_t *p,
                                      size_t len)
{
  switch (type) {
  case SPICE_MSG_MAIN_INIT:
    if (len < 32)
      return too_short(type, len);
    s->info.session_id = spice_get_u32(p);
    s->info.supported_mouse_modes = spice_get_u32(p + 8);
    s->info.current_mouse_mode = spice_get_u32(p + 12);
    s->info.agent_connected = spice_get_u32(p + 16) != 0;
    s->info.agent_tokens = spice_get_u32(p + 20);
    s->init_done = true;
    LG_INFO("spice: session 0x%08x, mouse modes 0x%x (current 0x%x), agent %s", s->info.session_id,
            s->info.supported_mouse_modes, s->info.current_mouse_mode,
            s->info.agent_connected ? "connected" : "absent");
    spice_chan_queue(&s->main, SPICE_MSGC_MAIN_ATTACH_CHANNELS, NULL, 0);
    maybe_request_client_mouse(s);
    if (s->info.agent_connected)
      spice_agent_connected(s, s->info.agent_tokens);
    return SPICE_OK;

  case SPICE_MSG_MAIN_CHANNELS_LIST: {
    if (len < 4)
      return too_short(type, len);
    uint32_t n = spice_get_u32(p);
    if (n > (len - 4) / 2) {
      LG_ERROR("spice: channels list of %u entries in %zu bytes", n, len);
      return SPICE_ERR_PROTOCOL;
    }
    bool inputs = false;
    s->info.num_channels = 0;
    for (uint32_t i = 0; i < n; ++i) {
      uint8_t t = p[4 + 2 * i], id = p[5 + 2 * i];
      if (t == SPICE_CHANNEL_INPUTS && id == 0)
        inputs = true;
      if (s->info.num_channels < 32) {
        s->info.channel_type[s->info.num_channels] = t;
        s->info.channel_id[s->info.num_channels++] = id;
      }
    }
    if (!inputs) {
      LG_ERROR("spice: the server has no inputs channel");
      return SPICE_ERR_NO_INPUTS;
    }
    if (!s->init_done)
      return SPICE_ERR_PROTOCOL;
    s->inputs_wanted = true;
    return SPICE_OK;
  }

  case SPICE_MSG_MAIN_MOUSE_MODE:
    if (len < 4)
      return too_short(type, len);
    s->info.supported_mouse_modes = spice_get_u16(p);
    s->info.current_mouse_mode = spice_get_u16(p + 2);
    if (s->info.current_mouse_mode == SPICE_MOUSE_MODE_CLIENT)
      s->mouse_requested = false;
    if (s->cfg.cb.on_mouse_mode)
      s->cfg.cb.on_mouse_mode(s->cfg.cb.opaque,
                              s->info.current_mouse_mode == SPICE_MOUSE_MODE_CLIENT);
    maybe_request_client_mouse(s);
    return SPICE_OK;

  case SPICE_MSG_MAIN_AGENT_CONNECTED:
    s->info.agent_connected = true;
    spice_agent_connected(s, s->info.agent_tokens);
    return SPICE_OK;

  case SPICE_MSG_MAIN_AGENT_CONNECTED_TOKENS:
    if (len < 4)
      return too_short(type, len);
    s->info.agent_connected = true;
    s->info.agent_tokens = spice_get_u32(p);
    spice_agent_connected(s, s->info.agent_tokens);
    return SPICE_OK;

  case SPICE_MSG_MAIN_AGENT_DISCONNECTED:
    s->info.agent_connected = false;
    spice_agent_disconnected(s);
    return SPICE_OK;

  case SPICE_MSG_MAIN_AGENT_TOKEN:
    if (len < 4)
      return too_short(type, len);
    spice_agent_add_tokens(s, spice_get_u32(p));
    return SPICE_OK;

  case SPICE_MSG_MAIN_AGENT_DATA:
    spice_agent_on_data(s, p, len);
    return SPICE_OK;

  default: /* multimedia time, name, uuid, migration: not used */
    return SPICE_OK;
  }
}

static enum spice_error dispatch_inputs(struct spice_session *s, uint16_t type, const uint8_t *p,
                                        size_t len)
{
  switch (type) {
  case SPICE_MSG_INPUTS_INIT:
  case SPICE_MSG_INPUTS_KEY_MODIFIERS:
    if (len < 2)
      return too_short(type, len);
    s->info.keyboard_modifiers = spice_get_u16(p);
    return SPICE_OK;
  case SPICE_MSG_INPUTS_MOUSE_MOTION_ACK:
    s->motion_unacked = s->motion_unacked > SPICE_INPUT_MOTION_ACK_BUNCH
                            ? s->motion_unacked - SPICE_INPUT_MOTION_ACK_BUNCH
                            : 0;
    spice_inputs_flush_motion(s, false);
    return SPICE_OK;
  default:
    return SPICE_OK;
  }
}

static void log_notify(const uint8_t *p, size_t len)
{
  if (len < 24)
    return;
  uint32_t n = spice_get_u32(p + 20);
  if (n > len - 24)
    n = (uint32_t)(len - 24);
  char text[256];
  size_t k = 0;
  for (uint32_t i = 0; i < n && k < sizeof(text) - 1; ++i) {
    uint8_t ch = p[24 + i];
    if (ch == 0)
      break;
    text[k++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
  }
  text[k] = 0;
  LG_INFO("spice: server notice: %s", text);
}

static enum spice_error dispatch(struct spice_session *s, struct spice_chan *c, uint16_t type,
                                 const uint8_t *p, size_t len)
{
  enum spice_error e = SPICE_OK;
  switch (type) {
  case SPICE_MSG_SET_ACK:
    if (len < 8)
      return too_short(type, len);
    queue_u32(c, SPICE_MSGC_ACK_SYNC, spice_get_u32(p));
    c->ack_window = spice_get_u32(p + 4);
    c->ack_count = 0;
    return SPICE_OK;
  case SPICE_MSG_PING: {
    if (len < 12)
      return too_short(type, len);
    uint8_t b[12];
    memcpy(b, p, 12); /* id u32 + timestamp u64, echoed */
    spice_chan_queue(c, SPICE_MSGC_PONG, b, sizeof(b));
    break;
  }
  case SPICE_MSG_DISCONNECTING:
    LG_INFO("spice: server is disconnecting channel %u", c->type);
    break;
  case SPICE_MSG_NOTIFY:
    log_notify(p, len);
    break;
  default:
    if (type > SPICE_MSG_BASE_LAST)
      e = c->type == SPICE_CHANNEL_MAIN ? dispatch_main(s, type, p, len)
                                        : dispatch_inputs(s, type, p, len);
    break;
  }
  if (e == SPICE_OK && c->ack_window && ++c->ack_count >= c->ack_window) {
    spice_chan_queue(c, SPICE_MSGC_ACK, NULL, 0);
    c->ack_count = 0;
  }
  return e;
}

enum spice_error spice_chan_feed(struct spice_session *s, struct spice_chan *c, const uint8_t *data,
                                 size_t len)
{
  const size_t hsize = c->mini ? 6 : 18;
  while (len) {
    if (c->hdr_got < hsize) {
      size_t n = hsize - c->hdr_got < len ? hsize - c->hdr_got : len;
      memcpy(c->hdr + c->hdr_got, data, n);
      c->hdr_got += n;
      data += n;
      len -= n;
      if (c->hdr_got < hsize)
        return SPICE_OK;
      const uint8_t *h = c->mini ? c->hdr : c->hdr + 8;
      c->msg_type = spice_get_u16(h);
      c->msg_size = spice_get_u32(h + 2);
      if (c->msg_size > SPICE_MSG_MAX) {
        LG_ERROR("spice: message %u of %u bytes is too large", c->msg_type, c->msg_size);
        return SPICE_ERR_PROTOCOL;
      }
      free(c->msg);
      c->msg = malloc(c->msg_size ? c->msg_size : 1);
      if (!c->msg)
        return SPICE_ERR_NOMEM;
      c->msg_got = 0;
    }
    size_t n = c->msg_size - c->msg_got < len ? c->msg_size - c->msg_got : len;
    memcpy(c->msg + c->msg_got, data, n);
    c->msg_got += n;
    data += n;
    len -= n;
    if (c->msg_got == c->msg_size) {
      c->hdr_got = 0;
      enum spice_error e = dispatch(s, c, c->msg_type, c->msg, c->msg_size);
      free(c->msg);
      c->msg = NULL;
      if (e != SPICE_OK)
        return e;
    }
  }
  return SPICE_OK;
}
