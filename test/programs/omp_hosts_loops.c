/* Loops under every schedule a team spread over hosts runs (faasmpirun --omp-spread): static (balanced,
 * chunked), dynamic (chunk 1 and 5), guided (default and chunk 3), runtime (set to dynamic, guided and static
 * by omp_set_schedule), auto, over int, unsigned and long long indices counting up and down, two nowait
 * dynamic loops in a row, and loops shorter than the team. Every iteration must run exactly once (each
 * iteration writes its own counter: no two threads write the same bytes), static chunks go round-robin by
 * thread number, and a dynamic loop's chunks keep their chunk boundaries. Self-checking: prints "OK
 * omp_hosts_loops threads=N" or "FAIL: ..." and exits 1. */
#include <omp.h>
#include <stdio.h>
#include <string.h>

#define MAXN 2000
static unsigned char count[MAXN];
static int owner[MAXN];
static int failures;

static void fail(const char *what, long long k, int got) {
  if (failures++ < 20) printf("FAIL: %s: iteration %lld ran %d times\n", what, k, got);
}

static void check(const char *what, long long n) {
  for (long long k = 0; k < MAXN; k++) {
    int want = k < n ? 1 : 0;
    if (count[k] != want) fail(what, k, count[k]);
  }
  memset(count, 0, sizeof count);
}

static void check_chunks(const char *what, long long n, int chunk) {
  for (long long k = 0; k < n; k++)
    if (owner[k] != owner[k - k % chunk]) { if (failures++ < 20) printf("FAIL: %s: iteration %lld split from its chunk\n", what, k); }
}

int main(void) {
  int nth = omp_get_max_threads();
  const long long sizes[] = {0, 1, 3, 999, MAXN};
  for (int s = 0; s < 5; s++) {
    long long n = sizes[s];
#pragma omp parallel for schedule(static)
    for (int i = 0; i < n; i++) count[i]++;
    check("static", n);
#pragma omp parallel for schedule(static, 3)
    for (int i = 0; i < n; i++) { count[i]++; owner[i] = omp_get_thread_num(); }
    for (long long k = 0; k < n; k++) if (owner[k] != (k / 3) % nth) { if (failures++ < 20) printf("FAIL: static,3 owner of %lld is %d\n", k, owner[k]); }
    check("static,3", n);
#pragma omp parallel for schedule(dynamic)
    for (int i = 0; i < n; i++) count[i]++;
    check("dynamic", n);
#pragma omp parallel for schedule(dynamic, 5)
    for (unsigned i = 0; i < (unsigned)n; i++) { count[i]++; owner[i] = omp_get_thread_num(); }
    check_chunks("dynamic,5", n, 5);
    check("dynamic,5 unsigned", n);
#pragma omp parallel for schedule(guided)
    for (long long i = n - 1; i >= 0; i--) count[i]++;
    check("guided down long long", n);
#pragma omp parallel for schedule(guided, 3)
    for (int i = 0; i < n; i++) count[i]++;
    check("guided,3", n);
#pragma omp parallel for schedule(auto)
    for (int i = 0; i < n; i++) count[i]++;
    check("auto", n);
    const omp_sched_t kinds[] = {omp_sched_dynamic, omp_sched_guided, omp_sched_static};
    for (int r = 0; r < 3; r++) {
      omp_set_schedule(kinds[r], 2);
#pragma omp parallel for schedule(runtime)
      for (int i = 0; i < n; i++) count[i]++;
      check("runtime", n);
    }
  }
  /* Two nowait dynamic loops in a row, then a barrier: both complete. */
  static unsigned char second[MAXN];
#pragma omp parallel
  {
#pragma omp for schedule(dynamic, 7) nowait
    for (int i = 0; i < MAXN; i++) count[i]++;
#pragma omp for schedule(guided) nowait
    for (int i = 0; i < MAXN; i++) second[i]++;
  }
  for (int k = 0; k < MAXN; k++) if (second[k] != 1) fail("second nowait loop", k, second[k]);
  check("first nowait loop", MAXN);
  if (failures) {
    printf("FAIL: %d checks failed\n", failures);
    return 1;
  }
  printf("OK omp_hosts_loops threads=%d\n", nth);
  return 0;
}
