#ifndef CVLXSYSTEM_H
#define CVLXSYSTEM_H

/*
 * What Swift cannot reach in glibc: calls declared only under _GNU_SOURCE.
 */

/* The number of cores this process may run on (its CPU affinity, which taskset sets); 1 on failure. */
int CVLXSystem_coresAvailable(void);

#endif
