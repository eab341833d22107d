/* Link message layout, link reply parsing, mini/full header framing, main and
 * inputs dispatch, motion flow control and the vdagent stream, all in memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "spice_internal.h"

#include <linux/input-event-codes.h>
#include <spice/enums.h>
#include <spice/protocol.h>
#include <spice/vd_agent.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */
struct msg {
  uint16_t type;
  uint32_t size;
  const uint8_t *data;
};

/* Splits a queue of mini-header messages; returns how many were found. */
static size_t split(const struct spice_buf *b, struct msg *out, size_t max)
{
  size_t n = 0, off = 0;
  while (off + 6 <= b->len && n < max) {
    out[n].type = spice_get_u16(b->data + off);
    out[n].size = spice_get_u32(b->data + off + 2);
    out[n].data = b->data + off + 6;
    assert_true(off + 6 + out[n].size <= b->len);
    off += 6 + out[n].size;
    ++n;
  }
  assert_int_equal(off, b->len);
  return n;
}

static size_t frame(uint8_t *out, uint16_t type, const void *payload, uint32_t len)
{
  spice_put_u16(out, type);
  spice_put_u32(out + 2, len);
  if (len)
    memcpy(out + 6, payload, len);
  return 6 + len;
}

/* Feeds one framed message byte by byte. */
static enum spice_error feed_msg(struct spice_session *s, struct spice_chan *c, uint16_t type,
                                 const void *payload, uint32_t len)
{
  uint8_t *buf = malloc(6 + len);
  size_t n = frame(buf, type, payload, len);
  enum spice_error e = SPICE_OK;
  for (size_t i = 0; i < n && e == SPICE_OK; ++i)
    e = spice_chan_feed(s, c, buf + i, 1);
  free(buf);
  return e;
}

/* ---- link ---- */
static void test_link_build(void **state)
{
  (void)state;
  uint8_t b[64];
  size_t n = spice_link_build(b, sizeof(b), 0x11223344, SPICE_CHANNEL_INPUTS, 0, 0xb, 0x1);
  assert_int_equal(n, 16 + 18 + 8);
  assert_memory_equal(b, "REDQ", 4);
  assert_int_equal(spice_get_u32(b + 4), 2);
  assert_int_equal(spice_get_u32(b + 8), 2);
  assert_int_equal(spice_get_u32(b + 12), 18 + 8);
  assert_int_equal(spice_get_u32(b + 16), 0x11223344);
  assert_int_equal(b[20], SPICE_CHANNEL_INPUTS);
  assert_int_equal(b[21], 0);
  assert_int_equal(spice_get_u32(b + 22), 1);
  assert_int_equal(spice_get_u32(b + 26), 1);
  assert_int_equal(spice_get_u32(b + 30), 18);
  assert_int_equal(spice_get_u32(b + 34), 0xb);
  assert_int_equal(spice_get_u32(b + 38), 0x1);
  /* no channel caps: one word less */
  assert_int_equal(spice_link_build(b, sizeof(b), 0, 1, 0, 0xb, 0), 16 + 18 + 4);
  assert_int_equal(spice_link_build(b, 20, 0, 1, 0, 0xb, 0), 0);
}

static void test_link_header(void **state)
{
  (void)state;
  uint8_t h[16];
  uint32_t size = 0;
  memcpy(h, "REDQ", 4);
  spice_put_u32(h + 4, 2);
  spice_put_u32(h + 8, 2);
  spice_put_u32(h + 12, 186);
  assert_int_equal(spice_link_parse_header(h, 16, &size), SPICE_OK);
  assert_int_equal(size, 186);
  assert_int_equal(spice_link_parse_header(h, 15, &size), SPICE_ERR_PROTOCOL);
  spice_put_u32(h + 12, SPICE_LINK_REPLY_MAX + 1);
  assert_int_equal(spice_link_parse_header(h, 16, &size), SPICE_ERR_PROTOCOL);
  spice_put_u32(h + 12, 186);
  spice_put_u32(h + 4, 1);
  assert_int_equal(spice_link_parse_header(h, 16, &size), SPICE_ERR_VERSION);
  h[0] = 'H';
  assert_int_equal(spice_link_parse_header(h, 16, &size), SPICE_ERR_PROTOCOL);
}

