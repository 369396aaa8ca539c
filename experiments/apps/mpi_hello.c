/* Start-up subject for the apps experiment: one line as main starts (launch to main), one after MPI_Init. */
#include <mpi.h>
#include <stdio.h>
int main(int argc, char **argv) {
  printf("main\n");
  fflush(stdout);
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (rank == 0) printf("initialised %d ranks\n", size);
  MPI_Finalize();
  return 0;
}
