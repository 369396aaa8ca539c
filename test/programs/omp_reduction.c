/* Reductions: + * - & | ^ && || max min on signed char, short, int, unsigned, long long (all eleven) and float,
 * double (the seven that apply), each on a parallel for, on a parallel region (one value per thread) and on a
 * for with nowait followed by a barrier; several reductions on one loop; array sections and whole arrays;
 * user-declared reductions (a struct, and an int with its own combiner). The values keep every result exact
 * (integers in floats, products of a few 2s and -1s), so results are compared exactly with a sequential loop.
 * Self-checking: failures print "FAIL: ..." and exit 1; success prints "OK omp_reduction threads=N". */
#include "omp_check.h"
#include <stdlib.h>
#include <string.h>

#define N 240
#define PRAGMA(x) _Pragma(#x)

typedef signed char schar;
typedef unsigned int uint;
typedef long long llong;

/* The combiners a thread applies to its private copy, which the sequential reference applies too. */
#define C_ADD(r, v) ((r) + (v))
#define C_SUB(r, v) ((r) - (v))
#define C_MUL(r, v) ((r) * (v))
#define C_AND(r, v) ((r) & (v))
#define C_OR(r, v) ((r) | (v))
#define C_XOR(r, v) ((r) ^ (v))
#define C_LAND(r, v) ((r) && (v))
#define C_LOR(r, v) ((r) || (v))
#define C_MAX(r, v) ((r) > (v) ? (r) : (v))
#define C_MIN(r, v) ((r) < (v) ? (r) : (v))

/* Values for iteration i; z is an iteration that differs (the one false value for &&, the one true value for
 * ||; -1: none). BITS keeps shifts below the sign bit of the narrowest type in use. */
#define BITS(T) ((int)(8 * sizeof(T)) - 1)
#define V_SUM(T, i, z) ((T)((i) % 7 - 2))
#define V_MUL(T, i, z) ((T)((i) % 40 == 0 ? 2 : (i) % 48 == 17 ? -1 : 1)) /* 2^6 * (-1)^5 over N */
#define V_AND(T, i, z) ((T)((i) % 50 == 7 ? ~(1ULL << ((i) / 50 % BITS(T))) : ~0ULL))
#define V_OR(T, i, z) ((T)((i) % 37 == 0 ? 1ULL << ((i) / 37 * 3 % BITS(T)) : 0))
#define V_XOR(T, i, z) ((T)(((i) * 2654435761u >> 7) & ((1ULL << BITS(T)) - 1)))
#define V_LAND(T, i, z) ((T)((i) == (z) ? 0 : 1 + (i) % 3))
#define V_LOR(T, i, z) ((T)((i) == (z) ? 2 : 0))
#define V_MAXMIN(T, i, z) ((T)((i) * 37 % 101 - 50))

/* One reduction three ways: on a parallel for, on a parallel region (value of thread t as iteration 3 + 29t)
 * and on a for with nowait that is only read after a barrier. One function per type and operator; the
 * initial value and z come at run time. */
