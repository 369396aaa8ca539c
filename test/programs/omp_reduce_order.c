/* Reductions combine in thread order whichever thread arrives last (openmp/thread.ts reduceNowait: the last
 * arrival combines). With 3 threads holding 1e16, 1 and -1e16, thread order gives (1e16 + 1) - 1e16 = 0 (1e16 + 1
 * rounds to 1e16); any other order gives 1. Each round makes another thread arrive last (it lingers), for a
 * parallel reduction and for back-to-back "for nowait" reductions in one region (reduction state reused at once).
 * Prints "OK omp_reduce_order threads=T". */
#include <omp.h>
#include <stdio.h>

static volatile int sink;

static void linger(void) {
  for (int k = 0; k < 200000; k++) sink += k;
}

static double part(int t) {
  return t == 0 ? 1e16 : t == 1 ? 1.0 : t == 2 ? -1e16 : 0.0;
}

int main(void) {
  int fails = 0, threads = 0;
  for (int last = 0; last < 3; last++) {
    for (int round = 0; round < 20; round++) {
      double sum = 0.0;
      long count = 0;
#pragma omp parallel reduction(+ : sum, count)
      {
        int t = omp_get_thread_num();
        if (t == last) linger();
        sum += part(t);
        count += t + 1;
#pragma omp single
        threads = omp_get_num_threads();
      }
      long want = (long)threads * (threads + 1) / 2;
      double want_sum = threads >= 3 ? 0.0 : threads == 2 ? 1e16 + 1.0 : 1e16;
      if (sum != want_sum || count != want) {
        printf("FAIL parallel reduction last=%d round=%d sum=%.17g want %.17g count=%ld want %ld\n", last, round, sum, want_sum, count, want);
        fails++;
      }
    }
  }
  /* Back-to-back nowait reductions: a thread leaves one and arrives at the next before others have left. */
  long total = 0;
  const int loops = 500;
#pragma omp parallel
  {
    for (int r = 0; r < loops; r++) {
      if (omp_get_thread_num() == r % 3 && r % 50 == 0) linger();
#pragma omp for nowait reduction(+ : total)
      for (int i = 0; i < 30; i++) total += i;
    }
  }
  if (total != (long)loops * 435) {
    printf("FAIL nowait reductions total=%ld want %ld\n", total, (long)loops * 435);
    fails++;
  }
  if (fails == 0) printf("OK omp_reduce_order threads=%d\n", threads);
  return fails != 0;
}
