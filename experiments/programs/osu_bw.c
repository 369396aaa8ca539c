/* Windowed bandwidth from rank 0 to rank 1 (written for faasmpi, in the style of the OSU bandwidth test).
 * For each size from 8 B to 4 MiB (powers of two), each iteration: rank 0 posts a window of Isends and
 * Waitalls; rank 1 posts the matching Irecvs (each into its own buffer) and Waitalls, then sends a 4-byte ack.
 * The window is 64 messages, fewer for the largest sizes so the receive buffers stay within 64 MiB.
 * Prints "size MB_per_s" (MB = 10^6 bytes). Other ranks only wait. Usage: osu_bw [max_bytes] */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW 64
#define RECV_ROOM (64L << 20)

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  long max = argc > 1 ? atol(argv[1]) : 4L << 20;
  if (size < 2) {
    if (rank == 0) fprintf(stderr, "osu_bw needs at least 2 ranks\n");
    MPI_Finalize();
    return 1;
  }
  long room = max * WINDOW < RECV_ROOM ? max * WINDOW : RECV_ROOM;
  char *sbuf = malloc(max), *rbuf = malloc(room);
  memset(sbuf, 'a', max);
  memset(rbuf, 'b', room);
  MPI_Request reqs[WINDOW];
  int ack = 0;
  if (rank == 0) printf("# faasmpi windowed bandwidth, rank 0 -> 1 of %d\n# size MB_per_s\n", size);
  /* Global warm-up before the first size (JIT tier-up in a wasm runtime, caches and page faults natively):
   * windows of 8-byte messages for at least 0.5 s, so the first reported size is not a start-up artefact. */
  double warm_start = MPI_Wtime();
  for (int go = 1; go;) {
    if (rank == 0) {
      for (int w = 0; w < WINDOW; w++) MPI_Isend(sbuf, 8, MPI_CHAR, 1, 9, MPI_COMM_WORLD, &reqs[w]);
      MPI_Waitall(WINDOW, reqs, MPI_STATUSES_IGNORE);
      MPI_Recv(&ack, 1, MPI_INT, 1, 10, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      go = MPI_Wtime() - warm_start < 0.5;
      MPI_Send(&go, 1, MPI_INT, 1, 11, MPI_COMM_WORLD);
    } else if (rank == 1) {
      for (int w = 0; w < WINDOW; w++) MPI_Irecv(rbuf + w * 8, 8, MPI_CHAR, 0, 9, MPI_COMM_WORLD, &reqs[w]);
      MPI_Waitall(WINDOW, reqs, MPI_STATUSES_IGNORE);
      MPI_Send(&ack, 1, MPI_INT, 0, 10, MPI_COMM_WORLD);
      MPI_Recv(&go, 1, MPI_INT, 0, 11, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else {
      go = 0;
    }
  }
  for (long n = 8; n <= max; n *= 2) {
    int window = n * WINDOW <= room ? WINDOW : (int)(room / n);
    int iters = n <= 8192 ? 200 : n <= 262144 ? 50 : 20;
    int warmup = iters / 10;
    double t0 = 0;
    for (int i = 0; i < warmup + iters; i++) {
      if (i == warmup) t0 = MPI_Wtime();
      if (rank == 0) {
        for (int w = 0; w < window; w++) MPI_Isend(sbuf, (int)n, MPI_CHAR, 1, 2, MPI_COMM_WORLD, &reqs[w]);
        MPI_Waitall(window, reqs, MPI_STATUSES_IGNORE);
        MPI_Recv(&ack, 1, MPI_INT, 1, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      } else if (rank == 1) {
        for (int w = 0; w < window; w++) MPI_Irecv(rbuf + w * n, (int)n, MPI_CHAR, 0, 2, MPI_COMM_WORLD, &reqs[w]);
        MPI_Waitall(window, reqs, MPI_STATUSES_IGNORE);
        MPI_Send(&ack, 1, MPI_INT, 0, 3, MPI_COMM_WORLD);
      }
    }
    if (rank == 0) {
      double s = MPI_Wtime() - t0;
      printf("%ld %.2f\n", n, (double)n * window * iters / s / 1e6);
      fflush(stdout);
    }
  }
  free(sbuf);
  free(rbuf);
  MPI_Finalize();
  return 0;
}
