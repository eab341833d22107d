/* lgspice internals shared by the library's modules, its tests and its fuzzer. */
#ifndef LGSPICE_INTERNAL_H
#define LGSPICE_INTERNAL_H

#include "lgspice/client.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- little-endian helpers ---- */
static inline void spice_put_u16(uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static inline void spice_put_u32(uint8_t *p, uint32_t v)
{
  for (int i = 0; i < 4; ++i)
    p[i] = (uint8_t)(v >> (8 * i));
}
static inline void spice_put_u64(uint8_t *p, uint64_t v)
{
  for (int i = 0; i < 8; ++i)
    p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint16_t spice_get_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t spice_get_u32(const uint8_t *p)
{
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t spice_get_u64(const uint8_t *p)
{
  return (uint64_t)spice_get_u32(p) | ((uint64_t)spice_get_u32(p + 4) << 32);
}

/* ---- growable byte queue ---- */
struct spice_buf {
  uint8_t *data;
  size_t len;
  size_t cap;
};

/* Appends `n` bytes; false when out of memory or over SPICE_BUF_MAX. */
bool spice_buf_append(struct spice_buf *b, const void *d, size_t n);
/* Drops the first `n` bytes. */
void spice_buf_consume(struct spice_buf *b, size_t n);
/* Frees the storage. */
void spice_buf_free(struct spice_buf *b);

#define SPICE_BUF_MAX (16u << 20)

/* ---- link (link.c) ---- */
#define SPICE_LINK_HEADER_SIZE 16
#define SPICE_LINK_MESS_SIZE 18
#define SPICE_LINK_PUBKEY_SIZE 162
#define SPICE_LINK_REPLY_SIZE (4 + SPICE_LINK_PUBKEY_SIZE + 12)
#define SPICE_LINK_REPLY_MAX 4096
#define SPICE_TICKET_SIZE 128

struct spice_link_reply {
  uint32_t error;
  uint8_t pubkey[SPICE_LINK_PUBKEY_SIZE];
  uint32_t common_caps; /* first word of each caps list (0 when absent) */
  uint32_t channel_caps;
};

/* Writes header + SpiceLinkMess + caps into `out` (cap >= 64); returns its size. */
size_t spice_link_build(uint8_t *out, size_t cap, uint32_t connection_id, uint8_t type, uint8_t id,
                        uint32_t common_caps, uint32_t channel_caps);
/* Checks a 16-byte link header (magic, major version, size bound); gives the body size. */
enum spice_error spice_link_parse_header(const uint8_t *hdr, size_t len, uint32_t *size);
/* Parses a SpiceLinkReply body of `len` bytes (untrusted). */
enum spice_error spice_link_parse_reply(const uint8_t *body, size_t len,
                                        struct spice_link_reply *out);
/* Maps a SPICE_LINK_ERR_* code to our error. */
enum spice_error spice_link_error_map(uint32_t code);

/* Opens a non-blocking connected socket (TCP or unix) within `timeout_ms`. */
int spice_sock_connect(const char *host, uint16_t port, const char *unix_path, uint32_t timeout_ms,
                       enum spice_error *err);
/* Runs the whole link handshake on connected `fd`; `mini` says whether both
 * sides use the mini header. */
enum spice_error spice_link_handshake(int fd, uint32_t connection_id, uint8_t type, uint8_t id,
                                      uint32_t channel_caps, const char *password,
                                      uint32_t timeout_ms, bool *mini, uint32_t *remote_caps);

/* ---- channel framing and dispatch (channel.c) ---- */
#define SPICE_MSG_MAX (8u << 20)

struct spice_chan {
  int fd;
  uint8_t type;
  uint8_t id;
  bool mini;
  bool linked;
  uint32_t remote_caps; /* the server's first channel-caps word */
  uint64_t serial;
  uint8_t hdr[18];
  size_t hdr_got;
  uint16_t msg_type;
  uint32_t msg_size;
  uint8_t *msg;
  size_t msg_got;
  uint32_t ack_window;
  uint32_t ack_count;
  struct spice_buf out;
};

struct spice_agent; /* agent.c */

struct spice_session {
  struct spice_config cfg;
  char *host;
  char *unix_path;
  char password[64];

  pthread_t thread;
  bool thread_started;
  pthread_mutex_t lock; /* recursive: callbacks may call the send functions */
  pthread_cond_t cond;
  int wake_fd;
  atomic_bool stop;

  enum spice_state state;
  enum spice_error err;
  struct spice_info info;
  bool init_done;
  bool inputs_wanted;
  bool mouse_requested;

  struct spice_chan main;
  struct spice_chan inputs;

  uint16_t buttons;
  uint32_t motion_unacked;
  bool rel_pending;
  int64_t rel_dx, rel_dy;
  bool abs_pending;
  uint32_t abs_x, abs_y;
  uint8_t abs_display;

  struct spice_agent *agent;
};

/* Sets up an unconnected channel. */
void spice_chan_init(struct spice_chan *c, uint8_t type, uint8_t id);
/* Frees a channel's buffers and closes its socket. */
void spice_chan_close(struct spice_chan *c);
/* Queues one message (header + payload) on `c`. */
bool spice_chan_queue(struct spice_chan *c, uint16_t type, const void *payload, size_t len);
/* Consumes received bytes, dispatching each full message; an error ends the session. */
enum spice_error spice_chan_feed(struct spice_session *s, struct spice_chan *c, const uint8_t *data,
                                 size_t len);
/* Sends coalesced mouse motion when the server's ack window allows. Lock held. */
void spice_inputs_flush_motion(struct spice_session *s, bool force);

/* ---- session (session.c) ---- */
/* A session with no sockets and no thread, for tests and fuzzing; its channels
 * are marked linked so that dispatch and the send functions work in memory. */
struct spice_session *spice_session_new_offline(const struct spice_callbacks *cb);
/* Frees a session made by spice_session_new_offline(). */
void spice_session_free_offline(struct spice_session *s);
/* Wakes the worker so that it sends what was queued (no-op offline). */
void spice_session_wake(struct spice_session *s);

/* ---- agent (agent.c) ---- */
/* Allocates the agent state; NULL when out of memory. */
struct spice_agent *spice_agent_new(void);
/* Frees the agent state. */
void spice_agent_free(struct spice_agent *a);
/* The agent connected with `tokens` send tokens: start it and announce caps. Lock held. */
void spice_agent_connected(struct spice_session *s, uint32_t tokens);
/* The agent went away. Lock held. */
void spice_agent_disconnected(struct spice_session *s);
/* The server granted `tokens` more send tokens. Lock held. */
void spice_agent_add_tokens(struct spice_session *s, uint32_t tokens);
/* One SPICE_MSG_MAIN_AGENT_DATA payload (untrusted). Lock held. */
void spice_agent_on_data(struct spice_session *s, const uint8_t *data, size_t len);

#endif
