/* The `xcb` capture backend: the X11 root window through MIT-SHM, damage from XDamage, the
 * cursor from XFixes. Frames are FRAME_TYPE_BGRA (or RGBA on a red-low visual) with byte 3
 * left as the X server stores it (0x00 on a depth-24 screen, as B7 sends): clients treat the
 * fourth byte of BGRA/RGBA frames as padding. */
#ifndef LG_HOST_XCB_CAPTURE_H
#define LG_HOST_XCB_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "../capture.h"

/* The backend entry for the table in backends.c. */
extern const struct lg_capture_backend lg_capture_xcb;

/* Converts `count` premultiplied ARGB32 cursor pixels (XFixes) to straight-alpha BGRA bytes. */
void lg_xcb_cursor_to_bgra(const uint32_t *argb, uint8_t *out, uint32_t count);

#endif
