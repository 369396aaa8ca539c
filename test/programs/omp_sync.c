/* Mutual exclusion and synchronisation: critical (unnamed, two named ones that exclude independently, with a
 * hint) guarding plain read-modify-write increments; atomic update/read/write/capture/compare on int,
 * long long and double; omp_lock_t (init, set, unset, test: 0 while another thread holds it, destroy) and
 * omp_nest_lock_t (the owner nests, omp_test_nest_lock returns the new nesting count, others get 0); locks
 * guarding a shared counter; barriers inside loops. Self-checking: failures print "FAIL: ..." and exit 1;
 * success prints "OK omp_sync threads=N". */
#include "omp_check.h"
#include <string.h>

#define ITERS 2000
#define MAXT 64

/* Increments through a volatile pointer, in separate load/store steps, so a missing exclusion loses updates. */
static void slow_increment(volatile long long *p) {
  long long v = *p;
  for (volatile int spin = 0; spin < 20; spin++) {}
  *p = v + 1;
}

static void test_critical(void) {
  int n = omp_get_max_threads();
  static volatile long long unnamed, a, b, hinted;
  unnamed = a = b = hinted = 0;
  int inside_a = 0, overlap_a = 0;
  /* Separate loops: one critical's hand-offs must not pace the threads through another. Each starts with a
   * barrier so the increments really contend. */
#pragma omp parallel
  {
#pragma omp barrier
    for (int i = 0; i < ITERS; i++) {
#pragma omp critical
      slow_increment(&unnamed);
    }
#pragma omp barrier
    for (int i = 0; i < ITERS; i++) {
#pragma omp critical(counter_a)
      {
        /* Nobody else is inside counter_a while we are. */
        int others;
#pragma omp atomic capture
        others = inside_a++;
        if (others != 0) {
#pragma omp atomic
          overlap_a++;
        }
        slow_increment(&a);
#pragma omp atomic
        inside_a--;
      }
    }
#pragma omp barrier
    for (int i = 0; i < ITERS; i++) {
      /* Two names at once: each excludes only its own holders. */
      if (i % 2) {
#pragma omp critical(counter_b)
        slow_increment(&b);
      } else {
#pragma omp critical(counter_hinted) hint(omp_sync_hint_contended)
        slow_increment(&hinted);
      }
    }
  }
  expect((long long)n * ITERS, unnamed, "unnamed critical: increments");
  expect((long long)n * ITERS, a, "critical(counter_a): increments");
  expect((long long)n * ITERS / 2, b, "critical(counter_b): increments");
  expect((long long)n * ITERS / 2, hinted, "critical with hint: increments");
  expect(0, overlap_a, "critical(counter_a): threads inside together");

  /* Named criticals are independent: a thread holding counter_a can enter counter_b (nested), and a critical
   * may be entered again after leaving it in the same thread. */
  long long nested = 0;
#pragma omp parallel
  for (int i = 0; i < 100; i++) {
#pragma omp critical(counter_a)
    {
#pragma omp critical(counter_b)
      nested++;
    }
  }
  expect((long long)n * 100, nested, "critical(counter_b) nested in critical(counter_a)");
}

