// Reads stdin as a rank of a job spread over hosts does: `sum` reads to the end and prints the byte count and
// an FNV-1a hash, `line` reads one line and prints it (the launcher's stdin may stay open), `ignore` reads
// nothing and waits a while (the launcher must not read ahead without bound meanwhile).
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const char *mode = argc > 1 ? argv[1] : "sum";
  if (strcmp(mode, "line") == 0) {
    char line[256];
    if (rank == 0) printf("rank 0 line: %s", fgets(line, sizeof line, stdin) ? line : "EOF\n");
  } else if (strcmp(mode, "ignore") == 0) {
    struct timespec t = {3, 0};
    nanosleep(&t, NULL);
    printf("rank %d ignored stdin\n", rank);
  } else {
    static unsigned char buf[70000];
    uint32_t h = 2166136261u;
    long n = 0;
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, stdin)) > 0) {
      for (size_t i = 0; i < got; i++) h = (h ^ buf[i]) * 16777619u;
      n += (long)got;
    }
    printf("rank %d read %ld bytes hash %08x\n", rank, n, h);
  }
  MPI_Finalize();
  return 0;
}
