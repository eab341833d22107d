/* Test helper: a minimal Wayland compositor (libwayland-server) in a thread, with a seat
 * (pointer + keyboard with an xkb keymap), one output, xdg-shell, relative-pointer,
 * pointer-constraints, keyboard-shortcuts-inhibit, idle-inhibit, viewporter and
 * fractional-scale (when built with FAKE_HAVE_FRACTIONAL). It sends input events
 * on command and records what the client asked for, so input handling can be tested
 * without a real seat. */
#ifndef LG_TEST_FAKE_COMPOSITOR_H
#define LG_TEST_FAKE_COMPOSITOR_H

#include <stdbool.h>
#include <stdint.h>

struct fake_comp;

enum fake_cmd {
  FAKE_KB_ENTER,      /* keyboard focus to the window */
  FAKE_KB_LEAVE,      /* keyboard focus away */
  FAKE_KEY,           /* a = evdev key, b = 1 pressed / 0 released */
  FAKE_PTR_ENTER,     /* pointer enters at (a, b) surface units / 256 */
  FAKE_PTR_MOTION,    /* pointer to (a, b) surface units / 256 */
  FAKE_PTR_LEAVE,     /* pointer leaves */
  FAKE_BUTTON,        /* a = BTN_* code, b = 1 pressed / 0 released */
  FAKE_AXIS_DISCRETE, /* vertical wheel: a steps (axis value 10 per step) in one frame */
  FAKE_AXIS_SMOOTH,   /* vertical smooth scroll of a / 256 units, no discrete steps */
  FAKE_REL_MOTION,    /* relative motion, unaccelerated (a, b) / 256 (accelerated x2) */
  FAKE_CLOSE,         /* xdg_toplevel.close */
  FAKE_CONFIGURE,     /* toplevel configure a x b (surface units), fullscreen state */
  FAKE_FRACTIONAL,    /* wp_fractional_scale_v1.preferred_scale a (scale x 120) */
};

/* What the client asked for, as recorded by the compositor. */
struct fake_state {
  char title[64];
  char app_id[64];
  uint32_t acks;          /* xdg_surface.ack_configure count */
  int32_t buffer_scale;   /* last wl_surface.set_buffer_scale */
  bool fullscreen_req;    /* last set_fullscreen / unset_fullscreen */
  bool relative;          /* a relative pointer exists */
  bool locked;            /* a locked pointer exists */
  bool confined;          /* a confined pointer exists */
  double hint_x, hint_y;  /* last locked-pointer cursor position hint */
  bool kb_inhibit;        /* a shortcuts inhibitor exists */
  bool idle_inhibit;      /* an idle inhibitor exists */
  uint32_t cursor_sets;   /* wl_pointer.set_cursor count */
  bool cursor_null;       /* ... the last one hid the cursor */
  bool fractional;        /* the client asked for a wp_fractional_scale_v1 */
  int32_t dest_w, dest_h; /* last wp_viewport.set_destination */
};

/* Starts the compositor in a private XDG_RUNTIME_DIR and sets WAYLAND_DISPLAY to it; its
 * output is 1280x800 pixels with integer scale `output_scale`. NULL on failure. */
struct fake_comp *fake_comp_start(int32_t output_scale);

/* Runs one command on the compositor thread and waits until it was sent. */
void fake_comp_cmd(struct fake_comp *fc, enum fake_cmd cmd, int32_t a, int32_t b);

/* A consistent copy of the recorded state. */
void fake_comp_state(struct fake_comp *fc, struct fake_state *out);

/* Stops the thread, frees everything and removes the runtime directory. */
void fake_comp_stop(struct fake_comp *fc);

#endif
