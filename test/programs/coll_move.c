/* Data-movement collectives: Barrier; Bcast from every root, small and 1 MiB, with a derived (vector) datatype;
 * Gather/Gatherv/Scatter/Scatterv from every root (uneven counts, shuffled displacements with gaps, derived
 * types, MPI_IN_PLACE at the root); Allgather/Allgatherv (IN_PLACE, uneven); Alltoall (small, 1 MiB total,
 * IN_PLACE); Alltoallv (uneven, IN_PLACE); Alltoallw (a datatype per peer, byte displacements). Each check
 * fills buffers with values derived from (rank, index) and compares every element. Self-checking: failures
 * print "FAIL rank R: ..." and exit 1; success prints "OK coll_move rank R". Any number of ranks. */
#include <mpi.h>
#include "check.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int val(int r, int i) { return r * 1000003 + i * 7 + 1; }

/* Compares n ints; reports the first mismatch only. */
static void expect_ints(const int *got, const int *want, int n, const char *what) {
  for (int i = 0; i < n; i++) {
    if (got[i] != want[i]) {
      expect(want[i], got[i], "%s [%d]", what, i);
      return;
    }
  }
}

static void test_bcast(void) {
  int small[5];
  for (int root = 0; root < size; root++) {
    for (int i = 0; i < 5; i++) small[i] = rank == root ? val(root, i) : -1;
    MPI_Bcast(small, 5, MPI_INT, root, MPI_COMM_WORLD);
    for (int i = 0; i < 5; i++) expect(val(root, i), small[i], "Bcast small root %d [%d]", root, i);
  }
  /* 1 MiB of ints, every root. */
  int n = 1 << 18;
  int *big = malloc(n * sizeof(int));
  for (int root = 0; root < size; root++) {
    for (int i = 0; i < n; i++) big[i] = rank == root ? val(root, i) : -1;
    MPI_Bcast(big, n, MPI_INT, root, MPI_COMM_WORLD);
    int bad = -1;
    for (int i = 0; i < n && bad < 0; i++) if (big[i] != val(root, i)) bad = i;
    expect(-1, bad, "Bcast 1 MiB root %d: first wrong index", root);
  }
  free(big);
  /* Vector type: every other int of 2 * 1000; the gaps keep their values. Also 200000 items (non-contiguous, > 1 MiB). */
  MPI_Datatype vec;
  MPI_Type_vector(1000, 1, 2, MPI_INT, &vec);
  MPI_Type_commit(&vec);
  int *v = malloc(2000 * sizeof(int));
  int root = size - 1;
  for (int i = 0; i < 2000; i++) v[i] = rank == root || i % 2 ? val(root, i) : -1;
  if (rank != root) for (int i = 1; i < 2000; i += 2) v[i] = -7;
  MPI_Bcast(v, 1, vec, root, MPI_COMM_WORLD);
  for (int i = 0; i < 2000; i++) expect(i % 2 == 0 ? val(root, i) : rank == root ? val(root, i) : -7, v[i], "Bcast vector [%d]", i);
  free(v);
  MPI_Type_free(&vec);
  MPI_Datatype strided;
  MPI_Type_vector(200000, 1, 2, MPI_INT, &strided);
  MPI_Type_commit(&strided);
  int *s = malloc(400000 * sizeof(int));
  for (int i = 0; i < 400000; i++) s[i] = rank == 0 ? val(0, i) : -1;
  MPI_Bcast(s, 1, strided, 0, MPI_COMM_WORLD);
  int bad = -1;
  for (int i = 0; i < 400000 && bad < 0; i++) if (s[i] != (i % 2 == 0 || rank == 0 ? val(0, i) : -1)) bad = i;
  expect(-1, bad, "Bcast strided 800 KB: first wrong index");
  free(s);
  MPI_Type_free(&strided);
  /* count 0 */
  MPI_Bcast(NULL, 0, MPI_INT, 0, MPI_COMM_WORLD);
}

