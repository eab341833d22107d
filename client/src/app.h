/* The client application: maps the region, runs the host session, creates the window
 * (display server) and the renderer, and runs the UI loop on the calling thread, which is
 * both the UI thread and the render thread. Key combos use input:escapeKey:
 * ESC+Q quit, ESC+F fullscreen, ESC+D FPS, ESC+H diagnostics, ESC+R rotate, ESC+I capture;
 * holding ESC shows the list. */
#ifndef CLIENT_APP_H
#define CLIENT_APP_H

#include "lg/option.h"

/* Runs the client with the loaded options until the user quits; returns the exit status
 * (0: quit or window closed, 1: no display/renderer could be created). */
int app_run(const struct lg_options *opts);

#endif
