/* Prints mpi.h's numeric ABI as JSON, for comparison with mpi/abi.ts. Also exercises the thread queries. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  int provided, query, is_main, len;
  char version[MPI_MAX_LIBRARY_VERSION_STRING];
  MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
  MPI_Query_thread(&query);
  MPI_Is_thread_main(&is_main);
  MPI_Get_library_version(version, &len);
  printf("{\"MPI_SUCCESS\":%d,\"MPI_ERR_COMM\":%d,\"MPI_ERR_ARG\":%d,\"MPI_ERR_OTHER\":%d,"
         "\"MPI_COMM_WORLD\":%u,\"MPI_COMM_SELF\":%u,\"MPI_THREAD_SINGLE\":%d,\"MPI_THREAD_FUNNELED\":%d,"
         "\"MPI_THREAD_SERIALIZED\":%d,\"MPI_THREAD_MULTIPLE\":%d,\"MPI_MAX_PROCESSOR_NAME\":%d,"
         "\"MPI_MAX_LIBRARY_VERSION_STRING\":%d,\"MPI_VERSION\":%d,\"MPI_SUBVERSION\":%d}\n",
         MPI_SUCCESS, MPI_ERR_COMM, MPI_ERR_ARG, MPI_ERR_OTHER, (unsigned)MPI_COMM_WORLD, (unsigned)MPI_COMM_SELF,
         MPI_THREAD_SINGLE, MPI_THREAD_FUNNELED, MPI_THREAD_SERIALIZED, MPI_THREAD_MULTIPLE, MPI_MAX_PROCESSOR_NAME,
         MPI_MAX_LIBRARY_VERSION_STRING, MPI_VERSION, MPI_SUBVERSION);
  printf("provided=%d query=%d main=%d version_ok=%d\n", provided, query, is_main,
         len == (int)strlen(version) && strncmp(version, "faasmpi", 7) == 0);
  return MPI_Finalize();
}
