/* Distributed graph topologies: MPI_Dist_graph_create_adjacent for a ring (unweighted; each rank sends to
 * right then left and receives from left then right, so with 1 or 2 ranks the same process appears twice),
 * a weighted star (rank 0 hears from everyone), Dist_graph_neighbors_count / Dist_graph_neighbors, Topo_test,
 * MPI_Neighbor_allgather and MPI_Neighbor_alltoall on both, and point-to-point on the graph communicator.
 * Self-checking: failures print "FAIL rank R: ..." and exit 1; success prints "OK comm_graph rank R". */
#include <mpi.h>
#include "check.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void ring(void) {
  int left = (rank + size - 1) % size, right = (rank + 1) % size;
  int sources[2] = {left, right}, dests[2] = {right, left};
  MPI_Comm g;
  expect(MPI_SUCCESS, MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 2, sources, MPI_UNWEIGHTED, 2, dests, MPI_UNWEIGHTED,
                                                     MPI_INFO_NULL, 0, &g), "Dist_graph_create_adjacent (ring): rc");
  int status = -1, indeg = -1, outdeg = -1, weighted = -1;
  MPI_Topo_test(g, &status);
  expect(MPI_DIST_GRAPH, status, "Topo_test(ring graph)");
  MPI_Dist_graph_neighbors_count(g, &indeg, &outdeg, &weighted);
  expect(2, indeg, "ring: indegree");
  expect(2, outdeg, "ring: outdegree");
  expect(0, weighted, "ring: weighted");
  int s[2] = {-7, -7}, d[2] = {-7, -7};
  MPI_Dist_graph_neighbors(g, 2, s, MPI_UNWEIGHTED, 2, d, MPI_UNWEIGHTED);
  expect(left, s[0], "ring: sources[0]");
  expect(right, s[1], "ring: sources[1]");
  expect(right, d[0], "ring: destinations[0]");
  expect(left, d[1], "ring: destinations[1]");
  int r = -1, n = -1, result = -1;
  MPI_Comm_rank(g, &r);
  MPI_Comm_size(g, &n);
  expect(rank, r, "ring graph: rank");
  expect(size, n, "ring graph: size");
  MPI_Comm_compare(MPI_COMM_WORLD, g, &result);
  expect(MPI_CONGRUENT, result, "compare(WORLD, graph)");

  int val[2] = {rank, 50 + rank}, got[4] = {-1, -1, -1, -1};
  expect(MPI_SUCCESS, MPI_Neighbor_allgather(val, 2, MPI_INT, got, 2, MPI_INT, g), "ring allgather: rc");
  expect(left, got[0], "ring allgather from the left");
  expect(50 + left, got[1], "ring allgather from the left, item 1");
  expect(right, got[2], "ring allgather from the right");
  expect(50 + right, got[3], "ring allgather from the right, item 1");

  /* alltoall: block 0 goes right, block 1 left; slot 0 hears the left's block 0, slot 1 the right's block 1. */
  int out[2] = {100 * rank + 0, 100 * rank + 1}, in[2] = {-1, -1};
  expect(MPI_SUCCESS, MPI_Neighbor_alltoall(out, 1, MPI_INT, in, 1, MPI_INT, g), "ring alltoall: rc");
  expect(100 * left + 0, in[0], "ring alltoall slot 0");
  expect(100 * right + 1, in[1], "ring alltoall slot 1");

  /* Large blocks (above the eager limit). */
  int big = 40000;
  int *bo = malloc(2 * big * sizeof(int)), *bi = malloc(2 * big * sizeof(int));
  for (int i = 0; i < 2 * big; i++) {
    bo[i] = rank * 1000000 + i;
    bi[i] = -1;
  }
  MPI_Neighbor_alltoall(bo, big, MPI_INT, bi, big, MPI_INT, g);
  expect(left * 1000000 + 0, bi[0], "big alltoall slot 0 first");
  expect(left * 1000000 + big - 1, bi[big - 1], "big alltoall slot 0 last");
  expect(right * 1000000 + big, bi[big], "big alltoall slot 1 first");
  expect(right * 1000000 + 2 * big - 1, bi[2 * big - 1], "big alltoall slot 1 last");
  free(bo);
  free(bi);

  /* Point-to-point still works on the graph communicator. */
  int x = -1;
  MPI_Sendrecv(&rank, 1, MPI_INT, right, 3, &x, 1, MPI_INT, left, 3, g, MPI_STATUS_IGNORE);
  expect(left, x, "sendrecv on the graph communicator");
  MPI_Comm_free(&g);
}

static void star(void) {
  /* Everyone else sends to 0 with weight = its rank; 0 sends to nobody. */
  int indeg = rank == 0 ? size - 1 : 0, outdeg = rank == 0 ? 0 : 1;
  int sources[64], sw[64], dest = 0, dw = rank;
  for (int i = 1; i < size; i++) {
    sources[i - 1] = i;
    sw[i - 1] = i;
  }
  MPI_Comm g;
  MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, indeg, sources, indeg ? sw : MPI_WEIGHTS_EMPTY, outdeg, &dest,
                                 outdeg ? &dw : MPI_WEIGHTS_EMPTY, MPI_INFO_NULL, 0, &g);
  int in = -1, out = -1, weighted = -1;
  MPI_Dist_graph_neighbors_count(g, &in, &out, &weighted);
  expect(indeg, in, "star: indegree");
  expect(outdeg, out, "star: outdegree");
  expect(1, weighted, "star: weighted");
  if (rank == 0 && size > 1) {
    int s[64], w[64], d[1], dwt[1];
    MPI_Dist_graph_neighbors(g, size - 1, s, w, 0, d, dwt);
    for (int i = 0; i < size - 1; i++) {
      expect(i + 1, s[i], "star: source %d", i);
      expect(i + 1, w[i], "star: source weight %d", i);
    }
  } else if (rank > 0) {
    int s[1], w[1], d[1] = {-7}, dwt[1] = {-7};
    MPI_Dist_graph_neighbors(g, 0, s, w, 1, d, dwt);
    expect(0, d[0], "star: destination");
    expect(rank, dwt[0], "star: destination weight");
  }
  int val = 7 * rank, got[64];
  for (int i = 0; i < 64; i++) got[i] = -1;
  MPI_Neighbor_allgather(&val, 1, MPI_INT, got, 1, MPI_INT, g);
  if (rank == 0)
    for (int i = 0; i < size - 1; i++) expect(7 * (i + 1), got[i], "star allgather slot %d", i);
  MPI_Comm_free(&g);
}

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  ring();
  star();
  return check_finish("comm_graph");
}
