/* Explicit tasks: firstprivate/shared data (and the default firstprivate of locals), taskwait, recursive tasks
 * (Fibonacci), taskgroup waiting for grandchildren, barriers completing tasks, tasks created by single and run
 * by any thread, tasks created by every thread, undeferred if(0) tasks, final (descendants are included tasks,
 * omp_in_final) and mergeable, untied and priority, taskyield, depend chains and fan-out/fan-in (in, out,
 * inout; results must follow the dependence order), taskwait depend, taskloop with grainsize and num_tasks
 * (every iteration exactly once, in contiguous chunks of the allowed sizes), nogroup.
 * Self-checking: failures print "FAIL: ..." and exit 1; success prints "OK omp_tasks threads=N". */
#include "omp_check.h"
#include <string.h>

#define MAXT 64

static void spin(int k) {
  for (volatile int i = 0; i < k * 100; i++) {}
}

static void test_data(void) {
  enum { K = 100 };
  static long long square[K];
  int created = 0, ran = 0, default_fp = -1, explicit_fp = -1;
  memset(square, 0, sizeof square);
#pragma omp parallel
#pragma omp single
  {
    for (int i = 0; i < K; i++) {
      created++;
#pragma omp task firstprivate(i) shared(ran)
      {
        square[i] = (long long)i * i;
#pragma omp atomic
        ran++;
      }
    }
    /* A local of the generating task is firstprivate in the task by default: its value at creation counts. */
    int v = 1;
#pragma omp task shared(default_fp)
    {
      spin(5);
      default_fp = v;
    }
    v = 2;
    int w = 10;
#pragma omp task firstprivate(w) shared(explicit_fp)
    explicit_fp = w;
    w = 20;
#pragma omp taskwait
    (void)v; /* the later values are never read: they only must not reach the tasks */
    (void)w;
  }
  expect(K, created, "tasks created");
  expect(K, ran, "tasks run");
  for (int i = 0; i < K; i++) expect((long long)i * i, square[i], "task firstprivate(i) result %d", i);
  expect(1, default_fp, "a local is firstprivate in the task by default");
  expect(10, explicit_fp, "firstprivate(w) captured at creation");
}

static void test_taskwait(void) {
  enum { K = 24 };
  int done[K], bad = 0;
  memset(done, 0, sizeof done);
#pragma omp parallel reduction(+ : bad)
#pragma omp single
  {
    for (int k = 0; k < K; k++) {
#pragma omp task shared(done)
      {
        spin(K - k);
#pragma omp atomic write
        done[k] = 1;
      }
    }
#pragma omp taskwait
    for (int k = 0; k < K; k++) {
      int d;
#pragma omp atomic read
      d = done[k];
      bad += d != 1;
    }
  }
  expect(0, bad, "children not complete after taskwait");
}

static long long fib_seq(int n) { return n < 2 ? n : fib_seq(n - 1) + fib_seq(n - 2); }

static long long fib(int n) {
  if (n < 10) return fib_seq(n);
  long long a, b;
#pragma omp task shared(a)
  a = fib(n - 1);
#pragma omp task shared(b)
  b = fib(n - 2);
#pragma omp taskwait
  return a + b;
}

static void test_fib(void) {
  long long r = 0;
#pragma omp parallel
#pragma omp single
  r = fib(22);
  expect(17711, r, "fib(22) with recursive tasks");
  /* Outside any parallel region tasks still work (a team of one). */
  expect(1597, fib(17), "fib(17) with tasks outside a parallel region");
}

static void test_taskgroup(void) {
  int child = 0, grandchild = 0, great = 0;
#pragma omp parallel
#pragma omp single
  {
#pragma omp taskgroup
    {
#pragma omp task shared(child, grandchild, great)
      {
#pragma omp task shared(grandchild, great)
        {
#pragma omp task shared(great)
          {
            spin(30);
#pragma omp atomic write
            great = 1;
          }
          spin(20);
#pragma omp atomic write
          grandchild = 1;
        }
#pragma omp atomic write
        child = 1;
      }
    }
    /* The taskgroup waited for every descendant, not just the child. */
    int c, g, gg;
#pragma omp atomic read
    c = child;
#pragma omp atomic read
    g = grandchild;
#pragma omp atomic read
    gg = great;
    expect(1, c, "taskgroup: child done");
    expect(1, g, "taskgroup: grandchild done");
    expect(1, gg, "taskgroup: great-grandchild done");
  }
}

