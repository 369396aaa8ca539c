/* MPI_Comm_split / split_type / create / create_group / free / compare / names, checked with point-to-point
 * traffic only (no collectives):
 * - split by parity with keys that reverse the order; MPI_UNDEFINED gives MPI_COMM_NULL;
 * - a ring exchange inside each new communicator (status.MPI_SOURCE in the new numbering);
 * - MPI_Comm_compare: IDENT, CONGRUENT (dup), SIMILAR (same members reordered), UNEQUAL;
 * - MPI_Comm_split_type(MPI_COMM_TYPE_SHARED): the ranks with this rank's processor name, in rank order (all of
 *   them on one host; on several hosts, those of each host);
 * - MPI_Comm_create from a group, MPI_Comm_create_group over a subgroup;
 * - names: MPI_COMM_WORLD / MPI_COMM_SELF, set/get on a new communicator, truncation to MPI_MAX_OBJECT_NAME;
 * - MPI_Comm_free sets MPI_COMM_NULL; freeing MPI_COMM_WORLD is MPI_ERR_COMM under MPI_ERRORS_RETURN.
 * Self-checking: failures print "FAIL rank R: ..." and exit 1; success prints "OK comm_split rank R". */
#include <mpi.h>
#include "check.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Ring exchange inside comm: each rank sends its world rank to the right; checks what arrives from the left. */
static void ring(MPI_Comm comm, const int *world_of, const char *what) {
  int r, n;
  MPI_Comm_rank(comm, &r);
  MPI_Comm_size(comm, &n);
  int right = (r + 1) % n, left = (r + n - 1) % n, in = -1;
  MPI_Status st;
  MPI_Sendrecv(&rank, 1, MPI_INT, right, 11, &in, 1, MPI_INT, left, 11, comm, &st);
  expect(world_of[left], in, "%s: ring value from comm rank %d", what, left);
  expect(left, st.MPI_SOURCE, "%s: status.MPI_SOURCE", what);
}

static void split_parity(void) {
  /* Color = parity; key = -rank, so the new ranks run in reverse world order. */
  MPI_Comm half;
  expect(MPI_SUCCESS, MPI_Comm_split(MPI_COMM_WORLD, rank % 2, -rank, &half), "split by parity: rc");
  int members[64], n = 0;
  for (int w = size - 1; w >= 0; w--)
    if (w % 2 == rank % 2) members[n++] = w;
  int r = -1, s = -1;
  MPI_Comm_rank(half, &r);
  MPI_Comm_size(half, &s);
  expect(n, s, "split by parity: size");
  int want = -1;
  for (int i = 0; i < n; i++)
    if (members[i] == rank) want = i;
  expect(want, r, "split by parity: rank (keys reverse the order)");
  ring(half, members, "parity comm");

  int result = -1;
  MPI_Comm_compare(half, half, &result);
  expect(MPI_IDENT, result, "compare(half, half)");
  MPI_Comm_compare(MPI_COMM_WORLD, half, &result);
  /* With one rank the even half has the same single member. */
  expect(size == 1 ? MPI_CONGRUENT : MPI_UNEQUAL, result, "compare(WORLD, half)");

  int flag = -1;
  MPI_Comm_test_inter(half, &flag);
  expect(0, flag, "Comm_test_inter(half)");

  /* Everyone in one color, reversed: the same members in another order. */
  MPI_Comm rev;
  MPI_Comm_split(MPI_COMM_WORLD, 7, size - rank, &rev);
  MPI_Comm_rank(rev, &r);
  expect(size - 1 - rank, r, "reversed comm: rank");
  MPI_Comm_compare(MPI_COMM_WORLD, rev, &result);
  expect(size == 1 ? MPI_CONGRUENT : MPI_SIMILAR, result, "compare(WORLD, reversed)");
  int rev_members[64];
  for (int i = 0; i < size; i++) rev_members[i] = size - 1 - i;
  ring(rev, rev_members, "reversed comm");

  /* Same key everywhere: ties are broken by the old rank. */
  MPI_Comm same;
  MPI_Comm_split(rev, 0, 5, &same);
  MPI_Comm_rank(same, &r);
  expect(size - 1 - rank, r, "split with equal keys keeps the parent order");
  MPI_Comm_compare(rev, same, &result);
  expect(MPI_CONGRUENT, result, "compare(reversed, split of reversed with equal keys)");

  /* MPI_UNDEFINED: only rank 0 takes part. */
  MPI_Comm only0;
  MPI_Comm_split(MPI_COMM_WORLD, rank == 0 ? 3 : MPI_UNDEFINED, 0, &only0);
  if (rank == 0) {
    expect(1, only0 != MPI_COMM_NULL, "rank 0 gets a communicator");
    if (only0 != MPI_COMM_NULL) {
      MPI_Comm_size(only0, &s);
      expect(1, s, "MPI_UNDEFINED split: size");
      MPI_Comm_free(&only0);
    }
  } else {
    expect(1, only0 == MPI_COMM_NULL, "MPI_UNDEFINED gives MPI_COMM_NULL");
  }

  MPI_Comm_free(&same);
  MPI_Comm_free(&rev);
  MPI_Comm_free(&half);
  expect(1, half == MPI_COMM_NULL, "Comm_free sets MPI_COMM_NULL");
}

