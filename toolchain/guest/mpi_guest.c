/* MPI functions that live in the guest because they need nothing from the host: MPI_Alloc_mem / MPI_Free_mem
 * (the memory must come from this module's own allocator; errors go through MPI_COMM_WORLD's error handler),
 * MPI_Pcontrol (profiling control: nothing to do), MPI_Status_c2f / MPI_Status_f2c (a copy of the 5 ints). */
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

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

int MPI_Pcontrol(const int level, ...) { (void)level; return MPI_SUCCESS; }
int PMPI_Pcontrol(const int level, ...) { (void)level; return MPI_SUCCESS; }

_Static_assert(sizeof(MPI_Status) == 5 * sizeof(MPI_Fint), "MPI_Status is 5 Fortran integers");
int MPI_Status_c2f(const MPI_Status *c_status, MPI_Fint *f_status) { memcpy(f_status, c_status, sizeof *c_status); return MPI_SUCCESS; }
int PMPI_Status_c2f(const MPI_Status *c_status, MPI_Fint *f_status) { return MPI_Status_c2f(c_status, f_status); }
int MPI_Status_f2c(const MPI_Fint *f_status, MPI_Status *c_status) { memcpy(c_status, f_status, sizeof *c_status); return MPI_SUCCESS; }
int PMPI_Status_f2c(const MPI_Fint *f_status, MPI_Status *c_status) { return MPI_Status_f2c(f_status, c_status); }
