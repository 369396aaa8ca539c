/* Worksharing: loops under every schedule (static, static chunk 1 and 7, dynamic chunk 1 and 5, guided default
 * and chunk 3, runtime as set by omp_set_schedule, auto, monotonic/nonmonotonic modifiers) over int, unsigned,
 * long long and unsigned long long indices (clang's _4, _4u, _8, _8u entry points) counting up and down from
 * non-zero bounds, including empty loops and loops shorter than the team: every iteration runs exactly once, and
 * static chunks go round-robin by thread number as the standard defines. collapse(2), collapse(3) and a
 * triangular collapse; nowait; lastprivate (also on the loop variable); firstprivate; ordered
 * (the ordered sections must run strictly in iteration order); sections (lastprivate); single, single nowait and
 * single copyprivate; orphaned worksharing. Self-checking: failures print "FAIL: ..." and exit 1; success
 * prints "OK omp_loops threads=N". */
#include "omp_check.h"
#include <limits.h>
#include <string.h>

#define MAXN 1024
#define MAXT 64
#define PRAGMA(x) _Pragma(#x)

static int count[MAXN], owner[MAXN], stray, team;
static volatile int zero = 0; /* bounds the compiler cannot fold */

/* Called for logical iteration k (0 = the first iteration of the sequential loop). */
static void record(long long k) {
  int tid = omp_get_thread_num();
  if (k < 0 || k >= MAXN) {
#pragma omp atomic
    stray++;
    return;
  }
#pragma omp atomic
  count[k]++;
#pragma omp atomic write
  owner[k] = tid;
#pragma omp atomic write
  team = omp_get_num_threads();
}

static void reset(void) {
  memset(count, 0, sizeof count);
  memset(owner, -1, sizeof owner);
  stray = 0;
  team = 0;
}

/* How iterations must be spread over threads: the standard fixes it for static (chunked: round-robin; not
 * chunked: at most one contiguous chunk per thread, of about equal size) and for the chunks of dynamic. */
enum kind { K_STATIC, K_DYNAMIC, K_ANY };

static void check(const char *what, long long n, enum kind kind, int chunk) {
  int nth = omp_get_max_threads();
  expect(0, stray, "%s n=%lld: iterations outside the loop", what, n);
  for (long long k = 0; k < MAXN; k++) expect(k < n, count[k], "%s n=%lld: iteration %lld ran", what, n, k);
  if (n > 0) expect(nth, team, "%s n=%lld: team size", what, n);
  if (kind == K_STATIC && chunk > 0) {
    for (long long k = 0; k < n; k++) expect((k / chunk) % nth, owner[k], "%s n=%lld: owner of iteration %lld", what, n, k);
  } else if (kind == K_STATIC) {
    int blocks[MAXT] = {0}, sizes[MAXT] = {0};
    for (long long k = 0; k < n; k++) {
      if (owner[k] < 0 || owner[k] >= MAXT) continue;
      if (k == 0 || owner[k] != owner[k - 1]) blocks[owner[k]]++;
      sizes[owner[k]]++;
    }
    long long most = (n + nth - 1) / nth;
    for (int t = 0; t < nth; t++) {
      expect(1, blocks[t] <= 1, "%s n=%lld: thread %d got %d chunks", what, n, t, blocks[t]);
      expect(1, sizes[t] <= most, "%s n=%lld: thread %d got %d of %lld iterations", what, n, t, sizes[t], n);
    }
  } else if (kind == K_DYNAMIC) {
    int c = chunk > 0 ? chunk : 1;
    for (long long k = 0; k < n; k++) expect(owner[k / c * c], owner[k], "%s n=%lld: chunk of iteration %lld on one thread", what, n, k);
  }
}

/* For each index type and schedule, a loop counting up (i = lo, lo+step, ... < hi) and one counting down
 * (i = hi, hi-step, ... >= lo + step), both of n iterations. */
#define LOOPS(T, TAG, SNAME, SCHED)                                                                       \
  static void up_##TAG##_##SNAME(T lo, T step, T hi) {                                                  \
    PRAGMA(omp parallel for SCHED)                                                                       \
    for (T i = lo; i < hi; i += step) record((long long)((i - lo) / step));                              \
  }                                                                                                      \
  static void down_##TAG##_##SNAME(T lo, T step, T hi) {                                                \
    T last = lo + step;                                                                                  \
    PRAGMA(omp parallel for SCHED)                                                                       \
    for (T i = hi; i >= last; i -= step) record((long long)((hi - i) / step));                           \
  }

