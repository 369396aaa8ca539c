/* Says it is running, then computes forever: only the launcher's end can end it. */
#include <mpi.h>
#include <stdio.h>
static volatile unsigned long spins;
int main(int argc, char **argv) {
  int rank;
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  printf("running rank %d\n", rank);
  fflush(stdout);
  for (;;) spins++;
}
