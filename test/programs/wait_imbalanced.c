/* An imbalanced OpenMP region, many times: thread 0 computes, the others arrive at the barrier at once and wait.
 * With MPI (-DWITH_MPI) the same shape across ranks: rank 0 computes, the others wait in MPI_Barrier.
 * Prints a checksum so the work cannot be optimised away. argv[1]: regions, argv[2]: work per region. */
#include <stdio.h>
#include <stdlib.h>
#ifdef WITH_MPI
#include <mpi.h>
#else
#include <omp.h>
#endif

static double work(long n) {
  double s = 0;
  for (long i = 1; i <= n; i++) s += 1.0 / ((double)i * (double)i);
  return s;
}

int main(int argc, char **argv) {
  int regions = argc > 1 ? atoi(argv[1]) : 40;
  long n = argc > 2 ? atol(argv[2]) : 4000000;
  double total = 0;
#ifdef WITH_MPI
  MPI_Init(&argc, &argv);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  for (int r = 0; r < regions; r++) {
    if (rank == 0) total += work(n);
    MPI_Barrier(MPI_COMM_WORLD);
  }
  if (rank == 0) printf("OK wait_imbalanced %.6f\n", total);
  MPI_Finalize();
#else
  for (int r = 0; r < regions; r++) {
#pragma omp parallel reduction(+ : total)
    {
      if (omp_get_thread_num() == 0) total += work(n);
    }
  }
  printf("OK wait_imbalanced %.6f\n", total);
#endif
  return 0;
}