static void test_link_reply(void **state)
{
  (void)state;
  uint8_t r[SPICE_LINK_REPLY_SIZE + 8];
  struct spice_link_reply out;
  memset(r, 0, sizeof(r));
  for (int i = 0; i < SPICE_LINK_PUBKEY_SIZE; ++i)
    r[4 + i] = (uint8_t)i;
  uint8_t *p = r + 4 + SPICE_LINK_PUBKEY_SIZE;
  spice_put_u32(p, 1);
  spice_put_u32(p + 4, 1);
  spice_put_u32(p + 8, SPICE_LINK_REPLY_SIZE);
  spice_put_u32(r + SPICE_LINK_REPLY_SIZE, 0xf);
  spice_put_u32(r + SPICE_LINK_REPLY_SIZE + 4, 0x9);
  assert_int_equal(spice_link_parse_reply(r, sizeof(r), &out), SPICE_OK);
  assert_int_equal(out.common_caps, 0xf);
  assert_int_equal(out.channel_caps, 0x9);
  assert_int_equal(out.pubkey[161], 161);
  /* caps past the end */
  assert_int_equal(spice_link_parse_reply(r, sizeof(r) - 1, &out), SPICE_ERR_PROTOCOL);
  spice_put_u32(p + 8, 0xfffffff0u);
  assert_int_equal(spice_link_parse_reply(r, sizeof(r), &out), SPICE_ERR_PROTOCOL);
  spice_put_u32(p + 8, SPICE_LINK_REPLY_SIZE);
  spice_put_u32(p, 0x40000000u);
  assert_int_equal(spice_link_parse_reply(r, sizeof(r), &out), SPICE_ERR_PROTOCOL);
  /* too short, and server-side errors */
  assert_int_equal(spice_link_parse_reply(r, 100, &out), SPICE_ERR_PROTOCOL);
  assert_int_equal(spice_link_parse_reply(r, 3, &out), SPICE_ERR_PROTOCOL);
  spice_put_u32(r, SPICE_LINK_ERR_PERMISSION_DENIED);
  assert_int_equal(spice_link_parse_reply(r, 4, &out), SPICE_ERR_PERMISSION_DENIED);
  spice_put_u32(r, SPICE_LINK_ERR_VERSION_MISMATCH);
  assert_int_equal(spice_link_parse_reply(r, 4, &out), SPICE_ERR_VERSION);
  spice_put_u32(r, SPICE_LINK_ERR_CHANNEL_NOT_AVAILABLE);
  assert_int_equal(spice_link_parse_reply(r, 4, &out), SPICE_ERR_LINK);
}

