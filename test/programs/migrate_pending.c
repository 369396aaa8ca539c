/* Migration test program: rank 0 has a receive pending across barrier 1 (posted before it, its message sent
 * by rank 1 between barriers 1 and 2, waited for after barrier 2). A move asked for at barrier 1 cannot happen
 * there (nor at 2, where the request is done but not yet waited for); it happens at barrier 3. Nothing is lost.
 * With an argument, rank 1 also holds an MPI_Info and an attached Bsend buffer until after barrier 3 (not
 * carried by a move yet): the move then waits for barrier 4. */
#include <mpi.h>
#include "check.h"

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  int hold = argc > 1;
  MPI_Info info = MPI_INFO_NULL;
  static char bsend[1024];
  if (hold && rank == 1) {
    MPI_Info_create(&info);
    MPI_Info_set(info, "k", "v");
    MPI_Buffer_attach(bsend, sizeof bsend);
  }
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
  if (hold && rank == 1) {
    char value[8];
    int flag = 0;
    MPI_Info_get(info, "k", sizeof value - 1, value, &flag);
    expect(1, flag, "info kept");
    MPI_Info_free(&info);
    void *addr;
    int bytes;
    MPI_Buffer_detach(&addr, &bytes);
    expect(sizeof bsend, bytes, "Bsend buffer kept");
  }
  int sum = 0;
  MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  expect(size * (size - 1) / 2, sum, "allreduce after the move");
  MPI_Barrier(MPI_COMM_WORLD); /* 4 */
  return check_finish("migrate_pending");
}
