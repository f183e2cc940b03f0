/* fuzz_util.h: what the HTTP fuzz targets share: the input in its own allocation, and the
 * invariant that every parsed slice lies inside the buffer it came from. */
#ifndef TLSKIT_FUZZ_UTIL_H
#define TLSKIT_FUZZ_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Slices must lie inside the parsed buffer. */
static inline void check_slice(struct http_slice s, const char *buf, size_t len)
{
    if (s.len == 0) {
        return;
    }
    if (s.p < buf || s.p + s.len > buf + len) {
        abort();
    }
}

/* A copy of the input in its own allocation, so ASan sees any read past its end. */
static inline char *fuzz_copy(const uint8_t *data, size_t size)
{
    char *copy = malloc(size > 0 ? size : 1);
    if (copy != NULL) {
        memcpy(copy, data, size);
    }
    return copy;
}

#endif