#define CASE(T, NAME, OP, COMBINE, VALUE)                                                                          \
  static void NAME##_##T(T init, int z) {                                                                       \
    char what[96];                                                                                              \
    snprintf(what, sizeof what, "%s reduction(%s) from %lld, z=%d", #T, #OP, (long long)init, z);              \
    T ref = init, r = init;                                                                                     \
    for (int i = 0; i < N; i++) ref = COMBINE(ref, VALUE(T, i, z));                                             \
    PRAGMA(omp parallel for reduction(OP : r))                                                                  \
    for (int i = 0; i < N; i++) r = COMBINE(r, VALUE(T, i, z));                                                 \
    expect((long long)ref, (long long)r, "%s: parallel for", what);                                            \
                                                                                                                \
    T pr = init;                                                                                                \
    int team = 0;                                                                                               \
    PRAGMA(omp parallel reduction(OP : pr))                                                                     \
    {                                                                                                           \
      int t = omp_get_thread_num();                                                                             \
      if (t == 0) team = omp_get_num_threads();                                                                 \
      pr = COMBINE(pr, VALUE(T, 3 + 29 * t, z));                                                                \
    }                                                                                                           \
    T pref = init;                                                                                              \
    for (int t = 0; t < team; t++) pref = COMBINE(pref, VALUE(T, 3 + 29 * t, z));                              \
    expect((long long)pref, (long long)pr, "%s: parallel region of %d", what, team);                          \
                                                                                                                \
    T nr = init;                                                                                                \
    int bad = 0;                                                                                                \
    _Pragma("omp parallel") {                                                                                   \
      PRAGMA(omp for reduction(OP : nr) nowait schedule(dynamic, 7))                                            \
      for (int i = 0; i < N; i++) nr = COMBINE(nr, VALUE(T, i, z));                                             \
      _Pragma("omp barrier")                                                                                    \
      if ((long long)nr != (long long)ref) {                                                                    \
        _Pragma("omp atomic")                                                                                   \
        bad++;                                                                                                  \
      }                                                                                                         \
    }                                                                                                           \
    expect(0, bad, "%s: for nowait, threads that saw a wrong result after the barrier", what);                 \
    expect((long long)ref, (long long)nr, "%s: for nowait", what);                                             \
  }

/* The operators that apply to every arithmetic type, and those only for integers. */
#define ARITH_FUNCTIONS(T)                \
  CASE(T, add, +, C_ADD, V_SUM)           \
  CASE(T, sub, -, C_SUB, V_SUM)           \
  CASE(T, mul, *, C_MUL, V_MUL)           \
  CASE(T, land, &&, C_LAND, V_LAND)       \
  CASE(T, lor, ||, C_LOR, V_LOR)          \
  CASE(T, max, max, C_MAX, V_MAXMIN)      \
  CASE(T, min, min, C_MIN, V_MAXMIN)
#define INTEGER_FUNCTIONS(T)              \
  ARITH_FUNCTIONS(T)                      \
  CASE(T, and, &, C_AND, V_AND)           \
  CASE(T, or, |, C_OR, V_OR)              \
  CASE(T, xor, ^, C_XOR, V_XOR)

INTEGER_FUNCTIONS(schar)
INTEGER_FUNCTIONS(short)
INTEGER_FUNCTIONS(int)
INTEGER_FUNCTIONS(uint)
INTEGER_FUNCTIONS(llong)
ARITH_FUNCTIONS(float)
ARITH_FUNCTIONS(double)

/* Each operator from a neutral and from a non-neutral start; && and || also with one differing value. */
#define ARITH_CASES(T)                                              \
  do {                                                              \
    add_##T(5, -1);                                                 \
    sub_##T(100, -1);                                               \
    mul_##T(1, -1);                                                 \
    mul_##T(-1, -1);                                                \
    land_##T(1, -1);                                                \
    land_##T(1, 123);                                               \
    land_##T(0, -1);                                                \
    lor_##T(0, -1);                                                 \
    lor_##T(0, 77);                                                 \
    lor_##T(3, -1);                                                 \
    max_##T(-100, -1);                                              \
    max_##T(100, -1);                                               \
    min_##T(100, -1);                                               \
    min_##T(-100, -1);                                              \
  } while (0)
#define INTEGER_CASES(T)                                            \
  do {                                                              \
    ARITH_CASES(T);                                                 \
    and_##T((T)~0ULL, -1);                                          \
    and_##T((T)0x5a, -1);                                           \
    or_##T(0, -1);                                                  \
    or_##T(0x40, -1);                                               \
    xor_##T(0, -1);                                                 \
    xor_##T(0x55, -1);                                              \
  } while (0)

static void test_scalar_types(void) {
  INTEGER_CASES(schar);
  INTEGER_CASES(short);
  INTEGER_CASES(int);
  INTEGER_CASES(uint);
  INTEGER_CASES(llong);
  ARITH_CASES(float);
  ARITH_CASES(double);
}

