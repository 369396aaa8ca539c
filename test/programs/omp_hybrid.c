/* MPI + OpenMP: MPI_Init_thread(MPI_THREAD_FUNNELED) must provide at least FUNNELED, and MPI_Query_thread
 * agrees; MPI_Is_thread_main is true on the main thread, outside and inside a parallel region (in master);
 * each rank's team computes a partial sum with a parallel for reduction, MPI_Allreduce combines the partials,
 * checked exactly; the master thread of a region makes MPI calls (FUNNELED allows it) while the team waits.
 * Arguments: request=single|funneled|serialized|multiple (default funneled) asks for that level;
 * max-provided=LEVEL fails the run if more than LEVEL is provided (a runtime that cannot let every thread
 * call MPI must not claim MPI_THREAD_MULTIPLE). MPI calls are made from the main thread only, and so are the
 * checks (check.h's expect is not thread-safe): threads record, the main thread checks.
 * Self-checking: failures print "FAIL rank R: ..." and exit 1; success prints "OK omp_hybrid rank R". */
#include <mpi.h>
#include "check.h"
#include <omp.h>
#include <string.h>

#define MAXT 64

static int level_of(const char *name) {
  if (!strcmp(name, "single")) return MPI_THREAD_SINGLE;
  if (!strcmp(name, "funneled")) return MPI_THREAD_FUNNELED;
  if (!strcmp(name, "serialized")) return MPI_THREAD_SERIALIZED;
  if (!strcmp(name, "multiple")) return MPI_THREAD_MULTIPLE;
  return -1;
}

int main(int argc, char **argv) {
  int requested = MPI_THREAD_FUNNELED, max_provided = MPI_THREAD_MULTIPLE, bad_arg = 0;
  for (int a = 1; a < argc; a++) {
    if (!strncmp(argv[a], "request=", 8)) requested = level_of(argv[a] + 8);
    else if (!strncmp(argv[a], "max-provided=", 13)) max_provided = level_of(argv[a] + 13);
    else bad_arg = 1;
  }
  int provided = -1;
  MPI_Init_thread(&argc, &argv, requested, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  expect(0, bad_arg || requested < 0 || max_provided < 0, "arguments");

  int query = -1, is_main = -1;
  MPI_Query_thread(&query);
  MPI_Is_thread_main(&is_main);
  expect(provided, query, "MPI_Query_thread equals what MPI_Init_thread provided");
  expect(1, is_main != 0, "MPI_Is_thread_main outside a region");
  expect(1, provided >= MPI_THREAD_SINGLE && provided <= MPI_THREAD_MULTIPLE, "provided %d is a thread level", provided);
  if (requested >= MPI_THREAD_FUNNELED) expect(1, provided >= MPI_THREAD_FUNNELED, "provided %d >= MPI_THREAD_FUNNELED", provided);
  expect(1, provided <= max_provided, "provided %d <= %d", provided, max_provided);

  /* Each rank sums its slice of 1..N with its team; the ranks' partials add up to N(N+1)/2. */
  const long long N = 1000000;
  long long lo = N * rank / size + 1, hi = N * (rank + 1) / size, partial = 0;
  int team = 0, main_in_master = -1, seen[MAXT] = {0};
#pragma omp parallel reduction(+ : partial)
  {
    int t = omp_get_thread_num();
    seen[t < MAXT ? t : MAXT - 1] = 1;
#pragma omp for schedule(static)
    for (long long i = lo; i <= hi; i++) partial += i;
#pragma omp master
    {
      team = omp_get_num_threads();
      MPI_Is_thread_main(&main_in_master); /* the master thread is the main thread */
    }
  }
  long long total = 0;
  MPI_Allreduce(&partial, &total, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
  expect(N * (N + 1) / 2, total, "Allreduce of the teams' partial sums");
  int want_team = omp_get_max_threads();
  expect(want_team, team, "team size");
  for (int t = 0; t < want_team && t < MAXT; t++) expect(1, seen[t], "thread %d of the team ran", t);
  expect(1, main_in_master != 0, "MPI_Is_thread_main in master");

  /* FUNNELED: inside a region the master makes the MPI calls, the team waits at a barrier, then everybody uses
   * the result. */
  long long from_all[2] = {0, 0};
  int bad = 0;
#pragma omp parallel reduction(+ : bad)
  {
#pragma omp master
    {
      long long mine[2] = {rank + 1, (long long)omp_get_num_threads()};
      MPI_Allreduce(mine, from_all, 2, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
    }
#pragma omp barrier
    bad += from_all[0] != (long long)size * (size + 1) / 2;
  }
  expect(0, bad, "threads that saw a wrong master-made Allreduce result");
  expect((long long)size * want_team, from_all[1], "sum of every rank's team size");

  /* The team sizes of all ranks are the same (same environment everywhere). */
  int min_team = 0, max_team = 0;
  MPI_Allreduce(&team, &min_team, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  MPI_Allreduce(&team, &max_team, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  expect(min_team, max_team, "team sizes agree across ranks");
  return check_finish("omp_hybrid");
}
