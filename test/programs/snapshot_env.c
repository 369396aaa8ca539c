// A constructor that reads the environment: libc keeps the environment it read, so a rank started from a
// snapshot taken after it would see the snapshot's environment instead of its own.
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static const char *early_path;

__attribute__((constructor)) static void read_environment_early(void) { early_path = getenv("PATH"); }

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const char *seen = getenv("OMPI_COMM_WORLD_RANK");
  printf("rank %d sees OMPI_COMM_WORLD_RANK=%s\n", rank, seen ? seen : "(unset)");
  MPI_Finalize();
  (void)early_path;
  return 0;
}
