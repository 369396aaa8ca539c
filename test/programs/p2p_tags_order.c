/* Tags, wildcards and message order: MPI_ANY_SOURCE / MPI_ANY_TAG with status MPI_SOURCE, MPI_TAG and
 * Get_count; non-overtaking (same source, tag and communicator arrive in send order, small and large mixed);
 * receiving different tags out of order; several sources to rank 0 counted per source; MPI_COMM_SELF vs
 * MPI_COMM_WORLD isolation; the largest tag every implementation allows (32767).
 * Self-checking: failures print "FAIL rank R: ..." and exit 1; success prints "OK p2p_tags_order rank R". */
#include <mpi.h>
#include "check.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int left, right;

/* Message k of a stream: length alternates between small (eager) and large (> 64 KiB) so both paths mix. */
static int stream_len(int k) { return k % 3 == 2 ? 40000 + k : 1 + k % 7; }

/* Rank 0 receives K messages from every other rank with MPI_ANY_SOURCE / MPI_ANY_TAG; lengths and tags tell
 * the source; per source the sequence numbers must arrive in order. */
static void many_to_root(void) {
  const int K = 20;
  if (rank != 0) {
    int buf[64];
    for (int k = 0; k < K; k++) {
      int len = 1 + rank + k % 5;
      for (int i = 0; i < len; i++) buf[i] = rank * 1000 + k;
      MPI_Send(buf, len, MPI_INT, 0, 100 + rank, MPI_COMM_WORLD);
    }
    return;
  }
  int *count = calloc(size, sizeof(int));
  int buf[64];
  for (int m = 0; m < K * (size - 1); m++) {
    MPI_Status st;
    memset(buf, 0xff, sizeof buf);
    MPI_Recv(buf, 64, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
    int src = st.MPI_SOURCE, got;
    if (src <= 0 || src >= size) {
      expect(1, 0, "ANY_SOURCE receive %d: source in 1..size-1 (source %d)", m, src);
      continue;
    }
    MPI_Get_count(&st, MPI_INT, &got);
    int k = count[src]++;
    expect(100 + src, st.MPI_TAG, "ANY_TAG receive from %d: status.MPI_TAG", src);
    expect(1 + src + k % 5, got, "ANY_SOURCE message %d from %d: Get_count", k, src);
    expect(src * 1000 + k, buf[0], "ANY_SOURCE message from %d: sequence (non-overtaking per source)", src);
    expect(src * 1000 + k, buf[got > 0 ? got - 1 : 0], "ANY_SOURCE message from %d: last element", src);
  }
  for (int s = 1; s < size; s++) expect(K, count[s], "messages counted from source %d", s);
  free(count);
}

/* A stream of N messages, same source/tag/comm, mixed sizes: must arrive in send order, received with a
 * specific tag (first half) and with MPI_ANY_TAG / MPI_ANY_SOURCE (second half). */
static void stream_in_order(void) {
  const int N = 60;
  int *rbuf = malloc(50000 * sizeof(int));
  int **sbufs = malloc(N * sizeof(int *));
  MPI_Request *reqs = malloc(N * sizeof(MPI_Request));
  for (int k = 0; k < N; k++) {
    int len = stream_len(k);
    sbufs[k] = malloc(len * sizeof(int));
    for (int i = 0; i < len; i++) sbufs[k][i] = rank * 100000 + k * 10 + (i % 10);
    MPI_Isend(sbufs[k], len, MPI_INT, right, 7, MPI_COMM_WORLD, &reqs[k]);
  }
  for (int k = 0; k < N; k++) {
    MPI_Status st;
    /* only the left neighbour sends to us in this phase; its later messages come after the stream */
    int src = k < N / 2 ? left : MPI_ANY_SOURCE;
    int tag = k < N / 2 ? 7 : MPI_ANY_TAG;
    MPI_Recv(rbuf, 50000, MPI_INT, src, tag, MPI_COMM_WORLD, &st);
    int got;
    MPI_Get_count(&st, MPI_INT, &got);
    expect(stream_len(k), got, "stream message %d: Get_count", k);
    expect(left * 100000 + k * 10, rbuf[0], "stream message %d: first element (order)", k);
    expect(left * 100000 + k * 10 + (got - 1) % 10, rbuf[got - 1], "stream message %d: last element", k);
    expect(7, st.MPI_TAG, "stream message %d: status.MPI_TAG", k);
    expect(left, st.MPI_SOURCE, "stream message %d: status.MPI_SOURCE", k);
  }
  MPI_Waitall(N, reqs, MPI_STATUSES_IGNORE);
  for (int k = 0; k < N; k++) free(sbufs[k]);
  free(sbufs);
  free(reqs);
  free(rbuf);
}

/* Different tags may be received in any order: receive tag 2 (large) before tag 1 (large), then tag 4 before 3
 * (small). MPI_ANY_TAG takes the earliest sent: tag 30 before tag 20 when 30 was sent first. */
static void tags_out_of_order(void) {
  const int big = 100000;
  int *a = malloc(big * sizeof(int)), *b = malloc(big * sizeof(int)), *r = malloc(big * sizeof(int));
  for (int i = 0; i < big; i++) { a[i] = rank + i; b[i] = -rank - i; }
  int s3 = 300 + rank, s4 = 400 + rank, s30 = 3000 + rank, s20 = 2000 + rank;
  MPI_Request reqs[6];
  MPI_Isend(a, big, MPI_INT, right, 1, MPI_COMM_WORLD, &reqs[0]);
  MPI_Isend(b, big, MPI_INT, right, 2, MPI_COMM_WORLD, &reqs[1]);
  MPI_Isend(&s3, 1, MPI_INT, right, 3, MPI_COMM_WORLD, &reqs[2]);
  MPI_Isend(&s4, 1, MPI_INT, right, 4, MPI_COMM_WORLD, &reqs[3]);
  MPI_Isend(&s30, 1, MPI_INT, right, 30, MPI_COMM_WORLD, &reqs[4]);
  MPI_Isend(&s20, 1, MPI_INT, right, 20, MPI_COMM_WORLD, &reqs[5]);
  MPI_Status st;
  MPI_Recv(r, big, MPI_INT, left, 2, MPI_COMM_WORLD, &st);
  expect(2, st.MPI_TAG, "tag 2 received first: status.MPI_TAG");
  expect(-left - (big - 1), r[big - 1], "tag 2 received first: last element");
  MPI_Recv(r, big, MPI_INT, left, 1, MPI_COMM_WORLD, &st);
  expect(1, st.MPI_TAG, "tag 1 received second: status.MPI_TAG");
  expect(left + big - 1, r[big - 1], "tag 1 received second: last element");
  int v = -1;
  MPI_Recv(&v, 1, MPI_INT, left, 4, MPI_COMM_WORLD, &st);
  expect(400 + left, v, "tag 4 before tag 3: value");
  MPI_Recv(&v, 1, MPI_INT, left, 3, MPI_COMM_WORLD, &st);
  expect(300 + left, v, "tag 3 after tag 4: value");
  MPI_Recv(&v, 1, MPI_INT, left, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
  expect(30, st.MPI_TAG, "MPI_ANY_TAG takes the earliest sent message: status.MPI_TAG");
  expect(3000 + left, v, "MPI_ANY_TAG takes the earliest sent message: value");
  MPI_Recv(&v, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
  expect(20, st.MPI_TAG, "then the next one: status.MPI_TAG");
  expect(left, st.MPI_SOURCE, "then the next one: status.MPI_SOURCE");
  expect(2000 + left, v, "then the next one: value");
  MPI_Waitall(6, reqs, MPI_STATUSES_IGNORE);
  free(a);
  free(b);
  free(r);
}

/* A message on MPI_COMM_SELF never matches a receive on MPI_COMM_WORLD, even with wildcards, and vice versa. */
static void comm_isolation(void) {
  int on_self = 111, on_world = 222, v = -1, flag = 1;
  MPI_Request r1, r2;
  MPI_Status st;
  MPI_Isend(&on_self, 1, MPI_INT, 0, 11, MPI_COMM_SELF, &r1);      /* sent first */
  MPI_Isend(&on_world, 1, MPI_INT, rank, 11, MPI_COMM_WORLD, &r2); /* sent second */
  /* (tag 11 rather than MPI_ANY_TAG: the left neighbour may already be sending us its next messages) */
  MPI_Recv(&v, 1, MPI_INT, MPI_ANY_SOURCE, 11, MPI_COMM_WORLD, &st);
  expect(222, v, "ANY_SOURCE receive on MPI_COMM_WORLD gets the WORLD message, not the earlier SELF one");
  expect(rank, st.MPI_SOURCE, "WORLD self-message: status.MPI_SOURCE");
  MPI_Iprobe(MPI_ANY_SOURCE, 11, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
  expect(0, flag, "Iprobe on MPI_COMM_WORLD does not see the MPI_COMM_SELF message");
  MPI_Recv(&v, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_SELF, &st);
  expect(111, v, "receive on MPI_COMM_SELF: value");
  expect(0, st.MPI_SOURCE, "receive on MPI_COMM_SELF: status.MPI_SOURCE");
  expect(11, st.MPI_TAG, "receive on MPI_COMM_SELF: status.MPI_TAG");
  MPI_Wait(&r1, MPI_STATUS_IGNORE);
  MPI_Wait(&r2, MPI_STATUS_IGNORE);
  /* and the other way round, with a neighbour: the WORLD message sent first is not taken by a SELF receive */
  int w = 5000 + rank, s = 6000 + rank;
  MPI_Isend(&w, 1, MPI_INT, right, 12, MPI_COMM_WORLD, &r1);
  MPI_Isend(&s, 1, MPI_INT, 0, 12, MPI_COMM_SELF, &r2);
  MPI_Recv(&v, 1, MPI_INT, MPI_ANY_SOURCE, 12, MPI_COMM_SELF, &st);
  expect(6000 + rank, v, "SELF receive takes the SELF message");
  MPI_Recv(&v, 1, MPI_INT, left, 12, MPI_COMM_WORLD, &st);
  expect(5000 + left, v, "WORLD receive takes the WORLD message");
  MPI_Wait(&r1, MPI_STATUS_IGNORE);
  MPI_Wait(&r2, MPI_STATUS_IGNORE);
}

/* Tags 0 and 32767 (the smallest MPI_TAG_UB the standard allows); MPI_ANY_TAG reports the real tag. */
static void tag_range(void) {
  int tags[] = {0, 1, 32767, 12345};
  for (int t = 0; t < 4; t++) {
    int out = tags[t] ^ rank, in = -1;
    MPI_Status st;
    MPI_Sendrecv(&out, 1, MPI_INT, right, tags[t], &in, 1, MPI_INT, left, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
    expect(tags[t], st.MPI_TAG, "tag %d through MPI_ANY_TAG: status.MPI_TAG", tags[t]);
    expect(tags[t] ^ left, in, "tag %d: value", tags[t]);
  }
}

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  right = (rank + 1) % size;
  left = (rank + size - 1) % size;
  stream_in_order();
  tags_out_of_order();
  comm_isolation();
  tag_range();
  many_to_root(); /* last: rank 0 receives with ANY_SOURCE/ANY_TAG, so nothing else may be on the way to it */
  return check_finish("p2p_tags_order");
}
