/* Generalized requests (issue 16): MPI_Grequest_start; MPI_Test is false until MPI_Grequest_complete; MPI_Wait
 * then calls query_fn (its status, with MPI_Status_set_elements, reaches the caller) and free_fn; Waitall over a
 * generalized request and a point-to-point one; MPI_Cancel calls cancel_fn; MPI_Request_free of a completed one
 * calls free_fn. Self-checking: "OK p2p_grequest rank R". */
#include <mpi.h>
#include "check.h"

struct state { int queries, frees, cancels, last_complete, tag; };

static int query(void *extra, MPI_Status *st) {
  struct state *s = extra;
  s->queries++;
  MPI_Status_set_elements(st, MPI_INT, 3);
  MPI_Status_set_cancelled(st, 0);
  st->MPI_SOURCE = MPI_UNDEFINED;
  st->MPI_TAG = s->tag;
  return MPI_SUCCESS;
}
static int release(void *extra) { ((struct state *)extra)->frees++; return MPI_SUCCESS; }
static int cancel(void *extra, int complete) {
  struct state *s = extra;
  s->cancels++;
  s->last_complete = complete;
  return MPI_SUCCESS;
}

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  struct state s = {0, 0, 0, -1, 42};
  MPI_Request r;
  expect(MPI_SUCCESS, MPI_Grequest_start(query, release, cancel, &s, &r), "Grequest_start");
  int flag = -1;
  MPI_Test(&r, &flag, MPI_STATUS_IGNORE);
  expect(0, flag, "not complete before MPI_Grequest_complete");
  MPI_Cancel(&r);
  expect(1, s.cancels, "MPI_Cancel calls cancel_fn");
  expect(0, s.last_complete, "cancel_fn told it is not complete");
  MPI_Grequest_complete(r);
  MPI_Status st;
  MPI_Wait(&r, &st);
  expect(1, r == MPI_REQUEST_NULL, "Wait frees the request");
  expect(1, s.queries, "query_fn called once");
  expect(1, s.frees, "free_fn called once");
  int n = -1;
  MPI_Get_count(&st, MPI_INT, &n);
  expect(3, n, "count from query_fn");
  expect(42, st.MPI_TAG, "tag from query_fn");

  /* Waitall with point-to-point traffic. */
  struct state s2 = {0, 0, 0, -1, 7};
  MPI_Request q[3];
  int out = rank, in = -1;
  MPI_Irecv(&in, 1, MPI_INT, (rank + size - 1) % size, 3, MPI_COMM_WORLD, &q[0]);
  MPI_Grequest_start(query, release, cancel, &s2, &q[1]);
  MPI_Isend(&out, 1, MPI_INT, (rank + 1) % size, 3, MPI_COMM_WORLD, &q[2]);
  MPI_Grequest_complete(q[1]);
  MPI_Status sts[3];
  MPI_Waitall(3, q, sts);
  expect((rank + size - 1) % size, in, "ring message");
  expect(7, sts[1].MPI_TAG, "Waitall status of the generalized request");
  expect(1, s2.frees, "free_fn after Waitall");

  /* Request_free of a completed generalized request. */
  struct state s3 = {0, 0, 0, -1, 0};
  MPI_Grequest_start(query, release, cancel, &s3, &r);
  MPI_Grequest_complete(r);
  MPI_Request_free(&r);
  expect(1, s3.frees, "Request_free calls free_fn");
  return check_finish("p2p_grequest");
}
