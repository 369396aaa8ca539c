/* Probing: Probe and Iprobe for size discovery (then allocate and Recv), Probe with MPI_ANY_SOURCE/MPI_ANY_TAG,
 * matched probes (Mprobe/Mrecv, Improbe/Imrecv: a matched message cannot be stolen by another receive or
 * seen by a later probe; MPI_MESSAGE_NO_PROC), Get_count giving MPI_UNDEFINED for non-whole counts, and
 * Get_elements / Get_elements_x. Self-checking: failures print "FAIL rank R: ..." and exit 1; success prints
 * "OK p2p_probe rank R". Any number of ranks (1 = messages to self). */
#include <mpi.h>
#include "check.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int left, right;

static void fill(int *b, int n, int seed) { for (int i = 0; i < n; i++) b[i] = seed * 7919 + i; }
static int check(const int *b, int n, int seed) {
  for (int i = 0; i < n; i++) if (b[i] != seed * 7919 + i) return i;
  return -1;
}

/* Probe / Iprobe tell the size; the receiver allocates exactly that and receives. */
static void test_size_discovery(void) {
  const int n1 = 100 + 37 * rank, n2 = 50000 + rank, n0 = 0;
  int *s1 = malloc(n1 * sizeof(int)), *s2 = malloc(n2 * sizeof(int));
  fill(s1, n1, rank + 10);
  fill(s2, n2, rank + 11);
  MPI_Request rs[3];
  MPI_Isend(s1, n1, MPI_INT, right, 10, MPI_COMM_WORLD, &rs[0]);
  MPI_Isend(s2, n2, MPI_INT, right, 11, MPI_COMM_WORLD, &rs[1]);
  MPI_Isend(NULL, n0, MPI_INT, right, 12, MPI_COMM_WORLD, &rs[2]);

  int flag = 1;
  MPI_Iprobe(left, 4321, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
  expect(0, flag, "Iprobe for a tag nobody sends: flag");

  MPI_Status st;
  int count = -1;
  MPI_Probe(left, 10, MPI_COMM_WORLD, &st);
  MPI_Get_count(&st, MPI_INT, &count);
  expect(100 + 37 * left, count, "Probe: Get_count");
  expect(left, st.MPI_SOURCE, "Probe: status.MPI_SOURCE");
  expect(10, st.MPI_TAG, "Probe: status.MPI_TAG");
  /* probing again sees the same message */
  int again = -1;
  MPI_Probe(MPI_ANY_SOURCE, 10, MPI_COMM_WORLD, &st);
  MPI_Get_count(&st, MPI_INT, &again);
  expect(count, again, "second Probe of the same message: Get_count");
  int *r1 = malloc((count > 0 ? count : 1) * sizeof(int));
  MPI_Recv(r1, count, MPI_INT, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, &st);
  expect(-1, check(r1, count, left + 10), "Probe then Recv: first wrong element");

  flag = 0;
  while (!flag) MPI_Iprobe(left, 11, MPI_COMM_WORLD, &flag, &st);
  MPI_Get_count(&st, MPI_INT, &count);
  expect(50000 + left, count, "Iprobe (large): Get_count");
  int *r2 = malloc(count * sizeof(int));
  MPI_Recv(r2, count, MPI_INT, left, 11, MPI_COMM_WORLD, &st);
  expect(-1, check(r2, count, left + 11), "Iprobe then Recv (large): first wrong element");

  MPI_Probe(left, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
  MPI_Get_count(&st, MPI_INT, &count);
  expect(12, st.MPI_TAG, "Probe(ANY_TAG) of a zero-length message: status.MPI_TAG");
  expect(0, count, "Probe of a zero-length message: Get_count");
  MPI_Recv(NULL, 0, MPI_INT, left, 12, MPI_COMM_WORLD, MPI_STATUS_IGNORE);

  flag = 1;
  MPI_Iprobe(left, 10, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
  expect(0, flag, "Iprobe after the message was received: flag");
  MPI_Waitall(3, rs, MPI_STATUSES_IGNORE);
  free(s1);
  free(s2);
  free(r1);
  free(r2);
}

/* Mprobe/Mrecv and Improbe/Imrecv. */
static void test_matched_probe(void) {
  int a[5], b[7], c[3];
  static int big[300000];
  fill(a, 5, rank + 20);
  fill(b, 7, rank + 21);
  fill(c, 3, rank + 22);
  fill(big, 300000, rank + 23);
  MPI_Request rs[4];
  MPI_Isend(a, 5, MPI_INT, right, 20, MPI_COMM_WORLD, &rs[0]); /* A then B, same tag */
  MPI_Isend(b, 7, MPI_INT, right, 20, MPI_COMM_WORLD, &rs[1]);
  MPI_Isend(c, 3, MPI_INT, right, 22, MPI_COMM_WORLD, &rs[2]);
  MPI_Isend(big, 300000, MPI_INT, right, 23, MPI_COMM_WORLD, &rs[3]);

  MPI_Message msg = MPI_MESSAGE_NULL;
  MPI_Status st;
  int count = -1, in[8] = {0};
  MPI_Mprobe(left, 20, MPI_COMM_WORLD, &msg, &st);
  MPI_Get_count(&st, MPI_INT, &count);
  expect(5, count, "Mprobe matches the first message: Get_count");
  expect(1, msg != MPI_MESSAGE_NULL, "Mprobe returns a message handle");
  /* A is matched: a receive for the same source and tag gets B, a probe sees B */
  MPI_Probe(left, 20, MPI_COMM_WORLD, &st);
  MPI_Get_count(&st, MPI_INT, &count);
  expect(7, count, "Probe after Mprobe sees the next message: Get_count");
  MPI_Recv(in, 8, MPI_INT, left, 20, MPI_COMM_WORLD, &st);
  MPI_Get_count(&st, MPI_INT, &count);
  expect(7, count, "Recv after Mprobe gets the next message, not the matched one: Get_count");
  expect(-1, check(in, 7, left + 21), "Recv after Mprobe: first wrong element");
  memset(in, 0, sizeof in);
  MPI_Mrecv(in, 8, MPI_INT, &msg, &st);
  MPI_Get_count(&st, MPI_INT, &count);
  expect(5, count, "Mrecv: Get_count");
  expect(left, st.MPI_SOURCE, "Mrecv: status.MPI_SOURCE");
  expect(20, st.MPI_TAG, "Mrecv: status.MPI_TAG");
  expect(-1, check(in, 5, left + 20), "Mrecv: first wrong element");
  expect(1, msg == MPI_MESSAGE_NULL, "Mrecv sets the message to MPI_MESSAGE_NULL");

  /* Improbe in a loop with wildcards, then Imrecv + Wait; the matched message is invisible to Iprobe */
  int flag = 0;
  while (!flag) MPI_Improbe(MPI_ANY_SOURCE, 22, MPI_COMM_WORLD, &flag, &msg, &st);
  expect(left, st.MPI_SOURCE, "Improbe: status.MPI_SOURCE");
  int seen = 1;
  MPI_Iprobe(MPI_ANY_SOURCE, 22, MPI_COMM_WORLD, &seen, MPI_STATUS_IGNORE);
  expect(0, seen, "Iprobe does not see a message matched by Improbe");
  MPI_Request r;
  MPI_Imrecv(in, 8, MPI_INT, &msg, &r);
  expect(1, msg == MPI_MESSAGE_NULL, "Imrecv sets the message to MPI_MESSAGE_NULL");
  MPI_Wait(&r, &st);
  expect(-1, check(in, 3, left + 22), "Imrecv: first wrong element");
  expect(22, st.MPI_TAG, "Imrecv: status.MPI_TAG");

  /* large message through Mprobe (rendezvous-sized) */
  static int rbig[300000];
  MPI_Mprobe(left, MPI_ANY_TAG, MPI_COMM_WORLD, &msg, &st);
  MPI_Get_count(&st, MPI_INT, &count);
  expect(300000, count, "Mprobe (large): Get_count");
  MPI_Mrecv(rbig, count, MPI_INT, &msg, &st);
  expect(-1, check(rbig, 300000, left + 23), "Mrecv (large): first wrong element");

  /* MPI_PROC_NULL gives MPI_MESSAGE_NO_PROC, and receiving it gives a PROC_NULL status */
  MPI_Mprobe(MPI_PROC_NULL, 0, MPI_COMM_WORLD, &msg, &st);
  expect(1, msg == MPI_MESSAGE_NO_PROC, "Mprobe(MPI_PROC_NULL) returns MPI_MESSAGE_NO_PROC");
  expect(MPI_PROC_NULL, st.MPI_SOURCE, "Mprobe(MPI_PROC_NULL): status.MPI_SOURCE");
  memset(&st, 0x5A, sizeof st);
  MPI_Mrecv(in, 8, MPI_INT, &msg, &st);
  MPI_Get_count(&st, MPI_INT, &count);
  expect(MPI_PROC_NULL, st.MPI_SOURCE, "Mrecv(MPI_MESSAGE_NO_PROC): status.MPI_SOURCE");
  expect(MPI_ANY_TAG, st.MPI_TAG, "Mrecv(MPI_MESSAGE_NO_PROC): status.MPI_TAG");
  expect(0, count, "Mrecv(MPI_MESSAGE_NO_PROC): Get_count");
  flag = 0;
  MPI_Improbe(MPI_PROC_NULL, 0, MPI_COMM_WORLD, &flag, &msg, &st);
  expect(1, flag, "Improbe(MPI_PROC_NULL): flag");
  expect(1, msg == MPI_MESSAGE_NO_PROC, "Improbe(MPI_PROC_NULL) returns MPI_MESSAGE_NO_PROC");
  MPI_Mrecv(in, 8, MPI_INT, &msg, &st);
  MPI_Waitall(4, rs, MPI_STATUSES_IGNORE);
}

/* Get_count gives MPI_UNDEFINED when the bytes are not a whole number of the datatype; Get_elements counts
 * basic elements, also of a partially filled derived datatype. */
static void test_counts(void) {
  unsigned char bytes[10];
  for (int i = 0; i < 10; i++) bytes[i] = (unsigned char)(i + rank);
  int seven[7];
  fill(seven, 7, rank + 30);
  MPI_Request rs[2];
  MPI_Isend(bytes, 10, MPI_BYTE, right, 30, MPI_COMM_WORLD, &rs[0]);
  MPI_Isend(seven, 7, MPI_INT, right, 31, MPI_COMM_WORLD, &rs[1]);

  MPI_Status st;
  int count = -1;
  MPI_Probe(left, 30, MPI_COMM_WORLD, &st);
  MPI_Get_count(&st, MPI_INT, &count);
  expect(MPI_UNDEFINED, count, "Get_count(MPI_INT) of a 10-byte message (probe)");
  MPI_Get_count(&st, MPI_SHORT, &count);
  expect(5, count, "Get_count(MPI_SHORT) of a 10-byte message (probe)");
  unsigned char rb[16];
  MPI_Recv(rb, 16, MPI_BYTE, left, 30, MPI_COMM_WORLD, &st);
  MPI_Get_count(&st, MPI_BYTE, &count);
  expect(10, count, "Get_count(MPI_BYTE) of a 10-byte message");
  MPI_Get_count(&st, MPI_INT, &count);
  expect(MPI_UNDEFINED, count, "Get_count(MPI_INT) of a 10-byte message (recv)");
  MPI_Get_count(&st, MPI_DOUBLE, &count);
  expect(MPI_UNDEFINED, count, "Get_count(MPI_DOUBLE) of a 10-byte message (recv)");
  expect(9 + left, rb[9], "10-byte message: last byte");

  MPI_Datatype tri;
  MPI_Type_contiguous(3, MPI_INT, &tri);
  MPI_Type_commit(&tri);
  int rbuf[9];
  memset(rbuf, 0, sizeof rbuf);
  MPI_Recv(rbuf, 3, tri, left, 31, MPI_COMM_WORLD, &st); /* 7 ints into room for 3 x 3 ints */
  MPI_Get_count(&st, tri, &count);
  expect(MPI_UNDEFINED, count, "Get_count(3 x MPI_INT) of 7 ints");
  int elements = -1;
  MPI_Get_elements(&st, tri, &elements);
  expect(7, elements, "Get_elements(3 x MPI_INT) of 7 ints");
  MPI_Get_elements(&st, MPI_INT, &elements);
  expect(7, elements, "Get_elements(MPI_INT) of 7 ints");
  MPI_Count elements_x = -1;
  MPI_Get_elements_x(&st, tri, &elements_x);
  expect(7, elements_x, "Get_elements_x(3 x MPI_INT) of 7 ints");
  MPI_Get_count(&st, MPI_INT, &count);
  expect(7, count, "Get_count(MPI_INT) of 7 ints");
  expect(-1, check(rbuf, 7, left + 30), "7 ints into 3 x MPI_INT: first wrong element");
  expect(0, rbuf[7], "7 ints into 3 x MPI_INT: element 7 untouched");
  MPI_Type_free(&tri);
  MPI_Waitall(2, rs, MPI_STATUSES_IGNORE);
}

/* Probe(ANY_SOURCE, ANY_TAG) at rank 0 for one message from every other rank. Last: nothing else may be on
 * the way to rank 0 while it probes with wildcards. */
static void test_probe_wildcards(void) {
  if (rank != 0) {
    int msg[40];
    fill(msg, 40, rank + 40);
    MPI_Send(msg, 1 + rank * 3, MPI_INT, 0, 40 + rank, MPI_COMM_WORLD);
    return;
  }
  int *seen = calloc(size, sizeof(int));
  for (int k = 1; k < size; k++) {
    MPI_Status st;
    MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
    int src = st.MPI_SOURCE, count = -1;
    if (src < 1 || src >= size) { expect(1, 0, "Probe(ANY_SOURCE) source in range (got %d)", src); break; }
    MPI_Get_count(&st, MPI_INT, &count);
    expect(40 + src, st.MPI_TAG, "Probe(ANY_SOURCE, ANY_TAG) from %d: status.MPI_TAG", src);
    expect(1 + src * 3, count, "Probe(ANY_SOURCE, ANY_TAG) from %d: Get_count", src);
    int *buf = malloc(count * sizeof(int));
    MPI_Recv(buf, count, MPI_INT, src, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    expect(-1, check(buf, count, src + 40), "message from %d after wildcard probe: first wrong element", src);
    expect(0, seen[src]++, "source %d probed twice", src);
    free(buf);
  }
  free(seen);
}

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  right = (rank + 1) % size;
  left = (rank + size - 1) % size;
  test_size_discovery();
  test_matched_probe();
  test_counts();
  test_probe_wildcards();
  return check_finish("p2p_probe");
}
