/* The OMP_* environment variables reach the runtime's settings. The caller says what to expect through argv:
 *   expect-threads=N                 OMP_NUM_THREADS=N: omp_get_max_threads() and the default team size
 *   expect-nested=A,B                OMP_NUM_THREADS=A,B: teams of A, and of B inside them
 *   expect-schedule=KIND[,CHUNK]     OMP_SCHEDULE: omp_get_schedule(), and schedule(runtime) follows it
 *   expect-dynamic=0|1               OMP_DYNAMIC: omp_get_dynamic()
 *   expect-max-active-levels=N       OMP_MAX_ACTIVE_LEVELS: omp_get_max_active_levels(), and nesting deeper
 *                                    than N is serialised
 *   expect-stack=SIZE[K|M]           OMP_STACKSIZE large enough: a non-primary thread uses SIZE bytes of stack
 * Self-checking: failures print "FAIL: ..." and exit 1; success prints "OK omp_env threads=N". */
#include "omp_check.h"
#include <string.h>

static long long parse_size(const char *s) {
  char *end;
  long long v = strtoll(s, &end, 10);
  if (*end == 'K' || *end == 'k') v <<= 10;
  if (*end == 'M' || *end == 'm') v <<= 20;
  return v;
}

static int team_size(void) {
  int n = 0;
#pragma omp parallel
#pragma omp single
  n = omp_get_num_threads();
  return n;
}

static void expect_threads(int want) {
  expect(want, omp_get_max_threads(), "omp_get_max_threads");
  int n = team_size();
  if (omp_get_dynamic()) expect(1, n >= 1 && n <= want, "default team of %d with dynamic adjustment on", n);
  else expect(want, n, "default team size");
}

static void expect_nested(int outer, int inner) {
  int outer_seen = 0, inner_max[64] = {0}, inner_team[64] = {0};
#pragma omp parallel
  {
    int t = omp_get_thread_num();
    if (t == 0) outer_seen = omp_get_num_threads();
    inner_max[t] = omp_get_max_threads(); /* the next list element applies inside */
#pragma omp parallel
#pragma omp single
    inner_team[t] = omp_get_num_threads();
  }
  expect(outer, outer_seen, "outer team size");
  for (int t = 0; t < outer_seen && t < 64; t++) {
    expect(inner, inner_max[t], "omp_get_max_threads inside outer thread %d", t);
    expect(inner, inner_team[t], "inner team size under outer thread %d", t);
  }
}

static const char *kind_name(omp_sched_t k) {
  switch ((int)k & ~(int)omp_sched_monotonic) {
  case omp_sched_static: return "static";
  case omp_sched_dynamic: return "dynamic";
  case omp_sched_guided: return "guided";
  case omp_sched_auto: return "auto";
  default: return "unknown";
  }
}

static void expect_schedule(const char *spec) {
  char kind[32];
  int chunk = -1;
  const char *comma = strchr(spec, ',');
  size_t len = comma ? (size_t)(comma - spec) : strlen(spec);
  if (len >= sizeof kind) len = sizeof kind - 1;
  memcpy(kind, spec, len);
  kind[len] = 0;
  if (comma) chunk = atoi(comma + 1);
  omp_sched_t got_kind;
  int got_chunk;
  omp_get_schedule(&got_kind, &got_chunk);
  expect(0, strcmp(kind, kind_name(got_kind)) != 0, "omp_get_schedule kind: want %s, got %s (%d)", kind, kind_name(got_kind), got_kind);
  if (chunk > 0) expect(chunk, got_chunk, "omp_get_schedule chunk");
  /* schedule(runtime) follows it: every iteration once; for static/dynamic with a chunk, chunk-sized pieces
   * stay on one thread. */
  enum { N = 100 };
  int owner[N], count[N] = {0};
#pragma omp parallel for schedule(runtime)
  for (int i = 0; i < N; i++) {
#pragma omp atomic
    count[i]++;
    owner[i] = omp_get_thread_num();
  }
  for (int i = 0; i < N; i++) expect(1, count[i], "schedule(runtime) iteration %d", i);
  if (chunk > 0 && (!strcmp(kind, "static") || !strcmp(kind, "dynamic")))
    for (int i = 0; i < N; i++) expect(owner[i / chunk * chunk], owner[i], "schedule(runtime) %s: chunk of iteration %d on one thread", spec, i);
}

/* Nest num_threads(2) regions `depth` deep; record the active level at the innermost. */
static int active_at_depth(int depth) {
  if (depth == 0) return omp_get_active_level();
  int r = -1;
#pragma omp parallel num_threads(2)
  {
    int inner = active_at_depth(depth - 1);
    if (omp_get_thread_num() == 0) r = inner;
  }
  return r;
}

static void expect_max_active_levels(int want) {
  expect(want, omp_get_max_active_levels(), "omp_get_max_active_levels");
  /* One level deeper than allowed: the deepest region is serialised, so the active level stops at want. */
  expect(want, active_at_depth(want + 1), "active level %d regions deep", want + 1);
}

/* Touches every page of a big stack array, so a too-small thread stack faults instead of passing silently. */
__attribute__((noinline)) static long long use_stack(long long bytes) {
  volatile char buf[bytes];
  for (long long i = 0; i < bytes; i += 4096) buf[i] = (char)(i >> 12);
  buf[bytes - 1] = 1;
  long long sum = 0;
  for (long long i = 0; i < bytes; i += 4096) sum += buf[i];
  return sum + buf[bytes - 1];
}

static void expect_stack(long long bytes) {
  long long want = 1;
  for (long long i = 0; i < bytes; i += 4096) want += (char)(i >> 12);
  long long got[2] = {0, 0};
  int team = 0;
#pragma omp parallel num_threads(2)
  {
    int t = omp_get_thread_num();
    if (t == 0) team = omp_get_num_threads();
    if (t == 1) got[1] = use_stack(bytes); /* the non-primary thread's stack is the one OMP_STACKSIZE sizes */
  }
  expect(2, team, "stack test team size");
  expect(want, got[1], "thread 1 used %lld bytes of stack", bytes);
}

int main(int argc, char **argv) {
  check_init();
  for (int a = 1; a < argc; a++) {
    const char *arg = argv[a];
    if (!strncmp(arg, "expect-threads=", 15)) expect_threads(atoi(arg + 15));
    else if (!strncmp(arg, "expect-nested=", 14)) {
      const char *comma = strchr(arg + 14, ',');
      expect_nested(atoi(arg + 14), comma ? atoi(comma + 1) : -1);
    } else if (!strncmp(arg, "expect-schedule=", 16)) expect_schedule(arg + 16);
    else if (!strncmp(arg, "expect-dynamic=", 15)) expect(atoi(arg + 15), omp_get_dynamic() != 0, "omp_get_dynamic");
    else if (!strncmp(arg, "expect-max-active-levels=", 25)) expect_max_active_levels(atoi(arg + 25));
    else if (!strncmp(arg, "expect-stack=", 13)) expect_stack(parse_size(arg + 13));
    else expect(0, 1, "unknown argument %s", arg);
  }
  return check_finish("omp_env");
}
