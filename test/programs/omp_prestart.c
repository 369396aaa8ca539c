/* The runtime starts the threads of the first parallel region while main runs, before the region: main waits
 * (up to 10 s) for __kmpc_global_num_threads to reach omp_get_max_threads() without running any OpenMP
 * construct, then checks that the first region uses those threads and starts no others, and that a larger team
 * still gets the extra threads it asks for. With "none" it ends without any region (its standby threads must
 * not keep the job alive). */
#include <string.h>
#include "omp_check.h"

extern int __kmpc_global_num_threads(void *loc);

int main(int argc, char **argv) {
  int want = omp_get_max_threads();
  if (argc > 1 && strcmp(argv[1], "none") == 0) {
    printf("OK omp_prestart none threads=%d\n", want);
    return 0;
  }
  double t0 = omp_get_wtime();
  int started;
  while ((started = __kmpc_global_num_threads(0)) < want && omp_get_wtime() - t0 < 10) {
  }
  expect(want, started, "threads started before the first region");

  int ran[64] = {0}, team = 0;
#pragma omp parallel
  {
    ran[omp_get_thread_num()] = 1;
#pragma omp single
    team = omp_get_num_threads();
  }
  expect(want, team, "first region's team size");
  for (int i = 0; i < want && i < 64; i++) expect(1, ran[i], "thread %d ran the first region", i);
  expect(want, __kmpc_global_num_threads(0), "threads after the first region (none started for it)");

  int bigger = want + 1, count = 0;
#pragma omp parallel num_threads(bigger) reduction(+ : count)
  count += 1;
  expect(bigger, count, "threads in a team of %d", bigger);
  expect(bigger, __kmpc_global_num_threads(0), "threads after a larger team");
  return check_finish("omp_prestart");
}