static void test_atomic(void) {
  int n = omp_get_max_threads();
  int ix = 0;
  long long lx = 0;
  double dx = 0;
  int imax = -1000;
  long long lmin = 1LL << 40;
#pragma omp parallel
  {
    int t = omp_get_thread_num();
    for (int i = 0; i < ITERS; i++) {
#pragma omp atomic
      ix++;
#pragma omp atomic update
      lx += 3;
#pragma omp atomic
      dx += 0.5;
      int cand = (i * 17 + t * 101) % 5003;
#pragma omp atomic compare
      imax = imax < cand ? cand : imax;
      long long lc = (1LL << 33) + (long long)((i * 13 + t * 7) % 9999);
#pragma omp atomic compare
      if (lc < lmin) { lmin = lc; }
    }
  }
  expect((long long)n * ITERS, ix, "atomic ++ on int");
  expect((long long)n * ITERS * 3, lx, "atomic += on long long");
  expect((long long)n * ITERS, (long long)(dx * 2), "atomic += 0.5 on double, times 2");
  int want_max = -1000;
  long long want_min = 1LL << 40;
  for (int t = 0; t < n; t++)
    for (int i = 0; i < ITERS; i++) {
      int cand = (i * 17 + t * 101) % 5003;
      long long lc = (1LL << 33) + (long long)((i * 13 + t * 7) % 9999);
      if (cand > want_max) want_max = cand;
      if (lc < want_min) want_min = lc;
    }
  expect(want_max, imax, "atomic compare max on int");
  expect(want_min, lmin, "atomic compare min on long long");

  /* Capture: every fetch-and-add hands out a distinct old value, 0 .. n*ITERS-1 for ints, k*2.0 for doubles. */
  static unsigned char taken_i[64 * ITERS], taken_l[64 * ITERS], taken_d[64 * ITERS];
  memset(taken_i, 0, sizeof taken_i);
  memset(taken_l, 0, sizeof taken_l);
  memset(taken_d, 0, sizeof taken_d);
  int ci = 0;
  long long cl = 1LL << 35;
  double cd = 0;
  int out_of_range = 0;
#pragma omp parallel reduction(+ : out_of_range)
  for (int i = 0; i < ITERS; i++) {
    int oi;
    long long ol;
    double od, nd;
#pragma omp atomic capture
    oi = ci++;
#pragma omp atomic capture
    {
      ol = cl;
      cl += 1;
    }
#pragma omp atomic capture
    {
      cd += 2.0;
      nd = cd;
    }
    od = nd - 2.0;
    long long ki = oi, kl = ol - (1LL << 35), kd = (long long)(od / 2);
    if (ki < 0 || ki >= (long long)n * ITERS || kl < 0 || kl >= (long long)n * ITERS || kd < 0 || kd >= (long long)n * ITERS) {
      out_of_range++;
      continue;
    }
    taken_i[ki] = taken_i[ki] + 1; /* each k is handed to exactly one thread, so these stores never race */
    taken_l[kl] = taken_l[kl] + 1;
    taken_d[kd] = taken_d[kd] + 1;
  }
  expect(0, out_of_range, "atomic capture: old values out of range");
  int dup_i = 0, dup_l = 0, dup_d = 0;
  for (long long k = 0; k < (long long)n * ITERS; k++) {
    dup_i += taken_i[k] != 1;
    dup_l += taken_l[k] != 1;
    dup_d += taken_d[k] != 1;
  }
  expect(0, dup_i, "atomic capture on int: values not handed out exactly once");
  expect(0, dup_l, "atomic capture on long long: values not handed out exactly once");
  expect(0, dup_d, "atomic capture on double: values not handed out exactly once");
  expect((long long)n * ITERS, ci, "atomic capture on int: final value");
  expect((1LL << 35) + (long long)n * ITERS, cl, "atomic capture on long long: final value");
  expect((long long)n * ITERS * 2, (long long)cd, "atomic capture on double: final value");

  /* Atomic write and read: a reader sees only values some writer wrote, never a torn mix of halves. */
  long long shared64 = 0;
  double shared_d = 0;
  int torn = 0;
#pragma omp parallel num_threads(2) reduction(+ : torn)
  {
    int t = omp_get_thread_num();
    for (int i = 0; i < ITERS; i++) {
      if (t == 0) {
        long long v = (i & 1) ? 0x1111111122222222LL : 0x3333333344444444LL;
#pragma omp atomic write
        shared64 = v;
#pragma omp atomic write
        shared_d = (i & 1) ? 1.5 : -3.25;
      } else {
        long long v;
        double d;
#pragma omp atomic read
        v = shared64;
#pragma omp atomic read
        d = shared_d;
        torn += v != 0 && v != 0x1111111122222222LL && v != 0x3333333344444444LL;
        torn += d != 0 && d != 1.5 && d != -3.25;
      }
    }
  }
  expect(0, torn, "atomic read/write: torn values seen");
}

static void test_locks(void) {
  omp_lock_t lock;
  omp_init_lock(&lock);
  int n = omp_get_max_threads();
  volatile long long counter = 0;
#pragma omp parallel
  {
#pragma omp barrier
    for (int i = 0; i < ITERS; i++) {
      omp_set_lock(&lock);
      slow_increment(&counter);
      omp_unset_lock(&lock);
    }
  }
  expect((long long)n * ITERS, counter, "omp_set_lock/omp_unset_lock guarding a counter");

  /* omp_test_lock: a lock held by thread 0 is not available to thread 1; once released, it is. Two threads
   * hand the turn to each other through an atomic flag. */
  int step = 0, test_held = -1, test_free = -1, team = 0;
#pragma omp parallel num_threads(2)
  {
    int t = omp_get_thread_num();
    if (t == 0) team = omp_get_num_threads();
#pragma omp barrier
    if (team == 2) {
      int s;
      if (t == 0) {
        omp_set_lock(&lock);
#pragma omp atomic write
        step = 1;
        do {
#pragma omp atomic read
          s = step;
        } while (s != 2);
        omp_unset_lock(&lock);
#pragma omp atomic write
        step = 3;
      } else {
        do {
#pragma omp atomic read
          s = step;
        } while (s != 1);
        test_held = omp_test_lock(&lock);
#pragma omp atomic write
        step = 2;
        do {
#pragma omp atomic read
          s = step;
        } while (s != 3);
        test_free = omp_test_lock(&lock);
        if (test_free) omp_unset_lock(&lock);
      }
    }
  }
  expect(2, team, "lock handshake: team size");
  expect(0, test_held, "omp_test_lock on a lock held by another thread");
  expect(1, test_free != 0, "omp_test_lock on a released lock");
  /* Spin on omp_test_lock until it succeeds, from every thread. */
  long long by_test = 0;
#pragma omp parallel
  for (int i = 0; i < 200; i++) {
    while (!omp_test_lock(&lock)) {}
    by_test++;
    omp_unset_lock(&lock);
  }
  expect((long long)n * 200, by_test, "counter guarded by omp_test_lock");
  omp_destroy_lock(&lock);

  /* A lock can be initialised again after being destroyed. */
  omp_init_lock(&lock);
  expect(1, omp_test_lock(&lock) != 0, "omp_test_lock on a re-initialised lock");
  omp_unset_lock(&lock);
  omp_destroy_lock(&lock);

  /* Several locks, one per bucket. */
  omp_lock_t buckets[4];
  long long bucket_count[4] = {0};
  for (int k = 0; k < 4; k++) omp_init_lock_with_hint(&buckets[k], omp_sync_hint_uncontended);
#pragma omp parallel for schedule(dynamic, 8)
  for (int i = 0; i < 4000; i++) {
    omp_set_lock(&buckets[i % 4]);
    slow_increment(&bucket_count[i % 4]);
    omp_unset_lock(&buckets[i % 4]);
  }
  for (int k = 0; k < 4; k++) {
    expect(1000, bucket_count[k], "bucket lock %d", k);
    omp_destroy_lock(&buckets[k]);
  }
}

