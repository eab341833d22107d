/* The capture backends compiled into this build, in probe order: real sources first, the
 * pattern generator last (it always probes true). */
#include "capture.h"

#ifdef LG_HAVE_CAPTURE_DXGI
#include "dxgi/dxgi_capture.h"
#endif
#ifdef LG_HAVE_CAPTURE_XCB
#include "xcb/xcb_capture.h"
#endif
#ifdef LG_HAVE_CAPTURE_PATTERN
#include "pattern/pattern.h"
#endif

const struct lg_capture_backend *const lg_capture_backends[] = {
#ifdef LG_HAVE_CAPTURE_DXGI
    &lg_capture_dxgi,
#endif
#ifdef LG_HAVE_CAPTURE_XCB
    &lg_capture_xcb,
#endif
#ifdef LG_HAVE_CAPTURE_PATTERN
    &lg_capture_pattern,
#endif
    NULL,
};