static void test_barrier_completes_tasks(void) {
  int n = omp_get_max_threads();
  static int done[MAXT][20];
  memset(done, 0, sizeof done);
  int bad = 0;
#pragma omp parallel reduction(+ : bad)
  {
    int t = omp_get_thread_num();
    for (int k = 0; k < 20; k++) {
#pragma omp task firstprivate(t, k)
      {
        spin(k % 5);
#pragma omp atomic
        done[t][k]++;
      }
    }
#pragma omp barrier
    for (int u = 0; u < omp_get_num_threads(); u++)
      for (int k = 0; k < 20; k++) {
        int d;
#pragma omp atomic read
        d = done[u][k];
        bad += d != 1;
      }
  }
  expect(0, bad, "tasks created by every thread: not complete after the barrier");
  for (int t = 0; t < n; t++)
    for (int k = 0; k < 20; k++) expect(1, done[t][k], "task %d of thread %d ran", k, t);
}

static void test_any_thread(void) {
  enum { K = 64 };
  int n = omp_get_max_threads(), by[K], runs[K];
  memset(runs, 0, sizeof runs);
  memset(by, -1, sizeof by);
#pragma omp parallel
  {
#pragma omp single nowait
    for (int k = 0; k < K; k++) {
#pragma omp task firstprivate(k)
      {
        spin(3);
        by[k] = omp_get_thread_num();
#pragma omp atomic
        runs[k]++;
      }
    }
  } /* the region's closing barrier completes them */
  for (int k = 0; k < K; k++) {
    expect(1, runs[k], "task %d from single ran", k);
    expect(1, by[k] >= 0 && by[k] < n, "task %d ran on team thread %d", k, by[k]);
  }
  /* (Which threads ran them is up to the runtime: at several threads any distribution is correct.) */
}

static void test_undeferred_final(void) {
  int done = 0, in_final_outer = -1, in_final_inner = -1, child_immediate = -1;
  int mergeable_result = 0, untied_done = 0, prio_done = 0, yields = 0;
#pragma omp parallel
#pragma omp single
  {
    /* if(0): the task completes before the generating task goes on. */
#pragma omp task if (0) shared(done)
    {
      spin(50);
      done = 1;
    }
    expect(1, done, "if(0) task complete when the construct ends");

    /* final(1): every descendant is an included task, run at once by the same thread. */
    int outside_final = omp_in_final();
    expect(0, outside_final, "omp_in_final outside a final task");
#pragma omp task final(1) shared(in_final_outer, in_final_inner, child_immediate)
    {
      in_final_outer = omp_in_final() != 0;
      int child_done = 0, t = omp_get_thread_num(), child_thread = -1;
#pragma omp task shared(child_done, in_final_inner, child_thread)
      {
        spin(20);
        in_final_inner = omp_in_final() != 0;
        child_thread = omp_get_thread_num();
        child_done = 1;
      }
      child_immediate = child_done == 1 && child_thread == t;
    }
#pragma omp task mergeable shared(mergeable_result)
    mergeable_result = 6 * 7;
#pragma omp task untied shared(untied_done)
    {
      spin(5);
#pragma omp taskyield
      untied_done = 1;
    }
#pragma omp task priority(3) shared(prio_done)
    prio_done = 1;
    for (int k = 0; k < 8; k++) {
#pragma omp task shared(yields)
      {
        for (int y = 0; y < 5; y++) {
#pragma omp taskyield
        }
#pragma omp atomic
        yields++;
      }
    }
#pragma omp taskwait
  }
  expect(1, in_final_outer, "omp_in_final in a final(1) task");
  expect(1, in_final_inner, "omp_in_final in a descendant of a final task");
  expect(1, child_immediate, "a final task's child runs at once, on the same thread");
  expect(42, mergeable_result, "mergeable task");
  expect(1, untied_done, "untied task with taskyield");
  expect(1, prio_done, "priority(3) task");
  expect(8, yields, "tasks calling taskyield");
}

