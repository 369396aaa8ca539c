/* A constructor that never returns when SPIN is set (pure computation: nothing tells it apart from a slow one). */
#include <stdio.h>
#include <stdlib.h>
static volatile unsigned long spins;
__attribute__((constructor)) static void spin(void) {
  if (getenv("SPIN"))
    for (;;) spins++;
}
int main(int argc, char **argv) {
  printf("main ran argc=%d\n", argc);
  return 0;
}
