/* Nonblocking collectives: Ibarrier, Ibcast, Ireduce, Iallreduce, Igather, Iscatter, Iallgather, Ialltoall,
 * started together (several at once on one communicator, small and 1 MiB) and completed with Waitall, Waitany,
 * Test loops and Wait in a different order on different ranks; overlapped with point-to-point traffic (a ring
 * exchange started before and completed after the collectives, and blocking p2p while a collective is in
 * flight); Ibarrier really waits for everyone; a blocking collective after pending nonblocking ones.
 * Self-checking: failures print "FAIL rank R: ..." and exit 1; success prints "OK coll_nonblocking rank R". */
#include <mpi.h>
#include "check.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int val(int r, int i) { return (r + 1) * 1000 + i % 991; }

static void all_at_once(int big) {
  int n = big ? 1 << 18 : 6, root = size - 1;
  int *bc = malloc(n * sizeof(int)), *rin = malloc(n * sizeof(int)), *rout = malloc(n * sizeof(int));
  int *arin = malloc(n * sizeof(int)), *arout = malloc(n * sizeof(int));
  int k = big ? (1 << 16) / size + 1 : 2;
  int *gs = malloc(k * sizeof(int)), *gr = malloc((size_t)size * k * sizeof(int));
  int *ss = malloc((size_t)size * k * sizeof(int)), *sr = malloc(k * sizeof(int));
  int *ags = malloc(k * sizeof(int)), *agr = malloc((size_t)size * k * sizeof(int));
  int *as = malloc((size_t)size * k * sizeof(int)), *ar = malloc((size_t)size * k * sizeof(int));
  for (int i = 0; i < n; i++) {
    bc[i] = rank == 0 ? val(0, i) : -1;
    rin[i] = arin[i] = val(rank, i);
    rout[i] = arout[i] = -1;
  }
  for (int i = 0; i < k; i++) gs[i] = ags[i] = val(rank, i + 5);
  for (int p = 0; p < size; p++)
    for (int i = 0; i < k; i++) {
      ss[p * k + i] = val(p + 20, i);
      as[p * k + i] = val(rank * 10 + p, i);
    }
  /* Ring traffic started before the collectives. */
  int ring_out = val(rank, 77), ring_in = -1;
  MPI_Request ring[2];
  MPI_Irecv(&ring_in, 1, MPI_INT, (rank + size - 1) % size, 5, MPI_COMM_WORLD, &ring[0]);
  MPI_Isend(&ring_out, 1, MPI_INT, (rank + 1) % size, 5, MPI_COMM_WORLD, &ring[1]);

  MPI_Request req[8];
  MPI_Ibcast(bc, n, MPI_INT, 0, MPI_COMM_WORLD, &req[0]);
  MPI_Ireduce(rin, rout, n, MPI_INT, MPI_SUM, root, MPI_COMM_WORLD, &req[1]);
  MPI_Iallreduce(arin, arout, n, MPI_INT, MPI_MAX, MPI_COMM_WORLD, &req[2]);
  MPI_Igather(gs, k, MPI_INT, gr, k, MPI_INT, root, MPI_COMM_WORLD, &req[3]);
  MPI_Iscatter(ss, k, MPI_INT, sr, k, MPI_INT, 0, MPI_COMM_WORLD, &req[4]);
  MPI_Iallgather(ags, k, MPI_INT, agr, k, MPI_INT, MPI_COMM_WORLD, &req[5]);
  MPI_Ialltoall(as, k, MPI_INT, ar, k, MPI_INT, MPI_COMM_WORLD, &req[6]);
  MPI_Ibarrier(MPI_COMM_WORLD, &req[7]);

  /* Complete in a rank-dependent way. */
  if (rank % 3 == 0) {
    MPI_Waitall(8, req, MPI_STATUSES_IGNORE);
  } else if (rank % 3 == 1) {
    for (int done = 0; done < 8; done++) {
      int idx = -1;
      MPI_Waitany(8, req, &idx, MPI_STATUS_IGNORE);
      if (idx < 0 || idx >= 8) expect(0, idx, "Waitany index in range");
    }
  } else {
    for (int i = 7; i >= 0; i--) {
      int flag = 0;
      while (!flag) MPI_Test(&req[i], &flag, MPI_STATUS_IGNORE);
    }
  }
  for (int i = 0; i < 8; i++) expect(1, req[i] == MPI_REQUEST_NULL, "request %d is MPI_REQUEST_NULL after completion", i);
  MPI_Waitall(2, ring, MPI_STATUSES_IGNORE);
  expect(val((rank + size - 1) % size, 77), ring_in, "ring message");

  int bad = -1;
  for (int i = 0; i < n && bad < 0; i++) if (bc[i] != val(0, i)) bad = i;
  expect(-1, bad, "Ibcast (%d ints) first wrong index", n);
  if (rank == root) {
    bad = -1;
    for (int i = 0; i < n && bad < 0; i++) {
      int s = 0;
      for (int r = 0; r < size; r++) s += val(r, i);
      if (rout[i] != s) bad = i;
    }
    expect(-1, bad, "Ireduce first wrong index");
    bad = -1;
    for (int p = 0; p < size && bad < 0; p++) for (int i = 0; i < k; i++) if (gr[p * k + i] != val(p, i + 5)) { bad = p * k + i; break; }
    expect(-1, bad, "Igather first wrong index");
  }
  bad = -1;
  for (int i = 0; i < n && bad < 0; i++) if (arout[i] != val(size - 1, i)) bad = i;
  expect(-1, bad, "Iallreduce first wrong index");
  bad = -1;
  for (int i = 0; i < k && bad < 0; i++) if (sr[i] != val(rank + 20, i)) bad = i;
  expect(-1, bad, "Iscatter first wrong index");
  bad = -1;
  for (int p = 0; p < size && bad < 0; p++) for (int i = 0; i < k; i++) if (agr[p * k + i] != val(p, i + 5)) { bad = p * k + i; break; }
  expect(-1, bad, "Iallgather first wrong index");
  bad = -1;
  for (int p = 0; p < size && bad < 0; p++) for (int i = 0; i < k; i++) if (ar[p * k + i] != val(p * 10 + rank, i)) { bad = p * k + i; break; }
  expect(-1, bad, "Ialltoall first wrong index");
  free(bc); free(rin); free(rout); free(arin); free(arout); free(gs); free(gr); free(ss); free(sr);
  free(ags); free(agr); free(as); free(ar);
}

