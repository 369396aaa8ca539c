/* One-host collectives on the shared-memory area (collectives/shared.ts), repeated so slots, parities and sequence
 * numbers are reused many times: every round runs Barrier, Bcast, Reduce, Allreduce, Gather, Allgather, Scatter
 * and Alltoall on MPI_COMM_WORLD and on a split communicator (both at once), with odd sizes, rotating roots,
 * MPI_IN_PLACE, a derived datatype, a non-commutative user op (2x2 matrix product, must come out in rank order),
 * double sums that must equal the rank-order sum bit for bit, sizes above the shared slot (contiguous: read in place; strided: messages),
 * and nonblocking collectives in flight across the blocking ones. Rounds: argv[1] (default 10000); argv[2] "exact"
 * adds the rank-order check of the double sums.
 * Self-checking: failures print "FAIL rank R: ..." and exit 1; success prints "OK coll_sm rank R". */
#include <mpi.h>
#include "check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* argv[2] "exact": also check that double sums come out in rank order (faasmpi promises it; MPI does not). */
static int exact_order;

#ifdef __wasm__
int faasmpi_coll_shared_calls(void) __attribute__((import_module("faasmpi_mpi"), import_name("FAASMPI_Coll_shared_calls")));
#endif

static int val(int r, int i, int round) { return r * 1000003 + i * 7 + round * 13 + 1; }

/* 2x2 matrices of unsigned ints, row major; inout = in * inout (in on the left: MPI's in op inout). */
static void matmul(void *in, void *inout, int *len, MPI_Datatype *type) {
  (void)type;
  unsigned *a = in, *b = inout;
  for (int k = 0; k < *len; k++, a += 4, b += 4) {
    unsigned r0 = a[0] * b[0] + a[1] * b[2], r1 = a[0] * b[1] + a[1] * b[3];
    unsigned r2 = a[2] * b[0] + a[3] * b[2], r3 = a[2] * b[1] + a[3] * b[3];
    b[0] = r0; b[1] = r1; b[2] = r2; b[3] = r3;
  }
}

/* MIN of ints (one int per item, items `extent` apart) as a user op (Open MPI applies predefined ops to predefined
 * types only). */
static void min_int(void *in, void *inout, int *len, MPI_Datatype *type) {
  MPI_Aint lb, extent;
  MPI_Type_get_extent(*type, &lb, &extent);
  char *a = in, *b = inout;
  for (int k = 0; k < *len; k++, a += extent, b += extent) if (*(int *)a < *(int *)b) *(int *)b = *(int *)a;
}

static void mat_of(int r, int round, unsigned *m) {
  m[0] = 1 + r; m[1] = 2 + round % 5; m[2] = r * 3 + 1; m[3] = 1;
}

static int bad_ints(const int *got, const int *want, int n) {
  for (int i = 0; i < n; i++) if (got[i] != want[i]) return i;
  return -1;
}

#define MAXN 4200
static int sbuf[8 * MAXN], rbuf[8 * MAXN], want[8 * MAXN];

