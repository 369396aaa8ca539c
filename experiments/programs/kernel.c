/* Compute kernel for the shared-memory decision: 2-D Jacobi sweeps plus a pointer-chasing pass over memory. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define N 512
static double a[N][N], b[N][N];

int main(void) {
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) a[i][j] = (i * 31 + j * 17) % 101;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int it = 0; it < 200; it++) {
    for (int i = 1; i < N - 1; i++)
      for (int j = 1; j < N - 1; j++) b[i][j] = 0.25 * (a[i - 1][j] + a[i + 1][j] + a[i][j - 1] + a[i][j + 1]);
    for (int i = 1; i < N - 1; i++)
      for (int j = 1; j < N - 1; j++) a[i][j] = b[i][j];
  }
  unsigned n = 1 << 22, *next = malloc(n * sizeof *next), p = 0;
  for (unsigned i = 0; i < n; i++) next[i] = (i * 2654435761u + 12345u) & (n - 1);
  unsigned long long sum = 0;
  for (unsigned i = 0; i < 20000000; i++) { p = next[p]; sum += p; }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
  printf("kernel_ms %.3f check %.6f %llu\n", ms, a[N / 2][N / 2], sum);
  return 0;
}
