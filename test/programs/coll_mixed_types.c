/* Collectives whose ranks pass different datatypes with the same type signature (issue 16 bug 1): the root (or
 * every even rank, for collectives without a root) uses n x MPI_INT, contiguous; the others use n x (MPI_INT
 * resized to extent 8), every other int of a buffer twice as long. Every collective must give the same data as
 * with equal types, and must not deadlock: an algorithm chosen from a rank's own layout would differ between
 * ranks. Sizes below and above the eager limit (64 KiB). Reductions are not here: MPI requires the same
 * datatype at every rank for them, and Open MPI refuses MPI_SUM on a derived type. */
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

static MPI_Datatype strided;

/* This rank's type (contiguous if `contiguous`, else strided) and the address of element i in its buffer. */
static MPI_Datatype type_for(int contiguous) { return contiguous ? MPI_INT : strided; }
static int *at(int *buf, int contiguous, long i) { return buf + (contiguous ? i : 2 * i); }
static int *alloc(long n, int contiguous) {
  int *b = malloc(sizeof(int) * (size_t)(contiguous ? n : 2 * n) + 4);
  for (long i = 0; i < (contiguous ? n : 2 * n); i++) b[i] = -7;
  return b;
}
static int value(int r, long i) { return r * 100003 + (int)(i % 99991); }

static void test_bcast(long n, int root) {
  int c = rank == root;
  int *b = alloc(n, c);
  if (c) for (long i = 0; i < n; i++) *at(b, c, i) = value(root, i);
  MPI_Bcast(b, (int)n, type_for(c), root, MPI_COMM_WORLD);
  int bad = 0;
  for (long i = 0; i < n; i++) bad += *at(b, c, i) != value(root, i);
  if (!c) for (long i = 0; i < n; i++) bad += b[2 * i + 1] != -7; /* the gaps stay untouched */
  expect(0, bad, "Bcast n=%ld root=%d: wrong items", n, root);
  free(b);
}



static void test_gather_scatter(long n, int root) {
  /* The root's receive (send) side is contiguous; every sender (receiver) uses the strided type. */
  int *mine = alloc(n, 0);
  int *all = rank == root ? alloc(n * size, 1) : NULL;
  for (long i = 0; i < n; i++) *at(mine, 0, i) = value(rank, i);
  MPI_Gather(mine, (int)n, strided, all, (int)n, MPI_INT, root, MPI_COMM_WORLD);
  if (rank == root) {
    int bad = 0;
    for (int r = 0; r < size; r++) for (long i = 0; i < n; i++) bad += all[r * n + i] != value(r, i);
    expect(0, bad, "Gather n=%ld root=%d: wrong items", n, root);
    for (int r = 0; r < size; r++) for (long i = 0; i < n; i++) all[r * n + i] = value(r + 1, i);
  }
  MPI_Scatter(all, (int)n, MPI_INT, mine, (int)n, strided, root, MPI_COMM_WORLD);
  int bad = 0;
  for (long i = 0; i < n; i++) bad += *at(mine, 0, i) != value(rank + 1, i);
  expect(0, bad, "Scatter n=%ld root=%d: wrong items", n, root);
  free(mine);
  free(all);
}

static void test_allgather_alltoall(long n) {
  int c = rank % 2 == 0;
  int *mine = alloc(n, c), *all = alloc(n * size, c);
  for (long i = 0; i < n; i++) *at(mine, c, i) = value(rank, i);
  MPI_Allgather(mine, (int)n, type_for(c), all, (int)n, type_for(c), MPI_COMM_WORLD);
  int bad = 0;
  for (int r = 0; r < size; r++) for (long i = 0; i < n; i++) bad += *at(all, c, r * n + i) != value(r, i);
  expect(0, bad, "Allgather n=%ld: wrong items", n);
  int *back = alloc(n * size, !c);
  for (int r = 0; r < size; r++) for (long i = 0; i < n; i++) *at(all, c, r * n + i) = value(rank * size + r, i);
  MPI_Alltoall(all, (int)n, type_for(c), back, (int)n, type_for(!c), MPI_COMM_WORLD);
  bad = 0;
  for (int r = 0; r < size; r++) for (long i = 0; i < n; i++) bad += *at(back, !c, r * n + i) != value(r * size + rank, i);
  expect(0, bad, "Alltoall n=%ld: wrong items", n);
  free(mine);
  free(all);
  free(back);
}


int main(int argc, char **argv) {
  check_init(&argc, &argv);
  MPI_Type_create_resized(MPI_INT, 0, 8, &strided);
  MPI_Type_commit(&strided);
  const long sizes[] = {1, 1000, 9000, 40000, 70000};
  for (int s = 0; s < 5; s++) {
    long n = sizes[s];
    for (int root = 0; root < size; root += size > 2 ? size - 1 : 1) {
      test_bcast(n, root);
      test_gather_scatter(n < 20000 ? n : n / 4, root);
    }
    test_allgather_alltoall(n < 20000 ? n : n / 4);
  }
  MPI_Type_free(&strided);
  return check_finish("coll_mixed_types");
}
