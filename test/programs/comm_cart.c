/* Cartesian topologies: MPI_Dims_create (balanced factorisations, fixed entries, an impossible request),
 * a 3-D grid with mixed periodicity (Cart_get, Cartdim_get, Cart_rank with wrap-around and MPI_ERR_RANK,
 * Cart_coords, Cart_shift with MPI_PROC_NULL at the edges of non-periodic dimensions and wrap-around in
 * periodic ones), a point-to-point exchange along a shift, Cart_sub (2 of 3 dimensions, and none), a grid
 * smaller than the communicator (extra ranks get MPI_COMM_NULL), Topo_test, and MPI_Neighbor_allgather /
 * MPI_Neighbor_alltoall over the 3-D grid (PROC_NULL slots untouched) and a periodic ring.
 * Self-checking: failures print "FAIL rank R: ..." and exit 1; success prints "OK comm_cart rank R". */
#include <mpi.h>
#include "check.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void dims_cases(void) {
  static const int cases[][6] = {
      /* nnodes, ndims, expected dims[0..3] */
      {6, 2, 3, 2, 0, 0},   {7, 2, 7, 1, 0, 0},   {24, 3, 4, 3, 2, 0},  {16, 3, 4, 2, 2, 0},
      {12, 2, 4, 3, 0, 0},  {36, 2, 6, 6, 0, 0},  {32, 3, 4, 4, 2, 0},  {60, 3, 5, 4, 3, 0},
      {8, 3, 2, 2, 2, 0},   {240, 3, 8, 6, 5, 0}, {1, 3, 1, 1, 1, 0},   {64, 4, 4, 4, 2, 2},
      {90, 3, 6, 5, 3, 0},  {1000, 3, 10, 10, 10, 0}, {72, 3, 6, 4, 3, 0}, {48, 4, 4, 3, 2, 2},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int d[4] = {0, 0, 0, 0};
    expect(MPI_SUCCESS, MPI_Dims_create(cases[i][0], cases[i][1], d), "Dims_create(%d, %d): rc", cases[i][0], cases[i][1]);
    for (int k = 0; k < cases[i][1]; k++) expect(cases[i][2 + k], d[k], "Dims_create(%d, %d): dims[%d]", cases[i][0], cases[i][1], k);
  }
  int fixed[3] = {0, 3, 0};
  MPI_Dims_create(12, 3, fixed);
  expect(2, fixed[0], "Dims_create(12, {0,3,0}) dims[0]");
  expect(3, fixed[1], "Dims_create(12, {0,3,0}) dims[1]");
  expect(2, fixed[2], "Dims_create(12, {0,3,0}) dims[2]");
  int all_fixed[2] = {2, 3};
  expect(MPI_SUCCESS, MPI_Dims_create(6, 2, all_fixed), "Dims_create(6, {2,3}) rc");
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int bad[2] = {0, 5};
  expect(1, MPI_Dims_create(12, 2, bad) != MPI_SUCCESS, "Dims_create(12, {0,5}) fails");
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

/* The expected neighbour `disp` steps along dim (PROC_NULL off a non-periodic edge). */
static int neighbor(const int *dims, const int *periods, const int *coords, int dim, int disp) {
  int c[3] = {coords[0], coords[1], coords[2]};
  c[dim] += disp;
  if (c[dim] < 0 || c[dim] >= dims[dim]) {
    if (!periods[dim]) return MPI_PROC_NULL;
    c[dim] = ((c[dim] % dims[dim]) + dims[dim]) % dims[dim];
  }
  return (c[0] * dims[1] + c[1]) * dims[2] + c[2];
}

