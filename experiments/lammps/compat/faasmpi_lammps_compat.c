/* See faasmpi_lammps_compat.h. */
#include <errno.h>
#include <stdlib.h>
#include "faasmpi_lammps_compat.h"

FILE *popen(const char *command, const char *mode) {
  (void)command; (void)mode;
  errno = ENOSYS;
  return NULL;
}

int pclose(FILE *stream) {
  (void)stream;
  errno = ECHILD;
  return -1;
}

int dup(int fd) {
  (void)fd;
  errno = ENOSYS;
  return -1;
}

int dup2(int fd, int fd2) {
  (void)fd; (void)fd2;
  errno = ENOSYS;
  return -1;
}

int pipe(int fds[2]) {
  (void)fds;
  errno = ENOSYS;
  return -1;
}

/* wasi-libc declares system() in <stdlib.h> but does not define it (link error "undefined symbol: system",
 * from LAMMPS' `shell` command in input.cpp). No shell in a Faaslet: system(NULL) says so, the rest fail. */
int system(const char *command) {
  if (command == NULL) return 0;
  errno = ENOSYS;
  return -1;
}
