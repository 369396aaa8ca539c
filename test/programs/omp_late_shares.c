/* Shares of late threads run by the forker (openmp/thread.ts runLateShares): every thread number's share of a
 * region runs exactly once, with its own thread number and, when the program has threadprivate data, with that
 * thread's copy; regions with a barrier or a reduction (which no one can pass without every member) still work.
 *   omp_late_shares [tp]   (tp: also check a threadprivate variable that persists across regions)
 * Prints "late=K ok" where K counts shares of thread numbers >= 1 that ran on the main thread's stack (the main
 * stack sits below all data with --stack-first; other threads' stacks are on the heap). */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define REGIONS 20000
#define MAXT 8

static int tp = -1;
#pragma omp threadprivate(tp)

static int runs[MAXT * 16]; /* one cache line per thread number */
static int late, bad;

int main(int argc, char **argv) {
  int check_tp = argc > 1 && strcmp(argv[1], "tp") == 0;
  char here;
  uintptr_t main_stack = (uintptr_t)&here;
  int nthreads = 0;
  for (int r = 0; r < REGIONS; r++) {
#pragma omp parallel
    {
      int t = omp_get_thread_num();
      volatile char mine;
      if (r == 0 && t == 0) nthreads = omp_get_num_threads();
      if (t < MAXT) runs[t * 16]++;
      if (t > 0 && (uintptr_t)&mine < main_stack) {
#pragma omp atomic
        late++;
      }
      if (check_tp) {
        if (r > 0 && tp != t * 100000 + r - 1) {
#pragma omp atomic
          bad++;
        }
        tp = t * 100000 + r;
      }
    }
    if (r % 1000 == 999) { /* now and then a region that needs every member */
      double sum = 0;
#pragma omp parallel reduction(+ : sum)
      {
        sum += omp_get_thread_num() + 1;
#pragma omp barrier
      }
      if (sum != nthreads * (nthreads + 1) / 2.0) bad++;
    }
  }
  for (int t = 0; t < nthreads && t < MAXT; t++)
    if (runs[t * 16] != REGIONS) {
      printf("thread number %d ran %d shares of %d regions\n", t, runs[t * 16], REGIONS);
      bad++;
    }
  if (bad) {
    printf("FAILED bad=%d threads=%d\n", bad, nthreads);
    return 1;
  }
  printf("late=%d threads=%d ok\n", late, nthreads);
  return 0;
}
