/* Parallel regions and the execution-environment routines: team sizes from OMP_NUM_THREADS, num_threads, if(),
 * omp_set_num_threads; thread numbers, levels, ancestors and team sizes outside, inside and in nested regions
 * (serialised with max-active-levels 1, real teams with 2); proc_bind; master and masked; barrier phases;
 * flush between a producer and a consumer; omp_get_wtime/wtick; omp_set/get_dynamic; data-sharing clauses.
 * Self-checking: failures print "FAIL: ..." and exit 1; success prints "OK omp_parallel threads=N". */
#include "omp_check.h"
#include <limits.h>
#include <string.h>
#include <time.h>

#define MAXT 64

static volatile int zero = 0, one = 1; /* if() conditions the compiler cannot fold */

/* The whole level/ancestor/team-size picture of the calling thread at nesting level 1. */
static void expect_level1(int n, int tid, const char *what) {
  expect(n, omp_get_num_threads(), "%s: omp_get_num_threads", what);
  expect(1, omp_get_level(), "%s: omp_get_level", what);
  expect(n > 1, omp_get_active_level(), "%s: omp_get_active_level", what);
  expect(n > 1, omp_in_parallel() != 0, "%s: omp_in_parallel (a team of one is inactive)", what);
  expect(0, omp_get_ancestor_thread_num(0), "%s: omp_get_ancestor_thread_num(0)", what);
  expect(tid, omp_get_ancestor_thread_num(1), "%s: omp_get_ancestor_thread_num(1)", what);
  expect(-1, omp_get_ancestor_thread_num(2), "%s: omp_get_ancestor_thread_num(2) beyond the level", what);
  expect(-1, omp_get_ancestor_thread_num(-1), "%s: omp_get_ancestor_thread_num(-1)", what);
  expect(1, omp_get_team_size(0), "%s: omp_get_team_size(0)", what);
  expect(n, omp_get_team_size(1), "%s: omp_get_team_size(1)", what);
  expect(-1, omp_get_team_size(2), "%s: omp_get_team_size(2) beyond the level", what);
}

/* Runs a region whose team must have exactly `want` threads, each thread number once. */
static void expect_team(int want, int seen[MAXT], const char *what) {
  for (int t = 0; t < MAXT; t++) expect(t < want, seen[t], "%s: thread %d ran the region", what, t);
}

static void test_outside(void) {
  expect(0, omp_in_parallel(), "omp_in_parallel outside");
  expect(1, omp_get_num_threads(), "omp_get_num_threads outside");
  expect(0, omp_get_thread_num(), "omp_get_thread_num outside");
  expect(0, omp_get_level(), "omp_get_level outside");
  expect(0, omp_get_active_level(), "omp_get_active_level outside");
  expect(0, omp_get_ancestor_thread_num(0), "omp_get_ancestor_thread_num(0) outside");
  expect(-1, omp_get_ancestor_thread_num(1), "omp_get_ancestor_thread_num(1) outside");
  expect(1, omp_get_team_size(0), "omp_get_team_size(0) outside");
  expect(-1, omp_get_team_size(1), "omp_get_team_size(1) outside");
  expect(1, omp_get_max_threads() >= 1, "omp_get_max_threads >= 1");
  expect(1, omp_get_thread_limit() >= omp_get_max_threads(), "omp_get_thread_limit >= omp_get_max_threads");
  expect(1, omp_get_num_procs() >= 1, "omp_get_num_procs >= 1");
  expect(1, omp_get_supported_active_levels() >= 2, "omp_get_supported_active_levels >= 2 (nesting supported)");
}

static void test_default_team(void) {
  int n = omp_get_max_threads(), seen[MAXT] = {0}, bad_max = 0;
#pragma omp parallel
  {
    int tid = omp_get_thread_num();
#pragma omp atomic
    seen[tid < MAXT ? tid : MAXT - 1]++;
    expect_level1(n, tid, "default team");
    /* Inside a region, max threads is the nthreads-var of the implicit task: unchanged. */
    if (omp_get_max_threads() != n) {
#pragma omp atomic write
      bad_max = 1;
    }
  }
  expect_team(n, seen, "default team");
  expect(0, bad_max, "omp_get_max_threads inside the region");
}

static void test_num_threads_and_if(void) {
  for (int want = 1; want <= 5; want++) {
    int seen[MAXT] = {0};
#pragma omp parallel num_threads(want)
    {
#pragma omp atomic
      seen[omp_get_thread_num()]++;
      expect_level1(want, omp_get_thread_num(), "num_threads");
    }
    expect_team(want, seen, "num_threads");
  }
  int seen0[MAXT] = {0}, seen1[MAXT] = {0};
#pragma omp parallel num_threads(3) if (zero)
  {
#pragma omp atomic
    seen0[omp_get_thread_num()]++;
    expect_level1(1, 0, "if(0)");
  }
  expect_team(1, seen0, "if(0)");
#pragma omp parallel num_threads(3) if (one)
  {
#pragma omp atomic
    seen1[omp_get_thread_num()]++;
    expect_level1(3, omp_get_thread_num(), "if(1)");
  }
  expect_team(3, seen1, "if(1)");

  int before = omp_get_max_threads(), seen3[MAXT] = {0};
  omp_set_num_threads(3);
  expect(3, omp_get_max_threads(), "omp_get_max_threads after omp_set_num_threads(3)");
#pragma omp parallel
  {
#pragma omp atomic
    seen3[omp_get_thread_num()]++;
  }
  expect_team(3, seen3, "after omp_set_num_threads(3)");
  omp_set_num_threads(before);
  expect(before, omp_get_max_threads(), "omp_get_max_threads restored");
}

