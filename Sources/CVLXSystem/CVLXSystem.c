#define _GNU_SOURCE
#include <sched.h>
#include "CVLXSystem.h"

int CVLXSystem_coresAvailable(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) {
        return 1;
    }
    int count = CPU_COUNT(&set);
    return count > 0 ? count : 1;
}
