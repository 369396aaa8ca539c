/* Groups: MPI_Comm_group, Group_size/rank, incl/excl, range_incl/range_excl, union/intersection/difference,
 * translate_ranks (MPI_PROC_NULL and MPI_UNDEFINED), compare (IDENT/SIMILAR/UNEQUAL), MPI_GROUP_EMPTY,
 * Group_free, and MPI_Comm_create from a set-operation result with a ring over the new communicator.
 * Self-checking: failures print "FAIL rank R: ..." and exit 1; success prints "OK comm_groups rank R". */
#include <mpi.h>
#include "check.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Checks that group g has exactly the world ranks want[0..n) in that order. */
static void members(MPI_Group g, MPI_Group world, const int *want, int n, const char *what) {
  int s = -1;
  MPI_Group_size(g, &s);
  expect(n, s, "%s: size", what);
  if (s != n) return;
  int idx[64] = {0}, w[64] = {0};
  for (int i = 0; i < n; i++) idx[i] = i;
  MPI_Group_translate_ranks(g, n, idx, world, w);
  for (int i = 0; i < n; i++) expect(want[i], w[i], "%s: member %d", what, i);
  int r = -1, mine = MPI_UNDEFINED;
  for (int i = 0; i < n; i++)
    if (want[i] == rank) mine = i;
  MPI_Group_rank(g, &r);
  expect(mine, r, "%s: Group_rank", what);
}

