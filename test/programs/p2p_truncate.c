/* Errors under MPI_ERRORS_RETURN: truncation (MPI_ERR_TRUNCATE from Recv, Wait, and MPI_ERR_IN_STATUS from
 * Waitall with the truncated request's status.MPI_ERROR), small and large messages; invalid rank, tag, count,
 * communicator, datatype and request, each checked by return code and MPI_Error_class; communication still
 * works afterwards. Self-checking: failures print "FAIL rank R: ..." and exit 1; success prints
 * "OK p2p_truncate rank R". Any number of ranks (1 = messages to self). */
#include <mpi.h>
#include "check.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int left, right;

static int class_of(int rc) {
  int cls = -1;
  if (rc == MPI_SUCCESS) return MPI_SUCCESS;
  if (MPI_Error_class(rc, &cls) != MPI_SUCCESS) return -1;
  return cls;
}

/* The call failed with the given class, and MPI_Error_string describes it. */
static void expect_error(int expected_class, int rc, const char *what) {
  expect(1, rc != MPI_SUCCESS, "%s: fails", what);
  expect(expected_class, class_of(rc), "%s: error class", what);
  if (rc != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int len = -1;
    text[0] = 0;
    MPI_Error_string(rc, text, &len);
    expect(1, len > 0 && len == (int)strlen(text), "%s: MPI_Error_string gives a message", what);
  }
}

static void fill(int *b, int n, int seed) { for (int i = 0; i < n; i++) b[i] = seed * 31 + i; }
static int check(const int *b, int n, int seed) {
  for (int i = 0; i < n; i++) if (b[i] != seed * 31 + i) return i;
  return -1;
}

static void test_truncation(void) {
  static int s_small[100], s_big[300000], s_ok[20], r[32];
  fill(s_small, 100, rank + 1);
  fill(s_big, 300000, rank + 2);
  fill(s_ok, 20, rank + 3);
  MPI_Request sends[6];
  MPI_Isend(s_small, 100, MPI_INT, right, 50, MPI_COMM_WORLD, &sends[0]);
  MPI_Isend(s_big, 300000, MPI_INT, right, 51, MPI_COMM_WORLD, &sends[1]);
  MPI_Isend(s_ok, 20, MPI_INT, right, 50, MPI_COMM_WORLD, &sends[2]); /* after the truncated one, same tag */
  MPI_Isend(s_small, 100, MPI_INT, right, 52, MPI_COMM_WORLD, &sends[3]);
  MPI_Isend(s_ok, 20, MPI_INT, right, 53, MPI_COMM_WORLD, &sends[4]);
  MPI_Isend(s_big, 300000, MPI_INT, right, 54, MPI_COMM_WORLD, &sends[5]);

  MPI_Status st;
  memset(r, 0, sizeof r);
  int rc = MPI_Recv(r, 10, MPI_INT, left, 50, MPI_COMM_WORLD, &st);
  expect_error(MPI_ERR_TRUNCATE, rc, "Recv of 100 ints into 10");
  expect(0, r[10], "truncated Recv writes nothing past the buffer");
  /* Large truncated messages go into buffers with room behind them: Open MPI 4.1 writes a whole first
   * fragment past the end of a truncating receive buffer, so that is not checked for large messages. */
  static int trunc_room[300000];
  rc = MPI_Recv(trunc_room, 10, MPI_INT, left, 51, MPI_COMM_WORLD, &st);
  expect_error(MPI_ERR_TRUNCATE, rc, "Recv of 300000 ints into 10");
  /* the truncated message was consumed: the next receive with its tag gets the following message */
  rc = MPI_Recv(r, 32, MPI_INT, left, 50, MPI_COMM_WORLD, &st);
  expect(MPI_SUCCESS, rc, "Recv after a truncation: return code");
  int count = -1;
  MPI_Get_count(&st, MPI_INT, &count);
  expect(20, count, "Recv after a truncation: Get_count");
  expect(-1, check(r, 20, left + 3), "Recv after a truncation: first wrong element");

  /* Irecv + Wait */
  MPI_Request req;
  MPI_Irecv(r, 10, MPI_INT, left, 52, MPI_COMM_WORLD, &req);
  rc = MPI_Wait(&req, &st);
  expect_error(MPI_ERR_TRUNCATE, rc, "Wait on a truncated Irecv");

  /* Waitall: MPI_ERR_IN_STATUS, the truncated one has MPI_ERR_TRUNCATE in its status, the other MPI_SUCCESS */
  MPI_Request reqs[2];
  MPI_Status sts[2];
  MPI_Irecv(r, 32, MPI_INT, left, 53, MPI_COMM_WORLD, &reqs[0]);
  MPI_Irecv(trunc_room, 16, MPI_INT, left, 54, MPI_COMM_WORLD, &reqs[1]);
  sts[0].MPI_ERROR = sts[1].MPI_ERROR = -12345;
  rc = MPI_Waitall(2, reqs, sts);
  expect(MPI_ERR_IN_STATUS, class_of(rc), "Waitall with a truncated receive: error class");
  expect(MPI_SUCCESS, sts[0].MPI_ERROR, "Waitall: status.MPI_ERROR of the receive that fit");
  expect(MPI_ERR_TRUNCATE, class_of(sts[1].MPI_ERROR), "Waitall: class of status.MPI_ERROR of the truncated receive");
  expect(-1, check(r, 20, left + 3), "Waitall: the receive that fit: first wrong element");

  rc = MPI_Waitall(6, sends, MPI_STATUSES_IGNORE);
  expect(MPI_SUCCESS, rc, "Waitall on the sends of truncated messages: return code");
}