static void test_gather_scatter(void) {
  int k = 3;
  int *recv = malloc(size * k * sizeof(int)), *want = malloc(size * k * sizeof(int));
  int mine[3];
  for (int root = 0; root < size; root++) {
    for (int i = 0; i < k; i++) mine[i] = val(rank, i);
    for (int i = 0; i < size * k; i++) recv[i] = -1;
    MPI_Gather(mine, k, MPI_INT, recv, k, MPI_INT, root, MPI_COMM_WORLD);
    if (rank == root) {
      for (int r = 0; r < size; r++) for (int i = 0; i < k; i++) want[r * k + i] = val(r, i);
      expect_ints(recv, want, size * k, "Gather");
    }
    /* IN_PLACE at the root: its block already in place. */
    if (rank == root) {
      for (int i = 0; i < size * k; i++) recv[i] = -1;
      for (int i = 0; i < k; i++) recv[root * k + i] = val(root, i);
      MPI_Gather(MPI_IN_PLACE, k, MPI_INT, recv, k, MPI_INT, root, MPI_COMM_WORLD);
      expect_ints(recv, want, size * k, "Gather IN_PLACE");
    } else {
      MPI_Gather(mine, k, MPI_INT, NULL, 0, MPI_DATATYPE_NULL, root, MPI_COMM_WORLD);
    }
    /* Scatter: block r to rank r. */
    for (int r = 0; r < size; r++) for (int i = 0; i < k; i++) recv[r * k + i] = rank == root ? val(r + 50, i) : -1;
    int got[3] = {-1, -1, -1};
    MPI_Scatter(recv, k, MPI_INT, got, k, MPI_INT, root, MPI_COMM_WORLD);
    for (int i = 0; i < k; i++) expect(val(rank + 50, i), got[i], "Scatter root %d [%d]", root, i);
    if (rank == root) {
      MPI_Scatter(recv, k, MPI_INT, MPI_IN_PLACE, k, MPI_INT, root, MPI_COMM_WORLD);
      for (int i = 0; i < k; i++) expect(val(root + 50, i), recv[root * k + i], "Scatter IN_PLACE root block [%d]", i);
    } else {
      for (int i = 0; i < k; i++) got[i] = -1;
      MPI_Scatter(NULL, 0, MPI_DATATYPE_NULL, got, k, MPI_INT, root, MPI_COMM_WORLD);
      for (int i = 0; i < k; i++) expect(val(rank + 50, i), got[i], "Scatter (root IN_PLACE) [%d]", i);
    }
  }
  free(recv);
  free(want);

  /* Gatherv/Scatterv: rank r contributes r + 1 ints; blocks in reverse order with one-int gaps. */
  int *counts = malloc(size * sizeof(int)), *displs = malloc(size * sizeof(int));
  int total = 0;
  for (int r = size - 1; r >= 0; r--) {
    counts[r] = r + 1;
    displs[r] = total + 1;
    total += counts[r] + 1;
  }
  int *vbuf = malloc((total + 1) * sizeof(int));
  int *my = malloc((rank + 1) * sizeof(int));
  for (int root = 0; root < size; root++) {
    for (int i = 0; i <= rank; i++) my[i] = val(rank, i + 100);
    for (int i = 0; i <= total; i++) vbuf[i] = -3;
    MPI_Gatherv(my, rank + 1, MPI_INT, vbuf, counts, displs, MPI_INT, root, MPI_COMM_WORLD);
    if (rank == root) {
      for (int r = 0; r < size; r++) {
        for (int i = 0; i < counts[r]; i++) expect(val(r, i + 100), vbuf[displs[r] + i], "Gatherv root %d block %d [%d]", root, r, i);
        expect(-3, vbuf[displs[r] - 1], "Gatherv gap before block %d", r);
      }
      /* IN_PLACE: root's block stays. */
      MPI_Gatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, vbuf, counts, displs, MPI_INT, root, MPI_COMM_WORLD);
      for (int r = 0; r < size; r++)
        for (int i = 0; i < counts[r]; i++) expect(val(r, i + 100), vbuf[displs[r] + i], "Gatherv IN_PLACE block %d [%d]", r, i);
    } else {
      MPI_Gatherv(my, rank + 1, MPI_INT, NULL, NULL, NULL, MPI_INT, root, MPI_COMM_WORLD);
    }
    for (int r = 0; r < size; r++) for (int i = 0; i < counts[r]; i++) vbuf[displs[r] + i] = rank == root ? val(r + 9, i) : -1;
    for (int i = 0; i <= rank; i++) my[i] = -1;
    MPI_Scatterv(vbuf, counts, displs, MPI_INT, my, rank + 1, MPI_INT, root, MPI_COMM_WORLD);
    for (int i = 0; i <= rank; i++) expect(val(rank + 9, i), my[i], "Scatterv root %d [%d]", root, i);
  }
  free(my);
  free(vbuf);

  /* Gather with a derived type at the root: each rank's 2 ints land as columns of a size x 2 matrix stored
   * column-major (stride size), i.e. recvtype = vector(2, 1, size) resized to one int. */
  MPI_Datatype col, colr;
  MPI_Type_vector(2, 1, size, MPI_INT, &col);
  MPI_Type_create_resized(col, 0, sizeof(int), &colr);
  MPI_Type_commit(&colr);
  int two[2] = {val(rank, 0), val(rank, 1)};
  int *mat = malloc(2 * size * sizeof(int));
  for (int i = 0; i < 2 * size; i++) mat[i] = -1;
  int root = size > 1 ? 1 : 0;
  MPI_Gather(two, 2, MPI_INT, mat, 1, colr, root, MPI_COMM_WORLD);
  if (rank == root)
    for (int r = 0; r < size; r++) {
      expect(val(r, 0), mat[r], "Gather derived row 0 col %d", r);
      expect(val(r, 1), mat[size + r], "Gather derived row 1 col %d", r);
    }
  free(mat);
  MPI_Type_free(&col);
  MPI_Type_free(&colr);
  free(counts);
  free(displs);
}

