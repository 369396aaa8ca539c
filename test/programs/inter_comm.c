/* Intercommunicators (MPI-3.1 5.2.2, 6.6): even and odd world ranks form two groups joined by
 * MPI_Intercomm_create; then the queries, point-to-point across the groups, every rooted collective in both
 * directions (MPI_ROOT / MPI_PROC_NULL / remote root), Allreduce, Allgather(v), Alltoall(v), nonblocking ones,
 * MPI_Comm_dup/split/create on the intercommunicator and MPI_Intercomm_merge. Needs 2+ ranks.
 * Self-checking: "OK inter_comm rank R". */
#include <mpi.h>
#include <stdlib.h>
#include "check.h"

static int color, lrank, lsize, rsize;
/* World rank of rank r of group g. */
static int world_of(int g, int r) { return 2 * r + g; }
static int group_size(int g) { return (size - g + 1) / 2; }

static void rooted(MPI_Comm inter, int root_group) {
  /* Root: local rank 0 of root_group. */
  int root_arg = color == root_group ? (lrank == 0 ? MPI_ROOT : MPI_PROC_NULL) : 0;
  int at_root = color == root_group && lrank == 0, other = color != root_group;
  int buf[4] = {0, 0, 0, 0};
  if (at_root) for (int i = 0; i < 4; i++) buf[i] = 100 * root_group + i;
  MPI_Bcast(buf, 4, MPI_INT, root_arg, inter);
  if (other) for (int i = 0; i < 4; i++) expect(100 * root_group + i, buf[i], "Bcast from group %d item %d", root_group, i);
  if (color == root_group && !at_root) expect(0, buf[0], "Bcast leaves a PROC_NULL rank's buffer alone");

  int in[2] = {rank, 1}, out[2] = {-1, -1};
  MPI_Reduce(in, out, 2, MPI_INT, MPI_SUM, root_arg, inter);
  if (at_root) {
    int g = 1 - root_group, want = 0;
    for (int r = 0; r < group_size(g); r++) want += world_of(g, r);
    expect(want, out[0], "Reduce to group %d: sum of the other group's world ranks", root_group);
    expect(group_size(g), out[1], "Reduce to group %d: count", root_group);
  }

  int nr = other ? 0 : group_size(1 - root_group);
  int *all = malloc(sizeof(int) * (nr * 2 + 2));
  int mine[2] = {rank, -rank};
  MPI_Gather(mine, 2, MPI_INT, all, 2, MPI_INT, root_arg, inter);
  if (at_root) for (int r = 0; r < nr; r++) {
    expect(world_of(1 - root_group, r), all[2 * r], "Gather at group %d: block %d", root_group, r);
    expect(-world_of(1 - root_group, r), all[2 * r + 1], "Gather at group %d: block %d second", root_group, r);
  }
  if (at_root) for (int r = 0; r < nr; r++) all[2 * r] = all[2 * r + 1] = 7 * r + 1;
  int got[2] = {-1, -1};
  MPI_Scatter(all, 2, MPI_INT, got, 2, MPI_INT, root_arg, inter);
  if (other) expect(7 * lrank + 1, got[1], "Scatter from group %d", root_group);
  /* Gatherv with uneven counts: remote rank r sends r + 1 ints. */
  int cnt[64], dsp[64], vbuf[256], v[64];
  for (int i = 0; i < lrank + 1; i++) v[i] = rank * 10 + i;
  for (int r = 0, d = 0; r < nr; r++) { cnt[r] = r + 1; dsp[r] = d; d += r + 1; }
  MPI_Gatherv(v, other ? lrank + 1 : 0, MPI_INT, vbuf, cnt, dsp, MPI_INT, root_arg, inter);
  if (at_root) for (int r = 0; r < nr; r++) for (int i = 0; i <= r; i++)
    expect(world_of(1 - root_group, r) * 10 + i, vbuf[dsp[r] + i], "Gatherv at group %d: block %d item %d", root_group, r, i);
  free(all);
}

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  if (size < 2) return check_finish("inter_comm");
  color = rank % 2;
  MPI_Comm local, inter;
  MPI_Comm_split(MPI_COMM_WORLD, color, rank, &local);
  MPI_Comm_rank(local, &lrank);
  MPI_Comm_size(local, &lsize);
  expect(MPI_SUCCESS, MPI_Intercomm_create(local, 0, MPI_COMM_WORLD, 1 - color, 77, &inter), "Intercomm_create");
  int flag = -1;
  MPI_Comm_test_inter(inter, &flag);
  expect(1, flag, "test_inter on the intercommunicator");
  MPI_Comm_test_inter(MPI_COMM_WORLD, &flag);
  expect(0, flag, "test_inter on MPI_COMM_WORLD");
  MPI_Comm_remote_size(inter, &rsize);
  expect(group_size(1 - color), rsize, "remote size");
  int n = -1, r = -1;
  MPI_Comm_size(inter, &n);
  MPI_Comm_rank(inter, &r);
  expect(lsize, n, "Comm_size is the local group's");
  expect(lrank, r, "Comm_rank is the local rank");
  MPI_Group rg, wg;
  MPI_Comm_remote_group(inter, &rg);
  MPI_Comm_group(MPI_COMM_WORLD, &wg);
  int gs = -1;
  MPI_Group_size(rg, &gs);
  expect(rsize, gs, "remote group size");
  for (int i = 0; i < rsize; i++) {
    int w = -1;
    MPI_Group_translate_ranks(rg, 1, &i, wg, &w);
    expect(world_of(1 - color, i), w, "remote group rank %d in world", i);
  }
  MPI_Group_free(&rg);
  MPI_Group_free(&wg);

  /* Point-to-point: every rank sends to every remote rank and receives from each by its remote rank. */
  MPI_Request reqs[128];
  int outv[64], inv[64];
  for (int j = 0; j < rsize; j++) {
    outv[j] = rank * 1000 + j;
    MPI_Isend(&outv[j], 1, MPI_INT, j, 5, inter, &reqs[j]);
  }
  for (int j = 0; j < rsize; j++) {
    MPI_Status st;
    MPI_Recv(&inv[j], 1, MPI_INT, j, 5, inter, &st);
    expect(world_of(1 - color, j) * 1000 + lrank, inv[j], "message from remote rank %d", j);
    expect(j, st.MPI_SOURCE, "MPI_SOURCE names the remote rank");
  }
  MPI_Waitall(rsize, reqs, MPI_STATUSES_IGNORE);
  /* Remote rank j sends to my rank j % lsize: receive as many with MPI_ANY_SOURCE. */
  MPI_Request q6;
  MPI_Isend(&rank, 1, MPI_INT, lrank % rsize, 6, inter, &q6);
  for (int j = 0; j < rsize; j++) {
    if (j % lsize != lrank) continue;
    MPI_Status st;
    MPI_Recv(&n, 1, MPI_INT, MPI_ANY_SOURCE, 6, inter, &st);
    expect(world_of(1 - color, st.MPI_SOURCE), n, "ANY_SOURCE message's MPI_SOURCE names its remote sender");
  }
  MPI_Wait(&q6, MPI_STATUS_IGNORE);
  MPI_Barrier(inter);

  rooted(inter, 0);
  rooted(inter, 1);

  /* Allreduce: each group gets the other group's sum. */
  int sum = -1, want = 0;
  for (int j = 0; j < rsize; j++) want += world_of(1 - color, j);
  MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, inter);
  expect(want, sum, "Allreduce: the other group's sum");
  /* Allgather and Alltoall: blocks come from the remote group in its rank order. */
  int ag[64], a2a_out[64], a2a_in[64];
  MPI_Allgather(&rank, 1, MPI_INT, ag, 1, MPI_INT, inter);
  for (int j = 0; j < rsize; j++) expect(world_of(1 - color, j), ag[j], "Allgather block %d", j);
  for (int j = 0; j < rsize; j++) a2a_out[j] = rank * 100 + j;
  MPI_Alltoall(a2a_out, 1, MPI_INT, a2a_in, 1, MPI_INT, inter);
  for (int j = 0; j < rsize; j++) expect(world_of(1 - color, j) * 100 + lrank, a2a_in[j], "Alltoall block %d", j);
  int rc[64], rd[64], sc[64], sd[64];
  for (int j = 0; j < rsize; j++) { rc[j] = 1; rd[j] = rsize - 1 - j; sc[j] = 1; sd[j] = j; }
  MPI_Allgatherv(&rank, 1, MPI_INT, ag, rc, rd, MPI_INT, inter);
  for (int j = 0; j < rsize; j++) expect(world_of(1 - color, j), ag[rsize - 1 - j], "Allgatherv block %d (reversed)", j);
  MPI_Alltoallv(a2a_out, sc, sd, MPI_INT, a2a_in, rc, rd, MPI_INT, inter);
  for (int j = 0; j < rsize; j++) expect(world_of(1 - color, j) * 100 + lrank, a2a_in[rsize - 1 - j], "Alltoallv block %d", j);

  /* Nonblocking on the intercommunicator, overlapping. */
  MPI_Request q[3];
  int ib = color == 0 && lrank == 0 ? 4242 : -1, isum = -1;
  MPI_Ibcast(&ib, 1, MPI_INT, color == 0 ? (lrank == 0 ? MPI_ROOT : MPI_PROC_NULL) : 0, inter, &q[0]);
  MPI_Iallreduce(&rank, &isum, 1, MPI_INT, MPI_SUM, inter, &q[1]);
  MPI_Ibarrier(inter, &q[2]);
  MPI_Waitall(3, q, MPI_STATUSES_IGNORE);
  if (color == 1) expect(4242, ib, "Ibcast");
  expect(want, isum, "Iallreduce");

  /* Dup: same groups, separate traffic. */
  MPI_Comm dupc;
  MPI_Comm_dup(inter, &dupc);
  MPI_Comm_test_inter(dupc, &flag);
  expect(1, flag, "the dup is an intercommunicator");
  int x = rank, y = -1;
  if (lrank == 0) {
    MPI_Send(&x, 1, MPI_INT, 0, 9, dupc);
    MPI_Send(&x, 1, MPI_INT, 0, 9, inter);
    MPI_Recv(&y, 1, MPI_INT, 0, 9, inter, MPI_STATUS_IGNORE);
    expect(1 - color, y, "message on the intercommunicator, not its dup");
    MPI_Recv(&y, 1, MPI_INT, 0, 9, dupc, MPI_STATUS_IGNORE);
    expect(1 - color, y, "message on the dup");
  }
  MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, dupc);
  expect(want, sum, "Allreduce on the dup");

  /* Split: local rank 0 of each group with color 0, the others UNDEFINED. */
  MPI_Comm sp;
  MPI_Comm_split(inter, lrank == 0 ? 0 : MPI_UNDEFINED, 0, &sp);
  if (lrank == 0) {
    int rs = -1;
    MPI_Comm_remote_size(sp, &rs);
    expect(1, rs, "split intercommunicator's remote size");
    MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, sp);
    expect(1 - color, sum, "Allreduce on the split intercommunicator");
    MPI_Comm_free(&sp);
  } else {
    expect(1, sp == MPI_COMM_NULL, "split with MPI_UNDEFINED gives MPI_COMM_NULL");
  }
  /* Comm_create with the whole local group. */
  MPI_Group lg;
  MPI_Comm cr;
  MPI_Comm_group(inter, &lg);
  MPI_Comm_create(inter, lg, &cr);
  MPI_Group_free(&lg);
  MPI_Comm_remote_size(cr, &n);
  expect(rsize, n, "Comm_create on the intercommunicator: remote size");
  MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, cr);
  expect(want, sum, "Allreduce on the created intercommunicator");
  MPI_Comm_free(&cr);

  /* Merge: odd ranks high, so the even group comes first. */
  MPI_Comm merged;
  MPI_Intercomm_merge(inter, color, &merged);
  MPI_Comm_size(merged, &n);
  MPI_Comm_rank(merged, &r);
  expect(size, n, "merged size");
  expect(color == 0 ? lrank : group_size(0) + lrank, r, "merged rank (low group first)");
  MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, merged);
  expect(size * (size - 1) / 2, sum, "Allreduce on the merged communicator");
  MPI_Comm_free(&merged);
  MPI_Intercomm_merge(inter, 1 - color, &merged);
  MPI_Comm_rank(merged, &r);
  expect(color == 1 ? lrank : group_size(1) + lrank, r, "merged rank (odd group low)");
  MPI_Comm_free(&merged);

  MPI_Comm_free(&dupc);
  MPI_Comm_free(&inter);
  MPI_Comm_free(&local);
  return check_finish("inter_comm");
}
