// Two translation units (main.c, other.c) with the same named critical and with reductions: clang-19 emits the
// critical locks as strong definitions for wasm32, so this failed to link ("duplicate symbol"). Both files must
// share ONE lock: a non-atomic read-modify-write of a shared counter inside critical(tally) from both files'
// loops, running at the same time, must lose no update. Prints "OK tc_critical threads=N".
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#define ITERATIONS 5000

volatile long tally;   // only touched inside critical(tally)

long other_sum(const int *v, int n);           // other.c: reduction(+)
void other_bump(int iterations);               // other.c: critical(tally) loop

// Read, dawdle, write: without mutual exclusion concurrent updates overwrite each other.
static void bump(void) {
  long seen = tally;
  for (volatile int spin = 0; spin < 1000; spin++) {}
  tally = seen + 1;
}

static long main_sum(const int *v, int n) {
  long s = 0;
#pragma omp parallel for reduction(+ : s)
  for (int i = 0; i < n; i++) s += v[i];
  return s;
}

int main(void) {
  int failures = 0;
  int v[1000];
  for (int i = 0; i < 1000; i++) v[i] = i + 1;
  long a = main_sum(v, 1000), b = other_sum(v, 1000);
  if (a != 500500 || b != 500500) { printf("FAIL: reductions expected 500500 got %ld and %ld\n", a, b); failures++; }

  int threads = 1;
  // Half of each team runs this file's loop, the other half other.c's, all at once.
#pragma omp parallel
  {
#pragma omp single
    threads = omp_get_num_threads();  // single ends with a barrier: all threads start the loops together
    if (omp_get_thread_num() % 2 == 0) {
      for (int i = 0; i < ITERATIONS; i++) {
#pragma omp critical(tally)
        bump();
      }
    } else {
      other_bump(ITERATIONS);
    }
  }
  long expected = (long)threads * ITERATIONS;
  if (tally != expected) { printf("FAIL: critical(tally) counter expected %ld got %ld\n", expected, tally); failures++; }
  if (failures) return 1;
  printf("OK tc_critical threads=%d\n", threads);
  return 0;
}