/* ---- framing and base messages ---- */
static void test_ack_and_ping(void **state)
{
  (void)state;
  struct spice_session *s = spice_session_new_offline(NULL);
  assert_non_null(s);
  uint8_t p[16];
  spice_put_u32(p, 5);
  spice_put_u32(p + 4, 2);
  assert_int_equal(feed_msg(s, &s->main, SPICE_MSG_SET_ACK, p, 8), SPICE_OK);
  struct msg m[8];
  assert_int_equal(split(&s->main.out, m, 8), 1);
  assert_int_equal(m[0].type, SPICE_MSGC_ACK_SYNC);
  assert_int_equal(m[0].size, 4);
  assert_int_equal(spice_get_u32(m[0].data), 5);
  s->main.out.len = 0;

  spice_put_u32(p, 77);
  spice_put_u64(p + 4, 0x0102030405060708ull);
  memcpy(p + 12, "data", 4);
  assert_int_equal(feed_msg(s, &s->main, SPICE_MSG_PING, p, 16), SPICE_OK);
  assert_int_equal(split(&s->main.out, m, 8), 1);
  assert_int_equal(m[0].type, SPICE_MSGC_PONG);
  assert_int_equal(m[0].size, 12);
  assert_memory_equal(m[0].data, p, 12);
  s->main.out.len = 0;

  /* Second message of the window: PONG then ACK. */
  assert_int_equal(feed_msg(s, &s->main, SPICE_MSG_MAIN_MULTI_MEDIA_TIME, p, 4), SPICE_OK);
  assert_int_equal(split(&s->main.out, m, 8), 1);
  assert_int_equal(m[0].type, SPICE_MSGC_ACK);
  assert_int_equal(m[0].size, 0);

  /* Malformed: PING too short, oversized message header. */
  assert_int_equal(feed_msg(s, &s->main, SPICE_MSG_PING, p, 11), SPICE_ERR_PROTOCOL);
  spice_session_free_offline(s);

  s = spice_session_new_offline(NULL);
  uint8_t h[6];
  spice_put_u16(h, SPICE_MSG_PING);
  spice_put_u32(h + 2, SPICE_MSG_MAX + 1);
  assert_int_equal(spice_chan_feed(s, &s->main, h, 6), SPICE_ERR_PROTOCOL);
  spice_session_free_offline(s);
}

static void test_full_header(void **state)
{
  (void)state;
  struct spice_session *s = spice_session_new_offline(NULL);
  s->main.mini = false;
  uint8_t in[18 + 8];
  spice_put_u64(in, 1);
  spice_put_u16(in + 8, SPICE_MSG_SET_ACK);
  spice_put_u32(in + 10, 8);
  spice_put_u32(in + 14, 0);
  spice_put_u32(in + 18, 9);
  spice_put_u32(in + 22, 1);
  assert_int_equal(spice_chan_feed(s, &s->main, in, sizeof(in)), SPICE_OK);
  assert_int_equal(s->main.out.len, 18 + 4);
  assert_int_equal(spice_get_u64(s->main.out.data), 1);
  assert_int_equal(spice_get_u16(s->main.out.data + 8), SPICE_MSGC_ACK_SYNC);
  assert_int_equal(spice_get_u32(s->main.out.data + 10), 4);
  assert_int_equal(spice_get_u32(s->main.out.data + 18), 9);
  spice_chan_queue(&s->main, SPICE_MSGC_ACK, NULL, 0);
  assert_int_equal(spice_get_u64(s->main.out.data + 22), 2); /* serials count up */
  spice_session_free_offline(s);
}

/* ---- main channel ---- */
static int mouse_mode_calls;
static void on_mouse_mode(void *opaque, bool client)
{
  (void)opaque;
  (void)client;
  ++mouse_mode_calls;
}

