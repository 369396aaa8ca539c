/* Tiled DGEMM, C = A * B (row-major n x n doubles), one OpenMP parallel for over the tiles of C.
 * The register-blocked inner loops run along rows of C and B with unit stride and no aliasing (restrict), so
 * clang vectorises them (SSE2 natively, simd128 in wasm) without reassociating sums: every C entry adds its
 * products in the same k order on any thread count and target, so the checksum is exact across builds.
 * Checks 64 sample entries against a naive dot product; prints "n=... threads=... seconds=... gflops=...".
 * Usage: omp_dgemm [n=1536] */
#include <math.h>
#ifdef _OPENMP
#include <omp.h>
#else /* serial build (no -fopenmp): for comparing compiler flags without an OpenMP runtime */
static int omp_get_max_threads(void) { return 1; }
#endif
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Tile edges: a TK x TJ panel of B (512 KiB) stays in L2 while a thread sweeps the TI rows of A over it. */
enum { TI = 64, TJ = 256, TK = 256 };
/* Register block of C: MR x NR accumulators live in registers across the k loop (16 doubles = 8 SSE2 or
 * simd128 registers). Chosen by measurement: streaming whole rows of C instead ran natively as fast but ~2x
 * slower in wasm. */
enum { MR = 8, NR = 4 };

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Deterministic entries in [-1, 1) with few bits, so products and sums stay well conditioned. */
static double entry(int i, int j, int salt) { return ((i * 131 + j * 71 + salt * 17) % 257) / 128.0 - 1.0; }

static int min(int a, int b) { return a < b ? a : b; }

/* C[i.., j..] (MR x NR) += A[i.., k0..k1) * B[k0..k1), j..]. The fixed-size loops unroll and vectorise along j. */
static void block(int n, const double *restrict a, const double *restrict b, double *restrict c, int i, int j,
                  int k0, int k1) {
  double acc[MR][NR];
  for (int r = 0; r < MR; r++)
    for (int q = 0; q < NR; q++) acc[r][q] = c[(size_t)(i + r) * n + j + q];
  for (int k = k0; k < k1; k++) {
    const double *restrict bk = b + (size_t)k * n + j;
    for (int r = 0; r < MR; r++) {
      double ark = a[(size_t)(i + r) * n + k];
      for (int q = 0; q < NR; q++) acc[r][q] += ark * bk[q];
    }
  }
  for (int r = 0; r < MR; r++)
    for (int q = 0; q < NR; q++) c[(size_t)(i + r) * n + j + q] = acc[r][q];
}

/* The same for one entry: the edges of a tile when n is not a multiple of the register block. */
static void entry_update(int n, const double *a, const double *b, double *c, int i, int j, int k0, int k1) {
  double sum = c[(size_t)i * n + j];
  for (int k = k0; k < k1; k++) sum += a[(size_t)i * n + k] * b[(size_t)k * n + j];
  c[(size_t)i * n + j] = sum;
}

/* C tile (i0, j0) += A[i0.., k0..] * B[k0.., j0..]. */
static void tile(int n, const double *a, const double *b, double *c, int i0, int j0, int k0) {
  int i1 = min(i0 + TI, n), j1 = min(j0 + TJ, n), k1 = min(k0 + TK, n);
  int im = i0 + (i1 - i0) / MR * MR, jm = j0 + (j1 - j0) / NR * NR;
  for (int i = i0; i < im; i += MR)
    for (int j = j0; j < jm; j += NR) block(n, a, b, c, i, j, k0, k1);
  for (int i = i0; i < i1; i++)
    for (int j = i < im ? jm : j0; j < j1; j++) entry_update(n, a, b, c, i, j, k0, k1);
}

static void dgemm(int n, const double *a, const double *b, double *c) {
  int ti = (n + TI - 1) / TI, tj = (n + TJ - 1) / TJ;
  /* Each C tile belongs to one thread, which walks k in order: no races, same sums on any thread count. */
#pragma omp parallel for collapse(2) schedule(static)
  for (int bi = 0; bi < ti; bi++)
    for (int bj = 0; bj < tj; bj++)
      for (int k0 = 0; k0 < n; k0 += TK) tile(n, a, b, c, bi * TI, bj * TJ, k0);
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1536;
  if (n < 1) {
    fprintf(stderr, "usage: omp_dgemm [n]\n");
    return 2;
  }
  size_t nn = (size_t)n * n;
  double *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b), *c = malloc(nn * sizeof *c);
  if (!a || !b || !c) {
    fprintf(stderr, "out of memory for n=%d\n", n);
    return 1;
  }
  /* First touch in parallel, row blocks as dgemm uses them. */
#pragma omp parallel for schedule(static)
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      a[(size_t)i * n + j] = entry(i, j, 1);
      b[(size_t)i * n + j] = entry(i, j, 2);
      c[(size_t)i * n + j] = 0;
    }

  double t0 = seconds();
  dgemm(n, a, b, c);
  double t = seconds() - t0;

  /* Sample entries against a naive dot product (same k order, so equal unless the kernel is wrong). */
  int bad = 0;
  for (int s = 0; s < 64; s++) {
    int i = (int)((s * 2654435761u) % (unsigned)n), j = (int)((s * 40503u + 7) % (unsigned)n);
    double want = 0;
    for (int k = 0; k < n; k++) want += a[(size_t)i * n + k] * b[(size_t)k * n + j];
    double got = c[(size_t)i * n + j];
    if (fabs(got - want) > 1e-9 * (1 + fabs(want))) {
      if (bad++ < 5) fprintf(stderr, "C[%d][%d] = %.17g, expected %.17g\n", i, j, got, want);
    }
  }
  double checksum = 0;
  for (size_t x = 0; x < nn; x++) checksum += c[x];
  printf("n=%d threads=%d seconds=%.6f gflops=%.4f checksum=%.17g check=%s\n", n, omp_get_max_threads(), t,
         2.0 * n * n * (double)n / t * 1e-9, checksum, bad ? "FAILED" : "ok");
  free(a);
  free(b);
  free(c);
  return bad ? 1 : 0;
}
