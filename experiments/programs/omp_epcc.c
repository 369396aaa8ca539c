/* OpenMP synchronisation overheads, in the manner of the EPCC syncbench (our own code).
 * Each test runs `inner` instances of a construct around a short delay, `outer` times; the overhead per
 * instance is (test time - reference time) / instances, where the reference is the same delay work without the
 * construct (plus one empty parallel region for tests that put all instances in one). `inner` grows until the
 * instances take at least target_us, so slow runtimes stay bounded in time.
 * Prints "construct=NAME threads=T overhead_us=X" per construct (the median over outer reps), and '#' comments.
 * Usage: omp_epcc [outer_reps=15] [target_us=1000] [delay_ns=100] */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int outer_reps = 15;
static double target_us = 1000;
static int delay_length; /* iterations of the delay loop, calibrated to delay_ns */
static int nthreads;
static double fork_us; /* one empty parallel region (median) */
static int dyn_iters_per_thread = 128;
static omp_lock_t lock;
static int atomic_counter;
static int reduction_result;

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/* The work inside each construct: a loop the compiler must keep (volatile), not inlined so every test runs
 * exactly the same code as its reference. */
__attribute__((noinline)) static void delay(int n) {
  volatile int a = 0;
  for (int i = 0; i < n; i++) a += i;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *xs, int n) {
  qsort(xs, n, sizeof *xs, cmp_double);
  return xs[n / 2];
}

/* Finds the delay length that takes about delay_ns: the best of 5 batches of 10000 calls per length, so a
 * preempted batch does not pass for a slow delay. */
static void calibrate_delay(double delay_ns) {
  int n = 1;
  for (;;) {
    double per_call_ns = 1e300;
    for (int b = 0; b < 5; b++) {
      double t0 = now_us();
      for (int i = 0; i < 10000; i++) delay(n);
      double t = (now_us() - t0) * 1e3 / 10000;
      if (t < per_call_ns) per_call_ns = t;
    }
    if (per_call_ns >= delay_ns || n >= 1 << 20) {
      delay_length = (int)(n * delay_ns / per_call_ns + 0.5);
      if (delay_length < 1) delay_length = 1;
      return;
    }
    n *= 2;
  }
}

/* ---- the tests: each runs `inner` instances; the matching reference does the same delays without the construct ---- */

static void test_parallel(int inner) {
  for (int j = 0; j < inner; j++) {
#pragma omp parallel
    delay(delay_length);
  }
}

static void test_for(int inner) {
#pragma omp parallel
  for (int j = 0; j < inner; j++) {
#pragma omp for
    for (int i = 0; i < nthreads; i++) delay(delay_length);
  }
}

static void test_parallel_for(int inner) {
  for (int j = 0; j < inner; j++) {
#pragma omp parallel for
    for (int i = 0; i < nthreads; i++) delay(delay_length);
  }
}

static void test_barrier(int inner) {
#pragma omp parallel
  for (int j = 0; j < inner; j++) {
    delay(delay_length);
#pragma omp barrier
  }
}

static void test_single(int inner) {
#pragma omp parallel
  for (int j = 0; j < inner; j++) {
#pragma omp single
    delay(delay_length);
  }
}

/* critical, lock and atomic: each thread does inner/nthreads instances, so inner in all. */
static void test_critical(int inner) {
#pragma omp parallel
  for (int j = 0; j < inner / nthreads; j++) {
#pragma omp critical
    delay(delay_length);
  }
}

static void test_lock(int inner) {
#pragma omp parallel
  for (int j = 0; j < inner / nthreads; j++) {
    omp_set_lock(&lock);
    delay(delay_length);
    omp_unset_lock(&lock);
  }
}

static void test_atomic(int inner) {
#pragma omp parallel
  for (int j = 0; j < inner / nthreads; j++) {
    delay(delay_length);
#pragma omp atomic
    atomic_counter += 1;
  }
}

static void test_reduction(int inner) {
  for (int j = 0; j < inner; j++) {
    int sum = 0;
#pragma omp parallel reduction(+ : sum)
    {
      delay(delay_length);
      sum += 1;
    }
    reduction_result = sum;
  }
}

/* Per instance of the construct, dyn_iters_per_thread iterations per thread, dealt one at a time. */
static void test_dynamic(int inner) {
#pragma omp parallel
  for (int j = 0; j < inner; j++) {
#pragma omp for schedule(dynamic, 1)
    for (int i = 0; i < dyn_iters_per_thread * nthreads; i++) delay(delay_length);
  }
}

/* References: the delays one thread does in the test, in sequence (critical sections and locks serialise
 * all inner delays). */
static void ref_serial(int inner) {
  for (int j = 0; j < inner; j++) delay(delay_length);
}

/* Atomic updates (unlike critical sections) overlap their delays across threads: each thread does
 * inner/nthreads. */
static void ref_atomic(int inner) {
  for (int j = 0; j < inner / nthreads; j++) delay(delay_length);
}

static void ref_dynamic(int inner) {
  for (int j = 0; j < inner * dyn_iters_per_thread; j++) delay(delay_length);
}

