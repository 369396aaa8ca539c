/* Reduction collectives: Reduce (every root, IN_PLACE at the root, 1 MiB), Allreduce (small and 1 MiB ints,
 * IN_PLACE, doubles whose sum depends on the order: every rank must hold the same bits, and the same bits as
 * a second run of the same call), MAXLOC/MINLOC on MPI_DOUBLE_INT, a user-defined non-commutative op
 * (2x2 integer matrix product) in Reduce/Allreduce/Scan/Exscan checked against the rank-order product,
 * Reduce_scatter (uneven counts, IN_PLACE), Reduce_scatter_block, Scan and Exscan (IN_PLACE).
 * Self-checking: failures print "FAIL rank R: ..." and exit 1; success prints "OK coll_reduce rank R". */
#include <mpi.h>
#include "check.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int val(int r, int i) { return (r + 1) * 1000 + i % 997; }
static long long sum_over_ranks(int i, int upto) {
  long long s = 0;
  for (int r = 0; r < upto; r++) s += val(r, i);
  return s;
}

/* 2x2 matrices of ints mod 2^32 (wrapping), row-major: the product is associative, not commutative. */
typedef struct { int a, b, c, d; } mat;
static mat mul(mat x, mat y) {
  mat z = {(int)((unsigned)x.a * y.a + (unsigned)x.b * y.c), (int)((unsigned)x.a * y.b + (unsigned)x.b * y.d),
           (int)((unsigned)x.c * y.a + (unsigned)x.d * y.c), (int)((unsigned)x.c * y.b + (unsigned)x.d * y.d)};
  return z;
}
static void matmul_op(void *in, void *inout, int *len, MPI_Datatype *type) {
  mat *x = in, *y = inout;
  (void)type;
  for (int i = 0; i < *len; i++) y[i] = mul(x[i], y[i]); /* inout = in * inout: in comes from lower ranks */
}
static mat mat_of(int r, int i) { mat m = {r + 2, i + 1, 1, r * 3 + i + 1}; return m; }
static mat product(int from, int to, int i) { /* mat_of(from) * ... * mat_of(to - 1) */
  mat p = {1, 0, 0, 1};
  for (int r = from; r < to; r++) p = mul(p, mat_of(r, i));
  return p;
}
static void expect_mat(mat want, mat got, const char *what, int i) {
  expect(want.a, got.a, "%s [%d].a", what, i);
  expect(want.b, got.b, "%s [%d].b", what, i);
  expect(want.c, got.c, "%s [%d].c", what, i);
  expect(want.d, got.d, "%s [%d].d", what, i);
}

static void test_reduce(void) {
  int n = 7;
  int in[7], out[7];
  for (int root = 0; root < size; root++) {
    for (int i = 0; i < n; i++) { in[i] = val(rank, i); out[i] = -1; }
    MPI_Reduce(in, out, n, MPI_INT, MPI_SUM, root, MPI_COMM_WORLD);
    if (rank == root) for (int i = 0; i < n; i++) expect(sum_over_ranks(i, size), out[i], "Reduce SUM root %d [%d]", root, i);
    else for (int i = 0; i < n; i++) expect(-1, out[i], "Reduce: non-root %d recvbuf untouched [%d]", rank, i);
    if (rank == root) {
      for (int i = 0; i < n; i++) out[i] = val(rank, i);
      MPI_Reduce(MPI_IN_PLACE, out, n, MPI_INT, MPI_MAX, root, MPI_COMM_WORLD);
      for (int i = 0; i < n; i++) expect(val(size - 1, i), out[i], "Reduce MAX IN_PLACE root %d [%d]", root, i);
    } else {
      MPI_Reduce(in, NULL, n, MPI_INT, MPI_MAX, root, MPI_COMM_WORLD);
    }
  }
  /* 1 MiB of ints to root size-1 */
  int m = 1 << 18, root = size - 1;
  int *big = malloc(m * sizeof(int)), *res = malloc(m * sizeof(int));
  for (int i = 0; i < m; i++) big[i] = val(rank, i);
  MPI_Reduce(big, res, m, MPI_INT, MPI_SUM, root, MPI_COMM_WORLD);
  if (rank == root) {
    int bad = -1;
    for (int i = 0; i < m && bad < 0; i++) if (res[i] != sum_over_ranks(i, size)) bad = i;
    expect(-1, bad, "Reduce 1 MiB SUM: first wrong index");
  }
  free(big);
  free(res);
}

