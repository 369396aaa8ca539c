/* Critical sections and simple locks whose uncontended paths run inside the module (toolchain/guest/omp_locks.c).
 * argv[1]: "count" (default) has every thread increment counters under an unnamed critical, a named critical
 * and an omp_lock_t, with the holder sometimes lingering so others block, and omp_test_lock while another thread
 * holds the lock; prints "OK omp_locks_guest threads=T". "destroyed" sets a destroyed lock, "uninit" unsets a
 * lock that was never initialised: both must end the job with the host's message. */
#include <omp.h>
#include <stdio.h>
#include <string.h>

#define ITERS 20000

static volatile int sink;

static void linger(int i) {
  if (i % 64 == 0)
    for (int k = 0; k < 2000; k++) sink += k;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "count";
  omp_lock_t lock;
  if (strcmp(mode, "uninit") == 0) {
    memset(&lock, 0, sizeof lock);
    omp_unset_lock(&lock);
    printf("unset an uninitialised lock\n");
    return 0;
  }
  omp_init_lock(&lock);
  if (strcmp(mode, "destroyed") == 0) {
    omp_destroy_lock(&lock);
    omp_set_lock(&lock);
    printf("set a destroyed lock\n");
    return 0;
  }
  long unnamed = 0, named = 0, locked = 0, inside = 0, overlaps = 0;
  int threads = 0, held_seen = 0, free_seen = 0;
#pragma omp parallel
  {
#pragma omp single
    threads = omp_get_num_threads();
    for (int i = 0; i < ITERS; i++) {
#pragma omp critical
      {
        if (++inside != 1) overlaps++;
        unnamed++;
        linger(i);
        inside--;
      }
#pragma omp critical(faasmpi_named)
      named++;
      omp_set_lock(&lock);
      locked++;
      linger(i);
      omp_unset_lock(&lock);
    }
#pragma omp barrier
    /* omp_test_lock: 0 while thread 0 holds the lock, 1 once it is free. */
    if (omp_get_thread_num() == 0) omp_set_lock(&lock);
#pragma omp barrier
    if (omp_get_thread_num() == 1) held_seen = omp_test_lock(&lock) == 0;
#pragma omp barrier
    if (omp_get_thread_num() == 0) omp_unset_lock(&lock);
#pragma omp barrier
    if (omp_get_thread_num() == 1) {
      free_seen = omp_test_lock(&lock) == 1;
      if (free_seen) omp_unset_lock(&lock);
    }
  }
  omp_destroy_lock(&lock);
  long want = (long)threads * ITERS;
  int ok = unnamed == want && named == want && locked == want && overlaps == 0 && (threads < 2 || (held_seen && free_seen));
  if (!ok) {
    printf("FAIL unnamed=%ld named=%ld locked=%ld want=%ld overlaps=%ld held_seen=%d free_seen=%d\n", unnamed, named, locked, want, overlaps, held_seen, free_seen);
    return 1;
  }
  printf("OK omp_locks_guest threads=%d\n", threads);
  return 0;
}