static void grid3d(void) {
  int dims[3] = {0, 0, 0}, periods[3] = {1, 0, 1};
  MPI_Dims_create(size, 3, dims);
  MPI_Comm cart;
  expect(MPI_SUCCESS, MPI_Cart_create(MPI_COMM_WORLD, 3, dims, periods, 0, &cart), "Cart_create 3-D: rc");
  int status = -1;
  MPI_Topo_test(cart, &status);
  expect(MPI_CART, status, "Topo_test(cart)");
  MPI_Topo_test(MPI_COMM_WORLD, &status);
  expect(MPI_UNDEFINED, status, "Topo_test(WORLD)");
  int nd = -1;
  MPI_Cartdim_get(cart, &nd);
  expect(3, nd, "Cartdim_get");
  int r = -1;
  MPI_Comm_rank(cart, &r);
  expect(rank, r, "cart rank (no reordering)");

  int gd[3], gp[3], gc[3];
  MPI_Cart_get(cart, 3, gd, gp, gc);
  int my[3] = {rank / (dims[1] * dims[2]), (rank / dims[2]) % dims[1], rank % dims[2]};
  for (int k = 0; k < 3; k++) {
    expect(dims[k], gd[k], "Cart_get dims[%d]", k);
    expect(periods[k], gp[k] != 0, "Cart_get periods[%d]", k);
    expect(my[k], gc[k], "Cart_get coords[%d]", k);
  }
  for (int q = 0; q < size; q++) {
    int c[3], back = -1;
    MPI_Cart_coords(cart, q, 3, c);
    expect(q / (dims[1] * dims[2]), c[0], "Cart_coords(%d)[0]", q);
    expect((q / dims[2]) % dims[1], c[1], "Cart_coords(%d)[1]", q);
    expect(q % dims[2], c[2], "Cart_coords(%d)[2]", q);
    MPI_Cart_rank(cart, c, &back);
    expect(q, back, "Cart_rank(Cart_coords(%d))", q);
  }
  /* Wrap-around in periodic dimensions 0 and 2. */
  int wrapped[3] = {my[0] + dims[0], my[1], my[2] - 2 * dims[2]};
  MPI_Cart_rank(cart, wrapped, &r);
  expect(rank, r, "Cart_rank wraps periodic coordinates");
  /* Out of range in non-periodic dimension 1. */
  MPI_Comm_set_errhandler(cart, MPI_ERRORS_RETURN);
  /* (The class is not portable: faasmpi says MPI_ERR_RANK, Open MPI MPI_ERR_ARG.) */
  int outside[3] = {my[0], dims[1], my[2]};
  expect(1, MPI_Cart_rank(cart, outside, &r) != MPI_SUCCESS, "Cart_rank outside a non-periodic dimension fails");
  MPI_Comm_set_errhandler(cart, MPI_ERRORS_ARE_FATAL);

  for (int dim = 0; dim < 3; dim++) {
    for (int disp = -2; disp <= 2; disp++) {
      int src = -7, dst = -7;
      MPI_Cart_shift(cart, dim, disp, &src, &dst);
      expect(neighbor(dims, periods, my, dim, -disp), src, "Cart_shift(dim %d, disp %d) source", dim, disp);
      expect(neighbor(dims, periods, my, dim, disp), dst, "Cart_shift(dim %d, disp %d) dest", dim, disp);
    }
  }
  /* Shift along non-periodic dim 1 at the edges: PROC_NULL both ways when dims[1] == 1. */
  int src, dst;
  MPI_Cart_shift(cart, 1, 1, &src, &dst);
  if (my[1] == 0) expect(MPI_PROC_NULL, src, "lower edge of dim 1: source is MPI_PROC_NULL");
  if (my[1] == dims[1] - 1) expect(MPI_PROC_NULL, dst, "upper edge of dim 1: dest is MPI_PROC_NULL");

  /* Exchange along periodic dim 0. */
  MPI_Cart_shift(cart, 0, 1, &src, &dst);
  int in = -1;
  MPI_Sendrecv(&rank, 1, MPI_INT, dst, 4, &in, 1, MPI_INT, src, 4, cart, MPI_STATUS_IGNORE);
  expect(src, in, "sendrecv along dim 0");

  /* Neighbour collectives: slots (dim 0 -, dim 0 +, dim 1 -, ...), -1 stays where the neighbour is PROC_NULL. */
  int nb[6];
  for (int d = 0; d < 3; d++) {
    nb[2 * d] = neighbor(dims, periods, my, d, -1);
    nb[2 * d + 1] = neighbor(dims, periods, my, d, +1);
  }
  int val = 1000 + rank, got[6];
  for (int i = 0; i < 6; i++) got[i] = -1;
  expect(MPI_SUCCESS, MPI_Neighbor_allgather(&val, 1, MPI_INT, got, 1, MPI_INT, cart), "Neighbor_allgather: rc");
  for (int i = 0; i < 6; i++) expect(nb[i] == MPI_PROC_NULL ? -1 : 1000 + nb[i], got[i], "Neighbor_allgather slot %d", i);

  int sendb[12], recvb[12];
  for (int i = 0; i < 6; i++) {
    sendb[2 * i] = 100 * rank + i;
    sendb[2 * i + 1] = -(100 * rank + i);
    recvb[2 * i] = recvb[2 * i + 1] = -1;
  }
  expect(MPI_SUCCESS, MPI_Neighbor_alltoall(sendb, 2, MPI_INT, recvb, 2, MPI_INT, cart), "Neighbor_alltoall: rc");
  for (int i = 0; i < 6; i++) {
    /* The neighbour at -1 sent us its block for +1, and the other way round. */
    int partner_slot = i ^ 1;
    int want = nb[i] == MPI_PROC_NULL ? -1 : 100 * nb[i] + partner_slot;
    expect(want, recvb[2 * i], "Neighbor_alltoall slot %d", i);
    expect(nb[i] == MPI_PROC_NULL ? -1 : -want, recvb[2 * i + 1], "Neighbor_alltoall slot %d second item", i);
  }

  /* Cart_sub keeping dims 0 and 2. */
  int remain[3] = {1, 0, 1};
  MPI_Comm sub;
  MPI_Cart_sub(cart, remain, &sub);
  int ss = -1, sr = -1;
  MPI_Comm_size(sub, &ss);
  MPI_Comm_rank(sub, &sr);
  expect(dims[0] * dims[2], ss, "Cart_sub {1,0,1}: size");
  expect(my[0] * dims[2] + my[2], sr, "Cart_sub {1,0,1}: rank");
  MPI_Cartdim_get(sub, &nd);
  expect(2, nd, "Cart_sub {1,0,1}: ndims");
  int sd[2], sp[2], sc[2];
  MPI_Cart_get(sub, 2, sd, sp, sc);
  expect(dims[0], sd[0], "Cart_sub dims[0]");
  expect(dims[2], sd[1], "Cart_sub dims[1]");
  expect(1, sp[0], "Cart_sub periods[0]");
  expect(1, sp[1], "Cart_sub periods[1]");
  expect(my[0], sc[0], "Cart_sub coords[0]");
  expect(my[2], sc[1], "Cart_sub coords[1]");
  /* ring along the sub grid's first dimension */
  MPI_Cart_shift(sub, 0, 1, &src, &dst);
  MPI_Sendrecv(&rank, 1, MPI_INT, dst, 6, &in, 1, MPI_INT, src, 6, sub, MPI_STATUS_IGNORE);
  int src_world = neighbor(dims, periods, my, 0, -1);
  expect(src_world, in, "sendrecv in the Cart_sub communicator");
  MPI_Comm_free(&sub);

  int none[3] = {0, 0, 0};
  MPI_Cart_sub(cart, none, &sub);
  MPI_Comm_size(sub, &ss);
  expect(1, ss, "Cart_sub keeping no dimension: size");
  MPI_Comm_free(&sub);
  MPI_Comm_free(&cart);
}

