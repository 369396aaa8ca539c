/* faasmpi: forced include of -fopenmp builds. wasi-libc's headers declare errno
 * _Thread_local but libc defines a plain global, so atomics-enabled code cannot
 * link against it; route errno through a function compiled without atomics.
 * errno is therefore shared by all threads of a Faaslet. */
#ifndef FAASMPI_ERRNO_H
#define FAASMPI_ERRNO_H
#include <errno.h>
#undef errno
#ifdef __cplusplus
extern "C"
#endif
int *__faasmpi_errno_location(void) __attribute__((const));
#define errno (*__faasmpi_errno_location())
#endif
