/* MPI_Type_create_darray (issue 16): for a 7 x 5 array over a virtual 3 x 2 process grid (size and rank are
 * arguments, no communication), in C and Fortran order, with block (default and explicit), cyclic (default and
 * block 2) and undistributed dimensions: each virtual rank's type packs exactly the elements it owns, in array
 * order, and has extent 35 ints; together the ranks own every element once. Self-checking:
 * "OK type_darray rank R". */
#include <mpi.h>
#include "check.h"

#define G0 7
#define G1 5

/* Owner coordinate of global index j in a dimension of g elements over p processes. */
static int owner(int dist, int darg, int g, int p, int j) {
  if (dist == MPI_DISTRIBUTE_NONE) return 0;
  if (dist == MPI_DISTRIBUTE_BLOCK) {
    int b = darg == MPI_DISTRIBUTE_DFLT_DARG ? (g + p - 1) / p : darg;
    return j / b;
  }
  int b = darg == MPI_DISTRIBUTE_DFLT_DARG ? 1 : darg;
  return (j / b) % p;
}

static void check(int order, int d0, int a0, int d1, int a1, int p0, int p1) {
  int gs[2] = {G0, G1}, ds[2] = {d0, d1}, as[2] = {a0, a1}, ps[2] = {p0, p1};
  int array[G0 * G1], owned_by[G0 * G1];
  for (int i = 0; i < G0 * G1; i++) { array[i] = i; owned_by[i] = 0; }
  for (int r = 0; r < p0 * p1; r++) {
    int c0 = r / p1, c1 = r % p1; /* row-major grid */
    MPI_Datatype t;
    expect(MPI_SUCCESS, MPI_Type_create_darray(p0 * p1, r, 2, gs, ds, as, ps, order, MPI_INT, &t), "darray order %d rank %d", order, r);
    MPI_Type_commit(&t);
    MPI_Aint lb, ext;
    MPI_Type_get_extent(t, &lb, &ext);
    expect(0, lb, "darray lb");
    expect(G0 * G1 * 4, ext, "darray extent");
    int packed[G0 * G1], pos = 0, sz = -1;
    MPI_Type_size(t, &sz);
    MPI_Pack(array, 1, t, packed, sizeof packed, &pos, MPI_COMM_SELF);
    /* Expected: owned elements in memory order of the array (C: index i0 * G1 + i1; Fortran: i1 * G0 + i0). */
    int k = 0;
    for (int m = 0; m < G0 * G1; m++) {
      int i0 = order == MPI_ORDER_C ? m / G1 : m % G0, i1 = order == MPI_ORDER_C ? m % G1 : m / G0;
      if (owner(d0, a0, G0, p0, i0) != c0 || owner(d1, a1, G1, p1, i1) != c1) continue;
      if (k < G0 * G1) expect(m, packed[k], "order %d dist (%d,%d) rank %d element %d", order, d0, d1, r, k);
      k++;
      owned_by[m]++;
    }
    expect(4 * k, sz, "order %d dist (%d,%d) rank %d size", order, d0, d1, r);
    MPI_Type_free(&t);
  }
  for (int m = 0; m < G0 * G1; m++) expect(1, owned_by[m], "order %d dist (%d,%d): element %d owned once", order, d0, d1, m);
}

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  const int D = MPI_DISTRIBUTE_DFLT_DARG;
  for (int o = 0; o < 2; o++) {
    int order = o ? MPI_ORDER_FORTRAN : MPI_ORDER_C;
    check(order, MPI_DISTRIBUTE_BLOCK, D, MPI_DISTRIBUTE_BLOCK, D, 3, 2);
    check(order, MPI_DISTRIBUTE_CYCLIC, D, MPI_DISTRIBUTE_CYCLIC, 2, 3, 2);
    check(order, MPI_DISTRIBUTE_BLOCK, 3, MPI_DISTRIBUTE_CYCLIC, D, 3, 2);
    check(order, MPI_DISTRIBUTE_NONE, D, MPI_DISTRIBUTE_CYCLIC, 2, 1, 2);
  }
  return check_finish("type_darray");
}