static void test_main_init(void **state)
{
  (void)state;
  struct spice_callbacks cb = {.on_mouse_mode = on_mouse_mode};
  struct spice_session *s = spice_session_new_offline(&cb);
  uint8_t p[32] = {0};
  spice_put_u32(p, 0xabcd);
  spice_put_u32(p + 8, SPICE_MOUSE_MODE_SERVER | SPICE_MOUSE_MODE_CLIENT);
  spice_put_u32(p + 12, SPICE_MOUSE_MODE_SERVER);
  assert_int_equal(feed_msg(s, &s->main, SPICE_MSG_MAIN_INIT, p, 31), SPICE_ERR_PROTOCOL);
  spice_session_free_offline(s);

  s = spice_session_new_offline(&cb);
  assert_int_equal(feed_msg(s, &s->main, SPICE_MSG_MAIN_INIT, p, 32), SPICE_OK);
  struct spice_info info;
  spice_get_info(s, &info);
  assert_int_equal(info.session_id, 0xabcd);
  assert_false(info.agent_connected);
  struct msg m[8];
  assert_int_equal(split(&s->main.out, m, 8), 2);
  assert_int_equal(m[0].type, SPICE_MSGC_MAIN_ATTACH_CHANNELS);
  assert_int_equal(m[1].type, SPICE_MSGC_MAIN_MOUSE_MODE_REQUEST);
  assert_int_equal(m[1].size, 2);
  assert_int_equal(spice_get_u16(m[1].data), SPICE_MOUSE_MODE_CLIENT);
  s->main.out.len = 0;

  /* Channels list: bounds-checked, must name inputs. */
  uint8_t cl[4 + 6];
  spice_put_u32(cl, 3);
  cl[4] = SPICE_CHANNEL_DISPLAY, cl[5] = 0, cl[6] = SPICE_CHANNEL_INPUTS, cl[7] = 0;
  cl[8] = SPICE_CHANNEL_CURSOR, cl[9] = 0;
  assert_int_equal(feed_msg(s, &s->main, SPICE_MSG_MAIN_CHANNELS_LIST, cl, 9), SPICE_ERR_PROTOCOL);
  spice_session_free_offline(s);
  s = spice_session_new_offline(&cb);
  assert_int_equal(feed_msg(s, &s->main, SPICE_MSG_MAIN_INIT, p, 32), SPICE_OK);
  assert_int_equal(feed_msg(s, &s->main, SPICE_MSG_MAIN_CHANNELS_LIST, cl, 10), SPICE_OK);
  assert_true(s->inputs_wanted);
  spice_get_info(s, &info);
  assert_int_equal(info.num_channels, 3);
  assert_int_equal(info.channel_type[1], SPICE_CHANNEL_INPUTS);
  spice_put_u32(cl, 1);
  assert_int_equal(feed_msg(s, &s->main, SPICE_MSG_MAIN_CHANNELS_LIST, cl, 6), SPICE_ERR_NO_INPUTS);

  /* Mouse mode change reaches the callback. */
  s->main.out.len = 0;
  uint8_t mm[4];
  spice_put_u16(mm, SPICE_MOUSE_MODE_SERVER | SPICE_MOUSE_MODE_CLIENT);
  spice_put_u16(mm + 2, SPICE_MOUSE_MODE_CLIENT);
  mouse_mode_calls = 0;
  assert_int_equal(feed_msg(s, &s->main, SPICE_MSG_MAIN_MOUSE_MODE, mm, 4), SPICE_OK);
  assert_int_equal(mouse_mode_calls, 1);
  spice_get_info(s, &info);
  assert_int_equal(info.current_mouse_mode, SPICE_MOUSE_MODE_CLIENT);
  assert_int_equal(s->main.out.len, 0); /* already client: no new request */
  spice_session_free_offline(s);
}