static void test_depend(void) {
  int x = 0, stamp = 0;
  int writer1 = -1, writer2 = -1, readers[4] = {-1, -1, -1, -1}, seen[4] = {0}, after = -1, final = -1;
#pragma omp parallel
#pragma omp single
  {
    /* out -> 4 x in (concurrent readers) -> out -> inout -> in. The first tasks spin longest, so running them
     * out of order would show. */
#pragma omp task depend(out : x) shared(x, stamp, writer1)
    {
      spin(60);
      x = 1;
#pragma omp atomic capture
      writer1 = stamp++;
    }
    for (int r = 0; r < 4; r++) {
#pragma omp task depend(in : x) firstprivate(r) shared(x, stamp, readers, seen)
      {
        spin(10 * (4 - r));
        seen[r] = x;
#pragma omp atomic capture
        readers[r] = stamp++;
      }
    }
#pragma omp task depend(out : x) shared(x, stamp, writer2)
    {
      x = 2;
#pragma omp atomic capture
      writer2 = stamp++;
    }
#pragma omp task depend(inout : x) shared(x, stamp, after)
    {
      x = x * 10 + 3;
#pragma omp atomic capture
      after = stamp++;
    }
#pragma omp task depend(in : x) shared(x, final)
    final = x;
#pragma omp taskwait
  }
  expect(0, writer1, "depend: the first writer ran first");
  for (int r = 0; r < 4; r++) {
    expect(1, seen[r], "depend: reader %d saw the first writer's value", r);
    expect(1, readers[r] >= 1 && readers[r] <= 4, "depend: reader %d ran between the writers (stamp %d)", r, readers[r]);
  }
  expect(5, writer2, "depend: the second writer waited for all readers");
  expect(6, after, "depend: inout after the second writer");
  expect(23, final, "depend: value after out, out, inout");

  /* A pipeline over array elements: task (s, k) needs stage s-1 of element k and stage s of element k-1. */
  enum { STAGES = 4, ELEMS = 8 };
  int cell[STAGES][ELEMS], border = 1;
  memset(cell, 0, sizeof cell);
#pragma omp parallel
#pragma omp single
  for (int s = 0; s < STAGES; s++)
    for (int k = 0; k < ELEMS; k++) {
#pragma omp task firstprivate(s, k) shared(cell, border) depend(in : *(s > 0 ? &cell[s - 1][k] : &border), *(k > 0 ? &cell[s][k - 1] : &border)) depend(out : cell[s][k])
      {
        spin((ELEMS - k) % 3);
        int up = s > 0 ? cell[s - 1][k] : border, left = k > 0 ? cell[s][k - 1] : border;
        cell[s][k] = up + left;
      }
    }
  /* cell[s][k] = cell[s-1][k] + cell[s][k-1] with a border of ones: binomial coefficients C(s+k+2, s+1). */
  for (int s = 0; s < STAGES; s++)
    for (int k = 0; k < ELEMS; k++) {
      long long c = 1;
      for (int j = 1; j <= s + 1; j++) c = c * (s + k + 2 - j + 1) / j;
      expect(c, cell[s][k], "depend pipeline cell[%d][%d]", s, k);
    }

  /* taskwait depend(in: y) waits only for the task that produces y. */
  int y = 0, y_seen = -1;
#pragma omp parallel
#pragma omp single
  {
#pragma omp task depend(out : y) shared(y)
    {
      spin(40);
      y = 99;
    }
#pragma omp taskwait depend(in : y)
    y_seen = y;
  }
  expect(99, y_seen, "taskwait depend(in: y)");
}

/* Iterations of one taskloop task share that task's private copy of `first`: it marks which task ran each. */
static int task_of[1000], hits[1000];

