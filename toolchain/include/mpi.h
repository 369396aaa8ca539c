/* faasmpi mpi.h: MPI functions are host functions imported from module
 * "faasmpi_mpi" under their MPI_ name; PMPI_x imports the same function as MPI_x.
 * Handles are MPICH-style integers. This is the environment subset; the MPI
 * work extends it. */
#ifndef FAASMPI_MPI_H
#define FAASMPI_MPI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FAASMPI 1
/* There are no MPI-2 C++ bindings: tell code written for MPICH/Open MPI. */
#ifndef MPICH_SKIP_MPICXX
#define MPICH_SKIP_MPICXX 1
#endif
#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1
#endif

#define MPI_VERSION 3
#define MPI_SUBVERSION 1

/* ---- handle and scalar types ---- */
typedef int MPI_Comm;
typedef int MPI_Group;
typedef int MPI_Datatype;
typedef int MPI_Op;
typedef int MPI_Request;
typedef int MPI_Errhandler;
typedef int MPI_Info;
typedef int MPI_Win;
typedef int MPI_Message;
typedef intptr_t MPI_Aint;
typedef int64_t MPI_Offset;
typedef int64_t MPI_Count;
typedef int MPI_Fint;

#define MPI_COMM_NULL  ((MPI_Comm)0x04000000)
#define MPI_COMM_WORLD ((MPI_Comm)0x44000000)
#define MPI_COMM_SELF  ((MPI_Comm)0x44000001)

#define MPI_ERRHANDLER_NULL  ((MPI_Errhandler)0x14000000)
#define MPI_ERRORS_ARE_FATAL ((MPI_Errhandler)0x54000000)
#define MPI_ERRORS_RETURN    ((MPI_Errhandler)0x54000001)

#define MPI_UNDEFINED (-32766)

#define MPI_MAX_PROCESSOR_NAME 128
#define MPI_MAX_ERROR_STRING 512
#define MPI_MAX_LIBRARY_VERSION_STRING 8192

#define MPI_THREAD_SINGLE 0
#define MPI_THREAD_FUNNELED 1
#define MPI_THREAD_SERIALIZED 2
#define MPI_THREAD_MULTIPLE 3

/* ---- error classes (MPICH numbering) ---- */
#define MPI_SUCCESS 0
#define MPI_ERR_BUFFER 1
#define MPI_ERR_COUNT 2
#define MPI_ERR_TYPE 3
#define MPI_ERR_TAG 4
#define MPI_ERR_COMM 5
#define MPI_ERR_RANK 6
#define MPI_ERR_ROOT 7
#define MPI_ERR_GROUP 8
#define MPI_ERR_OP 9
#define MPI_ERR_TOPOLOGY 10
#define MPI_ERR_DIMS 11
#define MPI_ERR_ARG 12
#define MPI_ERR_UNKNOWN 13
#define MPI_ERR_TRUNCATE 14
#define MPI_ERR_OTHER 15
#define MPI_ERR_INTERN 16
#define MPI_ERR_IN_STATUS 17
#define MPI_ERR_PENDING 18
#define MPI_ERR_REQUEST 19
#define MPI_ERR_ACCESS 20
#define MPI_ERR_AMODE 21
#define MPI_ERR_BAD_FILE 22
#define MPI_ERR_CONVERSION 23
#define MPI_ERR_DUP_DATAREP 24
#define MPI_ERR_FILE_EXISTS 25
#define MPI_ERR_FILE_IN_USE 26
#define MPI_ERR_FILE 27
#define MPI_ERR_INFO 28
#define MPI_ERR_INFO_KEY 29
#define MPI_ERR_INFO_VALUE 30
#define MPI_ERR_INFO_NOKEY 31
#define MPI_ERR_IO 32
#define MPI_ERR_NAME 33
#define MPI_ERR_NO_MEM 34
#define MPI_ERR_NOT_SAME 35
#define MPI_ERR_NO_SPACE 36
#define MPI_ERR_NO_SUCH_FILE 37
#define MPI_ERR_PORT 38
#define MPI_ERR_QUOTA 39
#define MPI_ERR_READ_ONLY 40
#define MPI_ERR_SERVICE 41
#define MPI_ERR_SPAWN 42
#define MPI_ERR_UNSUPPORTED_DATAREP 43
#define MPI_ERR_UNSUPPORTED_OPERATION 44
#define MPI_ERR_WIN 45
#define MPI_ERR_BASE 46
#define MPI_ERR_LOCKTYPE 47
#define MPI_ERR_KEYVAL 48
#define MPI_ERR_RMA_CONFLICT 49
#define MPI_ERR_RMA_SYNC 50
#define MPI_ERR_SIZE 51
#define MPI_ERR_DISP 52
#define MPI_ERR_ASSERT 53
#define MPI_ERR_RMA_RANGE 54
#define MPI_ERR_RMA_ATTACH 55
#define MPI_ERR_RMA_SHARED 56
#define MPI_ERR_RMA_FLAVOR 57
#define MPI_ERR_LASTCODE 0x3fffffff

/* ---- import machinery ---- */
#define FAASMPI_MPI_IMPORT(n) __attribute__((import_module("faasmpi_mpi"), import_name(#n)))
/* Declares MPI_n and PMPI_n; both import the host function "MPI_n". */
#define FAASMPI_MPI_FN(ret, n, args) \
  ret MPI_##n args FAASMPI_MPI_IMPORT(MPI_##n); \
  ret PMPI_##n args FAASMPI_MPI_IMPORT(MPI_##n);

/* ---- environment management ---- */
FAASMPI_MPI_FN(int, Init, (int *argc, char ***argv))
FAASMPI_MPI_FN(int, Init_thread, (int *argc, char ***argv, int required, int *provided))
FAASMPI_MPI_FN(int, Initialized, (int *flag))
FAASMPI_MPI_FN(int, Finalize, (void))
FAASMPI_MPI_FN(int, Finalized, (int *flag))
FAASMPI_MPI_FN(int, Abort, (MPI_Comm comm, int errorcode))
FAASMPI_MPI_FN(int, Query_thread, (int *provided))
FAASMPI_MPI_FN(int, Is_thread_main, (int *flag))
FAASMPI_MPI_FN(int, Comm_rank, (MPI_Comm comm, int *rank))
FAASMPI_MPI_FN(int, Comm_size, (MPI_Comm comm, int *size))
FAASMPI_MPI_FN(int, Get_processor_name, (char *name, int *resultlen))
FAASMPI_MPI_FN(int, Get_version, (int *version, int *subversion))
FAASMPI_MPI_FN(int, Get_library_version, (char *version, int *resultlen))
FAASMPI_MPI_FN(double, Wtime, (void))
FAASMPI_MPI_FN(double, Wtick, (void))

#ifdef __cplusplus
}
#endif
#endif