static void split_shared(void) {
  /* Who shares this rank's host: exchange processor names (point to point). */
  char mine[MPI_MAX_PROCESSOR_NAME], theirs[MPI_MAX_PROCESSOR_NAME];
  int len, members[64], nmembers = 0, my_index = -1;
  memset(mine, 0, sizeof mine);
  MPI_Get_processor_name(mine, &len);
  for (int p = 0; p < size; p++) {
    if (p != rank) MPI_Sendrecv(mine, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, p, 90, theirs, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, p, 90, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (p == rank || strcmp(mine, theirs) == 0) {
      if (p == rank) my_index = nmembers;
      members[nmembers++] = p;
    }
  }
  MPI_Comm node;
  expect(MPI_SUCCESS, MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node), "split_type: rc");
  int r = -1, s = -1, result = -1;
  MPI_Comm_rank(node, &r);
  MPI_Comm_size(node, &s);
  expect(nmembers, s, "split_type(SHARED): the ranks of this host");
  expect(my_index, r, "split_type(SHARED): rank");
  MPI_Comm_compare(MPI_COMM_WORLD, node, &result);
  expect(nmembers == size ? MPI_CONGRUENT : MPI_UNEQUAL, result, "compare(WORLD, shared)");
  ring(node, members, "shared comm");
  MPI_Comm_free(&node);

  MPI_Comm none;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_UNDEFINED, 0, MPI_INFO_NULL, &none);
  expect(1, none == MPI_COMM_NULL, "split_type(MPI_UNDEFINED)");
}

