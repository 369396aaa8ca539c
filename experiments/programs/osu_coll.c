/* Collective latency (written for faasmpi, in the style of the OSU collective tests): for one collective,
 * chosen by argv[1] (allreduce | bcast | reduce | allgather | alltoall | barrier), and each message size from 8 B to 1 MiB (powers
 * of two; barrier has one size, printed as 0): warm-up calls, then timed calls; the latency of a size is the
 * average time per call, averaged over the ranks (MPI_Reduce of each rank's mean to rank 0). Before the first
 * size, 0.5 s of 8-byte calls warm up the JIT, caches and page faults. Sizes are bytes of MPI_FLOAT data:
 * Allreduce, Reduce (MPI_SUM, root 0) and Bcast (root 0) of `size` bytes; Allgather and Alltoall of `size` bytes per peer.
 * Prints "size latency_us" lines on rank 0. Usage: osu_coll <collective> [max_bytes [divide]] (divide: 1/divide of the calls)
 * `osu_coll fresh`: no warm-up; 8-byte Allreduces from the first call of the job, printing "last_call latency_us"
 * for the calls 1, 2-10, 11-100, 101-1000, 1001-3000 and 3001-10000 (rank 0's mean time per call). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, nranks;

static void call(const char *what, void *s, void *r, int n) {
  if (!strcmp(what, "allreduce")) MPI_Allreduce(s, r, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  else if (!strcmp(what, "bcast")) MPI_Bcast(s, n, MPI_FLOAT, 0, MPI_COMM_WORLD);
  else if (!strcmp(what, "alltoall")) MPI_Alltoall(s, n, MPI_FLOAT, r, n, MPI_FLOAT, MPI_COMM_WORLD);
  else if (!strcmp(what, "reduce")) MPI_Reduce(s, r, n, MPI_FLOAT, MPI_SUM, 0, MPI_COMM_WORLD);
  else if (!strcmp(what, "allgather")) MPI_Allgather(s, n, MPI_FLOAT, r, n, MPI_FLOAT, MPI_COMM_WORLD);
  else MPI_Barrier(MPI_COMM_WORLD);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &nranks);
  const char *what = argc > 1 ? argv[1] : "allreduce";
  if (!strcmp(what, "fresh")) {
    static const int marks[] = {1, 10, 100, 1000, 3000, 10000};
    float x[2] = {1, 2}, y[2];
    double t = MPI_Wtime();
    for (int i = 1, m = 0; m < 6; i++) {
      MPI_Allreduce(x, y, 2, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
      if (i == marks[m]) {
        double now = MPI_Wtime();
        if (rank == 0) printf("%d %.2f\n", i, (now - t) * 1e6 / (i - (m ? marks[m - 1] : 0)));
        t = now;
        m++;
      }
    }
    MPI_Finalize();
    return 0;
  }
  long max = argc > 2 ? atol(argv[2]) : 1L << 20;
  int divide = argc > 3 && atoi(argv[3]) > 0 ? atoi(argv[3]) : 1; /* fewer calls (slow links) */
  int barrier = !strcmp(what, "barrier");
  long per = !strcmp(what, "alltoall") || !strcmp(what, "allgather") ? nranks : 1;
  float *s = malloc(max * per), *r = malloc(max * per);
  for (long i = 0; i < max * per / 4; i++) s[i] = (float)(i % 100) * 0.5f + rank;
  memset(r, 0, max * per);
  if (rank == 0) printf("# faasmpi collective latency: MPI_%s, %d ranks\n# size latency_us\n", what, nranks);
  int go = 1;
  double t_start = MPI_Wtime();
  while (go) {
    for (int i = 0; i < 100; i++) call(what, s, r, 2);
    go = MPI_Wtime() - t_start < 0.5;
    MPI_Bcast(&go, 1, MPI_INT, 0, MPI_COMM_WORLD);
  }
  for (long n = barrier ? 0 : 8; n <= (barrier ? 0 : max); n = n * 2) {
    long bytes = n * per;
    int iters = (bytes <= 16384 ? 2000 : bytes <= 262144 ? 200 : 50) / divide;
    int warmup = iters / 10;
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = 0;
    for (int i = 0; i < warmup + iters; i++) {
      if (i == warmup) t0 = MPI_Wtime();
      call(what, s, r, (int)(n / 4));
    }
    double mine = (MPI_Wtime() - t0) * 1e6 / iters, sum = 0;
    MPI_Reduce(&mine, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0) {
      printf("%ld %.2f\n", n, sum / nranks);
      fflush(stdout);
    }
    if (barrier) break;
  }
  free(s);
  free(r);
  MPI_Finalize();
  return 0;
}
