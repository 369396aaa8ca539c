/* argv, environment and exit status: prints what it was given, exits with the status named by argv[1]. */
#include <stdio.h>
#include <stdlib.h>
#include <faasm.h>

int main(int argc, char **argv) {
  printf("faaslet %u of %u argc=%d\n", faasm_faaslet_index(), faasm_faaslet_count(), argc);
  for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
  const char *greeting = getenv("GREETING");
  printf("GREETING=%s\n", greeting ? greeting : "(unset)");
  const char *omp = getenv("OMP_NUM_THREADS");
  printf("OMP_NUM_THREADS=%s\n", omp ? omp : "(unset)");
  printf("HOME=%s\n", getenv("HOME") ? getenv("HOME") : "(unset)");
  /* exit status: "rank:status" pairs, e.g. "2:5" makes Faaslet 2 exit with 5 */
  for (int i = 1; i < argc; i++) {
    unsigned who; int status;
    if (sscanf(argv[i], "%u:%d", &who, &status) == 2 && who == faasm_faaslet_index()) return status;
  }
  return 0;
}
