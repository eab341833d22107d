/* Public input API: keys, lock-key modifiers and the mouse. Callable from any
 * thread; each function queues under the session lock and wakes the worker. */
#include "spice_internal.h"

#include "lgspice/scancode.h"

#include <linux/input-event-codes.h>
#include <spice/enums.h>
#include <spice/protocol.h>

/* Locks `s` and returns true when the inputs channel can take messages. */
static bool begin(struct spice_session *s)
{
  if (!s)
    return false;
  pthread_mutex_lock(&s->lock);
  if (s->state != SPICE_STATE_READY || !s->inputs.linked) {
    pthread_mutex_unlock(&s->lock);
    return false;
  }
  return true;
}

static bool end(struct spice_session *s, bool ok)
{
  pthread_mutex_unlock(&s->lock);
  spice_session_wake(s);
  return ok;
}

/* Pause has no break code: its whole make sequence (E1 1D 45 E1 9D C5) goes out
 * as raw bytes on press, which needs the server's KEY_SCANCODE capability. */
static bool send_pause(struct spice_session *s, bool down)
{
  static const uint8_t seq[] = {0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5};
  if (!begin(s))
    return false;
  if (!(s->inputs.remote_caps & (1u << SPICE_INPUTS_CAP_KEY_SCANCODE)))
    return end(s, false);
  if (!down)
    return end(s, true);
  return end(s, spice_chan_queue(&s->inputs, SPICE_MSGC_INPUTS_KEY_SCANCODE, seq, sizeof(seq)));
}

static bool send_key(struct spice_session *s, uint32_t evdev, bool down)
{
  if (evdev == KEY_PAUSE)
    return send_pause(s, down);
  uint32_t make = spice_scancode_from_evdev(evdev);
  if (!make || !begin(s))
    return false;
  uint8_t b[4];
  spice_put_u32(b, down ? spice_scancode_down(make) : spice_scancode_up(make));
  return end(s, spice_chan_queue(&s->inputs,
                                 down ? SPICE_MSGC_INPUTS_KEY_DOWN : SPICE_MSGC_INPUTS_KEY_UP, b,
                                 sizeof(b)));
}

bool spice_key_down(struct spice_session *s, uint32_t evdev) { return send_key(s, evdev, true); }

bool spice_key_up(struct spice_session *s, uint32_t evdev) { return send_key(s, evdev, false); }

bool spice_key_modifiers(struct spice_session *s, uint32_t mods)
{
  if (!begin(s))
    return false;
  uint8_t b[2];
  spice_put_u16(b, (uint16_t)(mods & SPICE_KEYBOARD_MODIFIER_FLAGS_MASK));
  return end(s, spice_chan_queue(&s->inputs, SPICE_MSGC_INPUTS_KEY_MODIFIERS, b, sizeof(b)));
}

bool spice_mouse_motion(struct spice_session *s, int32_t dx, int32_t dy)
{
  if (!begin(s))
    return false;
  s->abs_pending = false;
  s->rel_pending = true;
  s->rel_dx += dx;
  s->rel_dy += dy;
  spice_inputs_flush_motion(s, false);
  return end(s, true);
}

bool spice_mouse_position(struct spice_session *s, uint32_t x, uint32_t y, uint8_t display_id)
{
  if (!begin(s))
    return false;
  s->rel_pending = false;
  s->rel_dx = s->rel_dy = 0;
  s->abs_pending = true;
  s->abs_x = x;
  s->abs_y = y;
  s->abs_display = display_id;
  spice_inputs_flush_motion(s, false);
  return end(s, true);
}

static bool send_button(struct spice_session *s, enum spice_button button, bool press)
{
  if (button < SPICE_BUTTON_LEFT || button > SPICE_BUTTON_EXTRA || !begin(s))
    return false;
  /* Pending motion goes first so that the click lands where the pointer is. */
  spice_inputs_flush_motion(s, true);
  uint16_t bit = (uint16_t)(1u << (button - 1));
  if (press)
    s->buttons |= bit;
  else
    s->buttons &= (uint16_t)~bit;
  uint8_t b[3];
  b[0] = (uint8_t)button;
  spice_put_u16(b + 1, s->buttons);
  return end(
      s, spice_chan_queue(&s->inputs,
                          press ? SPICE_MSGC_INPUTS_MOUSE_PRESS : SPICE_MSGC_INPUTS_MOUSE_RELEASE,
                          b, sizeof(b)));
}

bool spice_mouse_press(struct spice_session *s, enum spice_button button)
{
  return send_button(s, button, true);
}

bool spice_mouse_release(struct spice_session *s, enum spice_button button)
{
  return send_button(s, button, false);
}

bool spice_mouse_wheel(struct spice_session *s, int32_t clicks)
{
  enum spice_button b = clicks > 0 ? SPICE_BUTTON_UP : SPICE_BUTTON_DOWN;
  uint32_t n = clicks > 0 ? (uint32_t)clicks : (uint32_t)(-(int64_t)clicks);
  if (n > 64)
    n = 64;
  for (uint32_t i = 0; i < n; ++i)
    if (!send_button(s, b, true) || !send_button(s, b, false))
      return false;
  return true;
}
