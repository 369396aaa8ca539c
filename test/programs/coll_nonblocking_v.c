/* The nonblocking forms of the vector and prefix collectives (issue 16): Igatherv, Iscatterv, Iallgatherv,
 * Ialltoallv, Ialltoallw, Ireduce_scatter, Ireduce_scatter_block, Iscan, Iexscan, all started together on one
 * communicator (with a blocking Bcast and point-to-point in the middle), their count/displacement arrays
 * overwritten right after the calls (MPI lets the caller reuse them only after completion, but the runtime
 * reads them at once either way), completed by Waitall in reverse order on odd ranks; each result is compared
 * with the blocking collective's on the same input. Small and large (> 64 KiB) blocks.
 * Self-checking: "OK coll_nonblocking_v rank R". */
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

static int val(int r, int i) { return (r + 3) * 7919 + i % 1013; }

static void round_of(int k) {
  /* Rank p contributes k + p items (uneven); displacements leave a gap of 1. */
  int n = size, root = size / 2;
  int *cnt = malloc(sizeof(int) * n), *dsp = malloc(sizeof(int) * n), *cnt2 = malloc(sizeof(int) * n), *dsp2 = malloc(sizeof(int) * n);
  int total = 0;
  for (int p = 0; p < n; p++) { cnt[p] = k + p; dsp[p] = total; total += k + p + 1; }
  memcpy(cnt2, cnt, sizeof(int) * n);
  memcpy(dsp2, dsp, sizeof(int) * n);
  int mine_n = k + rank;
  int *mine = malloc(sizeof(int) * (total + 1)), *g[2], *s[2], *ag[2], *a2v[2], *a2w[2], *rs[2], *rsb[2], *sc[2], *ex[2];
  for (int i = 0; i < total; i++) mine[i] = val(rank, i);
  for (int v = 0; v < 2; v++) {
    g[v] = calloc(total, sizeof(int));
    s[v] = calloc(mine_n, sizeof(int));
    ag[v] = calloc(total, sizeof(int));
    a2v[v] = calloc(total, sizeof(int));
    a2w[v] = calloc(total, sizeof(int));
    rs[v] = calloc(mine_n, sizeof(int));
    rsb[v] = calloc(k, sizeof(int));
    sc[v] = calloc(k, sizeof(int));
    ex[v] = calloc(k, sizeof(int));
  }
  /* Alltoallv/w: rank r sends cnt[p]... use the same counts both ways: p sends me cnt[me] items at dsp[me]. */
  int *scnt = malloc(sizeof(int) * n), *sdsp = malloc(sizeof(int) * n), *bdsp = malloc(sizeof(int) * n), *rbdsp = malloc(sizeof(int) * n);
  MPI_Datatype *types = malloc(sizeof(MPI_Datatype) * n);
  int soff = 0;
  for (int p = 0; p < n; p++) { scnt[p] = k + rank; sdsp[p] = soff; bdsp[p] = 4 * soff; soff += k + rank; types[p] = MPI_INT; }
  int *a2src = malloc(sizeof(int) * (soff + 1));
  for (int i = 0; i < soff; i++) a2src[i] = val(rank + 50, i);
  for (int p = 0; p < n; p++) rbdsp[p] = 4 * dsp[p];
  int *rssrc = malloc(sizeof(int) * (size_t)(total + k * n));
  for (int i = 0; i < total + k * n; i++) rssrc[i] = val(rank + 90, i);
  int rcnt_rs[64];
  for (int p = 0; p < n; p++) rcnt_rs[p] = k + p;

  /* v = 0: blocking reference; v = 1: nonblocking, all in flight at once. */
  MPI_Gatherv(mine, mine_n, MPI_INT, g[0], cnt, dsp, MPI_INT, root, MPI_COMM_WORLD);
  MPI_Scatterv(mine, cnt, dsp, MPI_INT, s[0], mine_n, MPI_INT, root, MPI_COMM_WORLD);
  MPI_Allgatherv(mine, mine_n, MPI_INT, ag[0], cnt, dsp, MPI_INT, MPI_COMM_WORLD);
  MPI_Alltoallv(a2src, scnt, sdsp, MPI_INT, a2v[0], cnt, dsp, MPI_INT, MPI_COMM_WORLD);
  MPI_Alltoallw(a2src, scnt, bdsp, types, a2w[0], cnt, rbdsp, types, MPI_COMM_WORLD);
  MPI_Reduce_scatter(rssrc, rs[0], rcnt_rs, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  MPI_Reduce_scatter_block(rssrc, rsb[0], k, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  MPI_Scan(mine, sc[0], k, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  MPI_Exscan(mine, ex[0], k, MPI_INT, MPI_MAX, MPI_COMM_WORLD);

  MPI_Request q[11];
  MPI_Igatherv(mine, mine_n, MPI_INT, g[1], cnt2, dsp2, MPI_INT, root, MPI_COMM_WORLD, &q[0]);
  MPI_Iscatterv(mine, cnt2, dsp2, MPI_INT, s[1], mine_n, MPI_INT, root, MPI_COMM_WORLD, &q[1]);
  MPI_Iallgatherv(mine, mine_n, MPI_INT, ag[1], cnt2, dsp2, MPI_INT, MPI_COMM_WORLD, &q[2]);
  int b = rank == 0 ? 31337 : 0;
  MPI_Bcast(&b, 1, MPI_INT, 0, MPI_COMM_WORLD);
  expect(31337, b, "blocking Bcast between nonblocking collectives");
  MPI_Ialltoallv(a2src, scnt, sdsp, MPI_INT, a2v[1], cnt2, dsp2, MPI_INT, MPI_COMM_WORLD, &q[3]);
  MPI_Ialltoallw(a2src, scnt, bdsp, types, a2w[1], cnt2, rbdsp, types, MPI_COMM_WORLD, &q[4]);
  MPI_Ireduce_scatter(rssrc, rs[1], rcnt_rs, MPI_INT, MPI_SUM, MPI_COMM_WORLD, &q[5]);
  MPI_Ireduce_scatter_block(rssrc, rsb[1], k, MPI_INT, MPI_SUM, MPI_COMM_WORLD, &q[6]);
  MPI_Iscan(mine, sc[1], k, MPI_INT, MPI_SUM, MPI_COMM_WORLD, &q[7]);
  MPI_Iexscan(mine, ex[1], k, MPI_INT, MPI_MAX, MPI_COMM_WORLD, &q[8]);
  int ring_in = -1;
  MPI_Irecv(&ring_in, 1, MPI_INT, (rank + size - 1) % size, 4, MPI_COMM_WORLD, &q[9]);
  MPI_Isend(&rank, 1, MPI_INT, (rank + 1) % size, 4, MPI_COMM_WORLD, &q[10]);
  for (int p = 0; p < n; p++) cnt2[p] = dsp2[p] = -99; /* the runtime read them already */
  if (rank % 2) {
    for (int i = 10; i >= 0; i--) MPI_Wait(&q[i], MPI_STATUS_IGNORE);
  } else {
    MPI_Waitall(11, q, MPI_STATUSES_IGNORE);
  }
  expect((rank + size - 1) % size, ring_in, "ring message");
  if (rank == root) expect(0, memcmp(g[0], g[1], sizeof(int) * total), "Igatherv = Gatherv (k=%d)", k);
  expect(0, memcmp(s[0], s[1], sizeof(int) * mine_n), "Iscatterv = Scatterv (k=%d)", k);
  expect(0, memcmp(ag[0], ag[1], sizeof(int) * total), "Iallgatherv = Allgatherv (k=%d)", k);
  expect(0, memcmp(a2v[0], a2v[1], sizeof(int) * total), "Ialltoallv = Alltoallv (k=%d)", k);
  expect(0, memcmp(a2w[0], a2w[1], sizeof(int) * total), "Ialltoallw = Alltoallw (k=%d)", k);
  expect(0, memcmp(rs[0], rs[1], sizeof(int) * mine_n), "Ireduce_scatter = Reduce_scatter (k=%d)", k);
  expect(0, memcmp(rsb[0], rsb[1], sizeof(int) * k), "Ireduce_scatter_block = Reduce_scatter_block (k=%d)", k);
  expect(0, memcmp(sc[0], sc[1], sizeof(int) * k), "Iscan = Scan (k=%d)", k);
  if (rank > 0) expect(0, memcmp(ex[0], ex[1], sizeof(int) * k), "Iexscan = Exscan (k=%d)", k);
  /* The reference itself is right (spot checks). */
  long long want = 0;
  for (int r = 0; r <= rank; r++) want += val(r, k - 1);
  expect(want, sc[0][k - 1], "Scan last item (k=%d)", k);
  if (rank == root) for (int p = 0; p < n; p++) expect(val(p, 0), g[0][dsp[p]], "Gatherv block %d first item (k=%d)", p, k);
  for (int v = 0; v < 2; v++) { free(g[v]); free(s[v]); free(ag[v]); free(a2v[v]); free(a2w[v]); free(rs[v]); free(rsb[v]); free(sc[v]); free(ex[v]); }
  free(cnt); free(dsp); free(cnt2); free(dsp2); free(mine); free(scnt); free(sdsp); free(bdsp); free(rbdsp); free(types);
  free(a2src); free(rssrc);
}

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  round_of(1);
  round_of(5);
  round_of(20000);
  return check_finish("coll_nonblocking_v");
}