static void test_nested(void) {
  int saved = omp_get_max_active_levels();
  /* One active level: inner regions get a team of one, but still count as a level. */
  omp_set_max_active_levels(1);
  expect(1, omp_get_max_active_levels(), "omp_get_max_active_levels after set(1)");
  int serial_seen[MAXT] = {0};
#pragma omp parallel num_threads(2)
  {
    int outer = omp_get_thread_num();
#pragma omp parallel num_threads(3)
    {
#pragma omp atomic
      serial_seen[outer * 4 + omp_get_thread_num()]++;
      expect(1, omp_get_num_threads(), "serialised inner: omp_get_num_threads");
      expect(0, omp_get_thread_num(), "serialised inner: omp_get_thread_num");
      expect(2, omp_get_level(), "serialised inner: omp_get_level");
      expect(1, omp_get_active_level(), "serialised inner: omp_get_active_level");
      expect(1, omp_in_parallel() != 0, "serialised inner: omp_in_parallel (outer is active)");
      expect(outer, omp_get_ancestor_thread_num(1), "serialised inner: ancestor(1)");
      expect(0, omp_get_ancestor_thread_num(2), "serialised inner: ancestor(2)");
      expect(2, omp_get_team_size(1), "serialised inner: team_size(1)");
      expect(1, omp_get_team_size(2), "serialised inner: team_size(2)");
    }
  }
  for (int o = 0; o < 2; o++)
    for (int i = 0; i < 4; i++) expect(i == 0, serial_seen[o * 4 + i], "serialised inner: outer %d inner %d ran", o, i);

  /* Two active levels: inner teams are real teams with their own thread numbers; a third level is serialised. */
  omp_set_max_active_levels(2);
  expect(2, omp_get_max_active_levels(), "omp_get_max_active_levels after set(2)");
  int nested_seen[MAXT] = {0}, third_seen[MAXT] = {0};
#pragma omp parallel num_threads(2)
  {
    int outer = omp_get_thread_num();
#pragma omp parallel num_threads(3)
    {
      int inner = omp_get_thread_num();
#pragma omp atomic
      nested_seen[outer * 4 + inner]++;
      expect(3, omp_get_num_threads(), "nested inner: omp_get_num_threads");
      expect(2, omp_get_level(), "nested inner: omp_get_level");
      expect(2, omp_get_active_level(), "nested inner: omp_get_active_level");
      expect(outer, omp_get_ancestor_thread_num(1), "nested inner: ancestor(1)");
      expect(inner, omp_get_ancestor_thread_num(2), "nested inner: ancestor(2)");
      expect(2, omp_get_team_size(1), "nested inner: team_size(1)");
      expect(3, omp_get_team_size(2), "nested inner: team_size(2)");
#pragma omp parallel num_threads(2)
      {
#pragma omp atomic
        third_seen[outer * 4 + inner]++;
        expect(1, omp_get_num_threads(), "third level: omp_get_num_threads");
        expect(3, omp_get_level(), "third level: omp_get_level");
        expect(2, omp_get_active_level(), "third level: omp_get_active_level");
        expect(inner, omp_get_ancestor_thread_num(2), "third level: ancestor(2)");
        expect(1, omp_get_team_size(3), "third level: team_size(3)");
      }
      /* A barrier in the inner team only synchronises the inner team. */
#pragma omp barrier
    }
  }
  for (int o = 0; o < 2; o++)
    for (int i = 0; i < 4; i++) {
      expect(i < 3, nested_seen[o * 4 + i], "nested inner: outer %d inner %d ran", o, i);
      expect(i < 3, third_seen[o * 4 + i], "third level under outer %d inner %d ran", o, i);
    }
  omp_set_max_active_levels(saved);
}

static void test_proc_bind(void) {
  int sizes[3] = {0};
#pragma omp parallel num_threads(2) proc_bind(close)
#pragma omp single
  sizes[0] = omp_get_num_threads();
#pragma omp parallel num_threads(2) proc_bind(spread)
#pragma omp single
  sizes[1] = omp_get_num_threads();
#pragma omp parallel num_threads(2) proc_bind(master)
#pragma omp single
  sizes[2] = omp_get_num_threads();
  for (int i = 0; i < 3; i++) expect(2, sizes[i], "proc_bind variant %d: team size", i);
}