/* One round of every shared collective on comm; `round` varies sizes and roots. Returns after the first failure. */
static int round_on(MPI_Comm comm, int round, MPI_Op matop, MPI_Datatype triple, const char *name) {
  int me, n;
  MPI_Comm_rank(comm, &me);
  MPI_Comm_size(comm, &n);
  static const int sizes[] = {1, 3, 7, 2, 1001, 0, 5};
  int k = sizes[round % 7];
  int root = round % n;

  MPI_Barrier(comm);

  /* Bcast */
  for (int i = 0; i < k; i++) rbuf[i] = me == root ? val(root, i, round) : -1;
  MPI_Bcast(rbuf, k, MPI_INT, root, comm);
  for (int i = 0; i < k; i++) want[i] = val(root, i, round);
  int b = bad_ints(rbuf, want, k);
  if (b >= 0) return expect(want[b], rbuf[b], "%s round %d Bcast k=%d root=%d [%d]", name, round, k, root, b), 1;

  /* Allreduce SUM, half the time in place */
  for (int i = 0; i < k; i++) sbuf[i] = val(me, i, round);
  if (round & 1) {
    memcpy(rbuf, sbuf, k * sizeof(int));
    MPI_Allreduce(MPI_IN_PLACE, rbuf, k, MPI_INT, MPI_SUM, comm);
  } else {
    MPI_Allreduce(sbuf, rbuf, k, MPI_INT, MPI_SUM, comm);
  }
  for (int i = 0; i < k; i++) {
    int s = 0;
    for (int r = 0; r < n; r++) s += val(r, i, round);
    want[i] = s;
  }
  if ((b = bad_ints(rbuf, want, k)) >= 0) return expect(want[b], rbuf[b], "%s round %d Allreduce k=%d [%d]", name, round, k, b), 1;

  /* Reduce MAX to a rotating root, in place at the root on even rounds */
  for (int i = 0; i < k; i++) sbuf[i] = val((me + round) % n, i, 0);
  if (me == root && !(round & 1)) {
    memcpy(rbuf, sbuf, k * sizeof(int));
    MPI_Reduce(MPI_IN_PLACE, rbuf, k, MPI_INT, MPI_MAX, root, comm);
  } else {
    MPI_Reduce(sbuf, rbuf, k, MPI_INT, MPI_MAX, root, comm);
  }
  if (me == root) {
    for (int i = 0; i < k; i++) want[i] = val(n - 1, i, 0);
    if ((b = bad_ints(rbuf, want, k)) >= 0) return expect(want[b], rbuf[b], "%s round %d Reduce MAX k=%d root=%d [%d]", name, round, k, root, b), 1;
  }

  /* Non-commutative user op: the product M0 * M1 * ... * M(n-1) at every rank */
  unsigned m[4], got[4], w[4] = {1, 0, 0, 1};
  mat_of(me, round, m);
  MPI_Allreduce(m, got, 1, triple, matop, comm);
  for (int r = n - 1; r >= 0; r--) {
    unsigned x[4];
    mat_of(r, round, x);
    int one = 1;
    matmul(x, w, &one, NULL);
  }
  if (memcmp(got, w, sizeof w) != 0) return expect((int)w[0], (int)got[0], "%s round %d user op (rank order) [0] (others %u %u %u / %u %u %u)", name, round, w[1], w[2], w[3], got[1], got[2], got[3]), 1;

  /* Doubles: the same bits as x0 + (x1 + (... + x(n-1))) */
  double d = 1.0 / (3 + me + round % 11), dsum, dwant = 1.0 / (3 + (n - 1) + round % 11);
  for (int r = n - 2; r >= 0; r--) dwant = 1.0 / (3 + r + round % 11) + dwant;
  MPI_Allreduce(&d, &dsum, 1, MPI_DOUBLE, MPI_SUM, comm);
  if (exact_order && memcmp(&dsum, &dwant, sizeof dsum) != 0) return expect(1, 0, "%s round %d double sum not bit-identical to the rank-order sum", name, round), 1;

  /* Gather (IN_PLACE at the root on odd rounds), Allgather (IN_PLACE on even), with k ints each */
  for (int i = 0; i < k; i++) sbuf[i] = val(me, i, round);
  for (int i = 0; i < n * k; i++) rbuf[i] = -1;
  if (me == root && (round & 1)) {
    memcpy(rbuf + root * k, sbuf, k * sizeof(int));
    MPI_Gather(MPI_IN_PLACE, k, MPI_INT, rbuf, k, MPI_INT, root, comm);
  } else {
    MPI_Gather(sbuf, k, MPI_INT, rbuf, k, MPI_INT, root, comm);
  }
  for (int r = 0; r < n; r++) for (int i = 0; i < k; i++) want[r * k + i] = val(r, i, round);
  if (me == root && (b = bad_ints(rbuf, want, n * k)) >= 0) return expect(want[b], rbuf[b], "%s round %d Gather k=%d root=%d [%d]", name, round, k, root, b), 1;
  for (int i = 0; i < n * k; i++) rbuf[i] = -1;
  if (!(round & 1)) {
    memcpy(rbuf + me * k, sbuf, k * sizeof(int));
    MPI_Allgather(MPI_IN_PLACE, k, MPI_INT, rbuf, k, MPI_INT, comm);
  } else {
    MPI_Allgather(sbuf, k, MPI_INT, rbuf, k, MPI_INT, comm);
  }
  if ((b = bad_ints(rbuf, want, n * k)) >= 0) return expect(want[b], rbuf[b], "%s round %d Allgather k=%d [%d]", name, round, k, b), 1;

  /* Scatter from the root, Alltoall (IN_PLACE on odd rounds); small k so n * k fits the slot, 1001 uses messages */
  if (me == root) for (int i = 0; i < n * k; i++) sbuf[i] = val(i / (k ? k : 1), i, round);
  for (int i = 0; i < k; i++) rbuf[i] = -1;
  MPI_Scatter(sbuf, k, MPI_INT, rbuf, k, MPI_INT, root, comm);
  for (int i = 0; i < k; i++) want[i] = val(me, me * k + i, round);
  if ((b = bad_ints(rbuf, want, k)) >= 0) return expect(want[b], rbuf[b], "%s round %d Scatter k=%d root=%d [%d]", name, round, k, root, b), 1;
  for (int p = 0; p < n; p++) for (int i = 0; i < k; i++) sbuf[p * k + i] = val(me, p * 100 + i, round);
  if (round & 1) {
    memcpy(rbuf, sbuf, n * k * sizeof(int));
    MPI_Alltoall(MPI_IN_PLACE, k, MPI_INT, rbuf, k, MPI_INT, comm);
  } else {
    MPI_Alltoall(sbuf, k, MPI_INT, rbuf, k, MPI_INT, comm);
  }
  for (int p = 0; p < n; p++) for (int i = 0; i < k; i++) want[p * k + i] = val(p, me * 100 + i, round);
  if ((b = bad_ints(rbuf, want, n * k)) >= 0) return expect(want[b], rbuf[b], "%s round %d Alltoall k=%d [%d]", name, round, k, b), 1;
  return 0;
}

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  int rounds = argc > 1 ? atoi(argv[1]) : 10000;
  exact_order = argc > 2 && strcmp(argv[2], "exact") == 0;
  MPI_Op matop;
  MPI_Op_create(matmul, 0, &matop);
  MPI_Op minop;
  MPI_Op_create(min_int, 1, &minop);
  MPI_Datatype quad; /* a derived type: 4 unsigned ints, one matrix */
  MPI_Type_contiguous(4, MPI_UNSIGNED, &quad);
  MPI_Type_commit(&quad);
  MPI_Comm half;
  MPI_Comm_split(MPI_COMM_WORLD, rank % 2, size - rank, &half); /* reversed order inside each half */

  /* Above the shared slot size, between shared calls. */
  int big = 10000;
  MPI_Datatype strided; /* every other int: not contiguous, so large reductions of it use messages */
  MPI_Type_create_resized(MPI_INT, 0, 8, &strided);
  MPI_Type_commit(&strided);
  int *bigbuf = malloc(big * sizeof(int)), *bigout = malloc(big * sizeof(int));

  for (int round = 0; round < rounds && failures == 0; round++) {
    /* Nonblocking collectives in flight across the blocking ones, on both communicators. */
    int nb_in = val(rank, 0, round), nb_out = 0, hb_in = rank + round, hb_out = 0;
    MPI_Request reqs[3];
    MPI_Iallreduce(&nb_in, &nb_out, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD, &reqs[0]);
    MPI_Ibarrier(half, &reqs[1]);
    MPI_Iallreduce(&hb_in, &hb_out, 1, MPI_INT, MPI_MAX, half, &reqs[2]);

    if (round_on(MPI_COMM_WORLD, round, matop, quad, "world")) break;
    if (round_on(half, round + 1, matop, quad, "half")) break;

    if (round % 50 == 0) {
      /* Above the slot: contiguous ints read in place (IN_PLACE on odd multiples), then a strided type (messages). */
      for (int i = 0; i < big; i++) bigbuf[i] = val(rank, i, round);
      if ((round / 50) & 1) {
        memcpy(bigout, bigbuf, big * sizeof(int));
        MPI_Allreduce(MPI_IN_PLACE, bigout, big, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
      } else {
        MPI_Allreduce(bigbuf, bigout, big, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
      }
      for (int i = 0; i < big; i++) {
        int s = 0;
        for (int r = 0; r < size; r++) s += val(r, i, round);
        if (bigout[i] != s) {
          expect(s, bigout[i], "round %d Allreduce of %d ints [%d]", round, big, i);
          break;
        }
      }
      int root = (round / 50) % size;
      for (int i = 0; i < big; i++) bigout[i] = -1;
      MPI_Reduce(bigbuf, bigout, big / 2, strided, minop, root, MPI_COMM_WORLD);
      if (rank == root) {
        for (int i = 0; i < big; i++) {
          int w = i % 2 ? -1 : val(0, i, round);
          if (bigout[i] != w) {
            expect(w, bigout[i], "round %d Reduce of %d strided ints to %d [%d]", round, big / 2, root, i);
            break;
          }
        }
      }
    }

    MPI_Waitall(3, reqs, MPI_STATUSES_IGNORE);
    int s = 0;
    for (int r = 0; r < size; r++) s += val(r, 0, round);
    expect(s, nb_out, "round %d Iallreduce in flight", round);
    int hn, hmax = -1;
    MPI_Comm_size(half, &hn);
    for (int r = rank % 2; r < size; r += 2) if (r + round > hmax) hmax = r + round;
    expect(hmax, hb_out, "round %d Iallreduce on the split communicator in flight", round);
  }
#ifdef __wasm__
  /* Under faasmpi ("exact"), the blocking calls of a multi-rank run took the shared-memory path (all but Bcast
     and Reduce when ranks outnumber the host's cores: those stay on messages then). */
  if (exact_order && size > 1 && rounds > 0 && failures == 0) {
    int calls = faasmpi_coll_shared_calls();
    if (calls < rounds * 6) expect(rounds * 6, calls, "blocking collectives run on shared memory (at least)");
  }
#endif
  free(bigbuf);
  free(bigout);
  MPI_Comm_free(&half);
  MPI_Type_free(&quad);
  MPI_Type_free(&strided);
  MPI_Op_free(&matop);
  MPI_Op_free(&minop);
  return check_finish("coll_sm");
}
