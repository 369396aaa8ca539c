/* Keeps every rank busy with messages for argv[1] seconds (default 2): a ring exchange checked against the
 * sender's rank and iteration, and an Allreduce of the iteration count each round. For tests that need a job
 * running while something else happens (a host killed, another tenant's job). Prints "OK ring_loop rank R
 * rounds N" at the end, "FAIL rank R: ..." on a wrong value. */
#include <mpi.h>
#include "check.h"
#include <stdlib.h>

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  double seconds = argc > 1 ? atof(argv[1]) : 2.0;
  double t0 = MPI_Wtime();
  int right = (rank + 1) % size, left = (rank + size - 1) % size;
  int round = 0, go = 1;
  while (go) {
    int out[2] = {rank, round}, in[2] = {-1, -1};
    MPI_Sendrecv(out, 2, MPI_INT, right, 5, in, 2, MPI_INT, left, 5, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    expect(left, in[0], "ring: sender");
    expect(round, in[1], "ring: round");
    /* Rank 0 decides when to stop, so every rank runs the same number of rounds. */
    go = rank == 0 ? MPI_Wtime() - t0 < seconds : 0;
    MPI_Bcast(&go, 1, MPI_INT, 0, MPI_COMM_WORLD);
    round++;
    if (failures) break;
  }
  int total = 0;
  MPI_Allreduce(&round, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  expect((long long)round * size, total, "rounds agree");
  if (failures == 0) printf("OK ring_loop rank %d rounds %d\n", rank, round);
  fflush(stdout);
  MPI_Finalize();
  return failures ? 1 : 0;
}
