/* Bad pointer and size arguments of MPI calls (issue 10, item 5). Run with one mode as argv[1]:
 *   return    self-checking (2 ranks): every bad argument under MPI_ERRORS_RETURN gets its error class, nothing
 *             is sent or received by the failed call, and valid messages around it arrive intact;
 *   send-fatal, recv-fatal, status-fatal, waitall-fatal, bcast-fatal, name-fatal
 *             one bad argument under the default MPI_ERRORS_ARE_FATAL: the job must end with a clear message. */
#include <mpi.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

#define BAD ((void *)(uintptr_t)0xFFFFFFF0u)
#define BIG (256 * 1024) /* above the eager limit: the rendezvous path */

static int error_class(int code) {
  int cls = -1;
  MPI_Error_class(code, &cls);
  return cls;
}

static void fill(unsigned char *p, int n, int seed) {
  for (int i = 0; i < n; i++) p[i] = (unsigned char)(seed + i * 7);
}
static int same(const unsigned char *p, int n, int seed) {
  for (int i = 0; i < n; i++) if (p[i] != (unsigned char)(seed + i * 7)) return 0;
  return 1;
}

/* Rank 0 sends valid messages A, then bad ones (refused), then B; rank 1 must receive exactly A then B. */
static void sends(int n) {
  unsigned char *a = malloc(n), *b = malloc(n);
  if (rank == 0) {
    fill(a, n, 1);
    fill(b, n, 2);
    MPI_Send(a, n, MPI_BYTE, 1, 5, MPI_COMM_WORLD);
    expect(MPI_ERR_BUFFER, error_class(MPI_Send(BAD, n, MPI_BYTE, 1, 5, MPI_COMM_WORLD)), "Send from 0xFFFFFFF0, %d bytes", n);
    expect(MPI_ERR_BUFFER, error_class(MPI_Ssend(BAD, n, MPI_BYTE, 1, 5, MPI_COMM_WORLD)), "Ssend from 0xFFFFFFF0");
    /* 0xFFFFFFF0 + 16 ends exactly at 2^32: still outside a memory smaller than 4 GiB. */
    expect(MPI_ERR_BUFFER, error_class(MPI_Send(BAD, 16, MPI_BYTE, 1, 5, MPI_COMM_WORLD)), "Send of 16 bytes from 0xFFFFFFF0");
    MPI_Request req = MPI_REQUEST_NULL;
    expect(MPI_ERR_BUFFER, error_class(MPI_Isend(BAD, n, MPI_BYTE, 1, 5, MPI_COMM_WORLD, &req)), "Isend from 0xFFFFFFF0");
    expect(1, req == MPI_REQUEST_NULL, "Isend refused: no request made");
    /* A buffer starting inside memory but running past its end. */
    int mem = (int)(__builtin_wasm_memory_size(0) * 65536u - 8);
    expect(MPI_ERR_BUFFER, error_class(MPI_Send((void *)(uintptr_t)mem, 64, MPI_BYTE, 1, 5, MPI_COMM_WORLD)), "Send past the end of memory");
    /* Byte counts at or over 2^31 (the transport's int32 size) and past 2^32 are refused, not truncated. */
    expect(MPI_ERR_COUNT, error_class(MPI_Send(a, 1 << 30, MPI_SHORT, 1, 5, MPI_COMM_WORLD)), "Send of 2^31 bytes");
    expect(MPI_ERR_COUNT, error_class(MPI_Send(a, 1 << 30, MPI_DOUBLE, 1, 5, MPI_COMM_WORLD)), "Send of 2^33 bytes");
    MPI_Datatype huge;
    MPI_Type_contiguous(1 << 20, MPI_DOUBLE, &huge);
    MPI_Type_commit(&huge);
    expect(MPI_ERR_COUNT, error_class(MPI_Send(a, 1024, huge, 1, 5, MPI_COMM_WORLD)), "Send of 1024 x 8 MiB");
    MPI_Type_free(&huge);
    /* A type whose blocks overlap: 4 MiB of data from 64 KiB of memory, 2^32 + 64 KiB bytes at count 1025. */
    MPI_Datatype overlap;
    int lens[64];
    MPI_Aint disps[64];
    for (int i = 0; i < 64; i++) { lens[i] = 65536; disps[i] = 0; }
    MPI_Type_create_hindexed(64, lens, disps, MPI_BYTE, &overlap);
    MPI_Type_commit(&overlap);
    unsigned char *page = malloc(65536);
    expect(MPI_ERR_COUNT, error_class(MPI_Send(page, 1025, overlap, 1, 5, MPI_COMM_WORLD)), "Send of 2^32 + 64 KiB from 64 KiB");
    MPI_Type_free(&overlap);
    free(page);
    MPI_Send(b, n, MPI_BYTE, 1, 5, MPI_COMM_WORLD);
  } else if (rank == 1) {
    MPI_Status st;
    memset(a, 0, n);
    MPI_Recv(a, n, MPI_BYTE, 0, 5, MPI_COMM_WORLD, &st);
    expect(1, same(a, n, 1), "first message (%d bytes) intact", n);
    memset(b, 0, n);
    MPI_Recv(b, n, MPI_BYTE, 0, 5, MPI_COMM_WORLD, &st);
    expect(1, same(b, n, 2), "second message is the valid one sent after the refused sends (%d bytes)", n);
    int count = -1;
    MPI_Get_count(&st, MPI_BYTE, &count);
    expect(n, count, "second message's count");
  }
  free(a);
  free(b);
}