struct construct {
  const char *name;
  void (*test)(int inner);
  void (*ref)(int inner);
  /* The test runs all its instances inside one parallel region the reference does not have. */
  int in_region;
  /* Instances of the construct per inner rep, as one thread sees them: 1; 1/nthreads for atomic (each thread
   * does inner/nthreads updates, overlapping); the iterations per thread of the dynamic loop. */
  double per_inner;
};

/* delay(0) keeps the region: clang deletes parallel regions without side effects. */
static void empty_region(int inner) {
  (void)inner;
#pragma omp parallel
  delay(0);
}

static double time_us(void (*fn)(int), int inner) {
  double t0 = now_us();
  fn(inner);
  return now_us() - t0;
}

/* The fastest of 3 runs: a run in which a thread was preempted says little about the construct. */
static double best_of_3(void (*fn)(int), int inner) {
  double best = time_us(fn, inner);
  for (int k = 1; k < 3; k++) {
    double t = time_us(fn, inner);
    if (t < best) best = t;
  }
  return best;
}

/* Doubles inner from nthreads (a multiple of nthreads, for the inner/nthreads loops) until the instances in
 * one test run take target_us: without the enclosing region, which could otherwise pass for them when forking
 * is slow. */
static int choose_inner(const struct construct *c) {
  int inner = nthreads;
  while (best_of_3(c->test, inner) - c->in_region * fork_us < target_us && inner < (1 << 28)) inner *= 2;
  return inner;
}

/* Runs every construct for a while before anything is measured: overheads are steady-state figures. (A JIT
 * runtime optimises its code during the first thousands of constructs; native runs are unaffected.) */
static double warm_up(const struct construct *cs, unsigned n, double ms) {
  double t0 = now_us();
  while (now_us() - t0 < ms * 1000)
    for (unsigned i = 0; i < n; i++) cs[i].test(64);
  return (now_us() - t0) / 1000;
}

static void measure(const struct construct *c) {
  int inner = choose_inner(c);
  double *tests = malloc(outer_reps * sizeof *tests), *refs = malloc(outer_reps * sizeof *refs);
  for (int k = 0; k < outer_reps; k++) {
    refs[k] = time_us(c->ref, inner);
    tests[k] = time_us(c->test, inner);
  }
  double ref = median(refs, outer_reps) + c->in_region * fork_us;
  for (int k = 0; k < outer_reps; k++) tests[k] = (tests[k] - ref) / ((inner * c->per_inner));
  double overhead = median(tests, outer_reps);
  printf("# %s: inner=%d reference=%.1fus\n", c->name, inner, ref);
  printf("construct=%s threads=%d overhead_us=%.4f\n", c->name, nthreads, overhead);
  fflush(stdout);
  free(tests);
  free(refs);
}

int main(int argc, char **argv) {
  if (argc > 1) outer_reps = atoi(argv[1]);
  if (argc > 2) target_us = atof(argv[2]);
  double delay_ns = argc > 3 ? atof(argv[3]) : 100;
  if (outer_reps < 1 || target_us <= 0 || delay_ns <= 0) {
    fprintf(stderr, "usage: omp_epcc [outer_reps] [target_us] [delay_ns]\n");
    return 2;
  }
  nthreads = omp_get_max_threads();
  omp_init_lock(&lock);
  /* Start the thread team before timing anything. */
  for (int i = 0; i < 100; i++) test_parallel(1);
  calibrate_delay(delay_ns);
  double forks[21];
  for (int i = 0; i < 21; i++) forks[i] = time_us(empty_region, 0);
  fork_us = median(forks, 21);
  double t0 = now_us();
  for (int i = 0; i < 100000; i++) delay(delay_length);
  printf("# threads=%d delay_length=%d delay_us=%.4f empty_region_us=%.3f outer_reps=%d target_us=%.0f\n", nthreads,
         delay_length, (now_us() - t0) / 100000, fork_us, outer_reps, target_us);

  const struct construct constructs[] = {
      {"parallel", test_parallel, ref_serial, 0, 1},
      {"for", test_for, ref_serial, 1, 1},
      {"parallel_for", test_parallel_for, ref_serial, 0, 1},
      {"barrier", test_barrier, ref_serial, 1, 1},
      {"single", test_single, ref_serial, 1, 1},
      {"critical", test_critical, ref_serial, 1, 1},
      {"lock", test_lock, ref_serial, 1, 1},
      {"atomic", test_atomic, ref_atomic, 1, 1.0 / nthreads},
      {"reduction", test_reduction, ref_serial, 0, 1},
      {"dynamic_1", test_dynamic, ref_dynamic, 1, dyn_iters_per_thread},
  };
  unsigned count = sizeof constructs / sizeof constructs[0];
  printf("# warm_up_ms=%.0f\n", warm_up(constructs, count, 500));
  for (unsigned i = 0; i < count; i++) measure(&constructs[i]);
  /* Keep the side effects observable (and sanity-check them). */
  if (reduction_result != nthreads) {
    fprintf(stderr, "reduction gave %d, expected %d\n", reduction_result, nthreads);
    return 1;
  }
  printf("# atomic_counter=%d\n", atomic_counter);
  omp_destroy_lock(&lock);
  return 0;
}