/* ---- inputs ---- */
static void test_inputs_keys_buttons(void **state)
{
  (void)state;
  struct spice_session *s = spice_session_new_offline(NULL);
  assert_true(spice_key_down(s, KEY_A));
  assert_true(spice_key_up(s, KEY_RIGHTCTRL));
  assert_false(spice_key_down(s, KEY_PAUSE)); /* the server lacks KEY_SCANCODE */
  assert_true(spice_key_modifiers(s, SPICE_MOD_CAPS_LOCK | 0x100));
  assert_true(spice_mouse_press(s, SPICE_BUTTON_RIGHT));
  assert_true(spice_mouse_wheel(s, -1));
  assert_true(spice_mouse_release(s, SPICE_BUTTON_RIGHT));
  assert_false(spice_mouse_press(s, (enum spice_button)0));
  struct msg m[16];
  assert_int_equal(split(&s->inputs.out, m, 16), 7);
  assert_int_equal(m[0].type, SPICE_MSGC_INPUTS_KEY_DOWN);
  assert_int_equal(spice_get_u32(m[0].data), 0x1e);
  assert_int_equal(m[1].type, SPICE_MSGC_INPUTS_KEY_UP);
  assert_int_equal(spice_get_u32(m[1].data), 0x9de0);
  assert_int_equal(m[2].type, SPICE_MSGC_INPUTS_KEY_MODIFIERS);
  assert_int_equal(m[2].size, 2);
  assert_int_equal(spice_get_u16(m[2].data), SPICE_KEYBOARD_MODIFIER_FLAGS_CAPS_LOCK);
  assert_int_equal(m[3].type, SPICE_MSGC_INPUTS_MOUSE_PRESS);
  assert_int_equal(m[3].size, 3);
  assert_int_equal(m[3].data[0], SPICE_MOUSE_BUTTON_RIGHT);
  assert_int_equal(spice_get_u16(m[3].data + 1), SPICE_MOUSE_BUTTON_MASK_RIGHT);
  assert_int_equal(m[4].type, SPICE_MSGC_INPUTS_MOUSE_PRESS);
  assert_int_equal(m[4].data[0], SPICE_MOUSE_BUTTON_DOWN);
  assert_int_equal(spice_get_u16(m[4].data + 1),
                   SPICE_MOUSE_BUTTON_MASK_RIGHT | SPICE_MOUSE_BUTTON_MASK_DOWN);
  assert_int_equal(m[5].type, SPICE_MSGC_INPUTS_MOUSE_RELEASE);
  assert_int_equal(spice_get_u16(m[5].data + 1), SPICE_MOUSE_BUTTON_MASK_RIGHT);
  assert_int_equal(m[6].type, SPICE_MSGC_INPUTS_MOUSE_RELEASE);
  assert_int_equal(spice_get_u16(m[6].data + 1), 0);

  /* INIT / KEY_MODIFIERS from the server. */
  uint8_t mod[2];
  /* Pause as raw scancodes once the server has KEY_SCANCODE; release sends nothing. */
  s->inputs.out.len = 0;
  s->inputs.remote_caps = 1u << SPICE_INPUTS_CAP_KEY_SCANCODE;
  assert_true(spice_key_down(s, KEY_PAUSE));
  assert_true(spice_key_up(s, KEY_PAUSE));
  assert_int_equal(split(&s->inputs.out, m, 16), 1);
  assert_int_equal(m[0].type, SPICE_MSGC_INPUTS_KEY_SCANCODE);
  assert_int_equal(m[0].size, 6);
  assert_memory_equal(m[0].data, "\xe1\x1d\x45\xe1\x9d\xc5", 6);
  spice_put_u16(mod, SPICE_KEYBOARD_MODIFIER_FLAGS_NUM_LOCK);
  assert_int_equal(feed_msg(s, &s->inputs, SPICE_MSG_INPUTS_INIT, mod, 2), SPICE_OK);
  struct spice_info info;
  spice_get_info(s, &info);
  assert_int_equal(info.keyboard_modifiers, SPICE_KEYBOARD_MODIFIER_FLAGS_NUM_LOCK);
  assert_int_equal(feed_msg(s, &s->inputs, SPICE_MSG_INPUTS_KEY_MODIFIERS, mod, 1),
                   SPICE_ERR_PROTOCOL);
  spice_session_free_offline(s);
}