/* Rank 1 tries bad receive buffers and status pointers first: the message stays queued for a valid receive. */
static void receives(int n) {
  unsigned char *a = malloc(n);
  if (rank == 0) {
    fill(a, n, 3);
    MPI_Send(a, n, MPI_BYTE, 1, 6, MPI_COMM_WORLD);
  } else if (rank == 1) {
    MPI_Status st;
    MPI_Probe(0, 6, MPI_COMM_WORLD, &st); /* the message is here before the bad receives */
    expect(MPI_ERR_BUFFER, error_class(MPI_Recv(BAD, n, MPI_BYTE, 0, 6, MPI_COMM_WORLD, &st)), "Recv into 0xFFFFFFF0");
    expect(MPI_ERR_ARG, error_class(MPI_Recv(a, n, MPI_BYTE, 0, 6, MPI_COMM_WORLD, (MPI_Status *)BAD)), "Recv with a bad status pointer");
    MPI_Request req = MPI_REQUEST_NULL;
    expect(MPI_ERR_BUFFER, error_class(MPI_Irecv(BAD, n, MPI_BYTE, 0, 6, MPI_COMM_WORLD, &req)), "Irecv into 0xFFFFFFF0");
    expect(MPI_ERR_ARG, error_class(MPI_Irecv(a, n, MPI_BYTE, 0, 6, MPI_COMM_WORLD, (MPI_Request *)BAD)), "Irecv with a bad request pointer");
    memset(a, 0, n);
    MPI_Recv(a, n, MPI_BYTE, 0, 6, MPI_COMM_WORLD, &st);
    expect(1, same(a, n, 3), "message received intact after the refused receives (%d bytes)", n);
  }
  free(a);
}

/* Pointer arguments of the completion calls, queries, datatypes and collectives. */
static void others(void) {
  MPI_Request reqs[2];
  int one = 1, got = 0, idx = 0, flag = 0;
  MPI_Isend(&one, 1, MPI_INT, rank, 7, MPI_COMM_WORLD, &reqs[0]);
  MPI_Irecv(&got, 1, MPI_INT, rank, 7, MPI_COMM_WORLD, &reqs[1]);
  expect(MPI_ERR_ARG, error_class(MPI_Waitall(2, (MPI_Request *)BAD, MPI_STATUSES_IGNORE)), "Waitall on a bad request array");
  expect(MPI_ERR_ARG, error_class(MPI_Waitall(2, reqs, (MPI_Status *)BAD)), "Waitall with a bad status array");
  expect(MPI_ERR_ARG, error_class(MPI_Waitany(2, reqs, (int *)BAD, MPI_STATUS_IGNORE)), "Waitany with a bad index pointer");
  expect(MPI_ERR_ARG, error_class(MPI_Testall(2, reqs, (int *)BAD, MPI_STATUSES_IGNORE)), "Testall with a bad flag pointer");
  expect(MPI_ERR_ARG, error_class(MPI_Wait((MPI_Request *)BAD, MPI_STATUS_IGNORE)), "Wait on a bad request pointer");
  expect(MPI_SUCCESS, MPI_Waitall(2, reqs, MPI_STATUSES_IGNORE), "Waitall after the refused calls");
  expect(1, got, "self message arrived");

  expect(MPI_ERR_ARG, error_class(MPI_Comm_rank(MPI_COMM_WORLD, (int *)BAD)), "Comm_rank into a bad pointer");
  expect(MPI_ERR_ARG, error_class(MPI_Get_processor_name((char *)BAD, &idx)), "Get_processor_name into a bad pointer");
  expect(MPI_ERR_ARG, error_class(MPI_Comm_set_name(MPI_COMM_WORLD, (char *)BAD)), "Comm_set_name from a bad pointer");
  MPI_Count c;
  expect(MPI_ERR_ARG, error_class(MPI_Type_size_x(MPI_INT, (MPI_Count *)BAD)), "Type_size_x into a bad pointer");
  expect(MPI_SUCCESS, MPI_Type_size_x(MPI_INT, &c), "Type_size_x");
  char packed[64];
  int pos = 0;
  expect(MPI_ERR_BUFFER, error_class(MPI_Pack(BAD, 4, MPI_INT, packed, sizeof packed, &pos, MPI_COMM_WORLD)), "Pack from a bad buffer");
  expect(MPI_ERR_ARG, error_class(MPI_Pack(&one, 1, MPI_INT, packed, sizeof packed, (int *)BAD, MPI_COMM_WORLD)), "Pack with a bad position pointer");
  int dims[2] = {0, 0};
  expect(MPI_ERR_ARG, error_class(MPI_Dims_create(size, 2, (int *)BAD)), "Dims_create into a bad array");
  (void)dims;
  expect(MPI_ERR_ARG, error_class(MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, BAD, &flag)), "Comm_get_attr into a bad pointer");

  /* Collectives: every rank makes the same bad call, so no rank waits for another. */
  int v = rank, sum = 0;
  expect(MPI_ERR_BUFFER, error_class(MPI_Allreduce(&v, BAD, 4, MPI_INT, MPI_SUM, MPI_COMM_WORLD)), "Allreduce into 0xFFFFFFF0");
  expect(MPI_ERR_BUFFER, error_class(MPI_Bcast(BAD, 100, MPI_INT, 0, MPI_COMM_WORLD)), "Bcast of 0xFFFFFFF0");
  expect(MPI_ERR_COUNT, error_class(MPI_Bcast(&v, 1 << 30, MPI_DOUBLE, 0, MPI_COMM_WORLD)), "Bcast of 2^33 bytes");
  int *all = malloc(sizeof(int) * size);
  expect(MPI_ERR_BUFFER, error_class(MPI_Allgather(&v, 1, MPI_INT, BAD, 1, MPI_INT, MPI_COMM_WORLD)), "Allgather into 0xFFFFFFF0");
  expect(MPI_ERR_BUFFER, error_class(MPI_Gather(BAD, 1, MPI_INT, all, 1, MPI_INT, 0, MPI_COMM_WORLD)), "Gather from 0xFFFFFFF0");
  MPI_Request r;
  expect(MPI_ERR_ARG, error_class(MPI_Ibarrier(MPI_COMM_WORLD, (MPI_Request *)BAD)), "Ibarrier with a bad request pointer");
  expect(MPI_SUCCESS, MPI_Allreduce(&v, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD), "Allreduce after the refused calls");
  expect(size * (size - 1) / 2, sum, "Allreduce result");
  (void)r;
  free(all);
}

