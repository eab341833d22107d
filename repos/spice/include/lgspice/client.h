/* lgspice: a small SPICE client (main + inputs channels, vdagent clipboard).
 *
 * Threading model: spice_connect() starts one worker thread per session that owns
 * the sockets; it connects, links and runs a poll() loop. Every spice_* send
 * function may be called from any thread: it only appends to a queue under the
 * session lock and wakes the worker, so the caller's render loop never blocks on
 * the network. Callbacks run on the worker thread with the session lock held:
 * keep them short; they may call the send functions but must not call
 * spice_disconnect() nor wait on a lock that a caller of spice_* may hold. */
#ifndef LGSPICE_CLIENT_H
#define LGSPICE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct spice_session;

enum spice_error {
  SPICE_OK = 0,
  SPICE_ERR_INVALID,           /* bad argument */
  SPICE_ERR_NOMEM,             /* allocation failed */
  SPICE_ERR_CONNECT_REFUSED,   /* nothing listens there (ECONNREFUSED/ENOENT) */
  SPICE_ERR_CONNECT,           /* any other socket or resolve failure */
  SPICE_ERR_TIMEOUT,           /* the server did not answer in time */
  SPICE_ERR_PROTOCOL,          /* malformed data, bad magic: not a SPICE server */
  SPICE_ERR_VERSION,           /* SPICE protocol major version mismatch */
  SPICE_ERR_PERMISSION_DENIED, /* wrong password */
  SPICE_ERR_LINK,              /* the server refused the link for another reason */
  SPICE_ERR_NO_INPUTS,         /* the server offers no inputs channel */
  SPICE_ERR_DISCONNECTED,      /* the server closed the connection */
};

enum spice_state {
  SPICE_STATE_CONNECTING = 0,
  SPICE_STATE_READY,  /* main and inputs channels are linked */
  SPICE_STATE_CLOSED, /* failed or disconnected; see the error */
};

enum spice_button {
  SPICE_BUTTON_LEFT = 1,
  SPICE_BUTTON_MIDDLE,
  SPICE_BUTTON_RIGHT,
  SPICE_BUTTON_UP,
  SPICE_BUTTON_DOWN,
  SPICE_BUTTON_SIDE,
  SPICE_BUTTON_EXTRA,
};

/* Lock-key states for spice_key_modifiers(). */
#define SPICE_MOD_SCROLL_LOCK (1u << 0)
#define SPICE_MOD_NUM_LOCK (1u << 1)
#define SPICE_MOD_CAPS_LOCK (1u << 2)

/* Worker-thread callbacks; any may be NULL. `opaque` is passed back unchanged. */
struct spice_callbacks {
  void *opaque;
  /* Main and inputs are linked; input may be sent. */
  void (*on_ready)(void *opaque);
  /* The session ended (link failure or disconnect); no more callbacks follow. */
  void (*on_closed)(void *opaque, enum spice_error err);
  /* The server changed mouse mode; `client_mode` means absolute positions. */
  void (*on_mouse_mode)(void *opaque, bool client_mode);
  /* The guest agent came or went. */
  void (*on_agent)(void *opaque, bool connected);
  /* The guest owns the clipboard and offers UTF-8 text. */
  void (*on_clipboard_grab)(void *opaque);
  /* The guest released its clipboard. */
  void (*on_clipboard_release)(void *opaque);
  /* The guest asks for our clipboard text: answer with spice_clipboard_data(). */
  void (*on_clipboard_request)(void *opaque);
  /* UTF-8 text the guest sent after spice_clipboard_request(); valid during the call. */
  void (*on_clipboard_data)(void *opaque, const char *text, size_t len);
};

struct spice_config {
  const char *host;      /* TCP host name or address (ignored when unix_path is set) */
  uint16_t port;         /* TCP port */
  const char *unix_path; /* unix socket path, or NULL for TCP */
  const char *password;  /* ticket, NULL or "" for none; at most 60 bytes */
  bool client_mouse;     /* request client (absolute) mouse mode when offered */
  uint32_t timeout_ms;   /* connect and link timeout (0: 5000) */
  struct spice_callbacks cb;
};

/* What the main channel reported; filled by spice_get_info(). */
struct spice_info {
  uint32_t session_id;
  uint32_t supported_mouse_modes; /* SPICE_MOUSE_MODE_* bits */
  uint32_t current_mouse_mode;
  bool agent_connected;
  uint32_t agent_tokens;
  uint32_t num_channels; /* from CHANNELS_LIST, at most 32 kept */
  uint8_t channel_type[32];
  uint8_t channel_id[32];
  uint16_t keyboard_modifiers; /* as reported by the inputs channel */
};

/* Returns a short English description of `err`. */
const char *spice_error_str(enum spice_error err);

/* Starts a session: copies `cfg`, spawns the worker thread and returns at once
 * (NULL only on bad arguments or out of memory). Free with spice_disconnect(). */
struct spice_session *spice_connect(const struct spice_config *cfg);

/* Blocks up to `timeout_ms` until the session is READY or CLOSED; returns SPICE_OK
 * when ready, SPICE_ERR_TIMEOUT, or the error that closed it. For tests and start-up. */
enum spice_error spice_wait_ready(struct spice_session *s, uint32_t timeout_ms);

/* Current state; `err` (optional) receives the closing error. */
enum spice_state spice_get_state(struct spice_session *s, enum spice_error *err);

/* Copies what the server reported so far into `out`. */
void spice_get_info(struct spice_session *s, struct spice_info *out);

/* Stops the worker, closes the sockets and frees the session (NULL is fine). */
void spice_disconnect(struct spice_session *s);

/* Queues a key press/release of Linux evdev code `evdev` (KEY_*); false when
 * the key has no PC AT scancode or the inputs channel is not ready. KEY_PAUSE
 * goes out whole on press as raw scancodes when the server allows it. */
bool spice_key_down(struct spice_session *s, uint32_t evdev);
/* See spice_key_down(). */
bool spice_key_up(struct spice_session *s, uint32_t evdev);

/* Queues the lock-key state (SPICE_MOD_* bits). */
bool spice_key_modifiers(struct spice_session *s, uint32_t mods);

/* Queues relative motion (server mouse mode); coalesced while the server lags. */
bool spice_mouse_motion(struct spice_session *s, int32_t dx, int32_t dy);

/* Queues an absolute position on display `display_id` (client mouse mode). */
bool spice_mouse_position(struct spice_session *s, uint32_t x, uint32_t y, uint8_t display_id);

/* Queues a button press / release and updates the button-state mask. */
bool spice_mouse_press(struct spice_session *s, enum spice_button button);
/* See spice_mouse_press(). */
bool spice_mouse_release(struct spice_session *s, enum spice_button button);

/* Queues `clicks` wheel steps: positive up, negative down (press+release each). */
bool spice_mouse_wheel(struct spice_session *s, int32_t clicks);

/* Tells the guest we own the clipboard with UTF-8 text (needs the agent). */
bool spice_clipboard_grab(struct spice_session *s);
/* Tells the guest we no longer own the clipboard. */
bool spice_clipboard_release(struct spice_session *s);
/* Asks the guest for its clipboard text; it arrives in on_clipboard_data. */
bool spice_clipboard_request(struct spice_session *s);
/* Sends our clipboard text (answer to on_clipboard_request); copied, chunked. */
bool spice_clipboard_data(struct spice_session *s, const char *text, size_t len);

#endif
