/* MPMD: built twice with different ROLE; ranks of both programs share one MPI_COMM_WORLD. Each rank reports its
   role, the world's size, a sum over every rank and the role rank 0 broadcasts. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>
#ifndef ROLE
#define ROLE "unset"
#endif

int main(int argc, char **argv) {
  int rank, size, one, sum = 0;
  char root_role[32] = {0};
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  one = rank + 1;
  MPI_Allreduce(&one, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (rank == 0) strncpy(root_role, ROLE, sizeof root_role - 1);
  MPI_Bcast(root_role, sizeof root_role, MPI_CHAR, 0, MPI_COMM_WORLD);
  printf("rank %d of %d role %s arg %s sum %d root %s\n", rank, size, ROLE, argc > 1 ? argv[1] : "-", sum, root_role);
  MPI_Finalize();
  return 0;
}