/* Ibarrier must not complete before every rank has entered it: the last rank enters it only after it has
 * received a message from every other rank, sent after their Ibarrier started. */
static void ibarrier_waits(void) {
  MPI_Request r;
  int last = size - 1, token = 1, flag = 0;
  if (rank != last) {
    MPI_Ibarrier(MPI_COMM_WORLD, &r);
    MPI_Test(&r, &flag, MPI_STATUS_IGNORE);
    if (size > 1) expect(0, flag, "Ibarrier completed before the last rank entered");
    MPI_Send(&token, 1, MPI_INT, last, 9, MPI_COMM_WORLD);
    MPI_Wait(&r, MPI_STATUS_IGNORE);
  } else {
    for (int p = 0; p < size - 1; p++) MPI_Recv(&token, 1, MPI_INT, p, 9, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Ibarrier(MPI_COMM_WORLD, &r);
    MPI_Wait(&r, MPI_STATUS_IGNORE);
  }
}

/* Blocking p2p while an Iallreduce is pending, then a blocking Allreduce before waiting for it. */
static void mixed(void) {
  int a = rank + 1, b = 0, c = rank * 2, d = 0;
  MPI_Request r;
  MPI_Iallreduce(&a, &b, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD, &r);
  int x = rank, y = -1;
  MPI_Sendrecv(&x, 1, MPI_INT, (rank + 1) % size, 3, &y, 1, MPI_INT, (rank + size - 1) % size, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  expect((rank + size - 1) % size, y, "Sendrecv during Iallreduce");
  MPI_Allreduce(&c, &d, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  expect(size * (size - 1), d, "Allreduce while an Iallreduce is pending");
  MPI_Wait(&r, MPI_STATUS_IGNORE);
  expect(size * (size + 1) / 2, b, "Iallreduce completed after a later Allreduce");
}

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  all_at_once(0);
  all_at_once(1);
  for (int i = 0; i < 3; i++) ibarrier_waits();
  mixed();
  MPI_Barrier(MPI_COMM_WORLD);
  return check_finish("coll_nonblocking");
}
