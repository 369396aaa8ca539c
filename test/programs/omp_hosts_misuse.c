/* What a team spread over hosts (faasmpirun --omp-spread) must refuse or report, chosen by argv[1]:
 *   task, copyprivate, ordered: constructs not carried across hosts yet (the job ends naming the construct);
 *   race: threads on different hosts write different values to the same variable between two barriers (the job
 *         ends naming the bytes; never a silent pick of one value);
 *   slow: a long region (each thread computes for about 30 s), for killing a host in the middle of it.
 * With no argument it runs all constructs on one host and prints "OK omp_hosts_misuse". */
#include <omp.h>
#include <stdio.h>
#include <string.h>

static volatile int shared_value;
static volatile double sink[64];

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (!strcmp(mode, "task") || !*mode) {
    int done = 0;
#pragma omp parallel
#pragma omp single
#pragma omp task shared(done)
    done = 1;
    if (done != 1) return 1;
  }
  if (!strcmp(mode, "copyprivate") || !*mode) {
    int v = 0;
#pragma omp parallel firstprivate(v)
    {
#pragma omp single copyprivate(v)
      v = 42;
      if (v != 42) shared_value = -1;
    }
  }
  if (!strcmp(mode, "ordered") || !*mode) {
    int last = -1;
#pragma omp parallel for ordered schedule(dynamic)
    for (int i = 0; i < 100; i++) {
#pragma omp ordered
      last = i;
    }
    if (last != 99) return 1;
  }
  if (!strcmp(mode, "race")) {
#pragma omp parallel
    shared_value = 100 + omp_get_thread_num(); /* every value differs from the old one on every host */
  }
  if (!strcmp(mode, "slow")) {
    printf("region starts\n");
    fflush(stdout);
#pragma omp parallel
    {
      double x = 0;
      for (long long i = 0; i < 3000000000LL; i++) x += (double)i * 1e-9;
      sink[omp_get_thread_num()] = x;
    }
  }
  printf("OK omp_hosts_misuse %s\n", mode);
  return 0;
}
