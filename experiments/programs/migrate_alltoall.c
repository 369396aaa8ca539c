/* The seeds' all-to-all migration kernel: each iteration some compute on the rank's own data, an MPI_Alltoall
 * of a few KiB per pair, and an MPI_Barrier over all ranks (a migration point). Prints the job's time (rank 0,
 * from the first to the last barrier) and a checksum that must not depend on where the ranks ran.
 * usage: migrate_alltoall [iterations] [KiB per pair] [compute per iteration] */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int iters = argc > 1 ? atoi(argv[1]) : 400;
  int per = (argc > 2 ? atoi(argv[2]) : 4) * 1024 / (int)sizeof(double);
  int work = argc > 3 ? atoi(argv[3]) : 20000;
  double *out = malloc((size_t)per * size * sizeof(double)), *in = malloc((size_t)per * size * sizeof(double));
  double *own = malloc((size_t)work * sizeof(double));
  for (int i = 0; i < work; i++) own[i] = (rank + 1) * 0.001 * (i % 97);
  for (int i = 0; i < per * size; i++) out[i] = rank + i * 1e-6;
  double check = 0;
  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = MPI_Wtime();
  for (int it = 0; it < iters; it++) {
    for (int r = 0; r < 4; r++)
      for (int i = 1; i < work; i++) own[i] = 0.5 * (own[i] + own[i - 1]) + 1e-9 * it;
    for (int i = 0; i < per * size; i++) out[i] = out[i] * 0.999 + own[i % work] * 1e-3;
    MPI_Alltoall(out, per, MPI_DOUBLE, in, per, MPI_DOUBLE, MPI_COMM_WORLD);
    for (int i = 0; i < per * size; i += per) check += in[i];
    MPI_Barrier(MPI_COMM_WORLD);
  }
  double t1 = MPI_Wtime();
  double all = 0;
  MPI_Reduce(&check, &all, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
  if (rank == 0) printf("alltoall_ms %.1f iterations %d check %.6e\n", (t1 - t0) * 1e3, iters, all);
  free(out); free(in); free(own);
  MPI_Finalize();
  return 0;
}