static void test_motion_flow_control(void **state)
{
  (void)state;
  struct spice_session *s = spice_session_new_offline(NULL);
  for (int i = 0; i < 20; ++i)
    assert_true(spice_mouse_motion(s, 1, -2));
  struct msg m[32];
  /* 2 * SPICE_INPUT_MOTION_ACK_BUNCH in flight, the other 12 coalesced. */
  assert_int_equal(split(&s->inputs.out, m, 32), 8);
  assert_int_equal(m[0].type, SPICE_MSGC_INPUTS_MOUSE_MOTION);
  assert_int_equal(m[0].size, 10);
  assert_int_equal((int32_t)spice_get_u32(m[0].data), 1);
  assert_int_equal((int32_t)spice_get_u32(m[0].data + 4), -2);
  s->inputs.out.len = 0;
  assert_int_equal(feed_msg(s, &s->inputs, SPICE_MSG_INPUTS_MOUSE_MOTION_ACK, NULL, 0), SPICE_OK);
  assert_int_equal(split(&s->inputs.out, m, 32), 1);
  assert_int_equal((int32_t)spice_get_u32(m[0].data), 12);
  assert_int_equal((int32_t)spice_get_u32(m[0].data + 4), -24);
  s->inputs.out.len = 0;

  /* 5 in flight now: 3 positions go out, then only the latest is kept and a
   * press flushes it first, whatever the window. */
  for (uint32_t i = 0; i < 5; ++i)
    assert_true(spice_mouse_position(s, 10 + i, 20 + i, 1));
  assert_int_equal(split(&s->inputs.out, m, 32), 3);
  assert_int_equal(spice_get_u32(m[2].data), 12);
  s->inputs.out.len = 0;
  assert_true(spice_mouse_press(s, SPICE_BUTTON_LEFT));
  assert_int_equal(split(&s->inputs.out, m, 32), 2);
  assert_int_equal(m[0].type, SPICE_MSGC_INPUTS_MOUSE_POSITION);
  assert_int_equal(m[0].size, 11);
  assert_int_equal(spice_get_u32(m[0].data), 14);
  assert_int_equal(spice_get_u32(m[0].data + 4), 24);
  assert_int_equal(spice_get_u16(m[0].data + 8), 0);
  assert_int_equal(m[0].data[10], 1);
  assert_int_equal(m[1].type, SPICE_MSGC_INPUTS_MOUSE_PRESS);
  spice_session_free_offline(s);
}

/* ---- agent ---- */
static char clip[8192];
static size_t clip_len;
static int grabs, requests;
static void on_grab(void *o)
{
  (void)o;
  ++grabs;
}
static void on_request(void *o)
{
  (void)o;
  ++requests;
}
static void on_data(void *o, const char *t, size_t n)
{
  (void)o;
  memcpy(clip, t, n < sizeof(clip) ? n : sizeof(clip));
  clip_len = n;
}

static size_t agent_msg(uint8_t *out, uint32_t type, const void *d, uint32_t n)
{
  spice_put_u32(out, VD_AGENT_PROTOCOL);
  spice_put_u32(out + 4, type);
  spice_put_u64(out + 8, 0);
  spice_put_u32(out + 16, n);
  memcpy(out + 20, d, n);
  return 20 + n;
}

