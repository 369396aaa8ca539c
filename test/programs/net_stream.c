/* A stream of messages between ranks on two hosts, checked for order and content: small, eager-sized and large
 * (rendezvous) messages interleaved on two communicators, with the receiver starting late (a slow receiver: the
 * sender's messages pile up on the way). Usage: net_stream [messages [receiver_delay_ms [rounds]]]; rank 0 sends
 * to the last rank, then the last rank sends back. After the first round rank 0 prints "STREAMING". Prints
 * "OK net_stream rank R" per rank, "FAIL rank R: ..." on a wrong size, tag or byte. */
#include <mpi.h>
#include "check.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int n_messages;

/* The first half is eager only (a sender ahead of a late receiver is not held up by it), the second half mixes
 * in rendezvous messages. */
static int size_of(int i) {
  if (i < n_messages / 2) return i % 4 == 0 ? 1 + i % 200 : 60 * 1024 + i % 7;
  if (i % 11 == 0) return 300 * 1024 + i;   /* rendezvous */
  if (i % 3 == 0) return 60 * 1024 + i % 7; /* eager, large */
  return 1 + (i * 37) % 200;                /* small */
}
static unsigned char byte_at(int i, int j) { return (unsigned char)(i * 31 + j * 7 + (j >> 8)); }

static void stream(int from, int to, int n, int delay_ms, MPI_Comm comms[2], unsigned char *buf) {
  if (rank == from) {
    for (int i = 0; i < n; i++) {
      int len = size_of(i);
      for (int j = 0; j < len; j++) buf[j] = byte_at(i, j);
      MPI_Send(buf, len, MPI_BYTE, to, i % 5, comms[i % 2]);
    }
  } else if (rank == to) {
    if (delay_ms > 0) {
      struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
      nanosleep(&ts, NULL);
    }
    for (int i = 0; i < n && failures == 0; i++) {
      MPI_Status st;
      MPI_Recv(buf, 400 * 1024, MPI_BYTE, from, MPI_ANY_TAG, comms[i % 2], &st);
      int got;
      MPI_Get_count(&st, MPI_BYTE, &got);
      expect(size_of(i), got, "message %d from rank %d: size", i, from);
      expect(i % 5, st.MPI_TAG, "message %d from rank %d: tag", i, from);
      int bad = -1;
      for (int j = 0; j < got && bad < 0; j++) if (buf[j] != byte_at(i, j)) bad = j;
      expect(-1, bad, "message %d from rank %d: first wrong byte", i, from);
    }
  }
}

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  int n = n_messages = argc > 1 ? atoi(argv[1]) : 300;
  int delay_ms = argc > 2 ? atoi(argv[2]) : 0;
  int rounds = argc > 3 ? atoi(argv[3]) : 1;
  unsigned char *buf = malloc(400 * 1024);
  MPI_Comm comms[2] = {MPI_COMM_WORLD, MPI_COMM_NULL};
  MPI_Comm_dup(MPI_COMM_WORLD, &comms[1]);
  int last = size - 1;
  for (int r = 0; r < rounds && failures == 0; r++) {
    stream(0, last, n, r == 0 ? delay_ms : 0, comms, buf);
    stream(last, 0, n, 0, comms, buf);
    if (r == 0 && rank == 0) {
      printf("STREAMING\n");
      fflush(stdout);
    }
  }
  MPI_Comm_free(&comms[1]);
  free(buf);
  return check_finish("net_stream");
}
