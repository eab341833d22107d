/* Helpers shared by the region implementations of every OS (host/platform/<os>/region.c). */
#ifndef LG_HOST_REGION_PRIV_H
#define LG_HOST_REGION_PRIV_H

#include <stddef.h>

/* Copies a string, truncating to fit; always NUL-terminates. */
void lg_region_copy_str(char *dst, size_t size, const char *src);

#endif
