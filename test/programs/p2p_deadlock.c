/* A deadlock: every rank blocks in MPI_Recv from (rank + 1) % size with tag 7 and nothing is ever sent.
 * Natively this hangs; under faasmpirun the runtime must end the job with a deadlock report naming, for
 * each rank, the call it is blocked in. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv) {
  int rank, size, buf = 0;
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Recv(&buf, 1, MPI_INT, (rank + 1) % size, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  printf("FAIL rank %d: MPI_Recv returned expected deadlock got %d\n", rank, buf);
  MPI_Finalize();
  return 1;
}
