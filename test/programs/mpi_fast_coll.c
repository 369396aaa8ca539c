/* The short path of Barrier, Bcast and Allreduce (collectives/fast.ts) against the general one, in the same job:
 * every round some ranks call with arguments the short path takes (aligned basic types, SUM/MAX/MIN) and others with
 * arguments it leaves to the general path (a misaligned buffer, a derived contiguous type with the same signature),
 * so ranks of one collective run different code on one protocol. Results are checked bit for bit against the
 * rank-order combination x0 op (x1 op (... op x(n-1))): double sums that depend on the order, float sums that round,
 * int sums that wrap, MAX/MIN with a NaN input (a NaN never replaces the accumulator). Also MPI_IN_PLACE, counts at
 * the slot size (16 KiB) and one past it (the in-place read protocol), a Bcast whose receive buffer is too small
 * (MPI_ERR_TRUNCATE under MPI_ERRORS_RETURN) and the calls counted as taken by the short path.
 * argv[1]: rounds (default 2000). Self-checking: "FAIL rank R: ..." and exit 1, else "OK mpi_fast_coll rank R". */
#include <mpi.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __wasm__
int faasmpi_coll_fast_calls(void) __attribute__((import_module("faasmpi_mpi"), import_name("FAASMPI_Coll_fast_calls")));
#else
static int faasmpi_coll_fast_calls(void) { return 0; }
#endif

static int rank, size;

#define FAIL(...) do { printf("FAIL rank %d: ", rank); printf(__VA_ARGS__); printf("\n"); fflush(stdout); MPI_Abort(MPI_COMM_WORLD, 1); } while (0)

