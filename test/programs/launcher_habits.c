/* The launcher's mpirun habits, seen from a rank: its OMPI_ and PMI_ variables, its stdin, output on both
   streams, and, as argv asks, an exit status per rank ("exit R:S ..."), computing forever ("spin") or rank 0
   computing forever while the others wait for it in MPI_Recv ("block"), or the first line of a file ("cat F"). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile unsigned long spins;

__attribute__((noinline)) static void spin_forever(void) {
  for (;;) spins++;
}

static const char *var(const char *name) {
  const char *v = getenv(name);
  return v ? v : "(unset)";
}

int main(int argc, char **argv) {
  int rank, size;
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  printf("rank %d of %d: OMPI_COMM_WORLD_RANK=%s OMPI_COMM_WORLD_SIZE=%s OMPI_COMM_WORLD_LOCAL_RANK=%s "
         "OMPI_COMM_WORLD_LOCAL_SIZE=%s PMI_RANK=%s PMI_SIZE=%s\n", rank, size, var("OMPI_COMM_WORLD_RANK"),
         var("OMPI_COMM_WORLD_SIZE"), var("OMPI_COMM_WORLD_LOCAL_RANK"), var("OMPI_COMM_WORLD_LOCAL_SIZE"),
         var("PMI_RANK"), var("PMI_SIZE"));
  fprintf(stderr, "rank %d to stderr\n", rank);
  const char *mode = argc > 1 ? argv[1] : "";
  if (strcmp(mode, "stdin") == 0) {
    char line[256];
    if (fgets(line, sizeof line, stdin)) printf("rank %d stdin: %s", rank, line);
    else printf("rank %d stdin: EOF\n", rank);
  } else if (strcmp(mode, "cat") == 0 && argc > 2) {
    char line[256];
    FILE *f = fopen(argv[2], "r");
    if (!f) printf("rank %d cat %s: missing\n", rank, argv[2]);
    else {
      if (!fgets(line, sizeof line, f)) strcpy(line, "(empty)\n");
      printf("rank %d cat %s: %s", rank, argv[2], line);
      fclose(f);
    }
  } else if (strcmp(mode, "exit") == 0) {
    for (int i = 2; i < argc; i++) {
      int who, status;
      if (sscanf(argv[i], "%d:%d", &who, &status) == 2 && who == rank) {
        fflush(stdout);
        exit(status);
      }
    }
  } else if (strcmp(mode, "spin") == 0) {
    fflush(stdout);
    spin_forever();
  } else if (strcmp(mode, "block") == 0) {
    fflush(stdout);
    if (rank == 0) spin_forever();
    int x;
    MPI_Recv(&x, 1, MPI_INT, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  }
  fflush(stdout);
  MPI_Finalize();
  return 0;
}
