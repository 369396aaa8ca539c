/* Migration test program (unmodified MPI: nothing in it knows about migration). Self-checking: nonblocking
 * traffic before and after the all-rank barriers, a derived datatype and a split communicator made before and
 * used after, a value received eagerly before a barrier and matched after it, a deep recursive call stack at
 * the barriers, attributes, and ordered output. Prints the same lines whether or not its ranks were moved. */
#include <mpi.h>
#include <stdlib.h>
#include "check.h"

#define DEPTH 300

static double heap_check(const double *a, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += a[i] * (i % 7);
  return s;
}

/* A deep call stack whose every frame keeps live locals across the barrier at its bottom. */
static long deep(int n, long acc, MPI_Comm comm) {
  long here = acc * 31 + n;
  if (n == 0) {
    MPI_Barrier(comm);
    return here;
  }
  long below = deep(n - 1, here % 1000003, comm);
  return below + here % 97;
}

/* A user reduction op made before the barriers and used after (it runs inside the guest). */
static void absmax(void *in, void *inout, int *len, MPI_Datatype *type) {
  (void)type;
  for (int i = 0; i < *len; i++) {
    int a = ((int *)in)[i] < 0 ? -((int *)in)[i] : ((int *)in)[i];
    int b = ((int *)inout)[i] < 0 ? -((int *)inout)[i] : ((int *)inout)[i];
    ((int *)inout)[i] = a > b ? a : b;
  }
}

static void ring(MPI_Comm comm, int round, MPI_Datatype column, int *matrix, int rows) {
  int r, n;
  MPI_Comm_rank(comm, &r);
  MPI_Comm_size(comm, &n);
  int right = (r + 1) % n, left = (r + n - 1) % n;
  int got[64];
  MPI_Request reqs[2];
  for (int i = 0; i < rows; i++) matrix[i * 4 + 1] = 1000 * round + 10 * r + i;
  MPI_Irecv(got, rows, MPI_INT, left, round, comm, &reqs[0]);
  MPI_Isend(matrix + 1, 1, column, right, round, comm, &reqs[1]);
  MPI_Waitall(2, reqs, MPI_STATUSES_IGNORE);
  for (int i = 0; i < rows; i++) expect(1000 * round + 10 * left + i, got[i], "round %d column element %d", round, i);
}

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  int rounds = argc > 1 ? atoi(argv[1]) : 6;
  int mib = argc > 2 ? atoi(argv[2]) : 0;

  /* Made before any barrier, used after. */
  int rows = 16;
  int *matrix = calloc(rows * 4, sizeof(int));
  MPI_Datatype column;
  MPI_Type_vector(rows, 1, 4, MPI_INT, &column);
  MPI_Type_commit(&column);
  MPI_Comm half;
  MPI_Comm_split(MPI_COMM_WORLD, rank % 2, -rank, &half);
  int keyval;
  MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, MPI_COMM_NULL_DELETE_FN, &keyval, NULL);
  MPI_Comm_set_attr(half, keyval, (void *)(long)(77 + rank));
  MPI_Op op;
  MPI_Op_create(absmax, 1, &op);
  MPI_Comm_set_errhandler(half, MPI_ERRORS_RETURN);

  /* Memory the rank touches (for the pause figures): mib MiB of data checked after every move. */
  size_t count = (size_t)mib * (1 << 20) / sizeof(double);
  double *big = malloc(count * sizeof(double) + 8);
  for (size_t i = 0; i < count; i++) big[i] = (double)(i % 1000) + rank;
  double big_sum = heap_check(big, (int)count);

  /* An eager message that arrives before the first barrier and is received after it. */
  int early = 0;
  if (size > 1 && rank == 1) {
    int v = 4242;
    MPI_Send(&v, 1, MPI_INT, 0, 99, MPI_COMM_WORLD);
  }

  long total = 0;
  for (int round = 0; round < rounds; round++) {
    ring(MPI_COMM_WORLD, round, column, matrix, rows);
    long d = deep(DEPTH, round + rank, MPI_COMM_WORLD);
    total += d;
    printf("rank %d round %d deep %ld\n", rank, round, d);
    fflush(stdout);
    if (round == 0 && size > 1 && rank == 0) {
      MPI_Recv(&early, 1, MPI_INT, 1, 99, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      expect(4242, early, "early message");
    }
    /* The split communicator, its rank order and its attribute, after the barriers. */
    int hr, hn, sum = 0, one = 1;
    MPI_Comm_rank(half, &hr);
    MPI_Comm_size(half, &hn);
    MPI_Allreduce(&one, &sum, 1, MPI_INT, MPI_SUM, half);
    expect(hn, sum, "split communicator size by allreduce");
    void *attr;
    int flag;
    MPI_Comm_get_attr(half, keyval, &attr, &flag);
    expect(1, flag, "attribute present");
    expect(77 + rank, (long)attr, "attribute value");
    ring(half, round + 100, column, matrix, rows);
    int mine = (rank % 2 ? -1 : 1) * (rank * 10 + round), biggest = 0;
    MPI_Allreduce(&mine, &biggest, 1, MPI_INT, op, MPI_COMM_WORLD);
    expect((size - 1) * 10 + round, biggest, "user op after the barriers");
    /* The error handler set before: an invalid rank is returned, not fatal. */
    int v = 0;
    expect(1, MPI_Send(&v, 1, MPI_INT, 1000, 0, half) != MPI_SUCCESS, "MPI_ERRORS_RETURN kept");
  }
  MPI_Op_free(&op);
  expect(1, heap_check(big, (int)count) == big_sum, "touched memory kept");
  long all = 0;
  MPI_Allreduce(&total, &all, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
  if (rank == 0) printf("total %ld\n", all);
  MPI_Type_free(&column);
  MPI_Comm_free(&half);
  free(matrix);
  free(big);
  return check_finish("migrate_state");
}
