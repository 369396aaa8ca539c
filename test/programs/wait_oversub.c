/* Many small collectives with a little work between them, for more ranks than cores: each iteration every rank
 * computes a little, then MPI_Allreduce of one double and MPI_Barrier. Prints the sum, which every rank must agree
 * on. argv[1]: iterations, argv[2]: work per iteration. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static double work(long n, int rank) {
  double s = 0;
  for (long i = 1; i <= n; i++) s += 1.0 / ((double)(i + rank) * (double)i);
  return s;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int iterations = argc > 1 ? atoi(argv[1]) : 1000;
  long n = argc > 2 ? atol(argv[2]) : 1000;
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  double total = 0;
  for (int i = 0; i < iterations; i++) {
    double mine = work(n, rank) > 0 ? 1.0 : 0.0, sum = 0;
    MPI_Allreduce(&mine, &sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    total += sum;
    MPI_Barrier(MPI_COMM_WORLD);
  }
  double expected = (double)iterations * size;
  if (total != expected) {
    printf("FAIL rank %d: sum %.1f, expected %.1f\n", rank, total, expected);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  if (rank == 0) printf("OK wait_oversub %d ranks %d iterations\n", size, iterations);
  MPI_Finalize();
  return 0;
}
