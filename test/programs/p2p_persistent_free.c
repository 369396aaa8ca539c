/* Persistent requests outlive the handles they were made with (issue 16 bug 2): MPI_Send_init/Recv_init with a
 * derived datatype that is freed at once, then several MPI_Start/MPI_Wait rounds (and MPI_Startall), then
 * MPI_Request_free. Ring exchange between neighbours. Self-checking: "OK p2p_persistent_free rank R". */
#include <mpi.h>
#include "check.h"

#define N 64

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  MPI_Datatype every_other, pair;
  MPI_Type_vector(N, 1, 2, MPI_INT, &every_other);
  MPI_Type_commit(&every_other);
  MPI_Type_contiguous(2, MPI_INT, &pair);
  MPI_Type_commit(&pair);
  int out[2 * N], in[2 * N], small_out[2], small_in[2];
  int right = (rank + 1) % size, left = (rank + size - 1) % size;
  MPI_Request req[4];
  expect(MPI_SUCCESS, MPI_Send_init(out, 1, every_other, right, 5, MPI_COMM_WORLD, &req[0]), "Send_init");
  expect(MPI_SUCCESS, MPI_Recv_init(in, 1, every_other, left, 5, MPI_COMM_WORLD, &req[1]), "Recv_init");
  expect(MPI_SUCCESS, MPI_Ssend_init(small_out, 1, pair, right, 6, MPI_COMM_WORLD, &req[2]), "Ssend_init");
  expect(MPI_SUCCESS, MPI_Recv_init(small_in, 1, pair, left, 6, MPI_COMM_WORLD, &req[3]), "Recv_init (pair)");
  /* Allowed by MPI: the requests keep what they need. */
  MPI_Type_free(&every_other);
  MPI_Type_free(&pair);
  for (int round = 0; round < 4; round++) {
    for (int i = 0; i < 2 * N; i++) { out[i] = rank * 1000 + round * 100 + i; in[i] = -1; }
    small_out[0] = rank + round;
    small_out[1] = -rank;
    small_in[0] = small_in[1] = -9;
    if (round % 2 == 0) {
      expect(MPI_SUCCESS, MPI_Start(&req[1]), "Start recv round %d", round);
      expect(MPI_SUCCESS, MPI_Start(&req[0]), "Start send round %d", round);
      expect(MPI_SUCCESS, MPI_Start(&req[3]), "Start recv pair round %d", round);
      expect(MPI_SUCCESS, MPI_Start(&req[2]), "Start ssend pair round %d", round);
    } else {
      expect(MPI_SUCCESS, MPI_Startall(4, req), "Startall round %d", round);
    }
    expect(MPI_SUCCESS, MPI_Waitall(4, req, MPI_STATUSES_IGNORE), "Waitall round %d", round);
    for (int i = 0; i < 2 * N; i++) expect(i % 2 ? -1 : left * 1000 + round * 100 + i, in[i], "round %d in[%d]", round, i);
    expect(left + round, small_in[0], "round %d pair[0]", round);
    expect(-left, small_in[1], "round %d pair[1]", round);
  }
  for (int i = 0; i < 4; i++) {
    expect(MPI_SUCCESS, MPI_Request_free(&req[i]), "Request_free %d", i);
    expect(1, req[i] == MPI_REQUEST_NULL, "request %d is MPI_REQUEST_NULL after MPI_Request_free", i);
  }
  /* A type made after the frees must not reuse anything still held. */
  MPI_Datatype t;
  MPI_Type_contiguous(3, MPI_INT, &t);
  MPI_Type_commit(&t);
  int sz = 0;
  MPI_Type_size(t, &sz);
  expect(12, sz, "size of a new type");
  MPI_Type_free(&t);
  return check_finish("p2p_persistent_free");
}