/* Several reduction clauses on one loop: the runtime reduces them together. */
static void test_combined(void) {
  long long sum = 0;
  double prod = 1;
  int mx = -1000, mn = 1000;
  unsigned bits = 0;
#pragma omp parallel for reduction(+ : sum) reduction(* : prod) reduction(max : mx) reduction(min : mn) reduction(| : bits) schedule(guided)
  for (int i = 1; i <= 1000; i++) {
    sum += i;
    if (i % 100 == 0) prod *= 2;
    mx = mx > (i * 7) % 997 ? mx : (i * 7) % 997;
    mn = mn < (i * 7) % 997 - 500 ? mn : (i * 7) % 997 - 500;
    bits |= 1u << (i % 32);
  }
  expect(500500, sum, "combined: sum");
  expect(1024, (long long)prod, "combined: product");
  expect(996, mx, "combined: max");
  expect(-500, mn, "combined: min");
  expect(0xffffffffLL, bits, "combined: or");
}

static void test_arrays(void) {
  int hist[8] = {1, 1, 1, 1, 1, 1, 1, 1};
#pragma omp parallel for reduction(+ : hist[0:8])
  for (int i = 0; i < 1000; i++) hist[i % 8] += i;
  for (int b = 0; b < 8; b++) {
    long long want = 1;
    for (int i = b; i < 1000; i += 8) want += i;
    expect(want, hist[b], "reduction(+: hist[0:8]) bin %d", b);
  }

  /* A section in the middle of a heap array: elements outside it stay untouched. */
  long long *p = malloc(10 * sizeof *p);
  for (int k = 0; k < 10; k++) p[k] = 100 + k;
#pragma omp parallel for reduction(+ : p[2:5]) schedule(static, 3)
  for (int i = 0; i < 500; i++) p[2 + i % 5] += 2;
  for (int k = 0; k < 10; k++) expect(100 + k + (k >= 2 && k < 7 ? 200 : 0), p[k], "reduction(+: p[2:5]) element %d", k);
  free(p);

  /* A whole array, max, on a parallel region: every thread contributes its own pattern. */
  int peaks[5] = {-1, -1, -1, -1, -1}, team = 0;
#pragma omp parallel reduction(max : peaks)
  {
    int t = omp_get_thread_num();
    if (t == 0) team = omp_get_num_threads();
    for (int k = 0; k < 5; k++) peaks[k] = (t * 13 + k * 7) % 11;
  }
  for (int k = 0; k < 5; k++) {
    int want = -1;
    for (int t = 0; t < team; t++) want = want > (t * 13 + k * 7) % 11 ? want : (t * 13 + k * 7) % 11;
    expect(want, peaks[k], "reduction(max: peaks) element %d", k);
  }

  /* Product over a double array section with nowait. */
  double f[4] = {1, 1, 1, 1};
#pragma omp parallel
  {
#pragma omp for reduction(* : f[1:2]) nowait
    for (int i = 0; i < 40; i++) f[1 + i % 2] *= (i % 10 == 0) ? 2.0 : 1.0;
  }
  expect(1, (long long)f[0], "reduction(*: f[1:2]) f[0]");
  expect(16, (long long)f[1], "reduction(*: f[1:2]) f[1] (i = 0, 10, 20, 30 double it)");
  expect(1, (long long)f[2], "reduction(*: f[1:2]) f[2] (odd i only, none a multiple of 10)");
  expect(1, (long long)f[3], "reduction(*: f[1:2]) f[3]");
}

typedef struct {
  long long sum;
  int max, min, count;
} stats;

static stats stats_empty(void) {
  stats s = {0, -2147483647 - 1, 2147483647, 0};
  return s;
}

static stats stats_merge(stats a, stats b) {
  a.sum += b.sum;
  a.max = a.max > b.max ? a.max : b.max;
  a.min = a.min < b.min ? a.min : b.min;
  a.count += b.count;
  return a;
}