#define ALL_SCHEDULES(T, TAG)                                  \
  LOOPS(T, TAG, static, schedule(static))                      \
  LOOPS(T, TAG, static1, schedule(static, 1))                  \
  LOOPS(T, TAG, static7, schedule(static, 7))                  \
  LOOPS(T, TAG, dynamic1, schedule(dynamic))                   \
  LOOPS(T, TAG, dynamic5, schedule(dynamic, 5))                \
  LOOPS(T, TAG, guided, schedule(guided))                      \
  LOOPS(T, TAG, guided3, schedule(guided, 3))                  \
  LOOPS(T, TAG, runtime, schedule(runtime))                    \
  LOOPS(T, TAG, auto, schedule(auto))                          \
  LOOPS(T, TAG, nonmono, schedule(nonmonotonic : dynamic, 2))  \
  LOOPS(T, TAG, mono, schedule(monotonic : guided))            \
  LOOPS(T, TAG, nosched, )

ALL_SCHEDULES(int, i32)
ALL_SCHEDULES(unsigned, u32)
ALL_SCHEDULES(long long, i64)
ALL_SCHEDULES(unsigned long long, u64)

/* The runtime schedules tried: omp_set_schedule, then schedule(runtime) loops must follow it. */
static const struct { omp_sched_t kind; int chunk; enum kind check; } runtime_scheds[] = {
  {omp_sched_static, 2, K_STATIC}, {omp_sched_static, 0, K_STATIC}, {omp_sched_dynamic, 3, K_DYNAMIC},
  {omp_sched_guided, 2, K_ANY}, {omp_sched_auto, 0, K_ANY},
};

