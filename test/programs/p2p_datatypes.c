/* Derived datatypes in point-to-point, on both sides: a matrix column (Type_vector) received as contiguous and
 * back into a column; a struct with padding (Type_create_struct + resized), padding left untouched; indexed,
 * indexed_block, hindexed; subarray (a 2-D block of a 3-D array into a block of a 2-D array); resized (every
 * third int); contiguous and hvector; one layout sent and another of the same signature received; a large
 * (> 1 MiB) non-contiguous message both ways. Self-checking: failures print "FAIL rank R: ..." and exit 1;
 * success prints "OK p2p_datatypes rank R". Any number of ranks (1 = messages to self). */
#include <mpi.h>
#include "check.h"
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int left, right;

/* Send with (stype, scount) to the right, receive (rtype, rcount) from the left; returns the status. */
static MPI_Status xfer(const void *s, int scount, MPI_Datatype stype, void *r, int rcount, MPI_Datatype rtype, int tag) {
  MPI_Status st;
  MPI_Sendrecv(s, scount, stype, right, tag, r, rcount, rtype, left, tag, MPI_COMM_WORLD, &st);
  return st;
}

static double mval(int who, int i, int j) { return who * 10000.0 + i * 100.0 + j; }

static void test_column(void) {
  enum { N = 6, M = 9 };
  double a[N][M], col[N], b[N][M];
  for (int i = 0; i < N; i++) for (int j = 0; j < M; j++) a[i][j] = mval(rank, i, j);
  MPI_Datatype column;
  MPI_Type_vector(N, 1, M, MPI_DOUBLE, &column);
  MPI_Type_commit(&column);
  /* column 4 as a vector -> N contiguous doubles */
  MPI_Status st = xfer(&a[0][4], 1, column, col, N, MPI_DOUBLE, 1);
  int count;
  MPI_Get_count(&st, MPI_DOUBLE, &count);
  expect(N, count, "vector column -> contiguous: Get_count(MPI_DOUBLE)");
  for (int i = 0; i < N; i++) expect((long long)mval(left, i, 4), (long long)col[i], "vector column -> contiguous: element %d", i);
  /* N contiguous doubles -> column 2 of b; everything else in b untouched */
  for (int i = 0; i < N; i++) for (int j = 0; j < M; j++) b[i][j] = -1;
  double line[N];
  for (int i = 0; i < N; i++) line[i] = mval(rank, i, 77);
  st = xfer(line, N, MPI_DOUBLE, &b[0][2], 1, column, 2);
  MPI_Get_count(&st, column, &count);
  expect(1, count, "contiguous -> vector column: Get_count(column)");
  for (int i = 0; i < N; i++)
    for (int j = 0; j < M; j++)
      expect(j == 2 ? (long long)mval(left, i, 77) : -1, (long long)b[i][j], "contiguous -> column: b[%d][%d]", i, j);
  /* two columns at once (count 2 of a resized column type: extent one double) */
  MPI_Datatype col1;
  MPI_Type_create_resized(column, 0, sizeof(double), &col1);
  MPI_Type_commit(&col1);
  double two[2 * N];
  xfer(&a[0][5], 2, col1, two, 2 * N, MPI_DOUBLE, 3);
  for (int i = 0; i < N; i++) {
    expect((long long)mval(left, i, 5), (long long)two[i], "two resized columns: column 5 element %d", i);
    expect((long long)mval(left, i, 6), (long long)two[N + i], "two resized columns: column 6 element %d", i);
  }
  MPI_Type_free(&col1);
  MPI_Type_free(&column);
}

typedef struct {
  char c;
  double d;
  int i[3];
  short s;
} Padded;

