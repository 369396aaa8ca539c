/* Process and descriptor-duplication calls WASI preview1 has no way to provide. wasi-libc declares system()
 * but never defines it, and hides the rest; these definitions let programs that reference them link, and
 * fail the way POSIX allows when a facility is missing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

FILE *popen(const char *command, const char *mode) {
  (void)command;
  (void)mode;
  errno = ENOSYS;
  return NULL;
}

int pclose(FILE *stream) {
  (void)stream;
  errno = ENOSYS;
  return -1;
}

/* system(NULL) asks whether a shell exists: there is none. */
int system(const char *command) {
  if (!command) return 0;
  errno = ENOSYS;
  return -1;
}

int dup(int fd) {
  (void)fd;
  errno = ENOSYS;
  return -1;
}

int dup2(int fd, int fd2) {
  (void)fd;
  (void)fd2;
  errno = ENOSYS;
  return -1;
}

int pipe(int fds[2]) {
  (void)fds;
  errno = ENOSYS;
  return -1;
}
