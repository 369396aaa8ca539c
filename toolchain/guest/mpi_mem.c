/* MPI_Alloc_mem / MPI_Free_mem live in the guest: the memory must come from this module's own allocator (the
 * host cannot call malloc for it). Errors go through MPI_COMM_WORLD's error handler like any MPI error. */
#include <mpi.h>
#include <stdlib.h>

static int alloc_mem(MPI_Aint size, MPI_Info info, void *baseptr) {
  (void)info; /* no allocation hints are acted on */
  if (size < 0 || baseptr == NULL) {
    MPI_Comm_call_errhandler(MPI_COMM_WORLD, MPI_ERR_ARG);
    return MPI_ERR_ARG;
  }
  void *p = malloc(size > 0 ? (size_t)size : 1);
  if (p == NULL) {
    MPI_Comm_call_errhandler(MPI_COMM_WORLD, MPI_ERR_NO_MEM);
    return MPI_ERR_NO_MEM;
  }
  *(void **)baseptr = p;
  return MPI_SUCCESS;
}

int MPI_Alloc_mem(MPI_Aint size, MPI_Info info, void *baseptr) { return alloc_mem(size, info, baseptr); }
int PMPI_Alloc_mem(MPI_Aint size, MPI_Info info, void *baseptr) { return alloc_mem(size, info, baseptr); }
int MPI_Free_mem(void *base) { free(base); return MPI_SUCCESS; }
int PMPI_Free_mem(void *base) { free(base); return MPI_SUCCESS; }
