// A job started on workers that were warming up (mpi/warm-up.ts) must see nothing of it: no message waiting at
// MPI_Init, its memory exactly as the module declared it, and exact results from the calls the warm-up drives.
#include <mpi.h>
#include <stdio.h>
#include <string.h>

static int fails = 0;
#define CHECK(c, ...) do { if (!(c)) { fails++; printf("FAIL rank %d: ", rank); printf(__VA_ARGS__); printf("\n"); } } while (0)

static double pattern[4096];

int main(int argc, char **argv) {
  size_t pages = __builtin_wasm_memory_size(0);
  for (int i = 0; i < 4096; i++) pattern[i] = i * 0.25;
  MPI_Init(&argc, &argv);
  int rank, size, flag = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Status st;
  MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
  CHECK(flag == 0, "a message from source %d tag %d was waiting after MPI_Init", st.MPI_SOURCE, st.MPI_TAG);
  CHECK(__builtin_wasm_memory_size(0) == pages, "memory grew from %zu to %zu pages", pages, __builtin_wasm_memory_size(0));
  for (int i = 0; i < 4096; i++) if (pattern[i] != i * 0.25) { CHECK(0, "memory changed at pattern[%d]", i); break; }
  // The warm-up's tag (7) and the same calls, with exact answers.
  for (int it = 0; it < 200; it++) {
    double x = rank + 1 + it, sum = 0;
    MPI_Allreduce(&x, &sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    double want = size * (size + 1) / 2.0 + (double)size * it;
    CHECK(sum == want, "allreduce %d gave %g, not %g", it, sum, want);
    int v[4] = {rank, -rank, it, rank * it}, m[4];
    MPI_Allreduce(v, m, 4, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    CHECK(m[0] == size - 1 && m[1] == 0 && m[2] == it && m[3] == (size - 1) * it, "int max %d wrong", it);
    int right = (rank + 1) % size, left = (rank + size - 1) % size, got = -1;
    MPI_Sendrecv(&rank, 1, MPI_INT, right, 7, &got, 1, MPI_INT, left, 7, MPI_COMM_WORLD, &st);
    CHECK(got == left && st.MPI_SOURCE == left && st.MPI_TAG == 7, "sendrecv %d got %d from %d", it, got, st.MPI_SOURCE);
    double b = rank == it % size ? 42.0 + it : 0;
    MPI_Bcast(&b, 1, MPI_DOUBLE, it % size, MPI_COMM_WORLD);
    CHECK(b == 42.0 + it, "bcast %d gave %g", it, b);
    MPI_Barrier(MPI_COMM_WORLD);
  }
  MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
  CHECK(flag == 0, "a stray message from source %d tag %d at the end", st.MPI_SOURCE, st.MPI_TAG);
  if (fails == 0) printf("OK mpi_warm_trace rank %d\n", rank);
  MPI_Finalize();
  return fails != 0;
}
