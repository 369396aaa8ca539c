/* Rank 1 reads far outside memory (or calls abort() with argument "abort"); the others wait forever. */
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static int read_outside(volatile int *p) { return *p; }

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank == 1) {
    if (argc > 1 && strcmp(argv[1], "abort") == 0) abort();
    return read_outside((volatile int *)0xfffffff0u);
  }
  volatile unsigned long spin = 0;
  for (;;) spin++; /* never ends on its own: the job must be ended for us */
}
