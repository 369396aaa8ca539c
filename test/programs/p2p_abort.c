/* MPI_Abort while other ranks are blocked in MPI_Recv: every rank except 1 tells rank 1 it is about to block,
 * then blocks in MPI_Recv from another such rank (nothing is ever sent); rank 1 waits for all the notices and
 * calls MPI_Abort(MPI_COMM_WORLD, 42). The job must end with status 42. At 1 rank, rank 0 aborts itself. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv) {
  int rank, size, buf;
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size == 1) MPI_Abort(MPI_COMM_WORLD, 42);
  if (rank == 1) {
    for (int k = 0; k < size - 1; k++) MPI_Recv(&buf, 1, MPI_INT, MPI_ANY_SOURCE, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Abort(MPI_COMM_WORLD, 42);
  } else {
    MPI_Send(&rank, 1, MPI_INT, 1, 1, MPI_COMM_WORLD);
    /* the next rank other than 1 (rank 0 at 2 ranks: itself), which never sends */
    int source = (rank + 1) % size == 1 ? (rank + 2) % size : (rank + 1) % size;
    MPI_Recv(&buf, 1, MPI_INT, source, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  }
  printf("FAIL rank %d: MPI_Recv returned after MPI_Abort expected blocking got return\n", rank);
  MPI_Finalize();
  return 1;
}