static void check_taskloop(const char *what, int n, int min_tasks, int max_tasks, int min_size, int max_size) {
  int tasks = 0;
  for (int i = 0; i < n; i++) {
    expect(1, hits[i], "%s: iteration %d ran", what, i);
    if (i == 0 || task_of[i] != task_of[i - 1]) {
      tasks++;
      expect(i, task_of[i], "%s: a task's iterations are contiguous (iteration %d)", what, i);
    }
  }
  expect(1, tasks >= min_tasks && tasks <= max_tasks, "%s: %d tasks, wanted %d..%d", what, tasks, min_tasks, max_tasks);
  for (int i = 0; i < n;) {
    int j = i;
    while (j < n && task_of[j] == task_of[i]) j++;
    expect(1, j - i >= min_size && j - i <= max_size, "%s: task from %d has %d iterations, wanted %d..%d", what, i, j - i, min_size, max_size);
    i = j;
  }
}

static void test_taskloop(void) {
  memset(hits, 0, sizeof hits);
  memset(task_of, -1, sizeof task_of);
#pragma omp parallel
#pragma omp single
  {
    int first = -1;
#pragma omp taskloop grainsize(10) firstprivate(first)
    for (int i = 0; i < 100; i++) {
      if (first < 0) first = i;
      task_of[i] = first;
#pragma omp atomic
      hits[i]++;
    }
  }
  /* grainsize(g): every task has at least g and fewer than 2g iterations. */
  check_taskloop("taskloop grainsize(10) of 100", 100, 6, 10, 10, 19);

  memset(hits, 0, sizeof hits);
  memset(task_of, -1, sizeof task_of);
#pragma omp parallel
#pragma omp single
  {
    int first = -1;
#pragma omp taskloop num_tasks(7) firstprivate(first)
    for (int i = 0; i < 100; i++) {
      if (first < 0) first = i;
      task_of[i] = first;
#pragma omp atomic
      hits[i]++;
    }
  }
  check_taskloop("taskloop num_tasks(7) of 100", 100, 7, 7, 1, 100);

  /* More tasks asked for than iterations: one iteration each. */
  memset(hits, 0, sizeof hits);
  memset(task_of, -1, sizeof task_of);
#pragma omp parallel
#pragma omp single
  {
    int first = -1;
#pragma omp taskloop num_tasks(200) firstprivate(first)
    for (int i = 0; i < 50; i++) {
      if (first < 0) first = i;
      task_of[i] = first;
#pragma omp atomic
      hits[i]++;
    }
  }
  check_taskloop("taskloop num_tasks(200) of 50", 50, 50, 50, 1, 1);

  /* long long index counting down, grainsize 3, without the implicit taskgroup: taskwait instead. */
  memset(hits, 0, sizeof hits);
  memset(task_of, -1, sizeof task_of);
#pragma omp parallel
#pragma omp single
  {
    long long first = -1;
#pragma omp taskloop grainsize(3) firstprivate(first) nogroup
    for (long long i = 5000000000LL; i > 5000000000LL - 3 * 40; i -= 3) {
      int k = (int)((5000000000LL - i) / 3);
      if (first < 0) first = k;
      task_of[k] = (int)first;
#pragma omp atomic
      hits[k]++;
    }
#pragma omp taskwait
  }
  check_taskloop("taskloop grainsize(3) long long downward nogroup", 40, 8, 13, 3, 5);

  /* Default taskloop, from every thread of the team (each its own loop); shared results. */
  static int grid[MAXT][30];
  memset(grid, 0, sizeof grid);
  int n = omp_get_max_threads();
#pragma omp parallel
  {
    int t = omp_get_thread_num();
#pragma omp taskloop
    for (int i = 0; i < 30; i++) {
#pragma omp atomic
      grid[t][i]++;
    }
  }
  for (int t = 0; t < n; t++)
    for (int i = 0; i < 30; i++) expect(1, grid[t][i], "taskloop by thread %d: iteration %d", t, i);
}

int main(void) {
  check_init();
  test_data();
  test_taskwait();
  test_fib();
  test_taskgroup();
  test_barrier_completes_tasks();
  test_any_thread();
  test_undeferred_final();
  test_depend();
  test_taskloop();
  return check_finish("omp_tasks");
}