static void test_struct(void) {
  enum { K = 10 };
  Padded out[K], in[K];
  memset(out, 0x11, sizeof out);
  for (int k = 0; k < K; k++) {
    out[k].c = (char)('a' + k + rank);
    out[k].d = rank * 1.5 + k * 0.25;
    for (int m = 0; m < 3; m++) out[k].i[m] = rank * 1000 + k * 10 + m;
    out[k].s = (short)(-k - rank);
  }
  int lens[4] = {1, 1, 3, 1};
  MPI_Aint disps[4] = {offsetof(Padded, c), offsetof(Padded, d), offsetof(Padded, i), offsetof(Padded, s)};
  MPI_Datatype types[4] = {MPI_CHAR, MPI_DOUBLE, MPI_INT, MPI_SHORT}, raw, padded;
  MPI_Type_create_struct(4, lens, disps, types, &raw);
  MPI_Type_create_resized(raw, 0, sizeof(Padded), &padded);
  MPI_Type_commit(&padded);
  int tsize;
  MPI_Aint lb, extent;
  MPI_Type_size(padded, &tsize);
  MPI_Type_get_extent(padded, &lb, &extent);
  expect(1 + 8 + 12 + 2, tsize, "struct type size");
  expect(sizeof(Padded), extent, "struct type extent");
  memset(in, 0xEE, sizeof in);
  MPI_Status st = xfer(out, K, padded, in, K, padded, 10);
  int count;
  MPI_Get_count(&st, padded, &count);
  expect(K, count, "struct: Get_count");
  MPI_Get_elements(&st, padded, &count);
  expect(K * 6, count, "struct: Get_elements");
  for (int k = 0; k < K; k++) {
    expect('a' + k + left, in[k].c, "struct %d: c", k);
    expect((long long)((left * 1.5 + k * 0.25) * 4), (long long)(in[k].d * 4), "struct %d: d", k);
    for (int m = 0; m < 3; m++) expect(left * 1000 + k * 10 + m, in[k].i[m], "struct %d: i[%d]", k, m);
    expect(-k - left, in[k].s, "struct %d: s", k);
  }
  /* padding bytes of the receive buffer are not written */
  const unsigned char *bytes = (const unsigned char *)in;
  long long touched = -1;
  for (size_t off = 0; off < sizeof in && touched < 0; off++) {
    size_t o = off % sizeof(Padded);
    int is_data = o < 1 || (o >= offsetof(Padded, d) && o < offsetof(Padded, d) + 8) ||
                  (o >= offsetof(Padded, i) && o < offsetof(Padded, i) + 12) || (o >= offsetof(Padded, s) && o < offsetof(Padded, s) + 2);
    if (!is_data && bytes[off] != 0xEE) touched = (long long)off;
  }
  expect(-1, touched, "struct: first padding byte written");
  /* the same structs received into a byte-packed layout (same signature, no padding, unaligned fields) */
  enum { PK = 1 + 8 + 12 + 2 };
  unsigned char packed[K * PK + 4];
  memset(packed, 0xEE, sizeof packed);
  MPI_Aint pdisps[4] = {0, 1, 9, 21};
  MPI_Datatype praw, ptype;
  MPI_Type_create_struct(4, lens, pdisps, types, &praw);
  MPI_Type_create_resized(praw, 0, PK, &ptype);
  MPI_Type_commit(&ptype);
  xfer(out, K, padded, packed, K, ptype, 11);
  for (int k = 0; k < K; k++) {
    const unsigned char *e = packed + k * PK;
    double d;
    int iv[3];
    short sv;
    memcpy(&d, e + 1, 8);
    memcpy(iv, e + 9, 12);
    memcpy(&sv, e + 21, 2);
    expect('a' + k + left, (char)e[0], "struct -> packed layout %d: c", k);
    expect((long long)((left * 1.5 + k * 0.25) * 4), (long long)(d * 4), "struct -> packed layout %d: d", k);
    expect(left * 1000 + k * 10 + 2, iv[2], "struct -> packed layout %d: i[2]", k);
    expect(-k - left, sv, "struct -> packed layout %d: s", k);
  }
  expect(0xEE, packed[K * PK], "struct -> packed layout: byte after the data untouched");
  MPI_Type_free(&praw);
  MPI_Type_free(&ptype);
  MPI_Type_free(&raw);
  MPI_Type_free(&padded);
}

static void test_indexed(void) {
  int src[20], dst[6], back[20];
  for (int i = 0; i < 20; i++) src[i] = rank * 100 + i;
  int lens[3] = {1, 3, 2}, displs[3] = {0, 5, 12};
  MPI_Datatype idx;
  MPI_Type_indexed(3, lens, displs, MPI_INT, &idx);
  MPI_Type_commit(&idx);
  const int picked[6] = {0, 5, 6, 7, 12, 13};
  xfer(src, 1, idx, dst, 6, MPI_INT, 20);
  for (int k = 0; k < 6; k++) expect(left * 100 + picked[k], dst[k], "indexed -> contiguous: element %d", k);
  /* contiguous -> indexed: other elements untouched */
  for (int i = 0; i < 20; i++) back[i] = -1;
  int six[6];
  for (int k = 0; k < 6; k++) six[k] = rank * 100 + 50 + k;
  xfer(six, 6, MPI_INT, back, 1, idx, 21);
  for (int i = 0, k = 0; i < 20; i++) {
    int is_picked = k < 6 && picked[k] == i;
    expect(is_picked ? left * 100 + 50 + k : -1, back[i], "contiguous -> indexed: element %d", i);
    if (is_picked) k++;
  }
  MPI_Type_free(&idx);

  /* indexed_block and hindexed */
  int bdispls[3] = {1, 8, 15};
  MPI_Datatype blk, hidx;
  MPI_Type_create_indexed_block(3, 2, bdispls, MPI_INT, &blk);
  MPI_Type_commit(&blk);
  xfer(src, 1, blk, dst, 6, MPI_INT, 22);
  const int bpicked[6] = {1, 2, 8, 9, 15, 16};
  for (int k = 0; k < 6; k++) expect(left * 100 + bpicked[k], dst[k], "indexed_block -> contiguous: element %d", k);
  int hlens[2] = {2, 4};
  MPI_Aint hdispls[2] = {3 * sizeof(int), 10 * sizeof(int)};
  MPI_Type_create_hindexed(2, hlens, hdispls, MPI_INT, &hidx);
  MPI_Type_commit(&hidx);
  xfer(src, 1, hidx, dst, 6, MPI_INT, 23);
  const int hpicked[6] = {3, 4, 10, 11, 12, 13};
  for (int k = 0; k < 6; k++) expect(left * 100 + hpicked[k], dst[k], "hindexed -> contiguous: element %d", k);
  MPI_Type_free(&blk);
  MPI_Type_free(&hidx);
}

