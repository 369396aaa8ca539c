/* Thread-private storage: #pragma omp threadprivate on globals (with and without an initialiser, an array, a
 * struct) and on a function's static int; every thread starts from the initial value, and the values persist
 * from one parallel region to the next for the same thread number (the standard allows relying on that when
 * the team size is unchanged and dynamic adjustment is off); copyin from the primary thread; copyprivate of a
 * threadprivate; C11 _Thread_local is distinct per thread (different addresses, own values).
 * Self-checking: failures print "FAIL: ..." and exit 1; success prints "OK omp_threadprivate threads=N". */
#include "omp_check.h"
#include <stdint.h>
#include <string.h>

#define MAXT 64

int tp_counter;
#pragma omp threadprivate(tp_counter)
int tp_init = 5;
#pragma omp threadprivate(tp_init)
static long long tp_array[4] = {1, 2, 3, 4};
#pragma omp threadprivate(tp_array)
struct point {
  int x, y;
};
static struct point tp_point = {7, -7};
#pragma omp threadprivate(tp_point)

_Thread_local int tl_value = 11;
static _Thread_local char tl_buffer[64];

/* A function's static threadprivate: each thread counts its own calls. */
static int count_calls(void) {
  static int calls;
#pragma omp threadprivate(calls)
  return ++calls;
}

static void test_initial_values(void) {
  int bad = 0;
#pragma omp parallel reduction(+ : bad)
  {
    /* First touch in this thread: the program's initial values. */
    bad += tp_init != 5;
    bad += tp_array[0] != 1 || tp_array[3] != 4;
    bad += tp_point.x != 7 || tp_point.y != -7;
    bad += tl_value != 11;
    bad += tl_buffer[0] != 0 || tl_buffer[63] != 0;
  }
  expect(0, bad, "threads whose first look at thread-private data saw something else than its initial value");
}

static void test_persistence(void) {
  int n = omp_get_max_threads(), bad = 0;
  /* Region 1: each thread stores values derived from its number. */
#pragma omp parallel
  {
    int t = omp_get_thread_num();
    tp_counter = 100 + t;
    tp_init = 200 + t;
    for (int k = 0; k < 4; k++) tp_array[k] = t * 10 + k;
    tp_point.x = t;
    tp_point.y = -t;
    tl_value = 300 + t;
    snprintf(tl_buffer, sizeof tl_buffer, "thread %d", t);
  }
  /* Something unrelated in between: a region of the same size doing other work. */
  long long sink = 0;
#pragma omp parallel for reduction(+ : sink)
  for (int i = 0; i < 1000; i++) sink += i;
  expect(499500, sink, "unrelated region in between");
  /* Region 2: same team size, dynamic off: thread t finds what thread t stored. */
  int seen[MAXT] = {0};
#pragma omp parallel reduction(+ : bad)
  {
    int t = omp_get_thread_num();
    char want[64];
    snprintf(want, sizeof want, "thread %d", t);
    seen[t] = 1;
    bad += tp_counter != 100 + t;
    bad += tp_init != 200 + t;
    for (int k = 0; k < 4; k++) bad += tp_array[k] != t * 10 + k;
    bad += tp_point.x != t || tp_point.y != -t;
    bad += tl_value != 300 + t;
    bad += strcmp(tl_buffer, want) != 0;
  }
  expect(0, bad, "values that did not persist from one region to the next");
  /* The primary thread is the initial thread: its copies are the ones seen outside regions. */
  expect(100, tp_counter, "primary thread's tp_counter outside the region");
  expect(300, tl_value, "primary thread's _Thread_local outside the region");
  for (int t = 0; t < n; t++) expect(1, seen[t], "thread %d in region 2", t);
}

static void test_static_in_function(void) {
  int n = omp_get_max_threads(), bad = 0, before[MAXT];
#pragma omp parallel
  before[omp_get_thread_num()] = count_calls(); /* each thread's own count, from 0 */
#pragma omp parallel reduction(+ : bad)
  {
    int t = omp_get_thread_num();
    for (int k = 0; k < 9; k++) count_calls();
    bad += count_calls() != before[t] + 10;
  }
  expect(0, bad, "function-static threadprivate counts per thread");
  for (int t = 0; t < n; t++) expect(1, before[t], "thread %d's first call", t);
}

static void test_copyin(void) {
  int bad = 0;
  tp_counter = 4242;
  tp_point.x = 31;
  tp_point.y = 32;
  for (int k = 0; k < 4; k++) tp_array[k] = 900 + k;
#pragma omp parallel copyin(tp_counter, tp_point, tp_array) reduction(+ : bad)
  {
    bad += tp_counter != 4242;
    bad += tp_point.x != 31 || tp_point.y != 32;
    for (int k = 0; k < 4; k++) bad += tp_array[k] != 900 + k;
    tp_counter += omp_get_thread_num(); /* private again after the copy */
  }
  expect(0, bad, "copyin: threads that did not get the primary thread's values");
  expect(4242, tp_counter, "copyin: the primary thread's own copy (thread 0 added 0)");

  /* copyprivate of a threadprivate: the single thread's value is broadcast. */
  bad = 0;
#pragma omp parallel reduction(+ : bad)
  {
#pragma omp single copyprivate(tp_init)
    tp_init = 777;
    bad += tp_init != 777;
  }
  expect(0, bad, "copyprivate of a threadprivate");
}

static void test_thread_local_addresses(void) {
  int n = omp_get_max_threads();
  uintptr_t tl_addr[MAXT] = {0}, tp_addr[MAXT] = {0}, buf_addr[MAXT] = {0};
#pragma omp parallel
  {
    int t = omp_get_thread_num();
    tl_addr[t] = (uintptr_t)&tl_value;
    tp_addr[t] = (uintptr_t)&tp_counter;
    buf_addr[t] = (uintptr_t)tl_buffer;
    /* Writes through the address stay in this thread's copy. */
    *(volatile int *)&tl_value = 5000 + t;
  }
  for (int a = 0; a < n; a++)
    for (int b = a + 1; b < n; b++) {
      expect(1, tl_addr[a] != tl_addr[b], "_Thread_local addresses of threads %d and %d differ", a, b);
      expect(1, tp_addr[a] != tp_addr[b], "threadprivate addresses of threads %d and %d differ", a, b);
      expect(1, buf_addr[a] != buf_addr[b], "_Thread_local array addresses of threads %d and %d differ", a, b);
    }
  expect((long long)tl_addr[0], (long long)(uintptr_t)&tl_value, "the primary thread's _Thread_local is the initial thread's");
  int bad = 0;
#pragma omp parallel reduction(+ : bad)
  bad += tl_value != 5000 + omp_get_thread_num();
  expect(0, bad, "_Thread_local values written through their addresses");
  /* Threads of a nested team (with max-active-levels 2) have their own copies too. */
  int saved = omp_get_max_active_levels();
  omp_set_max_active_levels(2);
  uintptr_t nested_addr[4] = {0};
#pragma omp parallel num_threads(2)
  {
    int outer = omp_get_thread_num();
#pragma omp parallel num_threads(2)
    nested_addr[outer * 2 + omp_get_thread_num()] = (uintptr_t)&tl_value;
  }
  omp_set_max_active_levels(saved);
  for (int a = 0; a < 4; a++)
    for (int b = a + 1; b < 4; b++) expect(1, nested_addr[a] != nested_addr[b], "nested threads %d and %d share a _Thread_local", a, b);
}

int main(void) {
  check_init();
  test_initial_values();
  test_persistence();
  test_static_in_function();
  test_copyin();
  test_thread_local_addresses();
  return check_finish("omp_threadprivate");
}