int main(int argc, char **argv) {
  check_init(&argc, &argv);

  MPI_Group world, g, h, u, x, d;
  MPI_Comm_group(MPI_COMM_WORLD, &world);
  int all[64];
  for (int i = 0; i < size; i++) all[i] = i;
  members(world, world, all, size, "WORLD group");

  /* incl in reverse order */
  int rev[64];
  for (int i = 0; i < size; i++) rev[i] = size - 1 - i;
  MPI_Group_incl(world, size, rev, &g);
  members(g, world, rev, size, "incl reversed");
  int result = -1;
  MPI_Group_compare(world, g, &result);
  expect(size == 1 ? MPI_IDENT : MPI_SIMILAR, result, "compare(world, reversed)");
  MPI_Group_compare(world, world, &result);
  expect(MPI_IDENT, result, "compare(world, world)");

  /* excl rank 0: everyone else in order */
  int zero = 0;
  MPI_Group_excl(world, 1, &zero, &h);
  members(h, world, all + 1, size - 1, "excl 0");
  MPI_Group_compare(world, h, &result);
  expect(MPI_UNEQUAL, result, "compare(world, excl 0)");

  /* union(excl 0, incl {0}) = 1..n-1, 0 */
  MPI_Group only0;
  MPI_Group_incl(world, 1, &zero, &only0);
  MPI_Group_union(h, only0, &u);
  int rot[64];
  for (int i = 0; i < size; i++) rot[i] = (i + 1) % size;
  members(u, world, rot, size, "union(excl 0, {0})");
  MPI_Group_compare(u, world, &result);
  expect(size == 1 ? MPI_IDENT : MPI_SIMILAR, result, "compare(union, world)");

  /* intersection(reversed, excl 0) keeps the reversed order */
  MPI_Group_intersection(g, h, &x);
  members(x, world, rev, size - 1, "intersection(reversed, excl 0)");

  /* difference(world, excl 0) = {0}; difference(excl 0, world) = empty */
  MPI_Group_difference(world, h, &d);
  members(d, world, all, 1, "difference(world, excl 0)");
  MPI_Group e;
  MPI_Group_difference(h, world, &e);
  int es = -1;
  MPI_Group_size(e, &es);
  expect(0, es, "difference(excl 0, world): size");
  MPI_Group_compare(e, MPI_GROUP_EMPTY, &result);
  expect(MPI_IDENT, result, "empty result compares IDENT to MPI_GROUP_EMPTY");
  MPI_Group_rank(MPI_GROUP_EMPTY, &es);
  expect(MPI_UNDEFINED, es, "Group_rank(MPI_GROUP_EMPTY)");

  /* range_incl: evens ascending then odds descending */
  int ranges[2][3] = {{0, size - 1, 2}, {size - 1 - (size % 2 == 1), 1, -2}};
  int nr = size > 1 ? 2 : 1;
  MPI_Group ri;
  MPI_Group_range_incl(world, nr, ranges, &ri);
  int want[64], nw = 0;
  for (int i = 0; i < size; i += 2) want[nw++] = i;
  if (size > 1)
    for (int i = size - 1 - (size % 2 == 1); i >= 1; i -= 2) want[nw++] = i;
  members(ri, world, want, nw, "range_incl evens up, odds down");

  /* range_excl of the evens: the odds in order */
  MPI_Group re;
  MPI_Group_range_excl(world, 1, ranges, &re);
  nw = 0;
  for (int i = 1; i < size; i += 2) want[nw++] = i;
  members(re, world, want, nw, "range_excl evens");

  /* translate_ranks with MPI_PROC_NULL and a rank not in the target group */
  /* (Into a non-empty group: Open MPI answers MPI_UNDEFINED for everything when the target is empty.) */
  int in3[3] = {MPI_PROC_NULL, 0, size - 1}, out3[3] = {-7, -7, -7};
  MPI_Group_translate_ranks(world, 3, in3, g, out3);
  expect(MPI_PROC_NULL, out3[0], "translate MPI_PROC_NULL");
  expect(size - 1, out3[1], "translate rank 0 into reversed");
  expect(0, out3[2], "translate last rank into reversed");
  if (size > 1) {
    MPI_Group_translate_ranks(world, 3, in3, h, out3);
    expect(MPI_PROC_NULL, out3[0], "translate MPI_PROC_NULL into excl 0");
    expect(MPI_UNDEFINED, out3[1], "translate rank 0 into excl 0");
    expect(size - 2, out3[2], "translate last rank into excl 0");
  }

  /* A communicator from the reversed intersection: ring over it (rank 0 gets MPI_COMM_NULL). */
  MPI_Comm c;
  MPI_Comm_create(MPI_COMM_WORLD, x, &c);
  if (rank == 0) {
    expect(1, c == MPI_COMM_NULL, "rank 0 is not in the intersection");
  } else {
    int r = -1, n = -1;
    MPI_Comm_rank(c, &r);
    MPI_Comm_size(c, &n);
    expect(size - 1 - rank, r, "comm from intersection: rank");
    expect(size - 1, n, "comm from intersection: size");
    int to = (r + 1) % n, from = (r + n - 1) % n, in = -1;
    MPI_Sendrecv(&rank, 1, MPI_INT, to, 3, &in, 1, MPI_INT, from, 3, c, MPI_STATUS_IGNORE);
    expect(size - 1 - from, in, "ring over the comm from intersection");
    MPI_Group cg;
    MPI_Comm_group(c, &cg);
    MPI_Group_compare(cg, x, &result);
    expect(MPI_IDENT, result, "Comm_group of the new comm");
    MPI_Group_free(&cg);
    MPI_Comm_free(&c);
  }

  /* Errors under MPI_ERRORS_RETURN: a rank out of range in incl, a repeated rank. */
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Group bad;
  int outside = size, cls = -1;
  int rc = MPI_Group_incl(world, 1, &outside, &bad);
  if (rc != MPI_SUCCESS) MPI_Error_class(rc, &cls);
  expect(MPI_ERR_RANK, cls, "Group_incl with a rank out of range");
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);

  MPI_Group *all_groups[] = {&g, &h, &only0, &u, &x, &d, &ri, &re, &world};
  for (size_t i = 0; i < sizeof all_groups / sizeof all_groups[0]; i++) {
    MPI_Group_free(all_groups[i]);
    expect(1, *all_groups[i] == MPI_GROUP_NULL, "Group_free sets MPI_GROUP_NULL (%d)", (int)i);
  }
  return check_finish("comm_groups");
}