static void create(void) {
  /* Comm_create over WORLD with the ranks in reverse order, minus the last rank (when there are two or more). */
  MPI_Group world_group, g;
  MPI_Comm_group(MPI_COMM_WORLD, &world_group);
  int n = size > 1 ? size - 1 : 1, ranks[64];
  for (int i = 0; i < n; i++) ranks[i] = n - 1 - i;
  MPI_Group_incl(world_group, n, ranks, &g);
  MPI_Comm c;
  expect(MPI_SUCCESS, MPI_Comm_create(MPI_COMM_WORLD, g, &c), "Comm_create: rc");
  if (rank < n) {
    int r = -1, s = -1;
    MPI_Comm_rank(c, &r);
    MPI_Comm_size(c, &s);
    expect(n, s, "Comm_create: size");
    expect(n - 1 - rank, r, "Comm_create: rank follows the group order");
    ring(c, ranks, "created comm");
    MPI_Group cg;
    int result = -1;
    MPI_Comm_group(c, &cg);
    MPI_Group_compare(cg, g, &result);
    expect(MPI_IDENT, result, "group of the created comm");
    MPI_Group_free(&cg);
    MPI_Comm_free(&c);
  } else {
    expect(1, c == MPI_COMM_NULL, "Comm_create: non-member gets MPI_COMM_NULL");
  }
  MPI_Group_free(&g);

  /* Comm_create_group: only the even ranks call it. */
  int evens[64], ne = 0;
  for (int w = 0; w < size; w += 2) evens[ne++] = w;
  MPI_Group_incl(world_group, ne, evens, &g);
  if (rank % 2 == 0) {
    MPI_Comm e;
    expect(MPI_SUCCESS, MPI_Comm_create_group(MPI_COMM_WORLD, g, 42, &e), "Comm_create_group: rc");
    int r = -1, s = -1;
    MPI_Comm_rank(e, &r);
    MPI_Comm_size(e, &s);
    expect(ne, s, "Comm_create_group: size");
    expect(rank / 2, r, "Comm_create_group: rank");
    ring(e, evens, "create_group comm");
    MPI_Comm_free(&e);
  }
  MPI_Group_free(&g);
  MPI_Group_free(&world_group);
}

static void names(void) {
  char name[MPI_MAX_OBJECT_NAME];
  int len = -1;
  MPI_Comm_get_name(MPI_COMM_WORLD, name, &len);
  expect(0, strcmp(name, "MPI_COMM_WORLD"), "name of MPI_COMM_WORLD is \"MPI_COMM_WORLD\" (got \"%s\")", name);
  expect((long long)strlen("MPI_COMM_WORLD"), len, "length of MPI_COMM_WORLD's name");
  MPI_Comm_get_name(MPI_COMM_SELF, name, &len);
  expect(0, strcmp(name, "MPI_COMM_SELF"), "name of MPI_COMM_SELF (got \"%s\")", name);

  MPI_Comm d;
  MPI_Comm_dup(MPI_COMM_WORLD, &d);
  MPI_Comm_set_name(d, "my duplicate");
  MPI_Comm_get_name(d, name, &len);
  expect(0, strcmp(name, "my duplicate"), "name set on a dup (got \"%s\")", name);
  expect(12, len, "length of the dup's name");
  MPI_Comm_get_name(MPI_COMM_WORLD, name, &len);
  expect(0, strcmp(name, "MPI_COMM_WORLD"), "WORLD keeps its name after naming a dup");

  char longname[300];
  memset(longname, 'x', sizeof longname - 1);
  longname[sizeof longname - 1] = 0;
  MPI_Comm_set_name(d, longname);
  MPI_Comm_get_name(d, name, &len);
  expect(1, len <= MPI_MAX_OBJECT_NAME - 1 && len > 0, "a long name is truncated (length %d)", len);
  expect((long long)len, (long long)strlen(name), "truncated name is NUL-terminated");
  MPI_Comm_free(&d);
}

static void free_errors(void) {
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm w = MPI_COMM_WORLD;
  int rc = MPI_Comm_free(&w), cls = -1;
  if (rc != MPI_SUCCESS) MPI_Error_class(rc, &cls);
  expect(MPI_ERR_COMM, cls, "Comm_free(MPI_COMM_WORLD): error class");
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  split_parity();
  split_shared();
  create();
  names();
  free_errors();
  /* Many communicators made and freed: contexts keep growing, handles are reused. */
  for (int i = 0; i < 50; i++) {
    MPI_Comm c;
    MPI_Comm_split(MPI_COMM_WORLD, i % 2 == 0 ? 0 : rank % 2, rank, &c);
    int world_of[64], n = 0;
    for (int w = 0; w < size; w++)
      if (i % 2 == 0 || w % 2 == rank % 2) world_of[n++] = w;
    ring(c, world_of, "split in a loop");
    MPI_Comm_free(&c);
  }
  return check_finish("comm_split");
}
