/* 2-D Jacobi iteration for Laplace's equation on an n x n grid (5-point stencil, fixed boundary values), rows
 * split by an OpenMP parallel for. Each sweep also computes the residual max |new - old| with a max reduction
 * (exact in any order, so the run is bit-identical on any thread count) and stops below tol or after iters.
 * Prints "n=... threads=... iterations=... seconds=... residual=... checksum=..." (17 digits: native and wasm
 * builds must agree exactly).
 * Usage: omp_jacobi [n=1024] [iters=400] [tol=1e-12] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#else /* serial build (no -fopenmp): for comparing compiler flags without an OpenMP runtime */
static int omp_get_max_threads(void) { return 1; }
#endif

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Boundary: a hot edge with a ramp along it, the other edges cold; the interior starts at zero. */
static void init(int n, double *u) {
#pragma omp parallel for schedule(static)
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) u[(size_t)i * n + j] = i == 0 ? 1.0 + (double)j / n : 0.0;
}

/* One sweep from u into v; returns max |v - u| over the interior. */
static double sweep(int n, const double *restrict u, double *restrict v) {
  double residual = 0;
#pragma omp parallel for schedule(static) reduction(max : residual)
  for (int i = 1; i < n - 1; i++) {
    const double *up = u + (size_t)(i - 1) * n, *row = u + (size_t)i * n, *down = u + (size_t)(i + 1) * n;
    double *out = v + (size_t)i * n;
    /* Four running maxima: one would chain every comparison on the last (max is exact in any grouping). */
    double m[4] = {0, 0, 0, 0};
    int j = 1;
    for (; j + 4 <= n - 1; j += 4)
      for (int q = 0; q < 4; q++) {
        double x = 0.25 * (up[j + q] + down[j + q] + row[j + q - 1] + row[j + q + 1]);
        double d = fabs(x - row[j + q]);
        out[j + q] = x;
        m[q] = d > m[q] ? d : m[q];
      }
    for (; j < n - 1; j++) {
      double x = 0.25 * (up[j] + down[j] + row[j - 1] + row[j + 1]);
      double d = fabs(x - row[j]);
      out[j] = x;
      m[0] = d > m[0] ? d : m[0];
    }
    double row_max = m[0];
    for (int q = 1; q < 4; q++) row_max = m[q] > row_max ? m[q] : row_max;
    residual = row_max > residual ? row_max : residual;
  }
  return residual;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1024;
  int iters = argc > 2 ? atoi(argv[2]) : 400;
  double tol = argc > 3 ? atof(argv[3]) : 1e-12;
  if (n < 3 || iters < 1) {
    fprintf(stderr, "usage: omp_jacobi [n >= 3] [iters >= 1] [tol]\n");
    return 2;
  }
  size_t nn = (size_t)n * n;
  double *u = malloc(nn * sizeof *u), *v = malloc(nn * sizeof *v);
  if (!u || !v) {
    fprintf(stderr, "out of memory for n=%d\n", n);
    return 1;
  }
  /* Both grids carry the boundary, so sweeps only write the interior. */
  init(n, u);
  init(n, v);

  double t0 = seconds(), residual = 0;
  int it = 0;
  while (it < iters) {
    residual = sweep(n, u, v);
    double *t = u;
    u = v;
    v = t;
    it++;
    if (residual < tol) break;
  }
  double t = seconds() - t0;

  /* Weighted so that a transposed or shifted grid does not give the same sum. */
  double checksum = 0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) checksum += u[(size_t)i * n + j] * (1.0 + (i % 7) + 0.5 * (j % 5));
  printf("n=%d threads=%d iterations=%d seconds=%.6f residual=%.17g checksum=%.17g\n", n, omp_get_max_threads(), it,
         t, residual, checksum);
  free(u);
  free(v);
  return 0;
}