static void test_nest_locks(void) {
  omp_nest_lock_t nl;
  omp_init_nest_lock(&nl);
  /* The owner nests: set, set, then test returns the new nesting count. */
  omp_set_nest_lock(&nl);
  omp_set_nest_lock(&nl);
  expect(3, omp_test_nest_lock(&nl), "omp_test_nest_lock by the owner at depth 2");
  expect(4, omp_test_nest_lock(&nl), "omp_test_nest_lock by the owner at depth 3");
  for (int k = 0; k < 4; k++) omp_unset_nest_lock(&nl);
  expect(1, omp_test_nest_lock(&nl), "omp_test_nest_lock on a free nest lock");
  omp_unset_nest_lock(&nl);

  /* Another thread cannot take it while the owner holds it (at any depth), and can once it is released. */
  int step = 0, test_held = -1, test_free = -1, team = 0;
#pragma omp parallel num_threads(2)
  {
    int t = omp_get_thread_num();
    if (t == 0) team = omp_get_num_threads();
#pragma omp barrier
    if (team == 2) {
      int s;
      if (t == 0) {
        omp_set_nest_lock(&nl);
        omp_set_nest_lock(&nl);
#pragma omp atomic write
        step = 1;
        do {
#pragma omp atomic read
          s = step;
        } while (s != 2);
        omp_unset_nest_lock(&nl);
        omp_unset_nest_lock(&nl);
#pragma omp atomic write
        step = 3;
      } else {
        do {
#pragma omp atomic read
          s = step;
        } while (s != 1);
        test_held = omp_test_nest_lock(&nl);
#pragma omp atomic write
        step = 2;
        do {
#pragma omp atomic read
          s = step;
        } while (s != 3);
        test_free = omp_test_nest_lock(&nl);
        if (test_free) omp_unset_nest_lock(&nl);
      }
    }
  }
  expect(2, team, "nest lock handshake: team size");
  expect(0, test_held, "omp_test_nest_lock on a nest lock held by another thread");
  expect(1, test_free, "omp_test_nest_lock on a released nest lock");

  /* Recursive use guarding a counter: each thread takes the lock three deep per increment. */
  int n = omp_get_max_threads();
  volatile long long counter = 0;
#pragma omp parallel
  for (int i = 0; i < ITERS / 4; i++) {
    omp_set_nest_lock(&nl);
    omp_set_nest_lock(&nl);
    slow_increment(&counter);
    if (omp_test_nest_lock(&nl) == 3) {
      slow_increment(&counter);
      omp_unset_nest_lock(&nl);
    }
    omp_unset_nest_lock(&nl);
    omp_unset_nest_lock(&nl);
  }
  expect((long long)n * (ITERS / 4) * 2, counter, "nest lock guarding a counter");
  omp_destroy_nest_lock(&nl);
}

static void test_barrier_loops(void) {
  enum { ROUNDS = 40 };
  static int round_seen[ROUNDS][MAXT];
  memset(round_seen, 0, sizeof round_seen);
  int bad = 0;
  long long total = 0;
#pragma omp parallel reduction(+ : bad)
  {
    int t = omp_get_thread_num(), n = omp_get_num_threads();
    for (int r = 0; r < ROUNDS; r++) {
      round_seen[r][t] = r + 1;
#pragma omp barrier
      for (int u = 0; u < n; u++) bad += round_seen[r][u] != r + 1;
      /* The master sums this round while the others wait at the second barrier. */
#pragma omp master
      for (int u = 0; u < n; u++) total += round_seen[r][u];
#pragma omp barrier
    }
  }
  int n = omp_get_max_threads();
  expect(0, bad, "barrier in a loop: slots not written before the barrier");
  expect((long long)n * ROUNDS * (ROUNDS + 1) / 2, total, "barrier in a loop: master's total");
}

int main(void) {
  check_init();
  test_critical();
  test_atomic();
  test_locks();
  test_nest_locks();
  test_barrier_loops();
  return check_finish("omp_sync");
}
