/* A deadlock inside collectives: every rank but the last calls MPI_Bcast from the last rank (root = size - 1)
 * and then MPI_Barrier; the last rank blocks in MPI_Recv from rank 0, which never sends. Natively this hangs;
 * under faasmpirun the runtime must end the job with a deadlock report naming MPI_Bcast for ranks 0..size-2
 * and MPI_Recv for the last rank. Needs at least 2 ranks. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv) {
  int rank, size, buf[4] = {0};
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (rank < size - 1) {
    MPI_Bcast(buf, 4, MPI_INT, size - 1, MPI_COMM_WORLD);
    MPI_Barrier(MPI_COMM_WORLD);
  } else {
    MPI_Recv(buf, 4, MPI_INT, 0, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  }
  printf("FAIL rank %d: expected a deadlock\n", rank);
  MPI_Finalize();
  return 1;
}
