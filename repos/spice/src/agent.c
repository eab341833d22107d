/* vdagent over the main channel: capability announce and UTF-8 text clipboard
 * both ways. Outgoing agent messages form one byte stream cut into AGENT_DATA
 * messages of at most VD_AGENT_MAX_DATA_SIZE bytes, each costing one token. */
#include "spice_internal.h"

#include "lg/log.h"

#include <spice/enums.h>
#include <spice/protocol.h>
#include <spice/vd_agent.h>
#include <stdlib.h>
#include <string.h>

#define AGENT_HDR_SIZE 20
#define AGENT_MSG_MAX (8u << 20)

_Static_assert(sizeof(VDAgentMessage) == AGENT_HDR_SIZE, "VDAgentMessage size");

struct spice_agent {
  bool running;
  uint32_t tokens;      /* AGENT_DATA messages we may still send */
  struct spice_buf out; /* agent stream bytes waiting for tokens */
  bool peer_selection;  /* the guest agent has CLIPBOARD_SELECTION */
  bool peer_by_demand;
  uint8_t hdr[AGENT_HDR_SIZE];
  size_t hdr_got;
  uint32_t msg_type;
  uint32_t msg_size;
  uint8_t *msg;
  size_t msg_got;
};

struct spice_agent *spice_agent_new(void) { return calloc(1, sizeof(struct spice_agent)); }

void spice_agent_free(struct spice_agent *a)
{
  if (!a)
    return;
  spice_buf_free(&a->out);
  free(a->msg);
  free(a);
}

/* Moves as many chunks as the tokens allow onto the main channel. */
static void agent_pump(struct spice_session *s)
{
  struct spice_agent *a = s->agent;
  while (a->running && a->tokens && a->out.len) {
    size_t n = a->out.len < VD_AGENT_MAX_DATA_SIZE ? a->out.len : VD_AGENT_MAX_DATA_SIZE;
    if (!spice_chan_queue(&s->main, SPICE_MSGC_MAIN_AGENT_DATA, a->out.data, n))
      return;
    spice_buf_consume(&a->out, n);
    --a->tokens;
  }
}

/* Appends one agent message (optionally with the 4-byte selection prefix). */
static bool agent_send(struct spice_session *s, uint32_t type, bool selection, const void *d1,
                       size_t l1, const void *d2, size_t l2)
{
  struct spice_agent *a = s->agent;
  uint8_t hdr[AGENT_HDR_SIZE + 4];
  size_t prefix = selection && a->peer_selection ? 4 : 0;
  size_t size = prefix + l1 + l2;
  if (size > AGENT_MSG_MAX)
    return false;
  spice_put_u32(hdr, VD_AGENT_PROTOCOL);
  spice_put_u32(hdr + 4, type);
  spice_put_u64(hdr + 8, 0);
  spice_put_u32(hdr + 16, (uint32_t)size);
  memset(hdr + AGENT_HDR_SIZE, 0, 4); /* selection CLIPBOARD + 3 reserved */
  size_t old = a->out.len;
  if (!spice_buf_append(&a->out, hdr, AGENT_HDR_SIZE + prefix) ||
      !spice_buf_append(&a->out, d1, l1) || !spice_buf_append(&a->out, d2, l2)) {
    a->out.len = old;
    return false;
  }
  agent_pump(s);
  return true;
}

static void announce(struct spice_session *s, bool request)
{
  uint8_t b[8];
  uint32_t caps =
      (1u << VD_AGENT_CAP_CLIPBOARD_BY_DEMAND) | (1u << VD_AGENT_CAP_CLIPBOARD_SELECTION);
  spice_put_u32(b, request ? 1 : 0);
  spice_put_u32(b + 4, caps);
  agent_send(s, VD_AGENT_ANNOUNCE_CAPABILITIES, false, b, sizeof(b), NULL, 0);
}

void spice_agent_connected(struct spice_session *s, uint32_t tokens)
{
  struct spice_agent *a = s->agent;
  if (a->running)
    return;
  a->running = true;
  a->tokens = tokens;
  a->hdr_got = 0;
  uint8_t b[4];
  spice_put_u32(b, UINT32_MAX); /* the server may send us agent data freely */
  spice_chan_queue(&s->main, SPICE_MSGC_MAIN_AGENT_START, b, sizeof(b));
  announce(s, true);
  if (s->cfg.cb.on_agent)
    s->cfg.cb.on_agent(s->cfg.cb.opaque, true);
}

void spice_agent_disconnected(struct spice_session *s)
{
  struct spice_agent *a = s->agent;
  bool was = a->running;
  a->running = false;
  a->tokens = 0;
  a->out.len = 0;
  a->hdr_got = 0;
  free(a->msg);
  a->msg = NULL;
  if (was && s->cfg.cb.on_agent)
    s->cfg.cb.on_agent(s->cfg.cb.opaque, false);
}

void spice_agent_add_tokens(struct spice_session *s, uint32_t tokens)
{
  struct spice_agent *a = s->agent;
  a->tokens = tokens > UINT32_MAX - a->tokens ? UINT32_MAX : a->tokens + tokens;
  agent_pump(s);
}

