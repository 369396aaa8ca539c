/* MPI_Graph_create and its queries (Graphdims_get, Graph_get, Graph_neighbors(_count), Topo_test), neighbour
 * collectives on it, MPI_Graph_map / MPI_Cart_map, and the general MPI_Dist_graph_create (every edge named by
 * rank 0 only, then each rank naming its own out-edges with weights) checked with Dist_graph_neighbors and a
 * Neighbor_alltoall. Self-checking: "OK comm_graph_general rank R". */
#include <mpi.h>
#include <stdlib.h>
#include "check.h"

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  /* A ring graph with an extra edge from every node to node 0 (node 0 lists itself only on a 1-node ring). */
  int n = size, index[64], edges[256], ne = 0;
  for (int r = 0; r < n; r++) {
    edges[ne++] = (r + 1) % n;
    edges[ne++] = (r + n - 1) % n;
    index[r] = ne;
  }
  MPI_Comm g;
  MPI_Graph_create(MPI_COMM_WORLD, n, index, edges, 0, &g);
  int status = -1, nn = -1, nedges = -1;
  MPI_Topo_test(g, &status);
  expect(MPI_GRAPH, status, "Topo_test on a graph");
  MPI_Graphdims_get(g, &nn, &nedges);
  expect(n, nn, "Graphdims_get nnodes");
  expect(ne, nedges, "Graphdims_get nedges");
  int gi[64], ge[256];
  MPI_Graph_get(g, n, ne, gi, ge);
  for (int i = 0; i < n; i++) expect(index[i], gi[i], "Graph_get index[%d]", i);
  for (int i = 0; i < ne; i++) expect(edges[i], ge[i], "Graph_get edges[%d]", i);
  int cnt = -1, nb[8];
  MPI_Graph_neighbors_count(g, rank, &cnt);
  expect(2, cnt, "Graph_neighbors_count");
  MPI_Graph_neighbors(g, rank, 8, nb);
  expect((rank + 1) % n, nb[0], "first neighbour");
  expect((rank + n - 1) % n, nb[1], "second neighbour");
  /* Neighbour allgather on the graph: slot i receives from neighbour i. */
  int got[2] = {-1, -1};
  MPI_Neighbor_allgather(&rank, 1, MPI_INT, got, 1, MPI_INT, g);
  expect((rank + 1) % n, got[0], "graph Neighbor_allgather slot 0");
  expect((rank + n - 1) % n, got[1], "graph Neighbor_allgather slot 1");
  MPI_Comm_free(&g);
  int newrank = -2, dims[2] = {size, 1}, periods[2] = {0, 0};
  MPI_Graph_map(MPI_COMM_WORLD, n, index, edges, &newrank);
  expect(1, newrank >= 0 && newrank < n, "Graph_map gives a rank");
  newrank = -2;
  MPI_Cart_map(MPI_COMM_WORLD, 2, dims, periods, &newrank);
  expect(1, newrank >= 0 && newrank < size, "Cart_map gives a rank");

  /* General Dist_graph_create: rank 0 names every edge r -> r + 1 (mod size). */
  MPI_Comm dg;
  int *srcs = malloc(sizeof(int) * size), *degs = malloc(sizeof(int) * size), *dsts = malloc(sizeof(int) * size);
  for (int r = 0; r < size; r++) { srcs[r] = r; degs[r] = 1; dsts[r] = (r + 1) % size; }
  MPI_Dist_graph_create(MPI_COMM_WORLD, rank == 0 ? size : 0, srcs, degs, dsts, MPI_UNWEIGHTED, MPI_INFO_NULL, 0, &dg);
  int indeg = -1, outdeg = -1, weighted = -1;
  MPI_Dist_graph_neighbors_count(dg, &indeg, &outdeg, &weighted);
  expect(1, indeg, "general dist graph indegree");
  expect(1, outdeg, "general dist graph outdegree");
  expect(0, weighted, "unweighted");
  int in1 = -1, out1 = -1;
  MPI_Dist_graph_neighbors(dg, 1, &in1, MPI_UNWEIGHTED, 1, &out1, MPI_UNWEIGHTED);
  expect((rank + size - 1) % size, in1, "in-neighbour");
  expect((rank + 1) % size, out1, "out-neighbour");
  int a = rank * 10, b = -1;
  MPI_Neighbor_alltoall(&a, 1, MPI_INT, &b, 1, MPI_INT, dg);
  expect(((rank + size - 1) % size) * 10, b, "Neighbor_alltoall on the general dist graph");
  MPI_Comm_free(&dg);
  /* Each rank names its own out-edges, weighted: r -> r + 1 with weight r + 1. */
  int one = 1, dst = (rank + 1) % size, w = rank + 1;
  MPI_Dist_graph_create(MPI_COMM_WORLD, 1, &rank, &one, &dst, &w, MPI_INFO_NULL, 0, &dg);
  MPI_Dist_graph_neighbors_count(dg, &indeg, &outdeg, &weighted);
  expect(1, weighted, "weighted");
  int inw = -1, outw = -1;
  MPI_Dist_graph_neighbors(dg, 1, &in1, &inw, 1, &out1, &outw);
  expect((rank + size - 1) % size + 1, inw, "in-edge weight");
  expect(rank + 1, outw, "out-edge weight");
  MPI_Comm_free(&dg);
  free(srcs); free(degs); free(dsts);
  return check_finish("comm_graph_general");
}
