/* Migration test program: rank 0 has a receive pending across barrier 1 (posted before it, its message sent
 * by rank 1 between barriers 1 and 2, waited for after barrier 2). A move asked for at barrier 1 cannot happen
 * there (nor at 2, where the request is done but not yet waited for); it happens at barrier 3. Nothing is lost. */
#include <mpi.h>
#include "check.h"

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  int got = -1;
  MPI_Request req = MPI_REQUEST_NULL;
  if (rank == 0 && size > 1) MPI_Irecv(&got, 1, MPI_INT, 1, 5, MPI_COMM_WORLD, &req);
  MPI_Barrier(MPI_COMM_WORLD); /* 1 */
  if (rank == 1) {
    int v = 12345;
    MPI_Send(&v, 1, MPI_INT, 0, 5, MPI_COMM_WORLD);
  }
  MPI_Barrier(MPI_COMM_WORLD); /* 2 */
  MPI_Wait(&req, MPI_STATUS_IGNORE);
  if (rank == 0 && size > 1) expect(12345, got, "pending receive");
  MPI_Barrier(MPI_COMM_WORLD); /* 3 */
  int sum = 0;
  MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  expect(size * (size - 1) / 2, sum, "allreduce after the move");
  MPI_Barrier(MPI_COMM_WORLD); /* 4 */
  return check_finish("migrate_pending");
}
