/* OpenMP costs in a fresh job, before any warm-up (our own code): what a short program pays.
 *   omp_warmup forks [N=40000]
 *     N empty parallel regions; prints the first region's time and the mean per region over regions 2-100,
 *     101-2000, 2001-20000 and 20001-N ("bucket=NAME from=A to=B mean_us=X").
 *   omp_warmup construct NAME [reps=2000] [delay_ns=100]
 *     The first `reps` instances of one construct (parallel, for, barrier, single, critical, lock, reduction),
 *     EPCC style: (time of the test - time of the same delays without the construct) / reps. The test is the
 *     first OpenMP code of the job, so its time includes starting the team (the enclosing region's fork, for
 *     constructs inside one region). Prints "construct=NAME threads=T reps=R overhead_us=X".
 * The clock is read only at bucket edges: reading it costs a host call in wasm. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int nthreads;
static int delay_length = 1;
static omp_lock_t lock;
static int reduction_result;

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

__attribute__((noinline)) static void delay(int n) {
  volatile int a = 0;
  for (int i = 0; i < n; i++) a += i;
}

/* The delay length that takes about delay_ns (best of 5 batches per length). Runs no OpenMP code. */
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

static void empty_regions(int count) {
  for (int i = 0; i < count; i++) {
#pragma omp parallel
    delay(0);
  }
}

static void forks(int n) {
  static const int edges[] = {1, 100, 2000, 20000};
  static const char *names[] = {"first", "2-100", "101-2000", "2001-20000", "steady"};
  int done = 0;
  for (int b = 0; b < 5 && done < n; b++) {
    int to = b < 4 ? edges[b] : n;
    if (to > n) to = n;
    double t0 = now_us();
    empty_regions(to - done);
    double t = now_us() - t0;
    printf("bucket=%s from=%d to=%d mean_us=%.3f\n", names[b], done + 1, to, t / (to - done));
    done = to;
  }
}

static void test_parallel(int reps) {
  for (int j = 0; j < reps; j++) {
#pragma omp parallel
    delay(delay_length);
  }
}

static void test_for(int reps) {
#pragma omp parallel
  for (int j = 0; j < reps; j++) {
#pragma omp for
    for (int i = 0; i < nthreads; i++) delay(delay_length);
  }
}

static void test_barrier(int reps) {
#pragma omp parallel
  for (int j = 0; j < reps; j++) {
    delay(delay_length);
#pragma omp barrier
  }
}

static void test_single(int reps) {
#pragma omp parallel
  for (int j = 0; j < reps; j++) {
#pragma omp single
    delay(delay_length);
  }
}

static void test_critical(int reps) {
#pragma omp parallel
  for (int j = 0; j < reps / nthreads; j++) {
#pragma omp critical
    delay(delay_length);
  }
}

static void test_lock(int reps) {
#pragma omp parallel
  for (int j = 0; j < reps / nthreads; j++) {
    omp_set_lock(&lock);
    delay(delay_length);
    omp_unset_lock(&lock);
  }
}

static void test_reduction(int reps) {
  for (int j = 0; j < reps; j++) {
    int sum = 0;
#pragma omp parallel reduction(+ : sum)
    {
      delay(delay_length);
      sum += 1;
    }
    reduction_result = sum;
  }
}

static void ref_serial(int reps) {
  for (int j = 0; j < reps; j++) delay(delay_length);
}

static const struct {
  const char *name;
  void (*test)(int);
} constructs[] = {
    {"parallel", test_parallel}, {"for", test_for}, {"barrier", test_barrier}, {"single", test_single},
    {"critical", test_critical}, {"lock", test_lock}, {"reduction", test_reduction},
};

static int construct(const char *name, int reps, double delay_ns) {
  for (unsigned i = 0; i < sizeof constructs / sizeof constructs[0]; i++) {
    if (strcmp(constructs[i].name, name) != 0) continue;
    calibrate_delay(delay_ns);
    reps = reps / nthreads * nthreads; /* critical and lock: each thread does reps/nthreads */
    double t0 = now_us();
    constructs[i].test(reps);
    double test = now_us() - t0;
    t0 = now_us();
    ref_serial(reps);
    double ref = now_us() - t0;
    if (strcmp(name, "reduction") == 0 && reduction_result != nthreads) {
      fprintf(stderr, "reduction gave %d, expected %d\n", reduction_result, nthreads);
      return 1;
    }
    printf("# %s: test=%.1fus reference=%.1fus delay_length=%d\n", name, test, ref, delay_length);
    printf("construct=%s threads=%d reps=%d overhead_us=%.4f\n", name, nthreads, reps, (test - ref) / reps);
    return 0;
  }
  fprintf(stderr, "omp_warmup: unknown construct '%s'\n", name);
  return 2;
}

int main(int argc, char **argv) {
  nthreads = omp_get_max_threads();
  omp_init_lock(&lock);
  int rc = 2;
  if (argc > 1 && strcmp(argv[1], "forks") == 0) {
    forks(argc > 2 ? atoi(argv[2]) : 40000);
    rc = 0;
  } else if (argc > 2 && strcmp(argv[1], "construct") == 0) {
    rc = construct(argv[2], argc > 3 ? atoi(argv[3]) : 2000, argc > 4 ? atof(argv[4]) : 100);
  } else {
    fprintf(stderr, "usage: omp_warmup forks [N] | omp_warmup construct NAME [reps] [delay_ns]\n");
  }
  omp_destroy_lock(&lock);
  return rc;
}
