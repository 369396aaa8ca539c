/* Thread builds: wasi-libc's stdio has no FILE locks (FLOCK is a no-op without
 * threads), so the linker wraps (-Wl,--wrap=...) the entry points that touch FILE
 * state with one recursive lock shared by all streams. Wrapping the public
 * functions rather than __stdio_write matters: the races are on the FILE buffer
 * pointers, updated before any write happens. Only leaf functions are wrapped:
 * printf/fprintf/vprintf/snprintf reach vfprintf, and scanf-family vfscanf,
 * through inter-object calls that --wrap redirects too. The recursion depth is
 * thread-local because wrapped functions call each other (puts -> fputs). */
#include <stdarg.h>
#include <stdio.h>
#include <sys/types.h>
#include "spinlock.h"

static volatile int stdio_lock;
static _Thread_local int stdio_depth;

static void lock(void) {
  if (stdio_depth++ == 0) faasmpi_lock(&stdio_lock);
}
static void unlock(void) {
  if (--stdio_depth == 0) faasmpi_unlock(&stdio_lock);
}

void flockfile(FILE *f) { (void)f; lock(); }
void funlockfile(FILE *f) { (void)f; unlock(); }
int ftrylockfile(FILE *f) {
  (void)f;
  if (stdio_depth > 0 || faasmpi_cas(&stdio_lock, 0, 1) == 0) {
    stdio_depth++;
    return 0;
  }
  return -1;
}

/* WRAP(ret, name, (params), (args)) defines __wrap_name calling __real_name locked. */
#define WRAP(ret, name, params, args) \
  ret __real_##name params; \
  ret __wrap_##name params { lock(); ret r = __real_##name args; unlock(); return r; }
#define WRAP_VOID(name, params, args) \
  void __real_##name params; \
  void __wrap_##name params { lock(); __real_##name args; unlock(); }

WRAP(int, vfprintf, (FILE *restrict f, const char *restrict fmt, va_list ap), (f, fmt, ap))
WRAP(int, vfscanf, (FILE *restrict f, const char *restrict fmt, va_list ap), (f, fmt, ap))
WRAP(int, fputs, (const char *restrict s, FILE *restrict f), (s, f))
WRAP(int, puts, (const char *s), (s))
WRAP(int, fputc, (int c, FILE *f), (c, f))
WRAP(int, putc, (int c, FILE *f), (c, f))
WRAP(int, putchar, (int c), (c))
WRAP(size_t, fwrite, (const void *restrict p, size_t s, size_t n, FILE *restrict f), (p, s, n, f))
WRAP(int, fflush, (FILE *f), (f))
WRAP_VOID(perror, (const char *s), (s))
WRAP(FILE *, fopen, (const char *restrict p, const char *restrict m), (p, m))
WRAP(FILE *, freopen, (const char *restrict p, const char *restrict m, FILE *restrict f), (p, m, f))
WRAP(FILE *, fdopen, (int fd, const char *m), (fd, m))
WRAP(int, fclose, (FILE *f), (f))
WRAP(int, setvbuf, (FILE *restrict f, char *restrict b, int mode, size_t n), (f, b, mode, n))
WRAP_VOID(setbuf, (FILE *restrict f, char *restrict b), (f, b))
WRAP(char *, fgets, (char *restrict s, int n, FILE *restrict f), (s, n, f))
WRAP(int, fgetc, (FILE *f), (f))
WRAP(int, getc, (FILE *f), (f))
WRAP(int, getchar, (void), ())
WRAP(size_t, fread, (void *restrict p, size_t s, size_t n, FILE *restrict f), (p, s, n, f))
WRAP(int, ungetc, (int c, FILE *f), (c, f))
WRAP(ssize_t, getline, (char **restrict l, size_t *restrict n, FILE *restrict f), (l, n, f))
WRAP(ssize_t, getdelim, (char **restrict l, size_t *restrict n, int d, FILE *restrict f), (l, n, d, f))
WRAP(int, fseek, (FILE *f, long o, int w), (f, o, w))
WRAP(int, fseeko, (FILE *f, off_t o, int w), (f, o, w))
WRAP(long, ftell, (FILE *f), (f))
WRAP(off_t, ftello, (FILE *f), (f))
WRAP_VOID(rewind, (FILE *f), (f))