static void test_invalid_arguments(void) {
  int buf[4] = {0, 0, 0, 0};
  MPI_Status st;
  MPI_Request req = MPI_REQUEST_NULL;
  expect_error(MPI_ERR_RANK, MPI_Send(buf, 1, MPI_INT, size, 0, MPI_COMM_WORLD), "Send to rank size");
  expect_error(MPI_ERR_RANK, MPI_Send(buf, 1, MPI_INT, size + 7, 0, MPI_COMM_WORLD), "Send to rank size+7");
  expect_error(MPI_ERR_RANK, MPI_Isend(buf, 1, MPI_INT, size + 1, 0, MPI_COMM_WORLD, &req), "Isend to rank size+1");
  expect_error(MPI_ERR_RANK, MPI_Recv(buf, 1, MPI_INT, size, 0, MPI_COMM_WORLD, &st), "Recv from rank size");
  expect_error(MPI_ERR_RANK, MPI_Send(buf, 1, MPI_INT, 1, 0, MPI_COMM_SELF), "Send to rank 1 of MPI_COMM_SELF");
  expect_error(MPI_ERR_TAG, MPI_Send(buf, 1, MPI_INT, right, -3, MPI_COMM_WORLD), "Send with tag -3");
  expect_error(MPI_ERR_TAG, MPI_Isend(buf, 1, MPI_INT, right, -100, MPI_COMM_WORLD, &req), "Isend with tag -100");
  expect_error(MPI_ERR_TAG, MPI_Send(buf, 1, MPI_INT, right, MPI_ANY_TAG, MPI_COMM_WORLD), "Send with tag MPI_ANY_TAG");
  expect_error(MPI_ERR_TAG, MPI_Recv(buf, 1, MPI_INT, left, -7, MPI_COMM_WORLD, &st), "Recv with tag -7");
  expect_error(MPI_ERR_COUNT, MPI_Send(buf, -1, MPI_INT, right, 0, MPI_COMM_WORLD), "Send with count -1");
  expect_error(MPI_ERR_COUNT, MPI_Irecv(buf, -5, MPI_INT, left, 0, MPI_COMM_WORLD, &req), "Irecv with count -5");
  expect_error(MPI_ERR_COMM, MPI_Send(buf, 1, MPI_INT, 0, 0, MPI_COMM_NULL), "Send on MPI_COMM_NULL");
  expect_error(MPI_ERR_COMM, MPI_Recv(buf, 1, MPI_INT, 0, 0, MPI_COMM_NULL, &st), "Recv on MPI_COMM_NULL");
  expect_error(MPI_ERR_TYPE, MPI_Send(buf, 1, MPI_DATATYPE_NULL, right, 0, MPI_COMM_WORLD), "Send with MPI_DATATYPE_NULL");
  expect_error(MPI_ERR_TYPE, MPI_Recv(buf, 1, MPI_DATATYPE_NULL, left, 0, MPI_COMM_WORLD, &st), "Recv with MPI_DATATYPE_NULL");
  MPI_Datatype uncommitted;
  MPI_Type_contiguous(2, MPI_INT, &uncommitted);
  expect_error(MPI_ERR_TYPE, MPI_Send(buf, 1, uncommitted, right, 0, MPI_COMM_WORLD), "Send with an uncommitted datatype");
  MPI_Type_free(&uncommitted);
  req = MPI_REQUEST_NULL;
  expect_error(MPI_ERR_REQUEST, MPI_Start(&req), "Start(MPI_REQUEST_NULL)");
  expect_error(MPI_ERR_REQUEST, MPI_Request_free(&req), "Request_free(MPI_REQUEST_NULL)");
  /* communication still works */
  MPI_Request active;
  int v = rank, in = -1;
  MPI_Irecv(&in, 1, MPI_INT, left, 60, MPI_COMM_WORLD, &active);
  MPI_Send(&v, 1, MPI_INT, right, 60, MPI_COMM_WORLD);
  MPI_Wait(&active, &st);
  expect(left, in, "message after the invalid calls: value");
}

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  right = (rank + 1) % size;
  left = (rank + size - 1) % size;
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
  test_truncation();
  test_invalid_arguments();
  return check_finish("p2p_truncate");
}