#pragma omp declare reduction(merge : stats : omp_out = stats_merge(omp_out, omp_in)) initializer(omp_priv = stats_empty())

/* Keeps the value furthest from zero (ties: the positive one) - not one of the built-in operators. */
static int farther(int a, int b) {
  int aa = abs(a), ab = abs(b);
  return aa > ab || (aa == ab && a > b) ? a : b;
}
#pragma omp declare reduction(farthest : int : omp_out = farther(omp_out, omp_in)) initializer(omp_priv = 0)

static void test_user_declared(void) {
  stats s = stats_empty();
#pragma omp parallel for reduction(merge : s) schedule(dynamic, 9)
  for (int i = 0; i < 777; i++) {
    int v = (i * 53) % 1009 - 400;
    s.sum += v;
    s.max = s.max > v ? s.max : v;
    s.min = s.min < v ? s.min : v;
    s.count++;
  }
  stats ref = stats_empty();
  for (int i = 0; i < 777; i++) {
    int v = (i * 53) % 1009 - 400;
    stats one = {v, v, v, 1};
    ref = stats_merge(ref, one);
  }
  expect(ref.sum, s.sum, "declare reduction(merge: stats): sum");
  expect(ref.max, s.max, "declare reduction(merge: stats): max");
  expect(ref.min, s.min, "declare reduction(merge: stats): min");
  expect(777, s.count, "declare reduction(merge: stats): count");

  int far = 0;
#pragma omp parallel for reduction(farthest : far)
  for (int i = 0; i < 500; i++) far = farther(far, (i * 31) % 401 - 200);
  expect(200, far, "declare reduction(farthest: int)");

  stats per_thread = stats_empty();
  int team = 0;
#pragma omp parallel reduction(merge : per_thread)
  {
    int t = omp_get_thread_num();
    if (t == 0) team = omp_get_num_threads();
    stats one = {t + 1, t, t, 1};
    per_thread = stats_merge(per_thread, one);
  }
  expect((long long)team * (team + 1) / 2, per_thread.sum, "declare reduction on parallel: sum");
  expect(team - 1, per_thread.max, "declare reduction on parallel: max");
  expect(0, per_thread.min, "declare reduction on parallel: min");
  expect(team, per_thread.count, "declare reduction on parallel: count");
}

/* Reductions on sections, and on an empty loop (the original keeps its value). */
static void test_other_constructs(void) {
  int total = 1;
#pragma omp parallel sections reduction(+ : total)
  {
#pragma omp section
    total += 10;
#pragma omp section
    total += 200;
#pragma omp section
    total += 3000;
  }
  expect(3211, total, "parallel sections reduction(+)");

  /* A for with its barrier (not nowait, not combined with parallel): every thread reads the result after it. */
  long long s = 0;
  int bad = 0;
#pragma omp parallel
  {
    for (int round = 1; round <= 3; round++) {
#pragma omp for reduction(+ : s) schedule(static)
      for (int i = 0; i < 100; i++) s += i * round;
      if (s != 4950LL * round * (round + 1) / 2) {
#pragma omp atomic
        bad++;
      }
#pragma omp barrier
    }
  }
  expect(0, bad, "for reduction with its barrier: threads that read a wrong result");
  expect(4950 * 6, s, "for reduction with its barrier: result after 3 rounds");

  volatile int zero = 0;
  int untouched = 42;
  double dm = 7;
#pragma omp parallel for reduction(+ : untouched) reduction(min : dm)
  for (int i = 0; i < zero; i++) {
    untouched += 1000;
    dm = -1;
  }
  expect(42, untouched, "reduction over an empty loop: +");
  expect(7, (long long)dm, "reduction over an empty loop: min");
}

int main(void) {
  check_init();
  test_scalar_types();
  test_combined();
  test_arrays();
  test_user_declared();
  test_other_constructs();
  return check_finish("omp_reduction");
}
