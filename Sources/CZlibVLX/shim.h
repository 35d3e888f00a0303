#ifndef CZLIBVLX_SHIM_H
#define CZLIBVLX_SHIM_H

#include <zlib.h>

/*
 * inflateInit2 and deflateInit2 are macros that Swift cannot call. These
 * wrappers pass the library's version and the stream size as the macros do.
 */
static inline int CZlibVLX_inflateInit2(z_streamp stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}

static inline int CZlibVLX_deflateInit2(z_streamp stream, int level, int windowBits) {
    return deflateInit2(stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}

#endif
