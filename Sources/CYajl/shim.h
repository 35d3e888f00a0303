#ifndef CYAJL_SHIM_H
#define CYAJL_SHIM_H

#include <yajl/yajl_parse.h>

/*
 * yajl_config is variadic, which Swift cannot call. These wrappers fix its
 * arguments so the tokenizer can set each option by name.
 */
static inline int CYajl_setOption(yajl_handle handle, yajl_option option, int enabled) {
    return yajl_config(handle, option, enabled);
}

#endif