static void test_master_masked(void) {
  int n = omp_get_max_threads();
  int master_by[MAXT] = {0}, masked_by[MAXT] = {0}, masked0_by[MAXT] = {0};
#pragma omp parallel
  {
    int tid = omp_get_thread_num();
#pragma omp master
    master_by[tid]++;
#pragma omp masked filter(1)
    masked_by[tid]++;
#pragma omp masked
    masked0_by[tid]++;
  }
  for (int t = 0; t < n; t++) {
    expect(t == 0, master_by[t], "master ran on thread %d", t);
    expect(t == 1, masked_by[t], "masked filter(1) ran on thread %d", t);
    expect(t == 0, masked0_by[t], "masked (filter 0) ran on thread %d", t);
  }
}

static void test_barrier_phases(void) {
  enum { PHASES = 20 };
  static int slot[PHASES][MAXT];
  memset(slot, 0, sizeof slot);
#pragma omp parallel
  {
    int tid = omp_get_thread_num(), n = omp_get_num_threads();
    for (int k = 0; k < PHASES; k++) {
      slot[k][tid] = k * 100 + tid + 1;
#pragma omp barrier
      /* Every thread has written phase k, and nobody has moved on to overwrite anything. */
      for (int t = 0; t < n; t++) expect(k * 100 + t + 1, slot[k][t], "phase %d: thread %d sees slot %d", k, tid, t);
    }
  }
}

static void test_flush(void) {
  int data = 0, flag = 0, got = -1, team = 0;
#pragma omp parallel num_threads(2) shared(data, flag, got, team)
  {
    team = omp_get_num_threads(); /* both write 2 */
#pragma omp barrier
    if (team == 2) {
      if (omp_get_thread_num() == 0) {
        data = 4242;
#pragma omp flush
#pragma omp atomic write
        flag = 1;
      } else {
        int f = 0;
        while (!f) {
#pragma omp atomic read
          f = flag;
        }
#pragma omp flush
        got = data;
      }
    }
  }
  expect(2, team, "flush: team size");
  expect(4242, got, "flush: the consumer sees the producer's data");
}

static double monotonic_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void test_wtime(void) {
  double tick = omp_get_wtick();
  expect(1, tick > 0 && tick < 0.01, "omp_get_wtick in (0, 0.01): %g", tick);
  double w0 = omp_get_wtime(), m0 = monotonic_now(), prev = w0;
  int backwards = 0;
  while (monotonic_now() - m0 < 0.01) {
    double w = omp_get_wtime();
    if (w < prev) backwards++;
    prev = w;
  }
  double elapsed = omp_get_wtime() - w0;
  expect(0, backwards, "omp_get_wtime went backwards");
  expect(1, elapsed >= 0.009 && elapsed < 5, "omp_get_wtime measured a 10 ms wait as %g s", elapsed);
  /* Every thread's clock moves forward too. */
  int bad = 0;
#pragma omp parallel reduction(+ : bad)
  {
    double a = omp_get_wtime(), b = omp_get_wtime();
    bad += b < a;
  }
  expect(0, bad, "omp_get_wtime inside the region went backwards");
}

static void test_dynamic(void) {
  int n = omp_get_max_threads();
  expect(0, omp_get_dynamic(), "omp_get_dynamic by default");
  omp_set_dynamic(1);
  expect(1, omp_get_dynamic(), "omp_get_dynamic after omp_set_dynamic(1)");
  int team = 0;
#pragma omp parallel
#pragma omp single
  team = omp_get_num_threads();
  expect(1, team >= 1 && team <= n, "dynamic team of %d threads within [1, max threads]", team);
  omp_set_dynamic(0);
  expect(0, omp_get_dynamic(), "omp_get_dynamic after omp_set_dynamic(0)");
}

static void test_data_sharing(void) {
  int n = omp_get_max_threads();
  int shared_sum = 0, fp = 10, priv = -5, bad_fp = 0, bad_priv = 0;
#pragma omp parallel default(none) shared(shared_sum, bad_fp, bad_priv) firstprivate(fp) private(priv)
  {
    int tid = omp_get_thread_num();
    priv = tid * 7;
    if (fp != 10) {
#pragma omp atomic
      bad_fp++;
    }
    fp += tid; /* private copy: nobody else sees it */
#pragma omp barrier
    if (fp != 10 + tid || priv != tid * 7) {
#pragma omp atomic
      bad_priv++;
    }
#pragma omp atomic
    shared_sum += tid + 1;
  }
  expect(n * (n + 1) / 2, shared_sum, "shared sum of tid+1");
  expect(10, fp, "firstprivate leaves the original alone");
  expect(-5, priv, "private leaves the original alone");
  expect(0, bad_fp, "firstprivate copies start with the original value");
  expect(0, bad_priv, "private copies are per thread");
}

int main(void) {
  check_init();
  test_outside();
  test_default_team();
  test_num_threads_and_if();
  test_nested();
  test_proc_bind();
  test_master_masked();
  test_barrier_phases();
  test_flush();
  test_wtime();
  test_dynamic();
  test_data_sharing();
  test_outside(); /* nothing above leaked a level */
  return check_finish("omp_parallel");
}
