/* Thread builds: compiled WITHOUT -matomics so that `errno` here is libc's plain
 * global; faasmpi_errno.h (forced include) routes user code's errno through it. */
#include <errno.h>

int *__faasmpi_errno_location(void) { return &errno; }