static void test_agent(void **state)
{
  (void)state;
  struct spice_callbacks cb = {.on_clipboard_grab = on_grab,
                               .on_clipboard_request = on_request,
                               .on_clipboard_data = on_data};
  struct spice_session *s = spice_session_new_offline(&cb);
  uint8_t t[4];
  spice_put_u32(t, 3);
  assert_int_equal(feed_msg(s, &s->main, SPICE_MSG_MAIN_AGENT_CONNECTED_TOKENS, t, 4), SPICE_OK);
  struct msg m[16];
  assert_int_equal(split(&s->main.out, m, 16), 2);
  assert_int_equal(m[0].type, SPICE_MSGC_MAIN_AGENT_START);
  assert_int_equal(m[1].type, SPICE_MSGC_MAIN_AGENT_DATA);
  assert_int_equal(spice_get_u32(m[1].data + 4), VD_AGENT_ANNOUNCE_CAPABILITIES);
  assert_int_equal(spice_get_u32(m[1].data + 20), 1); /* request */
  assert_true(spice_get_u32(m[1].data + 24) & (1u << VD_AGENT_CAP_CLIPBOARD_SELECTION));
  s->main.out.len = 0;

  /* The guest announces selection support, then grabs, split over 3 AGENT_DATA. */
  uint8_t a[64], caps[8];
  spice_put_u32(caps, 0);
  spice_put_u32(caps + 4, (1u << VD_AGENT_CAP_CLIPBOARD_SELECTION) |
                              (1u << VD_AGENT_CAP_CLIPBOARD_BY_DEMAND));
  size_t n = agent_msg(a, VD_AGENT_ANNOUNCE_CAPABILITIES, caps, 8);
  assert_int_equal(feed_msg(s, &s->main, SPICE_MSG_MAIN_AGENT_DATA, a, (uint32_t)n), SPICE_OK);
  uint8_t g[8] = {VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD, 0, 0, 0};
  spice_put_u32(g + 4, VD_AGENT_CLIPBOARD_UTF8_TEXT);
  n = agent_msg(a, VD_AGENT_CLIPBOARD_GRAB, g, 8);
  assert_int_equal(feed_msg(s, &s->main, SPICE_MSG_MAIN_AGENT_DATA, a, 5), SPICE_OK);
  assert_int_equal(grabs, 0);
  assert_int_equal(feed_msg(s, &s->main, SPICE_MSG_MAIN_AGENT_DATA, a + 5, 17), SPICE_OK);
  assert_int_equal(feed_msg(s, &s->main, SPICE_MSG_MAIN_AGENT_DATA, a + 22, (uint32_t)n - 22),
                   SPICE_OK);
  assert_int_equal(grabs, 1);
  n = agent_msg(a, VD_AGENT_CLIPBOARD_REQUEST, g, 8);
  assert_int_equal(feed_msg(s, &s->main, SPICE_MSG_MAIN_AGENT_DATA, a, (uint32_t)n), SPICE_OK);
  assert_int_equal(requests, 1);
  uint8_t d[4 + 4 + 6];
  memcpy(d, g, 8);
  memcpy(d + 8, "hello", 6);
  n = agent_msg(a, VD_AGENT_CLIPBOARD, d, sizeof(d));
  assert_int_equal(feed_msg(s, &s->main, SPICE_MSG_MAIN_AGENT_DATA, a, (uint32_t)n), SPICE_OK);
  assert_int_equal(clip_len, 5);
  assert_memory_equal(clip, "hello", 5);

  /* Large text: 28 + 5000 bytes -> 3 chunks, but only 2 tokens are left. */
  char *big = malloc(5000);
  memset(big, 'q', 5000);
  assert_true(spice_clipboard_data(s, big, 5000));
  free(big);
  assert_int_equal(split(&s->main.out, m, 16), 2);
  assert_int_equal(m[0].size, VD_AGENT_MAX_DATA_SIZE);
  assert_int_equal(spice_get_u32(m[0].data + 4), VD_AGENT_CLIPBOARD);
  assert_int_equal(spice_get_u32(m[0].data + 16), 4 + 4 + 5000);
  assert_int_equal(m[1].size, VD_AGENT_MAX_DATA_SIZE);
  s->main.out.len = 0;
  spice_put_u32(t, 5);
  assert_int_equal(feed_msg(s, &s->main, SPICE_MSG_MAIN_AGENT_TOKEN, t, 4), SPICE_OK);
  assert_int_equal(split(&s->main.out, m, 16), 1);
  assert_int_equal(m[0].size, 20 + 8 + 5000 - 2 * VD_AGENT_MAX_DATA_SIZE);

  /* A corrupt agent header stops the agent; later data is ignored. */
  memset(a, 0xee, 20);
  assert_int_equal(feed_msg(s, &s->main, SPICE_MSG_MAIN_AGENT_DATA, a, 20), SPICE_OK);
  assert_false(spice_clipboard_grab(s));
  spice_session_free_offline(s);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_link_build),
      cmocka_unit_test(test_link_header),
      cmocka_unit_test(test_link_reply),
      cmocka_unit_test(test_ack_and_ping),
      cmocka_unit_test(test_full_header),
      cmocka_unit_test(test_main_init),
      cmocka_unit_test(test_inputs_keys_buttons),
      cmocka_unit_test(test_motion_flow_control),
      cmocka_unit_test(test_agent),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