/* Memory grown during the run: a buffer in the new pages is valid (checked against the current size). */
static void grown(void) {
  int before = (int)__builtin_wasm_memory_size(0);
  int n = 8 << 20;
  unsigned char *p = malloc(n);
  expect(1, (int)__builtin_wasm_memory_size(0) > before, "malloc(8 MiB) grew the memory");
  if (rank == 0) {
    fill(p, n, 9);
    MPI_Send(p, n, MPI_BYTE, 1, 8, MPI_COMM_WORLD);
  } else if (rank == 1) {
    MPI_Recv(p, n, MPI_BYTE, 0, 8, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    expect(1, same(p, n, 9), "8 MiB received into grown memory");
  }
  free(p);
}

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  const char *mode = argc > 1 ? argv[1] : "return";
  if (strcmp(mode, "return") == 0) {
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    sends(100);
    sends(BIG);
    receives(100);
    receives(BIG);
    others();
    grown();
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    return check_finish("mpi_args");
  }
  /* Fatal modes: rank 1 makes the bad call; rank 0 waits in a receive that never completes. */
  int x = 0;
  printf("rank %d: %s\n", rank, mode);
  fflush(stdout);
  if (strcmp(mode, "bcast-fatal") == 0) {
    MPI_Bcast(rank == 1 ? BAD : (void *)&x, 100, MPI_INT, 0, MPI_COMM_WORLD);
  } else if (rank == 1) {
    if (strcmp(mode, "send-fatal") == 0) MPI_Send(BAD, BIG, MPI_BYTE, 0, 1, MPI_COMM_WORLD);
    else if (strcmp(mode, "recv-fatal") == 0) MPI_Recv(BAD, 100, MPI_BYTE, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    else if (strcmp(mode, "status-fatal") == 0) MPI_Recv(&x, 1, MPI_INT, 0, 1, MPI_COMM_WORLD, (MPI_Status *)BAD);
    else if (strcmp(mode, "waitall-fatal") == 0) MPI_Waitall(3, (MPI_Request *)BAD, MPI_STATUSES_IGNORE);
    else if (strcmp(mode, "count-fatal") == 0) MPI_Send(&x, 1 << 30, MPI_DOUBLE, 0, 1, MPI_COMM_WORLD);
    else if (strcmp(mode, "name-fatal") == 0) MPI_Comm_set_name(MPI_COMM_WORLD, (char *)BAD);
  } else {
    MPI_Recv(&x, 1, MPI_INT, 1, 99, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  }
  printf("rank %d: survived %s\n", rank, mode);
  MPI_Finalize();
  return 0;
}
