/* What the self-checking OpenMP test programs share (the OpenMP counterpart of check.h, no MPI): expect() records
 * a failed check as "FAIL: <what> expected X got Y" from any thread (the first 50 are printed); check_init()
 * checks that the team size the program runs with is the one OMP_NUM_THREADS asked for; each program ends with
 * exit status 1 if any check failed, or prints "OK <program> threads=N" (check_finish), N being
 * omp_get_max_threads() at the end, so programs that change it restore it first. */
#ifndef FAASMPI_TEST_OMP_CHECK_H
#define FAASMPI_TEST_OMP_CHECK_H
#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int failures;

static void expect(long long expected, long long got, const char *fmt, ...) {
  if (expected == got) return;
  char what[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  /* Any thread may fail a check: counting and printing go one thread at a time. The name keeps this critical
   * apart from the program's own (unnamed or named) ones, so expect() may be called inside them. */
#pragma omp critical(omp_check_failures)
  {
    if (failures < 50) printf("FAIL: %s expected %lld got %lld\n", what, expected, got);
    failures++;
  }
}

/* The first number of OMP_NUM_THREADS (a list names one per nesting level), or 0 when it is unset. */
static int env_threads(void) {
  const char *s = getenv("OMP_NUM_THREADS");
  return s ? atoi(s) : 0;
}

/* The program's thread count comes from its environment: check that it arrived. */
static void check_init(void) {
  int n = env_threads();
  if (n > 0) expect(n, omp_get_max_threads(), "omp_get_max_threads() with OMP_NUM_THREADS=%s", getenv("OMP_NUM_THREADS"));
}

/* Prints the OK line if every check passed and returns main's exit status. Call outside parallel regions. */
static int check_finish(const char *program) {
  int failed;
#pragma omp critical(omp_check_failures)
  failed = failures;
  if (!failed) printf("OK %s threads=%d\n", program, omp_get_max_threads());
  fflush(stdout);
  return failed ? 1 : 0;
}

#endif
