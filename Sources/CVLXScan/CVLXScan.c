/* Everything is inline, in include/CVLXScan.h; a C target needs one source file. */
#include "CVLXScan.h"
