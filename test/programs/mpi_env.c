/* The MPI environment calls; with argument "abort", rank 0 calls MPI_Abort(…, 7) while the others spin. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  int flag = -1, version, subversion, provided;
  MPI_Initialized(&flag);
  printf("initialized before: %d\n", flag);
  MPI_Get_version(&version, &subversion);
  MPI_Init_thread(&argc, &argv, MPI_THREAD_SINGLE, &provided);
  MPI_Initialized(&flag);
  int rank, size, self_rank, self_size, len;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Comm_rank(MPI_COMM_SELF, &self_rank);
  MPI_Comm_size(MPI_COMM_SELF, &self_size);
  char name[MPI_MAX_PROCESSOR_NAME];
  MPI_Get_processor_name(name, &len);
  double t0 = MPI_Wtime();
  printf("rank %d/%d self %d/%d version %d.%d provided %d init %d name_ok %d wtick_ok %d wtime_ok %d\n", rank, size,
         self_rank, self_size, version, subversion, provided, flag, len == (int)strlen(name) && len > 0,
         MPI_Wtick() > 0 && MPI_Wtick() < 1e-3, t0 > 1.6e9);
  if (argc > 1 && strcmp(argv[1], "abort") == 0) {
    if (rank == 0) MPI_Abort(MPI_COMM_WORLD, 7);
    for (volatile int spin = 0;; spin++) {}
  }
  if (argc > 1 && strcmp(argv[1], "badcomm") == 0) MPI_Comm_size((MPI_Comm)12345, &size);
  MPI_Finalize();
  MPI_Finalized(&flag);
  printf("finalized: %d\n", flag);
  return 0;
}
