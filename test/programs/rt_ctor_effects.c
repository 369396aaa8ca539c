/* A constructor with effects outside memory (a line appended to a file, a line printed): natively it runs once
   per process, so it must run exactly np times, never once more for a snapshot. */
#include <stdio.h>
__attribute__((constructor)) static void effects(void) {
  FILE *f = fopen("ctor.log", "a");
  if (f) {
    fputs("constructor\n", f);
    fclose(f);
  }
  printf("constructor ran\n");
}
int main(void) {
  printf("main ran\n");
  return 0;
}