static void test_subarray(void) {
  enum { P = 4, Q = 5, R = 6, Y = 5, Z = 7 };
  int cube[P][Q][R], plane[Y][Z];
  for (int p = 0; p < P; p++) for (int q = 0; q < Q; q++) for (int r = 0; r < R; r++) cube[p][q][r] = rank * 1000 + p * 100 + q * 10 + r;
  /* a 3 x 4 block of plane p = 2, rows 1..3, columns 1..4 */
  int sizes3[3] = {P, Q, R}, sub3[3] = {1, 3, 4}, starts3[3] = {2, 1, 1};
  int sizes2[2] = {Y, Z}, sub2[2] = {3, 4}, starts2[2] = {1, 2};
  MPI_Datatype block3, block2;
  MPI_Type_create_subarray(3, sizes3, sub3, starts3, MPI_ORDER_C, MPI_INT, &block3);
  MPI_Type_create_subarray(2, sizes2, sub2, starts2, MPI_ORDER_C, MPI_INT, &block2);
  MPI_Type_commit(&block3);
  MPI_Type_commit(&block2);
  for (int y = 0; y < Y; y++) for (int z = 0; z < Z; z++) plane[y][z] = -1;
  xfer(cube, 1, block3, plane, 1, block2, 30);
  for (int y = 0; y < Y; y++)
    for (int z = 0; z < Z; z++) {
      int inside = y >= 1 && y < 4 && z >= 2 && z < 6;
      int want = inside ? left * 1000 + 2 * 100 + (y - 1 + 1) * 10 + (z - 2 + 1) : -1;
      expect(want, plane[y][z], "subarray 3-D block -> 2-D block: plane[%d][%d]", y, z);
    }
  /* Fortran order subarray into contiguous: sizes {R, Q, P} in Fortran order describe the same cube */
  int fsizes[3] = {R, Q, P}, fsub[3] = {2, 2, 2}, fstarts[3] = {3, 1, 0}, flat[8];
  MPI_Datatype fblock;
  MPI_Type_create_subarray(3, fsizes, fsub, fstarts, MPI_ORDER_FORTRAN, MPI_INT, &fblock);
  MPI_Type_commit(&fblock);
  xfer(cube, 1, fblock, flat, 8, MPI_INT, 31);
  for (int k = 0, p = 0; p < 2; p++)
    for (int q = 1; q < 3; q++)
      for (int r = 3; r < 5; r++, k++) expect(left * 1000 + p * 100 + q * 10 + r, flat[k], "Fortran-order subarray: element %d", k);
  MPI_Type_free(&block3);
  MPI_Type_free(&block2);
  MPI_Type_free(&fblock);
}

