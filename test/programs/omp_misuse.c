/* OpenMP misuse that must end the job with a message naming the call: argv[1] = "unset" unsets a lock nobody
 * holds; "mpi" makes an MPI call from OpenMP thread 1 although the rank only has MPI_THREAD_FUNNELED. */
#include <mpi.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  int provided;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  const char *mode = argc > 1 ? argv[1] : "";
  omp_lock_t lock;
  omp_init_lock(&lock);
#pragma omp parallel num_threads(2)
  {
    if (omp_get_thread_num() == 1) {
      if (strcmp(mode, "unset") == 0) omp_unset_lock(&lock);
      if (strcmp(mode, "mpi") == 0) MPI_Barrier(MPI_COMM_WORLD);
    }
  }
  printf("after the region\n");
  MPI_Finalize();
  return 0;
}
