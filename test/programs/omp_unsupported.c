/* Uses a construct faasmpi's OpenMP runtime does not provide: a teams region on the host (clang emits
 * __kmpc_fork_teams). Natively (libomp) it runs and prints "OK omp_unsupported threads=N"; under faasmpirun
 * the job must fail with a message that names teams instead of running something else. */
#include "omp_check.h"

int main(void) {
  check_init();
  int teams = 0, ran[4] = {0};
#pragma omp teams num_teams(2)
  {
    int t = omp_get_team_num();
    if (t == 0) teams = omp_get_num_teams();
    if (t >= 0 && t < 4) ran[t]++;
  }
  expect(2, teams, "omp_get_num_teams in a host teams region");
  for (int t = 0; t < 4; t++) expect(t < 2, ran[t], "team %d ran", t);
  return check_finish("omp_unsupported");
}
