/* What the self-checking MPI test programs share: expect() records a failed check as
 * "FAIL rank R: <what> expected X got Y" (the first 50 are printed); each program ends with exit status 1 if any
 * check failed, or prints "OK <program> rank R" (check_finish). Include after <mpi.h>. */
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

/* MPI_Init, then rank and size of MPI_COMM_WORLD. */
static void check_init(int *argc, char ***argv) {
  MPI_Init(argc, argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
}

/* Prints the OK line if every check passed, finalizes, and returns main's exit status. */
static int check_finish(const char *program) {
  if (failures == 0) printf("OK %s rank %d\n", program, rank);
  fflush(stdout);
  MPI_Finalize();
  return failures ? 1 : 0;
}

#endif
