/* SDL2 scancodes (USB HID usage ids) to Linux evdev KEY_* codes, as one lookup table. */
#ifndef LG_SDL_KEYMAP_H
#define LG_SDL_KEYMAP_H

#include <stdint.h>

/* The evdev KEY_* code for SDL_Scancode `scancode`; 0 (KEY_RESERVED) when it has none or
 * is out of range. Pure: any thread. */
uint32_t lg_sdl_scancode_to_evdev(int scancode);

#endif
