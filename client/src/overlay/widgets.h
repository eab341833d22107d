/* Overlay widgets: each one appends draw-list commands (no GL) for one piece of on-screen
 * information: the status screen, the FPS/UPS box with a frame-time graph, the key-combo
 * help, transient alerts and the diagnostics panel. `font` may be NULL (no font found): the
 * layout then assumes 8 x 16 pixel cells and the renderer draws no text. */
#ifndef CLIENT_OVERLAY_WIDGETS_H
#define CLIENT_OVERLAY_WIDGETS_H

#include "overlay/drawlist.h"
#include "overlay/font.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OVERLAY_ALERTS_MAX 6
#define OVERLAY_ALERT_LEN 160
#define OVERLAY_ALERT_MS 4000u
#define OVERLAY_FPS_SAMPLES 120

/* Transient lines shown for OVERLAY_ALERT_MS each (oldest dropped when full). */
struct overlay_alerts {
  uint32_t count;
  char text[OVERLAY_ALERTS_MAX][OVERLAY_ALERT_LEN];
  uint64_t expire_ms[OVERLAY_ALERTS_MAX];
};

/* Frame and render rates, with the last OVERLAY_FPS_SAMPLES frame intervals for a graph. */
struct overlay_fps {
  float interval_ms[OVERLAY_FPS_SAMPLES];
  uint32_t head, count;
  uint64_t last_frame_ns, window_start_ns;
  uint32_t frames_in_window, renders_in_window;
  double ups, fps; /* frames uploaded / windows drawn per second, over the last second */
};

/* Adds an alert shown until now_ms + OVERLAY_ALERT_MS. */
void overlay_alerts_push(struct overlay_alerts *a, const char *text, uint64_t now_ms);

/* Drops expired alerts; true if any was dropped. */
bool overlay_alerts_expire(struct overlay_alerts *a, uint64_t now_ms);

/* Records an uploaded frame (ups and the graph) at time now_ns. */
void overlay_fps_frame(struct overlay_fps *f, uint64_t now_ns);

/* Records a drawn window (fps) at now_ns; true once a second when the rates were updated. */
bool overlay_fps_render(struct overlay_fps *f, uint64_t now_ns);

/* Status screen: a centred box with a title line and up to two detail lines (NULL/empty to
 * leave out), for a window of w x h. */
void overlay_draw_status(struct lg_drawlist *dl, const struct lg_font *font, uint32_t w, uint32_t h,
                         const char *title, const char *detail, const char *remedy);

/* FPS/UPS box with the frame-time graph at the top-left corner. */
void overlay_draw_fps(struct lg_drawlist *dl, const struct lg_font *font,
                      const struct overlay_fps *f);

/* Alerts stacked at the bottom-left corner. */
void overlay_draw_alerts(struct lg_drawlist *dl, const struct lg_font *font, uint32_t w, uint32_t h,
                         const struct overlay_alerts *a);

/* A titled panel of `n` lines centred in the window (help, diagnostics). */
void overlay_draw_panel(struct lg_drawlist *dl, const struct lg_font *font, uint32_t w, uint32_t h,
                        const char *title, const char *const *lines, size_t n);

#endif
