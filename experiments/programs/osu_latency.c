/* Ping-pong latency between ranks 0 and 1 (written for faasmpi, in the style of the OSU latency test).
 * For each size from 8 B to 4 MiB (powers of two): warm-up round trips, then timed round trips; prints
 * "size latency_us" with the one-way latency (round trip / 2) in microseconds. Other ranks only wait.
 * Usage: osu_latency [max_bytes [divide]] (divide: run 1/divide of the round trips, for slow links)
 * `osu_latency fresh`: no warm-up; 8-byte ping-pongs from the first call of the job, printing "last_round_trip
 * latency_us" (one-way, rank 0's mean per round trip) for round trips 1, 2-10, 11-100, 101-1000, 1001-3000, 3001-10000. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (argc > 1 && !strcmp(argv[1], "fresh")) {
    static const int marks[] = {1, 10, 100, 1000, 3000, 10000};
    char b[8] = {0};
    double t = MPI_Wtime();
    for (int i = 1, m = 0; m < 6 && size >= 2; i++) {
      if (rank == 0) {
        MPI_Send(b, 8, MPI_CHAR, 1, 1, MPI_COMM_WORLD);
        MPI_Recv(b, 8, MPI_CHAR, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      } else if (rank == 1) {
        MPI_Recv(b, 8, MPI_CHAR, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Send(b, 8, MPI_CHAR, 0, 1, MPI_COMM_WORLD);
      }
      if (i == marks[m]) {
        double now = MPI_Wtime();
        if (rank == 0) printf("%d %.2f\n", i, (now - t) * 1e6 / 2 / (i - (m ? marks[m - 1] : 0)));
        t = now;
        m++;
      }
    }
    MPI_Finalize();
    return 0;
  }
  long max = argc > 1 ? atol(argv[1]) : 4L << 20;
  int divide = argc > 2 && atoi(argv[2]) > 0 ? atoi(argv[2]) : 1; /* fewer round trips (slow links) */
  if (size < 2) {
    if (rank == 0) fprintf(stderr, "osu_latency needs at least 2 ranks\n");
    MPI_Finalize();
    return 1;
  }
  char *sbuf = malloc(max), *rbuf = malloc(max);
  memset(sbuf, 'a', max);
  memset(rbuf, 'b', max);
  if (rank == 0) printf("# faasmpi ping-pong latency, ranks 0 and 1 of %d\n# size latency_us\n", size);
  /* Global warm-up before the first size (JIT tier-up in a wasm runtime, caches and page faults natively):
   * 8-byte ping-pongs for at least 0.5 s, so the first reported size is not a start-up artefact. */
  {
    int go = 1;
    double t_start = MPI_Wtime();
    while (go) {
      if (rank == 0) {
        MPI_Send(sbuf, 8, MPI_CHAR, 1, 9, MPI_COMM_WORLD);
        MPI_Recv(rbuf, 8, MPI_CHAR, 1, 9, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        go = MPI_Wtime() - t_start < 0.5;
        MPI_Send(&go, 1, MPI_INT, 1, 10, MPI_COMM_WORLD);
      } else if (rank == 1) {
        MPI_Recv(rbuf, 8, MPI_CHAR, 0, 9, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Send(sbuf, 8, MPI_CHAR, 0, 9, MPI_COMM_WORLD);
        MPI_Recv(&go, 1, MPI_INT, 0, 10, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      } else {
        go = 0;
      }
    }
  }
  for (long n = 8; n <= max; n *= 2) {
    int iters = (n <= 8192 ? 10000 : n <= 262144 ? 1000 : 100) / divide;
    int warmup = iters / 10;
    double t0 = 0;
    if (rank == 0) {
      for (int i = 0; i < warmup + iters; i++) {
        if (i == warmup) t0 = MPI_Wtime();
        MPI_Send(sbuf, (int)n, MPI_CHAR, 1, 1, MPI_COMM_WORLD);
        MPI_Recv(rbuf, (int)n, MPI_CHAR, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      }
      double us = (MPI_Wtime() - t0) * 1e6 / (2.0 * iters);
      printf("%ld %.2f\n", n, us);
      fflush(stdout);
    } else if (rank == 1) {
      for (int i = 0; i < warmup + iters; i++) {
        MPI_Recv(rbuf, (int)n, MPI_CHAR, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Send(sbuf, (int)n, MPI_CHAR, 0, 1, MPI_COMM_WORLD);
      }
    }
  }
  free(sbuf);
  free(rbuf);
  MPI_Finalize();
  return 0;
}
