/* An OpenMP thread that fails must end the job: with no argument, thread 1 of a two-thread team traps
 * (__builtin_trap, wasm `unreachable`); with argument "exit", thread 1 calls exit(3). Meanwhile thread 0 waits
 * at a barrier that thread 1 never reaches, so the job cannot end by itself. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static void fail_here(int use_exit) {
  if (use_exit) exit(3);
  __builtin_trap();
}

int main(int argc, char **argv) {
  int use_exit = argc > 1 && strcmp(argv[1], "exit") == 0;
  printf("before the region\n");
  fflush(stdout);
#pragma omp parallel num_threads(2)
  {
    if (omp_get_thread_num() == 1) fail_here(use_exit);
#pragma omp barrier
  }
  printf("after the region: thread 1 did not fail\n");
  return 0;
}
