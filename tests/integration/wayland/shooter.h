/* Test helper: reads back what weston shows on its (single) output, through weston's
 * private screenshooter protocol (weston 10: global "weston_screenshooter", request
 * take_shot(wl_output, wl_buffer), event done; weston allows it to any client with --debug).
 * Uses its own Wayland connection. */
#ifndef LG_TEST_SHOOTER_H
#define LG_TEST_SHOOTER_H

#include <stdbool.h>
#include <stdint.h>

struct shooter;

/* Connects to $WAYLAND_DISPLAY and finds the output, wl_shm and the screenshooter; NULL
 * (with a message on stderr) when any is missing. */
struct shooter *shooter_open(void);

/* Output size in pixels (its current mode). */
void shooter_size(const struct shooter *s, uint32_t *width, uint32_t *height);

/* Takes a screenshot; returns the pixels (width * height, 0xAARRGGBB words as weston's GL
 * renderer reads them back) owned by `s`, valid until the next call; NULL on failure. */
const uint32_t *shooter_take(struct shooter *s, uint32_t timeout_ms);

/* Disconnects and frees. */
void shooter_close(struct shooter *s);

#endif