static void test_allreduce(void) {
  int sizes[] = {1, 5, 1000, 1 << 18};
  for (int t = 0; t < 4; t++) {
    int m = sizes[t];
    int *in = malloc(m * sizeof(int)), *out = malloc(m * sizeof(int));
    for (int i = 0; i < m; i++) in[i] = val(rank, i);
    MPI_Allreduce(in, out, m, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    int bad = -1;
    for (int i = 0; i < m && bad < 0; i++) if (out[i] != sum_over_ranks(i, size)) bad = i;
    expect(-1, bad, "Allreduce SUM %d ints: first wrong index", m);
    MPI_Allreduce(MPI_IN_PLACE, in, m, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    bad = -1;
    for (int i = 0; i < m && bad < 0; i++) if (in[i] != val(0, i)) bad = i;
    expect(-1, bad, "Allreduce MIN IN_PLACE %d ints: first wrong index", m);
    free(in);
    free(out);
  }
  /* Doubles whose sum depends on the order of additions: same bits on every rank and on a repeat. */
  int dn[] = {3, 1 << 17};
  for (int t = 0; t < 2; t++) {
    int m = dn[t];
    double *x = malloc(m * sizeof(double)), *y = malloc(m * sizeof(double)), *z = malloc(m * sizeof(double));
    for (int i = 0; i < m; i++) x[i] = (rank % 2 ? 1e16 : 1.0) * (1 + i % 13) / (3.0 + rank) * (rank % 3 == 2 ? -1 : 1);
    MPI_Allreduce(x, y, m, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    MPI_Allreduce(x, z, m, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    expect(0, memcmp(y, z, m * sizeof(double)) != 0, "Allreduce doubles %d: repeat gives the same bits", m);
    /* Compare with rank 0's bits. */
    double *y0 = malloc(m * sizeof(double));
    memcpy(y0, y, m * sizeof(double));
    MPI_Bcast(y0, m * sizeof(double), MPI_BYTE, 0, MPI_COMM_WORLD);
    expect(0, memcmp(y, y0, m * sizeof(double)) != 0, "Allreduce doubles %d: same bits as rank 0", m);
    free(x);
    free(y);
    free(z);
    free(y0);
  }
}

static void test_loc(void) {
  struct { double v; int i; } in[3], out[3];
  for (int k = 0; k < 3; k++) {
    in[k].v = k == 0 ? (double)rank : k == 1 ? -(double)rank : 5.0; /* k == 2: ties, lowest index wins */
    in[k].i = rank * 10;
  }
  MPI_Allreduce(in, out, 3, MPI_DOUBLE_INT, MPI_MAXLOC, MPI_COMM_WORLD);
  expect(size - 1, (long long)out[0].v, "MAXLOC [0] value");
  expect((size - 1) * 10, out[0].i, "MAXLOC [0] index");
  expect(0, (long long)out[1].v, "MAXLOC [1] value");
  expect(0, out[1].i, "MAXLOC [1] index");
  expect(5, (long long)out[2].v, "MAXLOC [2] value");
  expect(0, out[2].i, "MAXLOC [2] (tie) index");
  int root = size / 2;
  MPI_Reduce(in, out, 3, MPI_DOUBLE_INT, MPI_MINLOC, root, MPI_COMM_WORLD);
  if (rank == root) {
    expect(0, (long long)out[0].v, "MINLOC [0] value");
    expect(0, out[0].i, "MINLOC [0] index");
    expect(-(size - 1), (long long)out[1].v, "MINLOC [1] value");
    expect((size - 1) * 10, out[1].i, "MINLOC [1] index");
    expect(0, out[2].i, "MINLOC [2] (tie) index");
  }
}

static void test_user_op(void) {
  MPI_Datatype mt;
  MPI_Type_contiguous(4, MPI_INT, &mt);
  MPI_Type_commit(&mt);
  MPI_Op op;
  MPI_Op_create(matmul_op, 0, &op);
  int ns[] = {3, 20000}; /* 20000 matrices = 320 KB */
  for (int t = 0; t < 2; t++) {
    int n = ns[t];
    mat *in = malloc(n * sizeof(mat)), *out = malloc(n * sizeof(mat));
    for (int i = 0; i < n; i++) in[i] = mat_of(rank, i);
    for (int root = 0; root < size; root++) {
      memset(out, 0, n * sizeof(mat));
      MPI_Reduce(in, out, n, mt, op, root, MPI_COMM_WORLD);
      if (rank == root) for (int i = 0; i < n; i += 1 + n / 50) expect_mat(product(0, size, i), out[i], "Reduce matmul", i);
    }
    memset(out, 0, n * sizeof(mat));
    MPI_Allreduce(in, out, n, mt, op, MPI_COMM_WORLD);
    for (int i = 0; i < n; i += 1 + n / 50) expect_mat(product(0, size, i), out[i], "Allreduce matmul", i);
    memcpy(out, in, n * sizeof(mat));
    MPI_Allreduce(MPI_IN_PLACE, out, n, mt, op, MPI_COMM_WORLD);
    for (int i = 0; i < n; i += 1 + n / 50) expect_mat(product(0, size, i), out[i], "Allreduce IN_PLACE matmul", i);
    MPI_Scan(in, out, n, mt, op, MPI_COMM_WORLD);
    for (int i = 0; i < n; i += 1 + n / 50) expect_mat(product(0, rank + 1, i), out[i], "Scan matmul", i);
    memset(out, 0, n * sizeof(mat));
    MPI_Exscan(in, out, n, mt, op, MPI_COMM_WORLD);
    if (rank > 0) for (int i = 0; i < n; i += 1 + n / 50) expect_mat(product(0, rank, i), out[i], "Exscan matmul", i);
    free(in);
    free(out);
  }
  int commute = -1;
  MPI_Op_commutative(op, &commute);
  expect(0, commute, "Op_commutative of matmul");
  MPI_Op_free(&op);
  MPI_Type_free(&mt);
}

static void test_reduce_scatter_scan(void) {
  int *counts = malloc(size * sizeof(int));
  int total = 0;
  for (int r = 0; r < size; r++) total += counts[r] = (r * 2 + 1) % 4 + (r == 0 ? 0 : 1);
  int *in = malloc((total + 1) * sizeof(int)), *out = malloc((counts[rank] + 1) * sizeof(int));
  for (int i = 0; i < total; i++) in[i] = val(rank, i);
  int start = 0;
  for (int r = 0; r < rank; r++) start += counts[r];
  MPI_Reduce_scatter(in, out, counts, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  for (int i = 0; i < counts[rank]; i++) expect(sum_over_ranks(start + i, size), out[i], "Reduce_scatter [%d]", i);
  MPI_Reduce_scatter(MPI_IN_PLACE, in, counts, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  for (int i = 0; i < counts[rank]; i++) expect(sum_over_ranks(start + i, size), in[i], "Reduce_scatter IN_PLACE [%d]", i);
  free(in);
  free(out);
  free(counts);
  int k = 3;
  int *bin = malloc(size * k * sizeof(int)), bout[3];
  for (int i = 0; i < size * k; i++) bin[i] = val(rank, i);
  MPI_Reduce_scatter_block(bin, bout, k, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  for (int i = 0; i < k; i++) expect(sum_over_ranks(rank * k + i, size), bout[i], "Reduce_scatter_block [%d]", i);
  MPI_Reduce_scatter_block(MPI_IN_PLACE, bin, k, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  for (int i = 0; i < k; i++) expect(val(size - 1, rank * k + i), bin[i], "Reduce_scatter_block IN_PLACE [%d]", i);
  free(bin);
  int s[4], so[4];
  for (int i = 0; i < 4; i++) s[i] = val(rank, i);
  MPI_Scan(s, so, 4, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  for (int i = 0; i < 4; i++) expect(sum_over_ranks(i, rank + 1), so[i], "Scan SUM [%d]", i);
  MPI_Scan(MPI_IN_PLACE, s, 4, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  for (int i = 0; i < 4; i++) expect(sum_over_ranks(i, rank + 1), s[i], "Scan SUM IN_PLACE [%d]", i);
  for (int i = 0; i < 4; i++) { s[i] = val(rank, i); so[i] = -9; }
  MPI_Exscan(s, so, 4, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (rank > 0) for (int i = 0; i < 4; i++) expect(sum_over_ranks(i, rank), so[i], "Exscan SUM [%d]", i);
  MPI_Exscan(MPI_IN_PLACE, s, 4, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (rank > 0) for (int i = 0; i < 4; i++) expect(sum_over_ranks(i, rank), s[i], "Exscan SUM IN_PLACE [%d]", i);
}

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  test_reduce();
  test_allreduce();
  test_loc();
  test_user_op();
  test_reduce_scatter_scan();
  MPI_Barrier(MPI_COMM_WORLD);
  return check_finish("coll_reduce");
}
