/* A program whose OpenMP team may be spread over hosts (faasmpirun --omp-spread): static loops (balanced and
 * chunked) writing shared arrays, barriers after which threads read what others wrote, reductions of every
 * operator over int, unsigned, long long, float and double (in loops and in plain regions, with nowait), single
 * and master, memory allocated by the main thread between regions, and floating-point sums whose value depends
 * on the combination order (they must equal the sequential left fold in thread order of the one-host runtime).
 * Self-checking: failures print "FAIL: ..." and exit 1; success prints "OK omp_hosts_basic threads=N". */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 1000
static int failures;
static void expect_ll(long long want, long long got, const char *what) {
  if (want == got) return;
  if (failures++ < 20) printf("FAIL: %s expected %lld got %lld\n", what, want, got);
}
static void expect_d(double want, double got, const char *what) {
  if (want == got) return;
  if (failures++ < 20) printf("FAIL: %s expected %.17g got %.17g\n", what, want, got);
}

static int a[N], b[N];
static double x[N];

int main(void) {
  int nth = omp_get_max_threads();
  int seen = 0;
#pragma omp parallel
  {
#pragma omp master
    seen = omp_get_num_threads();
  }
  expect_ll(nth, seen, "team size");

  /* Static loops: every iteration once, by the thread the standard says. */
#pragma omp parallel for schedule(static)
  for (int i = 0; i < N; i++) a[i] = i * 3;
#pragma omp parallel for schedule(static, 7)
  for (int i = 0; i < N; i++) b[i] = omp_get_thread_num();
  for (int i = 0; i < N; i++) {
    expect_ll(i * 3, a[i], "static loop");
    expect_ll((i / 7) % nth, b[i], "static chunked owner");
  }

  /* Barriers: each thread writes its slot, then reads its neighbour's. */
  int slot[64] = {0}, next[64] = {0};
#pragma omp parallel
  {
    int t = omp_get_thread_num(), n = omp_get_num_threads();
    for (int round = 1; round <= 3; round++) {
      slot[t] = t * 100 + round;
#pragma omp barrier
      next[t] = slot[(t + 1) % n];
#pragma omp barrier
      if (next[t] != ((t + 1) % n) * 100 + round) {
#pragma omp atomic
        failures++;
      }
    }
  }

  /* Reductions of every operator. */
  long long isum = 0, iprod = 1, idiff = 0, iand = -1, ior = 0, ixor = 0, imax = -1000000, imin = 1000000;
  int land = 1, lor = 0;
  unsigned usum = 0;
  double dsum = 0, dmax = -1e300, dmin = 1e300;
  float fsum = 0;
#pragma omp parallel for reduction(+:isum) reduction(*:iprod) reduction(-:idiff) reduction(&:iand) reduction(|:ior) \
    reduction(^:ixor) reduction(max:imax) reduction(min:imin) reduction(&&:land) reduction(||:lor) reduction(+:usum) \
    reduction(+:dsum) reduction(max:dmax) reduction(min:dmin) reduction(+:fsum)
  for (int i = 0; i < N; i++) {
    isum += i;
    if (i % 100 == 1) iprod *= 3;
    idiff -= i;
    iand &= ~(1LL << (i % 40));
    ior |= 1LL << (i % 50);
    ixor ^= (long long)i * 7919;
    if (i * 37 % 1001 > imax) imax = i * 37 % 1001;
    if ((i * 53) % 997 - 500 < imin) imin = (i * 53) % 997 - 500;
    land = land && (i >= 0);
    lor = lor || (i == 777);
    usum += (unsigned)i * 2654435761u;
    dsum += 1.0 / (i + 1);
    if (i * 0.5 > dmax) dmax = i * 0.5;
    if (-i * 0.25 < dmin) dmin = -i * 0.25;
    fsum += 0.1f;
  }
  long long cx = 0, cmax = -1000000, cmin = 1000000; unsigned cu = 0; long long cand = -1, cor = 0, cprod = 1;
  for (int i = 0; i < N; i++) {
    cx ^= (long long)i * 7919; cu += (unsigned)i * 2654435761u; cand &= ~(1LL << (i % 40)); cor |= 1LL << (i % 50);
    if (i * 37 % 1001 > cmax) cmax = i * 37 % 1001;
    if ((i * 53) % 997 - 500 < cmin) cmin = (i * 53) % 997 - 500;
    if (i % 100 == 1) cprod *= 3;
  }
  expect_ll((long long)N * (N - 1) / 2, isum, "reduction +");
  expect_ll(cprod, iprod, "reduction *");
  expect_ll(-(long long)N * (N - 1) / 2, idiff, "reduction -");
  expect_ll(cand, iand, "reduction &");
  expect_ll(cor, ior, "reduction |");
  expect_ll(cx, ixor, "reduction ^");
  expect_ll(cmax, imax, "reduction max");
  expect_ll(cmin, imin, "reduction min");
  expect_ll(1, land, "reduction &&");
  expect_ll(1, lor, "reduction ||");
  expect_ll(cu, usum, "reduction + unsigned");
  expect_d((N - 1) * 0.5, dmax, "reduction max double");
  expect_d(-(N - 1) * 0.25, dmin, "reduction min double");

  /* Order-dependent float sums: each thread's partial is a big value or a small one; the result must be the
   * left fold of the partials in thread order (what the one-host runtime computes). */
  double order = 0;
#pragma omp parallel reduction(+:order)
  {
    int t = omp_get_thread_num();
    order += (t % 2 == 0) ? 1e16 : 1.0;
    if (t == omp_get_num_threads() - 1) order -= 1e16;
  }
  double want = 0;
  {
    double part[64];
    for (int t = 0; t < nth; t++) part[t] = ((t % 2 == 0) ? 1e16 : 1.0) - (t == nth - 1 ? 1e16 : 0);
    want = part[0];
    for (int t = 1; t < nth; t++) want += part[t];
  }
  expect_d(want, order, "order-dependent double sum");

  /* nowait reduction inside a region, then single: thread 0 runs singles across hosts. */
  long long total = 0;
  int singles = 0;
#pragma omp parallel
  {
#pragma omp for reduction(+:total) nowait
    for (int i = 0; i < N; i++) total += i;
#pragma omp barrier
#pragma omp single
    singles++;
  }
  expect_ll((long long)N * (N - 1) / 2, total, "nowait reduction");
  expect_ll(1, singles, "single ran once");

  /* Memory the main thread allocates between regions reaches every thread. */
  for (int r = 0; r < 3; r++) {
    size_t n = (size_t)(r + 1) * 200000;
    int *big = malloc(n * sizeof *big);
    for (size_t i = 0; i < n; i++) big[i] = (int)i;
    long long s = 0;
#pragma omp parallel for reduction(+:s)
    for (size_t i = 0; i < n; i++) s += big[i];
    expect_ll((long long)n * (n - 1) / 2, s, "sum over main's allocation");
    free(big);
  }

  if (failures) {
    printf("FAIL: %d checks failed\n", failures);
    return 1;
  }
  printf("OK omp_hosts_basic threads=%d\n", nth);
  return 0;
}
