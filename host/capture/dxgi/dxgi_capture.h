/* The `dxgi` capture backend (Windows): DXGI Desktop Duplication of one desktop output into a
 * CPU-readable staging texture, with damage from the frame's dirty and move rects and the
 * pointer from the duplication's frame info.
 *
 * Options: dxgi:output (index among desktop-attached outputs, default 0).
 * Compile-checked with mingw-w64; wine 8 cannot duplicate (DuplicateOutput is E_NOTIMPL). */
#ifndef LG_HOST_DXGI_CAPTURE_H
#define LG_HOST_DXGI_CAPTURE_H

#include "../capture.h"

/* The backend entry for the table in backends.c (Windows builds only). */
extern const struct lg_capture_backend lg_capture_dxgi;

/* FRAME_TYPE_* of a DXGI_FORMAT value; FRAME_TYPE_INVALID for formats we do not send. */
uint32_t lg_dxgi_frame_type(uint32_t dxgi_format);

#endif
