/* Neighbourhood collectives beyond allgather/alltoall (issue 16): MPI_Neighbor_allgatherv/alltoallv/alltoallw
 * and every MPI_Ineighbor_* form, on a periodic 1-D ring (at 1 and 2 ranks both neighbours are the same
 * process) and on a distributed graph (each rank -> rank + 1 and rank + 2, with a repeated edge at 2 ranks),
 * nonblocking ones overlapping each other and a blocking Allreduce. Self-checking: "OK comm_neighbor_v rank R". */
#include <mpi.h>
#include <string.h>
#include "check.h"

static int val(int from, int slot, int i) { return from * 1000 + slot * 100 + i; }

static void run(MPI_Comm c, int nin, const int *src, int nout, const int *dst, const char *what) {
  (void)dst;
  /* Block j going out carries val(rank, j, i); block i coming in must be val(src[i], slot the sender used, i). */
  int sbuf[64], rbuf[64], ga[64], ia[5][64];
  int scnt[8], sdsp[8], rcnt[8], rdsp[8];
  MPI_Aint sdb[8], rdb[8];
  MPI_Datatype st[8], rt[8];
  for (int j = 0; j < nout; j++) {
    scnt[j] = 2; sdsp[j] = 3 * j; sdb[j] = 4 * sdsp[j]; st[j] = MPI_INT;
    for (int i = 0; i < 2; i++) sbuf[3 * j + i] = val(rank, j, i);
  }
  for (int i = 0; i < nin; i++) { rcnt[i] = 2; rdsp[i] = 3 * (nin - 1 - i); rdb[i] = 4 * rdsp[i]; rt[i] = MPI_INT; }
  /* Which out-slot of src[i] arrives in my in-slot i: the k-th edge from src[i] to me, in list order. */
  int from_slot[8];
  for (int i = 0; i < nin; i++) {
    int seen = 0;
    for (int k = 0; k < i; k++) seen += src[k] == src[i];
    /* src[i]'s out-slots whose destination is me, in order: the seen-th of them. */
    int sindeg, soutdeg, w, sdst[8], ssrc[8];
    (void)sindeg; (void)soutdeg; (void)w; (void)ssrc;
    int n = 0, slot = -1;
    /* Graph: src sends to src+1, src+2 (mod size); ring: slots 0 (-1) and 1 (+1). */
    if (strcmp(what, "graph") == 0) { sdst[0] = (src[i] + 1) % size; sdst[1] = (src[i] + 2) % size; n = 2; }
    for (int j = 0; j < n; j++) if (sdst[j] == rank && seen-- == 0) { slot = j; break; }
    if (strcmp(what, "ring") == 0) slot = i ^ 1; /* my -1 slot is filled by my left neighbour's +1 block */
    from_slot[i] = slot;
  }
  memset(rbuf, 0xff, sizeof rbuf);
  MPI_Neighbor_alltoallv(sbuf, scnt, sdsp, MPI_INT, rbuf, rcnt, rdsp, MPI_INT, c);
  for (int i = 0; i < nin; i++) for (int k = 0; k < 2; k++)
    expect(val(src[i], from_slot[i], k), rbuf[rdsp[i] + k], "%s Neighbor_alltoallv slot %d item %d", what, i, k);
  memset(rbuf, 0xff, sizeof rbuf);
  MPI_Neighbor_alltoallw(sbuf, scnt, sdb, st, rbuf, rcnt, rdb, rt, c);
  for (int i = 0; i < nin; i++) for (int k = 0; k < 2; k++)
    expect(val(src[i], from_slot[i], k), rbuf[rdsp[i] + k], "%s Neighbor_alltoallw slot %d item %d", what, i, k);
  int mine[2] = {val(rank, 7, 0), val(rank, 7, 1)};
  memset(ga, 0xff, sizeof ga);
  MPI_Neighbor_allgatherv(mine, 2, MPI_INT, ga, rcnt, rdsp, MPI_INT, c);
  for (int i = 0; i < nin; i++) expect(val(src[i], 7, 1), ga[rdsp[i] + 1], "%s Neighbor_allgatherv slot %d", what, i);
  /* All five nonblocking forms at once, with a blocking Allreduce in the middle. */
  MPI_Request q[5];
  for (int v = 0; v < 5; v++) memset(ia[v], 0xff, sizeof ia[v]);
  MPI_Ineighbor_allgather(mine, 2, MPI_INT, ia[0], 2, MPI_INT, c, &q[0]);
  MPI_Ineighbor_alltoall(sbuf, 3, MPI_INT, ia[1], 3, MPI_INT, c, &q[1]);
  int sum = -1;
  MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, c);
  expect(size * (size - 1) / 2, sum, "%s Allreduce among nonblocking neighbour collectives", what);
  MPI_Ineighbor_allgatherv(mine, 2, MPI_INT, ia[2], rcnt, rdsp, MPI_INT, c, &q[2]);
  MPI_Ineighbor_alltoallv(sbuf, scnt, sdsp, MPI_INT, ia[3], rcnt, rdsp, MPI_INT, c, &q[3]);
  MPI_Ineighbor_alltoallw(sbuf, scnt, sdb, st, ia[4], rcnt, rdb, rt, c, &q[4]);
  MPI_Waitall(5, q, MPI_STATUSES_IGNORE);
  for (int i = 0; i < nin; i++) {
    expect(val(src[i], 7, 1), ia[0][2 * i + 1], "%s Ineighbor_allgather slot %d", what, i);
    expect(val(src[i], 7, 0), ia[2][rdsp[i]], "%s Ineighbor_allgatherv slot %d", what, i);
    /* Open MPI 4.1's nonblocking forms swap the two blocks when both ring neighbours are one process (1-2
     * ranks); the blocking forms above check that case. */
    if (strcmp(what, "ring") == 0 && size < 3) continue;
    expect(val(src[i], from_slot[i], 1), ia[1][3 * i + 1], "%s Ineighbor_alltoall slot %d", what, i);
    expect(val(src[i], from_slot[i], 1), ia[3][rdsp[i] + 1], "%s Ineighbor_alltoallv slot %d", what, i);
    expect(val(src[i], from_slot[i], 0), ia[4][rdsp[i]], "%s Ineighbor_alltoallw slot %d", what, i);
  }
}

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  MPI_Comm ring, graph;
  int dims[1] = {size}, periods[1] = {1};
  MPI_Cart_create(MPI_COMM_WORLD, 1, dims, periods, 0, &ring);
  int left = (rank + size - 1) % size, right = (rank + 1) % size;
  int rsrc[2] = {left, right}, rdst[2] = {left, right};
  run(ring, 2, rsrc, 2, rdst, "ring");
  int gsrc[2] = {(rank + size - 1) % size, (rank + 2 * size - 2) % size}, gdst[2] = {(rank + 1) % size, (rank + 2) % size};
  MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 2, gsrc, MPI_UNWEIGHTED, 2, gdst, MPI_UNWEIGHTED, MPI_INFO_NULL, 0, &graph);
  run(graph, 2, gsrc, 2, gdst, "graph");
  MPI_Comm_free(&ring);
  MPI_Comm_free(&graph);
  return check_finish("comm_neighbor_v");
}
