/* What the self-checking MPI test programs share: expect() records a failed check as
 * "FAIL rank R: <what> expected X got Y" (the first 50 are printed); each program ends with exit status 1 if any
 * check failed, or prints "OK <program> rank R". */
#ifndef FAASMPI_TEST_CHECK_H
#define FAASMPI_TEST_CHECK_H
#include <stdarg.h>
#include <stdio.h>

static int rank, size, failures;

static void expect(long long expected, long long got, const char *fmt, ...) {
  if (expected == got) return;
  char what[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  if (failures < 50) printf("FAIL rank %d: %s expected %lld got %lld\n", rank, what, expected, got);
  failures++;
}

#endif
