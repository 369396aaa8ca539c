/* The short path of small sends (P2PEngine.trySendEager, issue 14) keeps MPI's non-overtaking rule against the
 * general path: rank 0 sends rank 1, on one tag, a stream of numbered messages mixing short-path sends (small,
 * predefined type) with general ones (a derived type, a rendezvous-sized message, MPI_Ssend) while rank 1 is busy,
 * so its inbox fills and general sends queue behind it; small sends issued after a queued one must not overtake it.
 * Rank 1 then receives everything (some with MPI_ANY_SOURCE/MPI_ANY_TAG, some after MPI_Probe) and checks the
 * numbers arrive in order with the right contents and statuses. Rounds: argv[1] (default 20).
 * Self-checking: "FAIL rank R: ..." and exit 1, else "OK mpi_fast_p2p rank R". */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size;
#define FAIL(...) do { printf("FAIL rank %d: ", rank); printf(__VA_ARGS__); printf("\n"); fflush(stdout); MPI_Abort(MPI_COMM_WORLD, 1); } while (0)

enum { BIG = 64 * 1024 / 4, HUGE = 300 * 1024 / 4, MSGS = 200, TAG = 5 };

/* Message k: its kind and length in ints (the first int is k, the rest k * 31 + i). */
/* Ssends come last: each waits for its match, which would let the receiver drain the inbox early. */
static int kind_of(int k) { return k >= 190 && k % 2 ? 3 : k % 7 == 3 ? 2 : k < 170 && k % 2 == 0 ? 1 : 0; }
static int len_of(int k) {
  switch (kind_of(k)) {
  case 1: return BIG;    /* eager but large (64 KiB): 4 MiB of them fill the inbox, later ones queue */
  case 2: return HUGE;   /* rendezvous (general path) */
  case 3: return 2;      /* MPI_Ssend: general path */
  default: return 1 + k % 3; /* small: short path when nothing is queued */
  }
}

static void wait_ms(double ms) {
  double t = MPI_Wtime();
  while ((MPI_Wtime() - t) * 1e3 < ms) {}
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int rounds = argc > 1 ? atoi(argv[1]) : 20;
  int *buf = malloc((size_t)MSGS * HUGE * sizeof(int));
  int *in = malloc(HUGE * sizeof(int));
  MPI_Datatype pair; /* 2 ints as a derived type: the general path */
  MPI_Type_contiguous(2, MPI_INT, &pair);
  MPI_Type_commit(&pair);
  MPI_Request *reqs = malloc(MSGS * sizeof(MPI_Request));

  for (int round = 0; round < rounds && size >= 2; round++) {
    if (rank == 0) {
      int nreq = 0;
      for (int k = 0; k < MSGS; k++) {
        int n = len_of(k), *m = buf + (size_t)k * HUGE;
        m[0] = k + round * MSGS;
        for (int i = 1; i < n; i++) m[i] = k * 31 + i;
        if (kind_of(k) == 3) MPI_Ssend(m, n, MPI_INT, 1, TAG, MPI_COMM_WORLD);
        else if (k % 5 == 4 && n % 2 == 0) MPI_Isend(m, n / 2, pair, 1, TAG, MPI_COMM_WORLD, &reqs[nreq++]);
        else if (k % 3 == 0 && kind_of(k) != 2) MPI_Send(m, n, MPI_INT, 1, TAG, MPI_COMM_WORLD); /* a rendezvous MPI_Send would wait for the busy receiver */
        else MPI_Isend(m, n, MPI_INT, 1, TAG, MPI_COMM_WORLD, &reqs[nreq++]);
      }
      MPI_Waitall(nreq, reqs, MPI_STATUSES_IGNORE);
    } else if (rank == 1) {
      wait_ms(round == 0 ? 300 : 30); /* busy: the sends fill the inbox first */
      for (int k = 0; k < MSGS; k++) {
        int n = len_of(k);
        MPI_Status st;
        if (k % 4 == 1) {
          MPI_Probe(MPI_ANY_SOURCE, TAG, MPI_COMM_WORLD, &st);
          int c;
          MPI_Get_count(&st, MPI_INT, &c);
          if (c != n) FAIL("round %d message %d probed %d ints, want %d", round, k, c, n);
        }
        MPI_Recv(in, HUGE, MPI_INT, k % 2 ? MPI_ANY_SOURCE : 0, k % 3 ? MPI_ANY_TAG : TAG, MPI_COMM_WORLD, &st);
        int c;
        MPI_Get_count(&st, MPI_INT, &c);
        if (in[0] != k + round * MSGS) FAIL("round %d: message %d arrived where %d was due (overtaken)", round, in[0] - round * MSGS, k);
        if (c != n || st.MPI_SOURCE != 0 || st.MPI_TAG != TAG) FAIL("round %d message %d: count %d source %d tag %d", round, k, c, st.MPI_SOURCE, st.MPI_TAG);
        for (int i = 1; i < n; i++) if (in[i] != k * 31 + i) FAIL("round %d message %d [%d] = %d", round, k, i, in[i]);
      }
    }
    MPI_Barrier(MPI_COMM_WORLD);
  }
  MPI_Type_free(&pair);
  printf("OK mpi_fast_p2p rank %d\n", rank);
  MPI_Finalize();
  return 0;
}
