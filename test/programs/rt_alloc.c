/* Static state built by a constructor (in every snapshot), then argv[1] MiB allocated and touched in main;
   a failed allocation aborts (as a program that does not expect it would crash). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static char table[4 << 20];
__attribute__((constructor)) static void build_table(void) {
  for (size_t i = 0; i < sizeof table; i++) table[i] = (char)(i * 7 + 1);
}
int main(int argc, char **argv) {
  long mib = argc > 1 ? atol(argv[1]) : 1;
  char *p = malloc((size_t)mib << 20);
  if (!p) {
    fprintf(stderr, "rt_alloc: cannot allocate %ld MiB\n", mib);
    abort();
  }
  memset(p, table[mib % sizeof table], (size_t)mib << 20);
  if (getenv("RT_ALLOC_QUIET") == NULL) printf("allocated %ld MiB sum %d\n", mib, p[((size_t)mib << 20) - 1] + table[12345]);
  free(p);
  return 0;
}
