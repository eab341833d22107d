/* The client's SPICE link: keyboard/mouse input to the guest while input is captured and
 * clipboard text sync through the guest agent, on top of lgspice (repos/spice). Connects at
 * start without blocking and reconnects with back-off (1 s .. 10 s) whenever the session
 * closes. Every function is for the UI thread and accepts a NULL module (SPICE off). */
#ifndef LGC_SPICE_INPUT_H
#define LGC_SPICE_INPUT_H

#include <stdbool.h>
#include <stdint.h>

struct lg_ds;
struct lg_options;
struct overlay_alerts;
struct spice_input;

/* Reads the spice:* options and starts connecting; NULL when spice:enable is off, when the
 * client was built without lgspice, or on a bad configuration (logged). `ds` must outlive it. */
struct spice_input *spice_input_create(const struct lg_options *opts, struct lg_ds *ds);

/* Disconnects and frees the module (NULL is fine). */
void spice_input_destroy(struct spice_input *si);

/* Drives reconnects and clipboard sync; pushes state changes to `alerts` (may be NULL).
 * Call once per UI loop iteration; true when an alert was pushed. */
bool spice_input_poll(struct spice_input *si, struct overlay_alerts *alerts, uint64_t now_ms);

/* Input capture was turned on or off; turning it off releases every key and button that
 * was sent down. Nothing is forwarded while capture is off. */
void spice_input_set_capture(struct spice_input *si, bool captured);

/* A key event (Linux evdev code) that is not the escape key or one of its combos. */
void spice_input_key(struct spice_input *si, uint32_t evdev, bool down);

/* Raw relative pointer motion in device units (fractions are carried over). */
void spice_input_raw_motion(struct spice_input *si, double dx, double dy);

/* A pointer button event; `button` is an enum lg_ds_button value (wheel: press only). */
void spice_input_button(struct spice_input *si, int button, bool down);

/* True while the main and inputs channels are linked. */
bool spice_input_connected(const struct spice_input *si);

#endif