static void test_allgather(void) {
  int k = 2;
  int *out = malloc(size * k * sizeof(int)), *want = malloc(size * k * sizeof(int));
  int mine[2] = {val(rank, 0), val(rank, 1)};
  for (int r = 0; r < size; r++) for (int i = 0; i < k; i++) want[r * k + i] = val(r, i);
  for (int i = 0; i < size * k; i++) out[i] = -1;
  MPI_Allgather(mine, k, MPI_INT, out, k, MPI_INT, MPI_COMM_WORLD);
  expect_ints(out, want, size * k, "Allgather");
  for (int i = 0; i < size * k; i++) out[i] = i / k == rank ? want[i] : -1;
  MPI_Allgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, out, k, MPI_INT, MPI_COMM_WORLD);
  expect_ints(out, want, size * k, "Allgather IN_PLACE");
  free(out);
  free(want);
  /* 256 KiB per rank. */
  int n = 1 << 16;
  int *blk = malloc(n * sizeof(int)), *all = malloc((size_t)size * n * sizeof(int));
  for (int i = 0; i < n; i++) blk[i] = val(rank, i);
  MPI_Allgather(blk, n, MPI_INT, all, n, MPI_INT, MPI_COMM_WORLD);
  int bad = -1;
  for (int r = 0; r < size && bad < 0; r++) for (int i = 0; i < n; i++) if (all[r * n + i] != val(r, i)) { bad = r * n + i; break; }
  expect(-1, bad, "Allgather 256 KiB each: first wrong index");
  free(blk);
  free(all);
  /* Allgatherv: rank r has 2r+1 ints, blocks placed in reverse order with gaps. */
  int *counts = malloc(size * sizeof(int)), *displs = malloc(size * sizeof(int));
  int total = 0;
  for (int r = size - 1; r >= 0; r--) {
    counts[r] = 2 * r + 1;
    displs[r] = total + 2;
    total += counts[r] + 2;
  }
  int *vb = malloc(total * sizeof(int)), *my = malloc(counts[rank] * sizeof(int));
  for (int i = 0; i < counts[rank]; i++) my[i] = val(rank, i + 3);
  for (int inplace = 0; inplace < 2; inplace++) {
    for (int i = 0; i < total; i++) vb[i] = -5;
    if (inplace) {
      for (int i = 0; i < counts[rank]; i++) vb[displs[rank] + i] = my[i];
      MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, vb, counts, displs, MPI_INT, MPI_COMM_WORLD);
    } else {
      MPI_Allgatherv(my, counts[rank], MPI_INT, vb, counts, displs, MPI_INT, MPI_COMM_WORLD);
    }
    for (int r = 0; r < size; r++) {
      for (int i = 0; i < counts[r]; i++) expect(val(r, i + 3), vb[displs[r] + i], "Allgatherv%s block %d [%d]", inplace ? " IN_PLACE" : "", r, i);
      expect(-5, vb[displs[r] - 1], "Allgatherv gap before block %d", r);
    }
  }
  free(vb);
  free(my);
  free(counts);
  free(displs);
}