static void small_grid_and_ring(void) {
  /* A 1-D grid one rank smaller than the job (when there are at least 2 ranks). */
  int n = size > 1 ? size - 1 : 1, period = 0;
  MPI_Comm line;
  MPI_Cart_create(MPI_COMM_WORLD, 1, &n, &period, 1, &line);
  if (rank >= n) {
    expect(1, line == MPI_COMM_NULL, "rank beyond the grid gets MPI_COMM_NULL");
  } else {
    int s = -1;
    MPI_Comm_size(line, &s);
    expect(n, s, "line: size");
    int src, dst;
    MPI_Cart_shift(line, 0, 1, &src, &dst);
    expect(rank == 0 ? MPI_PROC_NULL : rank - 1, src, "line: source");
    expect(rank == n - 1 ? MPI_PROC_NULL : rank + 1, dst, "line: dest");
    MPI_Comm_free(&line);
  }

  /* Periodic ring: alltoall with 3 doubles per block. */
  int p = 1;
  MPI_Comm ring;
  MPI_Cart_create(MPI_COMM_WORLD, 1, &size, &p, 0, &ring);
  double sendb[6], recvb[6];
  for (int i = 0; i < 6; i++) {
    sendb[i] = rank * 10 + i;
    recvb[i] = -1;
  }
  MPI_Neighbor_alltoall(sendb, 3, MPI_DOUBLE, recvb, 3, MPI_DOUBLE, ring);
  int left = (rank + size - 1) % size, right = (rank + 1) % size;
  for (int i = 0; i < 3; i++) {
    expect(left * 10 + 3 + i, (long long)recvb[i], "ring alltoall from the left, item %d", i);
    expect(right * 10 + i, (long long)recvb[3 + i], "ring alltoall from the right, item %d", i);
  }
  MPI_Comm_free(&ring);
}

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  dims_cases();
  grid3d();
  small_grid_and_ring();
  return check_finish("comm_cart");
}
