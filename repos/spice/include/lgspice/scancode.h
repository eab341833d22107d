/* Linux evdev key codes to PC AT set-1 scancodes, and the SPICE key encoding. */
#ifndef LGSPICE_SCANCODE_H
#define LGSPICE_SCANCODE_H

#include <stdint.h>

/* Set-1 make code of evdev `code`: 0x01..0x7f, or 0x100|code for 0xe0-prefixed
 * keys; 0 when the key has no scancode (also KEY_PAUSE, whose E1 sequence has
 * no break code and cannot be sent as one SPICE key code). */
uint32_t spice_scancode_from_evdev(uint32_t code);

/* SPICE KEY_DOWN value of a make code from spice_scancode_from_evdev() (0 stays 0):
 * plain keys as is, extended keys as (make << 8) | 0xe0. */
uint32_t spice_scancode_down(uint32_t make);

/* SPICE KEY_UP value: the break code (make | 0x80), 0xe0-prefixed when extended. */
uint32_t spice_scancode_up(uint32_t make);

#endif
