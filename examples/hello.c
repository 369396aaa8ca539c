/* The demo: every rank says who it is and integrates its share of 4/(1+x^2) over [0,1]; MPI_Reduce sums pi. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size, len;
  char host[MPI_MAX_PROCESSOR_NAME];
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Get_processor_name(host, &len);

  const long steps = 10000000;
  const double h = 1.0 / steps;
  double sum = 0.0;
  double t0 = MPI_Wtime();
  for (long i = rank; i < steps; i += size) {
    double x = (i + 0.5) * h;
    sum += 4.0 / (1.0 + x * x);
  }
  double share = sum * h, pi = 0.0;
  printf("rank %d of %d on %s: my share of pi is %.12f (%.1f ms)\n", rank, size, host, share,
         (MPI_Wtime() - t0) * 1e3);
  MPI_Reduce(&share, &pi, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
  if (rank == 0) printf("pi = %.12f (error %.1e)\n", pi, pi - 3.14159265358979323846);
  MPI_Finalize();
  return 0;
}
