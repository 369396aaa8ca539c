/* Collective messages between hosts: runs Barrier, Bcast, Allreduce, Gather and Reduce (small and 1 MiB) and,
 * for each, sums over all ranks how many collective messages went to a rank on another host (the runtime's
 * counter). Rank 0 prints "CROSS <collective> <messages>"; the test compares them with one message per host
 * pair and step. Results are checked too: "FAIL rank R: ..." on a wrong value, "OK coll_cross_host rank R". */
#include <mpi.h>
#include "check.h"
#include <stdio.h>
#include <stdlib.h>

int faasmpi_coll_cross_host_messages(void) __attribute__((import_module("faasmpi_mpi"), import_name("FAASMPI_Coll_cross_host_messages")));

#define BIG (1 << 18) /* ints: 1 MiB */
enum { BARRIER, BCAST, BCAST_BIG, ALLREDUCE, ALLREDUCE_BIG, GATHER, REDUCE, N };
static const char *names[N] = {"barrier", "bcast", "bcast_1MiB", "allreduce", "allreduce_1MiB", "gather", "reduce"};

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  int crossed[N], before;
  int *big = malloc(BIG * sizeof(int)), *bigsum = malloc(BIG * sizeof(int)), *all = malloc(size * sizeof(int));

  before = faasmpi_coll_cross_host_messages();
  MPI_Barrier(MPI_COMM_WORLD);
  crossed[BARRIER] = faasmpi_coll_cross_host_messages() - before;

  int v = rank == 0 ? 4242 : -1;
  before = faasmpi_coll_cross_host_messages();
  MPI_Bcast(&v, 1, MPI_INT, 0, MPI_COMM_WORLD);
  crossed[BCAST] = faasmpi_coll_cross_host_messages() - before;
  expect(4242, v, "bcast value");

  for (int i = 0; i < BIG; i++) big[i] = rank == 0 ? i : -1;
  before = faasmpi_coll_cross_host_messages();
  MPI_Bcast(big, BIG, MPI_INT, 0, MPI_COMM_WORLD);
  crossed[BCAST_BIG] = faasmpi_coll_cross_host_messages() - before;
  expect(BIG - 1, big[BIG - 1], "bcast 1 MiB: last element");

  int sum = 0;
  before = faasmpi_coll_cross_host_messages();
  MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  crossed[ALLREDUCE] = faasmpi_coll_cross_host_messages() - before;
  expect(size * (size - 1) / 2, sum, "allreduce sum of ranks");

  for (int i = 0; i < BIG; i++) big[i] = rank + i % 7;
  before = faasmpi_coll_cross_host_messages();
  MPI_Allreduce(big, bigsum, BIG, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  crossed[ALLREDUCE_BIG] = faasmpi_coll_cross_host_messages() - before;
  expect(size * (size - 1) / 2 + size * ((BIG - 1) % 7), bigsum[BIG - 1], "allreduce 1 MiB: last element");

  int mine = 100 + rank;
  before = faasmpi_coll_cross_host_messages();
  MPI_Gather(&mine, 1, MPI_INT, all, 1, MPI_INT, 0, MPI_COMM_WORLD);
  crossed[GATHER] = faasmpi_coll_cross_host_messages() - before;
  if (rank == 0)
    for (int p = 0; p < size; p++) expect(100 + p, all[p], "gather: value from rank %d", p);

  int max = -1;
  before = faasmpi_coll_cross_host_messages();
  MPI_Reduce(&rank, &max, 1, MPI_INT, MPI_MAX, 0, MPI_COMM_WORLD);
  crossed[REDUCE] = faasmpi_coll_cross_host_messages() - before;
  if (rank == 0) expect(size - 1, max, "reduce max");

  int sums[N];
  MPI_Reduce(crossed, sums, N, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
  if (rank == 0)
    for (int i = 0; i < N; i++) printf("CROSS %s %d\n", names[i], sums[i]);
  free(big);
  free(bigsum);
  free(all);
  return check_finish("coll_cross_host");
}
