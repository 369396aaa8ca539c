/* Device files inside the sandbox (issue 15): /dev/null, /dev/zero, /dev/urandom, /dev/stdout, /dev/stderr are
 * virtual devices; the test put a host file at dev/null in the working directory, which must stay untouched.
 * Prints one line per check. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
  FILE *w = fopen("/dev/null", "w");
  printf("null w: %s\n", w ? "opened" : strerror(errno));
  if (w) {
    printf("null fprintf: %d\n", fprintf(w, "rank log that nobody reads\n"));
    printf("null fclose: %d\n", fclose(w));
  }
  FILE *r = fopen("/dev/null", "r");
  printf("null r: %s\n", r ? "opened" : strerror(errno));
  if (r) {
    printf("null getc is EOF: %s\n", fgetc(r) == EOF ? "yes" : "no");
    fclose(r);
  }
  int fd = open("/dev/null", O_RDWR | O_APPEND);
  printf("null isatty: %d\n", fd >= 0 ? isatty(fd) : -1);
  struct stat st;
  printf("null fstat chr: %s\n", fd >= 0 && fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) ? "yes" : "no");
  if (fd >= 0) close(fd);
  printf("null stat chr: %s\n", stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) ? "yes" : "no");

  unsigned char buf[64];
  memset(buf, 0xaa, sizeof buf);
  FILE *z = fopen("/dev/zero", "r");
  size_t n = z ? fread(buf, 1, sizeof buf, z) : 0;
  int zeros = 1;
  for (size_t i = 0; i < n; i++) zeros &= buf[i] == 0;
  printf("zero: %zu bytes, all zero %s\n", n, zeros ? "yes" : "no");
  if (z) fclose(z);

  memset(buf, 0, sizeof buf);
  int u = open("/dev/urandom", O_RDONLY);
  ssize_t k = u >= 0 ? read(u, buf, sizeof buf) : -1;
  int nonzero = 0;
  for (ssize_t i = 0; i < k; i++) nonzero += buf[i] != 0;
  printf("urandom: %zd bytes, varied %s\n", k, nonzero > 16 ? "yes" : "no");
  if (u >= 0) close(u);

  FILE *o = fopen("/dev/stdout", "w");
  if (o) { fprintf(o, "via /dev/stdout\n"); fclose(o); }
  FILE *e = fopen("/dev/stderr", "w");
  if (e) { fprintf(e, "via /dev/stderr\n"); fclose(e); }
  fflush(stdout);
  printf("stdout still open: yes\n");

  errno = 0;
  printf("dev/nope: %s\n", fopen("/dev/nope", "r") ? "opened" : strerror(errno));
  printf("excl: %s\n", open("/dev/null", O_CREAT | O_EXCL | O_WRONLY, 0644) >= 0 ? "opened" : strerror(errno));
  return 0;
}