static void test_resized_and_signature(void) {
  int src[15], dst[5];
  for (int i = 0; i < 15; i++) src[i] = rank * 100 + i;
  MPI_Datatype every3;
  MPI_Type_create_resized(MPI_INT, 0, 3 * sizeof(int), &every3);
  MPI_Type_commit(&every3);
  xfer(src, 5, every3, dst, 5, MPI_INT, 40);
  for (int k = 0; k < 5; k++) expect(left * 100 + 3 * k, dst[k], "resized (every third int) -> contiguous: element %d", k);
  MPI_Type_free(&every3);

  /* vector (4 blocks of 2 doubles, stride 5) sent, indexed ({3, 5} at {0, 10}) received: both 8 doubles */
  double vsrc[20], idst[20];
  for (int i = 0; i < 20; i++) { vsrc[i] = rank * 100 + i; idst[i] = -1; }
  MPI_Datatype vec, idx, contig, hvec;
  MPI_Type_vector(4, 2, 5, MPI_DOUBLE, &vec);
  int lens[2] = {3, 5}, displs[2] = {0, 10};
  MPI_Type_indexed(2, lens, displs, MPI_DOUBLE, &idx);
  MPI_Type_commit(&vec);
  MPI_Type_commit(&idx);
  xfer(vsrc, 1, vec, idst, 1, idx, 41);
  const int from[8] = {0, 1, 5, 6, 10, 11, 15, 16}, to[8] = {0, 1, 2, 10, 11, 12, 13, 14};
  for (int k = 0; k < 8; k++) expect(left * 100 + from[k], (long long)idst[to[k]], "vector -> indexed: element %d", k);
  for (int i = 3; i < 10; i++) expect(-1, (long long)idst[i], "vector -> indexed: gap element %d untouched", i);
  /* contiguous of 2 doubles, count 4 -> hvector of 4 x 2 doubles with byte stride */
  MPI_Type_contiguous(2, MPI_DOUBLE, &contig);
  MPI_Type_create_hvector(4, 2, 3 * sizeof(double), MPI_DOUBLE, &hvec);
  MPI_Type_commit(&contig);
  MPI_Type_commit(&hvec);
  for (int i = 0; i < 20; i++) idst[i] = -1;
  xfer(vsrc, 4, contig, idst, 1, hvec, 42);
  for (int k = 0; k < 8; k++) expect(left * 100 + k, (long long)idst[(k / 2) * 3 + k % 2], "contiguous -> hvector: element %d", k);
  MPI_Type_free(&vec);
  MPI_Type_free(&idx);
  MPI_Type_free(&contig);
  MPI_Type_free(&hvec);
}

/* > 1 MiB non-contiguous: every other double of a 4 MiB array (2 MiB of data), both ways, blocking and not. */
static void test_large(void) {
  const int n = 262144; /* doubles sent */
  double *sparse = malloc(2 * (size_t)n * sizeof(double)), *dense = malloc((size_t)n * sizeof(double));
  for (int i = 0; i < 2 * n; i++) sparse[i] = rank * 1e7 + i;
  MPI_Datatype strided;
  MPI_Type_vector(n, 1, 2, MPI_DOUBLE, &strided);
  MPI_Type_commit(&strided);
  MPI_Status st = xfer(sparse, 1, strided, dense, n, MPI_DOUBLE, 50);
  int count;
  MPI_Get_count(&st, MPI_DOUBLE, &count);
  expect(n, count, "large strided -> contiguous: Get_count");
  long long bad = -1;
  for (int k = 0; k < n && bad < 0; k++) if (dense[k] != left * 1e7 + 2.0 * k) bad = k;
  expect(-1, bad, "large strided -> contiguous: first wrong element");
  /* back: contiguous -> strided (odd slots stay), with Isend/Irecv */
  for (int k = 0; k < n; k++) dense[k] = -(rank * 1e7 + k);
  double *sparse_in = malloc(2 * (size_t)n * sizeof(double));
  for (int i = 0; i < 2 * n; i++) sparse_in[i] = 0.5;
  MPI_Request rs[2];
  MPI_Irecv(sparse_in, 1, strided, left, 51, MPI_COMM_WORLD, &rs[0]);
  MPI_Isend(dense, n, MPI_DOUBLE, right, 51, MPI_COMM_WORLD, &rs[1]);
  MPI_Waitall(2, rs, MPI_STATUSES_IGNORE);
  bad = -1;
  for (int i = 0; i < 2 * n && bad < 0; i++) {
    double want = i % 2 ? 0.5 : -(left * 1e7 + i / 2);
    if (sparse_in[i] != want) bad = i;
  }
  expect(-1, bad, "large contiguous -> strided: first wrong slot");
  /* strided on both sides */
  for (int i = 0; i < 2 * n; i++) sparse_in[i] = 0.5;
  xfer(sparse, 1, strided, sparse_in, 1, strided, 52);
  bad = -1;
  for (int i = 0; i < 2 * n && bad < 0; i++) {
    double want = i % 2 ? 0.5 : left * 1e7 + i;
    if (sparse_in[i] != want) bad = i;
  }
  expect(-1, bad, "large strided -> strided: first wrong slot");
  MPI_Type_free(&strided);
  free(sparse);
  free(sparse_in);
  free(dense);
}

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  right = (rank + 1) % size;
  left = (rank + size - 1) % size;
  test_column();
  test_struct();
  test_indexed();
  test_subarray();
  test_resized_and_signature();
  test_large();
  return check_finish("p2p_datatypes");
}