static void test_alltoall(void) {
  for (int k = 1; k <= (1 << 18) / size; k *= 64) {
    int *s = malloc((size_t)size * k * sizeof(int)), *d = malloc((size_t)size * k * sizeof(int));
    for (int p = 0; p < size; p++) for (int i = 0; i < k; i++) s[p * k + i] = val(rank * 100 + p, i);
    for (int i = 0; i < size * k; i++) d[i] = -1;
    MPI_Alltoall(s, k, MPI_INT, d, k, MPI_INT, MPI_COMM_WORLD);
    int bad = -1;
    for (int p = 0; p < size && bad < 0; p++) for (int i = 0; i < k; i++) if (d[p * k + i] != val(p * 100 + rank, i)) { bad = p * k + i; break; }
    expect(-1, bad, "Alltoall %d ints per peer: first wrong index", k);
    /* IN_PLACE */
    MPI_Alltoall(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, s, k, MPI_INT, MPI_COMM_WORLD);
    bad = -1;
    for (int p = 0; p < size && bad < 0; p++) for (int i = 0; i < k; i++) if (s[p * k + i] != val(p * 100 + rank, i)) { bad = p * k + i; break; }
    expect(-1, bad, "Alltoall IN_PLACE %d ints per peer: first wrong index", k);
    free(s);
    free(d);
  }
  /* Alltoallv: rank r sends (r + p) % 3 + 1 ints to p; receive blocks reversed with gaps. */
  int *sc = malloc(size * sizeof(int)), *sd = malloc(size * sizeof(int)), *rc = malloc(size * sizeof(int)), *rd = malloc(size * sizeof(int));
  int stot = 0, rtot = 0;
  for (int p = 0; p < size; p++) {
    sc[p] = (rank + p) % 3 + 1;
    sd[p] = stot;
    stot += sc[p];
  }
  for (int p = size - 1; p >= 0; p--) {
    rc[p] = (p + rank) % 3 + 1;
    rd[p] = rtot + 1;
    rtot += rc[p] + 1;
  }
  int *s = malloc(stot * sizeof(int)), *d = malloc(rtot * sizeof(int));
  for (int p = 0; p < size; p++) for (int i = 0; i < sc[p]; i++) s[sd[p] + i] = val(rank * 100 + p, i);
  for (int i = 0; i < rtot; i++) d[i] = -1;
  MPI_Alltoallv(s, sc, sd, MPI_INT, d, rc, rd, MPI_INT, MPI_COMM_WORLD);
  for (int p = 0; p < size; p++) for (int i = 0; i < rc[p]; i++) expect(val(p * 100 + rank, i), d[rd[p] + i], "Alltoallv from %d [%d]", p, i);
  /* IN_PLACE Alltoallv: symmetric counts (rc), data in d. */
  for (int p = 0; p < size; p++) for (int i = 0; i < rc[p]; i++) d[rd[p] + i] = val(rank * 100 + p + 7, i);
  MPI_Alltoallv(MPI_IN_PLACE, NULL, NULL, MPI_DATATYPE_NULL, d, rc, rd, MPI_INT, MPI_COMM_WORLD);
  for (int p = 0; p < size; p++) for (int i = 0; i < rc[p]; i++) expect(val(p * 100 + rank + 7, i), d[rd[p] + i], "Alltoallv IN_PLACE from %d [%d]", p, i);
  free(s);
  free(d);
  /* Alltoallw: to peer p send p+1 doubles as MPI_DOUBLE from byte offset 64*p; receive from p as p... use
   * MPI_INT pairs (2 ints per double) into byte offset 100*p. Types differ per peer and side. */
  double *ws = malloc(64 * size * sizeof(double));
  char *wr = malloc(100 * size + 64);
  MPI_Datatype *st = malloc(size * sizeof(MPI_Datatype)), *rt = malloc(size * sizeof(MPI_Datatype));
  for (int p = 0; p < size; p++) {
    sc[p] = rank + 1;
    sd[p] = 64 * p;
    st[p] = MPI_DOUBLE;
    rc[p] = 2 * (p + 1);
    rd[p] = 100 * p;
    rt[p] = MPI_INT;
    for (int i = 0; i <= rank; i++) ws[8 * p + i] = rank * 10 + p + i * 0.5;
  }
  memset(wr, 0, 100 * size + 64);
  MPI_Alltoallw(ws, sc, sd, st, wr, rc, rd, rt, MPI_COMM_WORLD);
  for (int p = 0; p < size; p++) {
    for (int i = 0; i <= p; i++) {
      double got;
      memcpy(&got, wr + 100 * p + 8 * i, 8);
      expect((long long)((p * 10 + rank + i * 0.5) * 2), (long long)(got * 2), "Alltoallw from %d [%d]", p, i);
    }
  }
  free(ws);
  free(wr);
  free(st);
  free(rt);
  free(sc);
  free(sd);
  free(rc);
  free(rd);
}

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  for (int i = 0; i < 3; i++) MPI_Barrier(MPI_COMM_WORLD);
  test_bcast();
  test_gather_scatter();
  test_allgather();
  test_alltoall();
  MPI_Barrier(MPI_COMM_WORLD);
  return check_finish("coll_move");
}
