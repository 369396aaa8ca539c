/* faasmpi: wasi-libc's unistd.h plus dup(), dup2() and pipe(), which WASI preview1 cannot provide. They exist
 * (in the faasmpi guest library) so code that references them builds ({fmt}'s file API does); they fail with
 * ENOSYS. */
#include_next <unistd.h>
#ifndef FAASMPI_UNISTD_EXTRAS_H
#define FAASMPI_UNISTD_EXTRAS_H
#ifdef __cplusplus
extern "C" {
#endif
int dup(int fd);
int dup2(int fd, int fd2);
int pipe(int fds[2]);
#ifdef __cplusplus
}
#endif
#endif