static void handle_message(struct spice_session *s, uint32_t type, const uint8_t *p, size_t len)
{
  struct spice_agent *a = s->agent;
  const struct spice_callbacks *cb = &s->cfg.cb;
  if (type == VD_AGENT_ANNOUNCE_CAPABILITIES) {
    if (len < 8)
      return;
    uint32_t caps = spice_get_u32(p + 4);
    a->peer_selection = (caps >> VD_AGENT_CAP_CLIPBOARD_SELECTION) & 1;
    a->peer_by_demand = (caps >> VD_AGENT_CAP_CLIPBOARD_BY_DEMAND) & 1;
    if (spice_get_u32(p))
      announce(s, false);
    return;
  }
  if (type != VD_AGENT_CLIPBOARD_GRAB && type != VD_AGENT_CLIPBOARD_REQUEST &&
      type != VD_AGENT_CLIPBOARD && type != VD_AGENT_CLIPBOARD_RELEASE)
    return;
  if (a->peer_selection) {
    if (len < 4 || p[0] != VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD)
      return; /* only the CLIPBOARD selection is mirrored */
    p += 4;
    len -= 4;
  }
  switch (type) {
  case VD_AGENT_CLIPBOARD_GRAB:
    for (size_t i = 0; i + 4 <= len; i += 4)
      if (spice_get_u32(p + i) == VD_AGENT_CLIPBOARD_UTF8_TEXT) {
        if (cb->on_clipboard_grab)
          cb->on_clipboard_grab(cb->opaque);
        break;
      }
    break;
  case VD_AGENT_CLIPBOARD_RELEASE:
    if (cb->on_clipboard_release)
      cb->on_clipboard_release(cb->opaque);
    break;
  case VD_AGENT_CLIPBOARD_REQUEST:
    if (len >= 4 && spice_get_u32(p) == VD_AGENT_CLIPBOARD_UTF8_TEXT && cb->on_clipboard_request)
      cb->on_clipboard_request(cb->opaque);
    break;
  case VD_AGENT_CLIPBOARD:
    if (len >= 4 && spice_get_u32(p) == VD_AGENT_CLIPBOARD_UTF8_TEXT && cb->on_clipboard_data) {
      size_t n = len - 4;
      while (n && p[4 + n - 1] == 0) /* some agents send the NUL */
        --n;
      cb->on_clipboard_data(cb->opaque, (const char *)p + 4, n);
    }
    break;
  default:
    break;
  }
}

void spice_agent_on_data(struct spice_session *s, const uint8_t *data, size_t len)
{
  struct spice_agent *a = s->agent;
  if (!a->running)
    return;
  while (len) {
    if (a->hdr_got < AGENT_HDR_SIZE) {
      size_t n = AGENT_HDR_SIZE - a->hdr_got < len ? AGENT_HDR_SIZE - a->hdr_got : len;
      memcpy(a->hdr + a->hdr_got, data, n);
      a->hdr_got += n;
      data += n;
      len -= n;
      if (a->hdr_got < AGENT_HDR_SIZE)
        return;
      a->msg_type = spice_get_u32(a->hdr + 4);
      a->msg_size = spice_get_u32(a->hdr + 16);
      if (spice_get_u32(a->hdr) != VD_AGENT_PROTOCOL || a->msg_size > AGENT_MSG_MAX) {
        LG_WARN("spice: bad agent message (protocol %u, %u bytes): agent stream dropped",
                spice_get_u32(a->hdr), a->msg_size);
        spice_agent_disconnected(s);
        return;
      }
      free(a->msg);
      a->msg = malloc(a->msg_size ? a->msg_size : 1);
      if (!a->msg) {
        spice_agent_disconnected(s);
        return;
      }
      a->msg_got = 0;
    }
    size_t n = a->msg_size - a->msg_got < len ? a->msg_size - a->msg_got : len;
    memcpy(a->msg + a->msg_got, data, n);
    a->msg_got += n;
    data += n;
    len -= n;
    if (a->msg_got == a->msg_size) {
      a->hdr_got = 0;
      uint8_t *m = a->msg;
      a->msg = NULL;
      handle_message(s, a->msg_type, m, a->msg_size);
      free(m);
      if (!a->running)
        return;
    }
  }
}

/* Locks `s` and returns true when the agent can take messages. */
static bool agent_begin(struct spice_session *s)
{
  if (!s)
    return false;
  pthread_mutex_lock(&s->lock);
  if (s->state != SPICE_STATE_READY || !s->agent->running) {
    pthread_mutex_unlock(&s->lock);
    return false;
  }
  return true;
}

static bool agent_end(struct spice_session *s, bool ok)
{
  pthread_mutex_unlock(&s->lock);
  spice_session_wake(s);
  return ok;
}

bool spice_clipboard_grab(struct spice_session *s)
{
  if (!agent_begin(s))
    return false;
  uint8_t t[4];
  spice_put_u32(t, VD_AGENT_CLIPBOARD_UTF8_TEXT);
  return agent_end(s, agent_send(s, VD_AGENT_CLIPBOARD_GRAB, true, t, 4, NULL, 0));
}

bool spice_clipboard_release(struct spice_session *s)
{
  if (!agent_begin(s))
    return false;
  return agent_end(s, agent_send(s, VD_AGENT_CLIPBOARD_RELEASE, true, NULL, 0, NULL, 0));
}

bool spice_clipboard_request(struct spice_session *s)
{
  if (!agent_begin(s))
    return false;
  uint8_t t[4];
  spice_put_u32(t, VD_AGENT_CLIPBOARD_UTF8_TEXT);
  return agent_end(s, agent_send(s, VD_AGENT_CLIPBOARD_REQUEST, true, t, 4, NULL, 0));
}

bool spice_clipboard_data(struct spice_session *s, const char *text, size_t len)
{
  if ((!text && len) || !agent_begin(s))
    return false;
  uint8_t t[4];
  spice_put_u32(t, VD_AGENT_CLIPBOARD_UTF8_TEXT);
  return agent_end(s, agent_send(s, VD_AGENT_CLIPBOARD, true, t, 4, text, len));
}
