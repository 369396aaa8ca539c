/* Declares host functions with the wrong wasm types (issue 10, item 12): the launcher must refuse the module
 * before running it, naming each import with its type and the expected one. argv[1] picks nothing: the module
 * never runs. */
#include <mpi.h>

__attribute__((import_module("wasi_snapshot_preview1"), import_name("fd_write"))) int bad_fd_write(int fd, long long iovs);
__attribute__((import_module("faasmpi_mpi"), import_name("MPI_Comm_rank"))) int bad_comm_rank(MPI_Comm comm, int *rank, int extra);

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int r;
  bad_comm_rank(MPI_COMM_WORLD, &r, 0);
  bad_fd_write(1, 8);
  MPI_Finalize();
  return 0;
}
