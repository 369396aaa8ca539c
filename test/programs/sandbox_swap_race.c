/* The racy escape (issue 10), bounded: rank 0 swaps "d" between a real directory and an outward-pointing link
 * (the test left "evil" in the working directory); the other ranks open, read and create files under "d/" in a
 * loop. A read that returns the outside marker, or a file created outside, is an escape. Each rank reports its
 * counts; the test checks them and the outside directory. argv[1]: seconds to run. */
#include <mpi.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  double seconds = argc > 1 ? atof(argv[1]) : 2.0;
  MPI_Barrier(MPI_COMM_WORLD);
  double end = now() + seconds;
  long swaps = 0, inside = 0, escapes = 0, created = 0;
  if (rank == 0) {
    while (now() < end) {
      rename("d", "d.dir");
      rename("evil", "d");
      rename("d", "evil");
      rename("d.dir", "d");
      swaps++;
    }
  } else {
    char buf[64];
    while (now() < end) {
      int fd = open("d/f", O_RDONLY);
      if (fd >= 0) {
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        buf[n > 0 ? n : 0] = 0;
        if (strstr(buf, "OUTSIDE")) escapes++;
        else if (strstr(buf, "inside")) inside++;
      }
      fd = openat(AT_FDCWD, "d/new.txt", O_CREAT | O_WRONLY, 0644);
      if (fd >= 0) { close(fd); created++; unlink("d/new.txt"); }
    }
  }
  printf("rank %d swaps %ld inside %ld created %ld escapes %ld\n", rank, swaps, inside, created, escapes);
  expect(0, escapes, "outside reads");
  return check_finish("sandbox_swap_race");
}
