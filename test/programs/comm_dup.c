/* MPI_Comm_dup: the duplicate is congruent but its traffic never matches the original's:
 * - the same source, destination and tag on MPI_COMM_WORLD and on a dup: receives on each communicator get
 *   that communicator's message, whatever the order of sending and receiving (also with wildcards);
 * - MPI_Iprobe on the dup does not see a message sent on WORLD;
 * - a dup of a dup, and a dup of MPI_COMM_SELF;
 * - the error handler is inherited (MPI_ERRORS_RETURN set on WORLD holds on the dup);
 * - MPI_Comm_compare(WORLD, dup) is MPI_CONGRUENT.
 * Self-checking: failures print "FAIL rank R: ..." and exit 1; success prints "OK comm_dup rank R". */
#include <mpi.h>
#include "check.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  int right = (rank + 1) % size, left = (rank + size - 1) % size;

  MPI_Comm dup, dup2;
  expect(MPI_SUCCESS, MPI_Comm_dup(MPI_COMM_WORLD, &dup), "Comm_dup: rc");
  MPI_Comm_dup(dup, &dup2);
  int r = -1, s = -1, result = -1;
  MPI_Comm_rank(dup, &r);
  MPI_Comm_size(dup, &s);
  expect(rank, r, "dup: rank");
  expect(size, s, "dup: size");
  MPI_Comm_compare(MPI_COMM_WORLD, dup, &result);
  expect(MPI_CONGRUENT, result, "compare(WORLD, dup)");
  MPI_Comm_compare(dup2, dup, &result);
  expect(MPI_CONGRUENT, result, "compare(dup2, dup)");
  MPI_Comm_compare(MPI_COMM_WORLD, MPI_COMM_WORLD, &result);
  expect(MPI_IDENT, result, "compare(WORLD, WORLD)");
  MPI_Comm_compare(MPI_COMM_SELF, MPI_COMM_WORLD, &result);
  expect(size == 1 ? MPI_CONGRUENT : MPI_UNEQUAL, result, "compare(SELF, WORLD)");

  /* Same envelope on three communicators; sent WORLD, dup, dup2; received dup2, WORLD, dup. */
  for (int round = 0; round < 2; round++) {
    int big = round == 1; /* round 1: messages above the eager limit */
    int n = big ? 40000 : 1;
    int *out = malloc(3 * n * sizeof(int)), *in = malloc(3 * n * sizeof(int));
    MPI_Comm comms[3] = {MPI_COMM_WORLD, dup, dup2};
    MPI_Request reqs[6];
    for (int c = 0; c < 3; c++) {
      for (int i = 0; i < n; i++) out[c * n + i] = 1000 * rank + 10 * c + i % 7;
      MPI_Isend(out + c * n, n, MPI_INT, right, 5, comms[c], &reqs[c]);
    }
    int order[3] = {2, 0, 1};
    for (int k = 0; k < 3; k++) {
      int c = order[k];
      MPI_Status st;
      /* Wildcards on the dups: they still only see their own communicator's message. */
      int src = c == 0 ? left : MPI_ANY_SOURCE, tag = c == 0 ? 5 : MPI_ANY_TAG;
      MPI_Recv(in + c * n, n, MPI_INT, src, tag, comms[c], &st);
      expect(1000 * left + 10 * c, in[c * n], "round %d: message on comm %d", round, c);
      expect(1000 * left + 10 * c + (n - 1) % 7, in[c * n + n - 1], "round %d: last item on comm %d", round, c);
      expect(left, st.MPI_SOURCE, "round %d: source on comm %d", round, c);
      expect(5, st.MPI_TAG, "round %d: tag on comm %d", round, c);
    }
    MPI_Waitall(3, reqs, MPI_STATUSES_IGNORE);
    free(out);
    free(in);
  }

  /* Iprobe on the dup does not see a WORLD message (rank -> right, tag 9). */
  int token = rank, got = -1, flag = 1;
  MPI_Request req;
  MPI_Isend(&token, 1, MPI_INT, right, 9, MPI_COMM_WORLD, &req);
  MPI_Probe(left, 9, MPI_COMM_WORLD, MPI_STATUS_IGNORE); /* it has arrived */
  MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, dup, &flag, MPI_STATUS_IGNORE);
  expect(0, flag, "Iprobe on the dup sees nothing");
  MPI_Recv(&got, 1, MPI_INT, left, 9, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  expect(left, got, "WORLD message after the probes");
  MPI_Wait(&req, MPI_STATUS_IGNORE);

  /* SELF duplicate. */
  MPI_Comm self2;
  MPI_Comm_dup(MPI_COMM_SELF, &self2);
  MPI_Comm_size(self2, &s);
  expect(1, s, "dup of SELF: size");
  MPI_Comm_compare(MPI_COMM_SELF, self2, &result);
  expect(MPI_CONGRUENT, result, "compare(SELF, dup of SELF)");
  int a = 77 + rank, b = -1;
  MPI_Sendrecv(&a, 1, MPI_INT, 0, 1, &b, 1, MPI_INT, 0, 1, self2, MPI_STATUS_IGNORE);
  expect(77 + rank, b, "sendrecv on the dup of SELF");
  MPI_Comm_free(&self2);

  /* Error handler inheritance: set on WORLD before the dup. */
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm d3;
  MPI_Comm_dup(MPI_COMM_WORLD, &d3);
  MPI_Errhandler eh;
  MPI_Comm_get_errhandler(d3, &eh);
  expect(1, eh == MPI_ERRORS_RETURN, "dup inherits MPI_ERRORS_RETURN");
  MPI_Errhandler_free(&eh);
  int rc = MPI_Send(&a, 1, MPI_INT, size, 0, d3), cls = -1;
  if (rc != MPI_SUCCESS) MPI_Error_class(rc, &cls);
  expect(MPI_ERR_RANK, cls, "invalid rank on the dup returns MPI_ERR_RANK");
  MPI_Comm_free(&d3);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);

  MPI_Comm_free(&dup2);
  MPI_Comm_free(&dup);
  expect(1, dup == MPI_COMM_NULL, "Comm_free sets MPI_COMM_NULL");
  return check_finish("comm_dup");
}