static double dval(int r, int i, int round) { return 1.0 / (3 + r * 7 + i) + round * 1e-3 + (r == 1 ? 1e16 : 0); }
static float fval(int r, int i, int round) { return 1.0f / (3 + r * 5 + i) + (float)round * 0.37f + (r == 0 ? 3e7f : 0); }
static int ival(int r, int i, int round) { return 0x7ffffff0 - r * 3 + i * 1000003 + round; }

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int rounds = argc > 1 ? atoi(argv[1]) : 2000;
  enum { MAXN = 2049 }; /* 2048 doubles fill a 16 KiB slot; 2049 is past it */
  double *dbuf = malloc((MAXN + 1) * sizeof(double)), *dres = malloc((MAXN + 1) * sizeof(double));
  float *fbuf = malloc(MAXN * sizeof(float)), *fres = malloc(MAXN * sizeof(float));
  int *ibuf = malloc(MAXN * sizeof(int)), *ires = malloc(MAXN * sizeof(int));
  MPI_Datatype dcontig; /* the same signature as MPI_DOUBLE: a user type, so the general path */
  MPI_Type_contiguous(1, MPI_DOUBLE, &dcontig);
  MPI_Type_commit(&dcontig);
  static const int counts[] = {1, 2, 3, 7, 64, 2048, 2049};
  int fast_before = faasmpi_coll_fast_calls();
  int expected_fast = 0;

  for (int round = 0; round < rounds; round++) {
    int n = counts[round % 7];
    /* Which ranks leave the short path this round: misaligned (odd rounds) or a user type (every 3rd). */
    int odd_one = (round + 1) % size;
    int misalign = size > 1 && rank == odd_one && round % 2 == 1;
    int usertype = size > 1 && rank == odd_one && round % 3 == 0 && !misalign;
    int inplace = (rank + round) % 4 == 0;

    /* Allreduce SUM of doubles (order-dependent), checked against the rank-order sum. */
    double *src = misalign ? (double *)((char *)dbuf + 4) : dbuf;
    double *dst = misalign ? (double *)((char *)dres + 4) : dres;
    for (int i = 0; i < n; i++) { double v = dval(rank, i, round); memcpy(&src[i], &v, sizeof v); }
    if (inplace) memcpy(dst, src, n * sizeof(double));
    MPI_Allreduce(inplace ? MPI_IN_PLACE : src, dst, n, usertype ? dcontig : MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    if (!misalign && !usertype && n * 8 <= 16384 && size > 1) expected_fast++;
    for (int i = 0; i < n; i++) {
      double want = dval(size - 1, i, round);
      for (int r = size - 2; r >= 0; r--) want = dval(r, i, round) + want;
      double got;
      memcpy(&got, &dst[i], sizeof got);
      if (memcmp(&got, &want, sizeof got) != 0) FAIL("round %d double sum n=%d [%d] = %.17g, want %.17g", round, n, i, got, want);
    }

    /* Allreduce SUM of floats (rounded at every step) and MAX/MIN of ints (wrapping sums too). */
    int fn = n > 64 ? 64 : n;
    for (int i = 0; i < fn; i++) fbuf[i] = fval(rank, i, round);
    MPI_Allreduce(fbuf, fres, fn, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    if (size > 1) expected_fast++;
    for (int i = 0; i < fn; i++) {
      float want = fval(size - 1, i, round);
      for (int r = size - 2; r >= 0; r--) want = fval(r, i, round) + want;
      if (memcmp(&fres[i], &want, sizeof want) != 0) FAIL("round %d float sum [%d] = %.9g, want %.9g", round, i, fres[i], want);
    }
    static const MPI_Op iops[] = {MPI_SUM, MPI_MAX, MPI_MIN};
    MPI_Op iop = iops[round % 3];
    for (int i = 0; i < fn; i++) ibuf[i] = ival(rank, i, round);
    MPI_Allreduce(ibuf, ires, fn, MPI_INT, iop, MPI_COMM_WORLD);
    if (size > 1) expected_fast++;
    for (int i = 0; i < fn; i++) {
      unsigned want = (unsigned)ival(size - 1, i, round);
      for (int r = size - 2; r >= 0; r--) {
        int x = ival(r, i, round);
        if (iop == MPI_SUM) want = (unsigned)x + want;
        else if (iop == MPI_MAX) want = x > (int)want ? (unsigned)x : want;
        else want = x < (int)want ? (unsigned)x : want;
      }
      if (ires[i] != (int)want) FAIL("round %d int op %d [%d] = %d, want %d", round, round % 3, i, ires[i], (int)want);
    }

    /* MAX/MIN of doubles with a NaN at rank 0: it never replaces what the later ranks combined. */
    if (round % 50 == 0 && size > 1) {
      double x = rank == 0 ? NAN : rank * 1.5, mx, mn;
      MPI_Allreduce(&x, &mx, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
      MPI_Allreduce(&x, &mn, 1, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
      expected_fast += 2;
      if (size == 2 ? !(mx == 1.5 && mn == 1.5) : !(mx == (size - 1) * 1.5 && mn == 1.5)) FAIL("round %d NaN max %g min %g", round, mx, mn);
    }

    /* Bcast from a rotating root, some ranks through a user type. */
    int root = round % size;
    int bn = counts[round % 6]; /* up to 2048 ints: 8 KiB */
    for (int i = 0; i < bn; i++) ibuf[i] = rank == root ? ival(root, i, round) : -1;
    MPI_Bcast(ibuf, bn, MPI_INT, root, MPI_COMM_WORLD);
    if (size > 1 && size <= 2) expected_fast++; /* one-host Bcast runs shared only up to the host's cores */
    for (int i = 0; i < bn; i++) if (ibuf[i] != ival(root, i, round)) FAIL("round %d bcast [%d] = %d", round, i, ibuf[i]);

    MPI_Barrier(MPI_COMM_WORLD);
    if (size > 1) expected_fast++;
  }

  /* A Bcast into a smaller buffer: truncation is reported, not ignored (errors returned, not fatal). */
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int big[4] = {0, 0, 0, 0};
  if (rank == 0) for (int i = 0; i < 4; i++) big[i] = i + 1;
  int err = MPI_Bcast(big, rank == 0 ? 4 : 2, MPI_INT, 0, MPI_COMM_WORLD);
  int cls = MPI_SUCCESS;
  if (err != MPI_SUCCESS) MPI_Error_class(err, &cls);
  /* On 3+ ranks (2 cores) Bcast runs a message tree whose inner ranks forward only what they kept. */
  if (rank != 0 && size == 2 && cls != MPI_ERR_TRUNCATE) FAIL("truncated bcast returned class %d", cls);
  if (rank != 0 && (big[0] != 1 || big[1] != 2)) FAIL("truncated bcast kept %d %d", big[0], big[1]);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);

#ifdef __wasm__
  int fast = faasmpi_coll_fast_calls() - fast_before;
  if (size <= 2 && fast < expected_fast) FAIL("the short path took %d calls, expected at least %d", fast, expected_fast);
  if (size > 2 && fast == 0) FAIL("the short path took no call");
#endif
  MPI_Type_free(&dcontig);
  MPI_Barrier(MPI_COMM_WORLD);
  printf("OK mpi_fast_coll rank %d\n", rank);
  MPI_Finalize();
  return 0;
}
