/* Migration between hosts test program (unmodified MPI). Each round: small eager messages to every other rank
 * sent just before an all-rank barrier and received after it (in flight between hosts while ranks move), a
 * nonblocking ring of a large message (over the link, or single-copy once both ends share a host), an
 * Alltoall and an Allreduce, all checked. "where R ROUND NAME" lines give MPI_Get_processor_name (they differ
 * with placement); every other line is the same whether or not ranks moved. */
#include <mpi.h>
#include <stdlib.h>
#include "check.h"

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  int rounds = argc > 1 ? atoi(argv[1]) : 6;
  int n = argc > 2 ? atoi(argv[2]) : 50000;
  int *out = malloc(n * sizeof(int)), *in = malloc(n * sizeof(int));
  int *a2a_out = malloc(size * 4 * sizeof(int)), *a2a_in = malloc(size * 4 * sizeof(int));
  long sum = 0;
  for (int round = 0; round < rounds; round++) {
    for (int p = 0; p < size; p++) {
      if (p == rank) continue;
      int v = rank * 1000 + round * 10 + p;
      MPI_Send(&v, 1, MPI_INT, p, 100 + round, MPI_COMM_WORLD);
    }
    char name[MPI_MAX_PROCESSOR_NAME];
    int len = 0;
    MPI_Get_processor_name(name, &len);
    printf("where %d %d %s\n", rank, round, name);
    fflush(stdout);
    MPI_Barrier(MPI_COMM_WORLD);
    for (int p = size - 1; p >= 0; p--) {
      if (p == rank) continue;
      int v = -1;
      MPI_Recv(&v, 1, MPI_INT, p, 100 + round, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      expect(p * 1000 + round * 10 + rank, v, "eager message from %d in round %d", p, round);
    }
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    for (int i = 0; i < n; i++) out[i] = rank * 7 + i + round;
    MPI_Request reqs[2];
    MPI_Irecv(in, n, MPI_INT, prev, 7, MPI_COMM_WORLD, &reqs[0]);
    MPI_Isend(out, n, MPI_INT, next, 7, MPI_COMM_WORLD, &reqs[1]);
    MPI_Waitall(2, reqs, MPI_STATUSES_IGNORE);
    int bad = 0;
    for (int i = 0; i < n; i++) bad += in[i] != prev * 7 + i + round;
    expect(0, bad, "ring elements wrong in round %d", round);
    for (int i = 0; i < size * 4; i++) a2a_out[i] = rank * 100 + i + round;
    MPI_Alltoall(a2a_out, 4, MPI_INT, a2a_in, 4, MPI_INT, MPI_COMM_WORLD);
    for (int p = 0; p < size; p++)
      for (int k = 0; k < 4; k++) expect(p * 100 + rank * 4 + k + round, a2a_in[p * 4 + k], "alltoall from %d", p);
    long mine = rank + round, all = 0;
    MPI_Allreduce(&mine, &all, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    expect((long)size * (size - 1) / 2 + (long)size * round, all, "allreduce in round %d", round);
    sum += all;
    printf("rank %d round %d sum %ld\n", rank, round, sum);
    fflush(stdout);
  }
  free(out); free(in); free(a2a_out); free(a2a_in);
  return check_finish("migrate_hosts");
}