/* Every schedule of one index type over one (lo, step, n) case; the runtime loops once per runtime schedule. */
#define RUN_TYPE(T, TAG, LO, STEP, N)                                                                              \
  do {                                                                                                           \
    T lo_ = (LO), step_ = (STEP), hi_ = lo_ + (T)(N) * step_;                                                   \
    long long n_ = (N);                                                                                          \
    char w_[96];                                                                                                 \
    struct { void (*up)(T, T, T), (*down)(T, T, T); const char *name; enum kind kind; int chunk; } s_[] = {     \
      {up_##TAG##_static, down_##TAG##_static, "static", K_STATIC, 0},                                           \
      {up_##TAG##_static1, down_##TAG##_static1, "static,1", K_STATIC, 1},                                       \
      {up_##TAG##_static7, down_##TAG##_static7, "static,7", K_STATIC, 7},                                       \
      {up_##TAG##_dynamic1, down_##TAG##_dynamic1, "dynamic", K_DYNAMIC, 1},                                     \
      {up_##TAG##_dynamic5, down_##TAG##_dynamic5, "dynamic,5", K_DYNAMIC, 5},                                   \
      {up_##TAG##_guided, down_##TAG##_guided, "guided", K_ANY, 0},                                              \
      {up_##TAG##_guided3, down_##TAG##_guided3, "guided,3", K_ANY, 0},                                          \
      {up_##TAG##_auto, down_##TAG##_auto, "auto", K_ANY, 0},                                                    \
      {up_##TAG##_nonmono, down_##TAG##_nonmono, "nonmonotonic:dynamic,2", K_DYNAMIC, 2},                        \
      {up_##TAG##_mono, down_##TAG##_mono, "monotonic:guided", K_ANY, 0},                                        \
      {up_##TAG##_nosched, down_##TAG##_nosched, "no schedule", K_ANY, 0},                                       \
    };                                                                                                           \
    for (unsigned s = 0; s < sizeof s_ / sizeof s_[0]; s++) {                                                    \
      snprintf(w_, sizeof w_, "%s up %s from %s step %s", #T, s_[s].name, #LO, #STEP);                           \
      reset(); s_[s].up(lo_, step_, hi_); check(w_, n_, s_[s].kind, s_[s].chunk);                                \
      snprintf(w_, sizeof w_, "%s down %s to %s step %s", #T, s_[s].name, #LO, #STEP);                           \
      reset(); s_[s].down(lo_, step_, hi_); check(w_, n_, s_[s].kind, s_[s].chunk);                              \
    }                                                                                                            \
    for (unsigned r = 0; r < sizeof runtime_scheds / sizeof runtime_scheds[0]; r++) {                            \
      omp_set_schedule(runtime_scheds[r].kind, runtime_scheds[r].chunk);                                         \
      snprintf(w_, sizeof w_, "%s runtime(%d,%d) from %s step %s", #T, runtime_scheds[r].kind,                   \
               runtime_scheds[r].chunk, #LO, #STEP);                                                             \
      reset(); up_##TAG##_runtime(lo_, step_, hi_); check(w_, n_, runtime_scheds[r].check, runtime_scheds[r].chunk); \
      reset(); down_##TAG##_runtime(lo_, step_, hi_); check(w_, n_, runtime_scheds[r].check, runtime_scheds[r].chunk); \
    }                                                                                                            \
  } while (0)

static void test_schedules(void) {
  omp_sched_t saved_kind;
  int saved_chunk;
  omp_get_schedule(&saved_kind, &saved_chunk);
  /* Empty loops, one iteration, fewer iterations than threads, many; bounds away from zero and near the ends
   * of each type's range. */
  RUN_TYPE(int, i32, -17, 1, 0);
  RUN_TYPE(int, i32, 5, 1, 1);
  RUN_TYPE(int, i32, -3, 3, 3);
  RUN_TYPE(int, i32, -500, 1, 1000);
  RUN_TYPE(int, i32, 100, 7, 257);
  RUN_TYPE(int, i32, INT_MAX - 2000, 2, 900);
  RUN_TYPE(int, i32, INT_MIN + 1, 5, 333);
  RUN_TYPE(unsigned, u32, 7, 1, 0);
  RUN_TYPE(unsigned, u32, 9, 4, 2);
  RUN_TYPE(unsigned, u32, 3000000000u, 5, 777);
  RUN_TYPE(unsigned, u32, UINT_MAX - 5000, 3, 1000);
  RUN_TYPE(long long, i64, -5000000000LL, 13, 1000);
  RUN_TYPE(long long, i64, 11, 1, 3);
  RUN_TYPE(long long, i64, LLONG_MIN + 100, 1000000007LL, 500);
  RUN_TYPE(long long, i64, 40, 2, 0);
  RUN_TYPE(unsigned long long, u64, 1ULL << 40, 3, 1000);
  RUN_TYPE(unsigned long long, u64, ULLONG_MAX - 10000, 7, 999);
  RUN_TYPE(unsigned long long, u64, 2, 1, 1);
  RUN_TYPE(unsigned long long, u64, 5, 9, 0);
  omp_set_schedule(saved_kind, saved_chunk);
}

static void test_get_schedule(void) {
  omp_sched_t saved_kind, kind;
  int saved_chunk, chunk;
  omp_get_schedule(&saved_kind, &saved_chunk);
  const struct { omp_sched_t kind; int chunk; } set[] = {
    {omp_sched_static, 4}, {omp_sched_dynamic, 1}, {omp_sched_dynamic, 17}, {omp_sched_guided, 5}};
  for (unsigned i = 0; i < sizeof set / sizeof set[0]; i++) {
    omp_set_schedule(set[i].kind, set[i].chunk);
    omp_get_schedule(&kind, &chunk);
    expect(set[i].kind, kind, "omp_get_schedule kind after setting (%d, %d)", set[i].kind, set[i].chunk);
    expect(set[i].chunk, chunk, "omp_get_schedule chunk after setting (%d, %d)", set[i].kind, set[i].chunk);
  }
  omp_set_schedule(omp_sched_auto, 0);
  omp_get_schedule(&kind, &chunk);
  expect(omp_sched_auto, kind, "omp_get_schedule kind after setting auto");
  /* The setting belongs to the implicit task: a region's threads inherit it. */
  omp_set_schedule(omp_sched_dynamic, 6);
  int bad = 0;
#pragma omp parallel reduction(+ : bad)
  {
    omp_sched_t k;
    int c;
    omp_get_schedule(&k, &c);
    bad += k != omp_sched_dynamic || c != 6;
  }
  expect(0, bad, "threads that inherited run-sched-var (dynamic, 6)");
  omp_set_schedule(saved_kind, saved_chunk);
}

static void test_collapse(void) {
  /* collapse(2), static chunk 1: logical iteration (i, j) -> (i - 2) * 6 + (j + 6) / 3, round-robin. */
  reset();
#pragma omp parallel for collapse(2) schedule(static, 1)
  for (int i = 2; i < 9; i++)
    for (long long j = -6; j < 12; j += 3) record((i - 2) * 6 + (j + 6) / 3);
  check("collapse(2) static,1", 7 * 6, K_STATIC, 1);

  /* collapse(3) with a downward unsigned loop in the middle, dynamic. */
  reset();
#pragma omp parallel for collapse(3) schedule(dynamic, 2)
  for (int i = 0; i < 5; i++)
    for (unsigned j = 20; j > 8; j -= 4)
      for (long long k = 1000; k < 1007; k++) record(((long long)i * 3 + (20 - j) / 4) * 7 + (k - 1000));
  check("collapse(3) dynamic,2", 5 * 3 * 7, K_DYNAMIC, 2);

  /* An empty inner loop makes the whole collapsed nest empty. */
  reset();
  int five = zero + 5;
#pragma omp parallel for collapse(2)
  for (int i = 0; i < 10; i++)
    for (int j = 5; j < five; j++) record(i * 100 + j);
  check("collapse(2) empty inner", 0, K_ANY, 0);

  /* Triangular (non-rectangular) nest: 0 <= i <= j < 12. */
  static int tri[12][12];
  memset(tri, 0, sizeof tri);
#pragma omp parallel for collapse(2) schedule(guided)
  for (int i = 0; i < 12; i++)
    for (int j = i; j < 12; j++) {
#pragma omp atomic
      tri[i][j]++;
    }
  for (int i = 0; i < 12; i++)
    for (int j = 0; j < 12; j++) expect(j >= i, tri[i][j], "triangular collapse: (%d, %d) ran", i, j);
}

static void test_nowait(void) {
  enum { N = 500 };
  static int a[N], b[N];
  int bad = 0;
  memset(a, 0, sizeof a);
  memset(b, 0, sizeof b);
#pragma omp parallel reduction(+ : bad)
  {
    /* Same iteration count and static schedule: the standard gives each iteration to the same thread in both
     * loops, so the second may read what the first wrote without a barrier in between. */
#pragma omp for schedule(static) nowait
    for (int i = 0; i < N; i++) a[i] = 3 * i + 1;
#pragma omp for schedule(static) nowait
    for (int i = 0; i < N; i++) b[i] = a[i] + 1;
#pragma omp barrier
    for (int i = 0; i < N; i++) bad += b[i] != 3 * i + 2;
  }
  expect(0, bad, "nowait loops then barrier: wrong values seen");
}

static void test_private_clauses(void) {
  /* monotonic: native libomp 19 loses the last-iteration flag now and then when nonmonotonic dynamic (the
   * default for schedule(dynamic)) steals chunks, and the original keeps its old value. */
  int last = -1;
#pragma omp parallel for lastprivate(last) schedule(monotonic : dynamic, 3)
  for (int i = 0; i < 100; i++) last = i * 2;
  expect(198, last, "lastprivate dynamic,3: the sequentially last iteration's value");
  last = -1;
#pragma omp parallel for lastprivate(last) schedule(guided)
  for (unsigned long long i = 5; i < 1000; i += 10) last = (int)i;
  expect(995, last, "lastprivate guided: the sequentially last iteration's value");
  last = -1;
#pragma omp parallel for lastprivate(last) schedule(static, 4)
  for (long long i = 70; i > -30; i -= 3) last = (int)i;
  expect(-29, last, "lastprivate static,4 downward: the sequentially last iteration's value");

  int i;
#pragma omp parallel for lastprivate(i) schedule(static, 2)
  for (i = 3; i < 50; i += 4) {}
  expect(51, i, "lastprivate loop variable: value after sequential completion");

  /* (lastprivate(conditional:) is in omp_cpp.cpp: clang 19 ignores the modifier in C.) */

  int base = 1000, bad = 0;
  static int out[300];
#pragma omp parallel for firstprivate(base) reduction(+ : bad)
  for (int k = 0; k < 300; k++) {
    bad += base != 1000 && base != 1001; /* this thread's copy: 1000, then 1001 after its first iteration */
    out[k] = 1000 + k;
    base = 1001;
  }
  expect(1000, base, "firstprivate leaves the original alone");
  expect(0, bad, "firstprivate copies start from the original");
  for (int k = 0; k < 300; k++) expect(1000 + k, out[k], "firstprivate loop out[%d]", k);

  /* firstprivate and lastprivate on the same variable. */
  int fl = 7;
#pragma omp parallel for firstprivate(fl) lastprivate(fl) schedule(static)
  for (int k = 0; k < 40; k++) fl += k;
  /* The thread that ran iteration 39 started from 7 and added its own chunk, iterations s..39 for some s. */
  int suffix = 0, found = 0;
  for (int s = 39; s >= 0; s--) {
    suffix += s;
    found |= fl == 7 + suffix;
  }
  expect(1, found, "firstprivate+lastprivate: 7 plus the last chunk's iterations, got %d", fl);
}

/* The order ordered sections ran in, and a little unordered work so threads really interleave. */
static int order_seq[MAXN], order_pos;

#define ORDERED_LOOP(T, SCHED, LO, STEP, N, WHAT)                                          \
  do {                                                                                     \
    order_pos = 0;                                                                         \
    T lo_ = (LO), step_ = (STEP), hi_ = lo_ + (T)(N) * step_;                             \
    volatile int spin_ = 0;                                                                \
    PRAGMA(omp parallel for ordered SCHED)                                                 \
    for (T i = lo_; i < hi_; i += step_) {                                                 \
      for (int w = 0; w < (int)((i - lo_) / step_ % 7) * 50; w++) spin_++;                \
      _Pragma("omp ordered") { order_seq[order_pos++] = (int)((i - lo_) / step_); }        \
    }                                                                                      \
    expect((N), order_pos, "%s: ordered sections run", WHAT);                             \
    for (int k = 0; k < order_pos && k < (N); k++) expect(k, order_seq[k], "%s: ordered section %d", WHAT, k); \
  } while (0)

static void test_ordered(void) {
  ORDERED_LOOP(int, schedule(dynamic), 0, 1, 200, "ordered dynamic");
  ORDERED_LOOP(int, schedule(dynamic, 4), -50, 3, 150, "ordered dynamic,4");
  ORDERED_LOOP(int, schedule(static), 10, 1, 120, "ordered static");
  ORDERED_LOOP(int, schedule(static, 1), 10, 2, 99, "ordered static,1");
  ORDERED_LOOP(unsigned, schedule(guided), 4000000000u, 3, 130, "ordered guided unsigned");
  ORDERED_LOOP(long long, schedule(static, 5), -7000000000LL, 11, 101, "ordered static,5 long long");
  ORDERED_LOOP(unsigned long long, schedule(dynamic, 2), 1ULL << 50, 1, 77, "ordered dynamic,2 unsigned long long");
  ORDERED_LOOP(int, schedule(runtime), 0, 1, 3, "ordered runtime, 3 iterations");

  /* Downward, with work outside and inside the ordered section. */
  order_pos = 0;
  int sum = 0;
#pragma omp parallel for ordered schedule(dynamic, 3) reduction(+ : sum)
  for (int i = 90; i > 0; i -= 1) {
    sum += i;
#pragma omp ordered
    order_seq[order_pos++] = 90 - i;
  }
  expect(90 * 91 / 2, sum, "ordered downward: sum");
  for (int k = 0; k < 90; k++) expect(k, order_seq[k], "ordered downward: section %d", k);
}

static void test_sections(void) {
  int ran[5] = {0}, last = 0;
  int nth = omp_get_max_threads(), by[5];
#pragma omp parallel
#pragma omp sections lastprivate(last)
  {
#pragma omp section
    { ran[0]++; by[0] = omp_get_thread_num(); last = 10; }
#pragma omp section
    { ran[1]++; by[1] = omp_get_thread_num(); last = 20; }
#pragma omp section
    { ran[2]++; by[2] = omp_get_thread_num(); last = 30; }
#pragma omp section
    { ran[3]++; by[3] = omp_get_thread_num(); last = 40; }
#pragma omp section
    { ran[4]++; by[4] = omp_get_thread_num(); last = 50; }
  }
  for (int s = 0; s < 5; s++) {
    expect(1, ran[s], "5 sections: section %d ran", s);
    expect(1, by[s] >= 0 && by[s] < nth, "5 sections: section %d ran on thread %d", s, by[s]);
  }
  expect(50, last, "sections lastprivate: the lexically last section's value");

  int ran3[3] = {0}, one = 0;
#pragma omp parallel sections
  {
#pragma omp section
    ran3[0]++;
#pragma omp section
    ran3[1]++;
#pragma omp section
    ran3[2]++;
  }
  for (int s = 0; s < 3; s++) expect(1, ran3[s], "parallel sections (3): section %d ran", s);
#pragma omp parallel sections
  {
    one++;
  }
  expect(1, one, "parallel sections with a single implicit section");

  /* sections nowait, then a barrier: all done. */
  int ran4[4] = {0}, bad = 0;
#pragma omp parallel reduction(+ : bad)
  {
#pragma omp sections nowait
    {
#pragma omp section
#pragma omp atomic
      ran4[0]++;
#pragma omp section
#pragma omp atomic
      ran4[1]++;
#pragma omp section
#pragma omp atomic
      ran4[2]++;
#pragma omp section
#pragma omp atomic
      ran4[3]++;
    }
#pragma omp barrier
    for (int s = 0; s < 4; s++) {
      int v;
#pragma omp atomic read
      v = ran4[s];
      bad += v != 1;
    }
  }
  expect(0, bad, "sections nowait + barrier: a thread saw a section not run exactly once");
}

static void test_single(void) {
  enum { K = 60 };
  static int done[K], done_nowait[K], single_thread[K];
  int bad = 0, bad_copy = 0;
  memset(done, 0, sizeof done);
  memset(done_nowait, 0, sizeof done_nowait);
#pragma omp parallel reduction(+ : bad, bad_copy)
  {
    for (int k = 0; k < K; k++) {
#pragma omp single
      {
        done[k]++;
        single_thread[k] = omp_get_thread_num();
      }
      /* The barrier at the end of single: everyone sees it done. */
      bad += done[k] != 1;
    }
    for (int k = 0; k < K; k++) {
#pragma omp single nowait
      {
#pragma omp atomic
        done_nowait[k]++;
      }
    }
#pragma omp barrier
    for (int k = 0; k < K; k++) {
      int v;
#pragma omp atomic read
      v = done_nowait[k];
      bad += v != 1;
    }
    /* copyprivate broadcasts the single thread's private values to every thread. */
    for (int k = 0; k < 20; k++) {
      int v = -1;
      double d = -1;
      int arr[3] = {0, 0, 0};
#pragma omp single copyprivate(v, d, arr)
      {
        v = 1000 + k;
        d = k * 0.5;
        arr[0] = k;
        arr[1] = -k;
        arr[2] = omp_get_thread_num();
      }
      bad_copy += v != 1000 + k || d != k * 0.5 || arr[0] != k || arr[1] != -k;
      bad_copy += arr[2] < 0 || arr[2] >= omp_get_num_threads();
    }
  }
  expect(0, bad, "single / single nowait: a single instance not run exactly once");
  expect(0, bad_copy, "single copyprivate: values not broadcast");
  for (int k = 0; k < K; k++) {
    expect(1, done[k], "single %d ran", k);
    expect(1, done_nowait[k], "single nowait %d ran", k);
    expect(1, single_thread[k] >= 0 && single_thread[k] < omp_get_max_threads(), "single %d ran on a team thread", k);
  }
}

/* Worksharing in a function called from a region (orphaned) and from outside any region (a team of one). */
static void orphan_loop(int n) {
#pragma omp for schedule(static, 1)
  for (int i = 0; i < n; i++) record(i);
}

static void test_orphaned(void) {
  reset();
#pragma omp parallel
  orphan_loop(50);
  check("orphaned for", 50, K_STATIC, 1);

  reset();
  orphan_loop(10);
  expect(0, stray, "orphaned for outside a region: stray iterations");
  for (int k = 0; k < 10; k++) {
    expect(1, count[k], "orphaned for outside a region: iteration %d", k);
    expect(0, owner[k], "orphaned for outside a region: owner of %d", k);
  }
  expect(1, team, "orphaned for outside a region: team size");
}

static void test_simd(void) {
  long long sum = 0;
  static int v[1000];
#pragma omp parallel for simd reduction(+ : sum) schedule(static)
  for (int i = 0; i < 1000; i++) {
    v[i] = i * 3;
    sum += i;
  }
  expect(999 * 1000 / 2, sum, "parallel for simd reduction");
  for (int i = 0; i < 1000; i++) expect(i * 3, v[i], "parallel for simd v[%d]", i);
}

int main(void) {
  check_init();
  test_schedules();
  test_get_schedule();
  test_collapse();
  test_nowait();
  test_private_clauses();
  test_ordered();
  test_sections();
  test_single();
  test_orphaned();
  test_simd();
  return check_finish("omp_loops");
}
