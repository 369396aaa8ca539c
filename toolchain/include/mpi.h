/* faasmpi mpi.h: the MPI-3.1 C API for wasm32 (ILP32) faasmpi modules.
 *
 * Every MPI function is a host function imported from wasm module "faasmpi_mpi"
 * under its MPI_ name; PMPI_x imports the same host function as MPI_x. A
 * program importing a function the runtime does not provide yet is refused
 * before it starts, naming the function.
 *
 * ABI (mirrored by mpi/abi.ts; test/mpi-abi.test.ts checks every macro here):
 * - Handles are MPICH-style ints; the top byte is the kind: null 0x0_/0x1_/0x2_,
 *   predefined 0x4_/0x5_/0x6_, run-time objects 0x8_/0x9_/0xa_/0xe_ | slot.
 *   comm 0x04/0x44/0x84, group 0x08/0x48/0x88, datatype 0x0c/0x4c/0x8c
 *   (predefined: 0x4c000000 | size << 8 | index), errhandler 0x14/0x54,
 *   op 0x18/0x58/0x98, info 0x1c, win 0x20, keyval 0x24/0x64/0xa4,
 *   request 0x2c/-/0xac, message 0x2c (= MPI_REQUEST_NULL)/0x6c/0xec.
 * - MPI_Status is 20 bytes; the count is in bytes: 63 bits, low 32 in count_lo,
 *   high 31 in bits 0..30 of count_hi_and_cancelled, bit 31 = cancelled.
 * - Error codes returned by the runtime are error classes (MPICH numbering);
 *   MPI_Add_error_class/code hand out values from 0x40000000 (> MPI_ERR_LASTCODE).
 * - MPI_Aint is 4 bytes (intptr_t), MPI_Count and MPI_Offset 8 bytes.
 * - Attribute callbacks: MPI_COMM_NULL_COPY_FN and MPI_COMM_NULL_DELETE_FN are
 *   the null function pointer, MPI_COMM_DUP_FN is (function pointer)-1, which is
 *   never a function-table index. */
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
typedef int MPI_File;
typedef int MPI_Message;
typedef intptr_t MPI_Aint;
typedef int64_t MPI_Offset;
typedef int64_t MPI_Count;
typedef int MPI_Fint;

typedef struct MPI_Status {
  int MPI_SOURCE;
  int MPI_TAG;
  int MPI_ERROR;
  int count_lo;               /* received bytes, bits 0..31 */
  int count_hi_and_cancelled; /* bits 0..30: received bytes, bits 32..62; bit 31: cancelled */
} MPI_Status;

/* ---- callback types ---- */
typedef void MPI_User_function(void *invec, void *inoutvec, int *len, MPI_Datatype *datatype);
typedef void MPI_Comm_errhandler_function(MPI_Comm *comm, int *errorcode, ...);
typedef MPI_Comm_errhandler_function MPI_Comm_errhandler_fn;
typedef void MPI_Win_errhandler_function(MPI_Win *win, int *errorcode, ...);
typedef void MPI_File_errhandler_function(MPI_File *file, int *errorcode, ...);
typedef int MPI_Comm_copy_attr_function(MPI_Comm oldcomm, int comm_keyval, void *extra_state,
                                        void *attribute_val_in, void *attribute_val_out, int *flag);
typedef int MPI_Comm_delete_attr_function(MPI_Comm comm, int comm_keyval, void *attribute_val, void *extra_state);
typedef MPI_Comm_copy_attr_function MPI_Copy_function;
typedef MPI_Comm_delete_attr_function MPI_Delete_function;
typedef int MPI_Grequest_query_function(void *extra_state, MPI_Status *status);
typedef int MPI_Grequest_free_function(void *extra_state);
typedef int MPI_Grequest_cancel_function(void *extra_state, int complete);
typedef int MPI_Type_copy_attr_function(MPI_Datatype oldtype, int type_keyval, void *extra_state,
                                        void *attribute_val_in, void *attribute_val_out, int *flag);
typedef int MPI_Type_delete_attr_function(MPI_Datatype datatype, int type_keyval, void *attribute_val, void *extra_state);
typedef int MPI_Win_copy_attr_function(MPI_Win oldwin, int win_keyval, void *extra_state,
                                       void *attribute_val_in, void *attribute_val_out, int *flag);
typedef int MPI_Win_delete_attr_function(MPI_Win win, int win_keyval, void *attribute_val, void *extra_state);

/* ---- communicators ---- */
#define MPI_COMM_NULL  ((MPI_Comm)0x04000000)
#define MPI_COMM_WORLD ((MPI_Comm)0x44000000)
#define MPI_COMM_SELF  ((MPI_Comm)0x44000001)

/* ---- groups ---- */
#define MPI_GROUP_NULL  ((MPI_Group)0x08000000)
#define MPI_GROUP_EMPTY ((MPI_Group)0x48000000)

/* ---- requests and messages ---- */
#define MPI_REQUEST_NULL    ((MPI_Request)0x2c000000)
#define MPI_MESSAGE_NULL    ((MPI_Message)0x2c000000)
#define MPI_MESSAGE_NO_PROC ((MPI_Message)0x6c000000)

/* ---- reduction operations ---- */
#define MPI_OP_NULL ((MPI_Op)0x18000000)
#define MPI_MAX     ((MPI_Op)0x58000001)
#define MPI_MIN     ((MPI_Op)0x58000002)
#define MPI_SUM     ((MPI_Op)0x58000003)
#define MPI_PROD    ((MPI_Op)0x58000004)
#define MPI_LAND    ((MPI_Op)0x58000005)
#define MPI_BAND    ((MPI_Op)0x58000006)
#define MPI_LOR     ((MPI_Op)0x58000007)
#define MPI_BOR     ((MPI_Op)0x58000008)
#define MPI_LXOR    ((MPI_Op)0x58000009)
#define MPI_BXOR    ((MPI_Op)0x5800000a)
#define MPI_MINLOC  ((MPI_Op)0x5800000b)
#define MPI_MAXLOC  ((MPI_Op)0x5800000c)
#define MPI_REPLACE ((MPI_Op)0x5800000d)
#define MPI_NO_OP   ((MPI_Op)0x5800000e)

/* ---- error handlers ---- */
#define MPI_ERRHANDLER_NULL  ((MPI_Errhandler)0x14000000)
#define MPI_ERRORS_ARE_FATAL ((MPI_Errhandler)0x54000000)
#define MPI_ERRORS_RETURN    ((MPI_Errhandler)0x54000001)
#define MPI_ERRORS_ABORT     ((MPI_Errhandler)0x54000003)

/* ---- info, windows ---- */
#define MPI_INFO_NULL ((MPI_Info)0x1c000000)
#define MPI_INFO_ENV ((MPI_Info)0x5c000000)
#define MPI_MAX_INFO_KEY 255
#define MPI_MAX_INFO_VAL 1024
#define MPI_TYPECLASS_INTEGER 1
#define MPI_TYPECLASS_REAL 2
#define MPI_TYPECLASS_COMPLEX 3
#define MPI_WIN_NULL  ((MPI_Win)0x20000000)

/* ---- keyvals, predefined attributes (MPI_TAG_UB's value is 0x7fffffff) ---- */
#define MPI_KEYVAL_INVALID  0x24000000
#define MPI_TAG_UB          0x64400001
#define MPI_HOST            0x64400003
#define MPI_IO              0x64400005
#define MPI_WTIME_IS_GLOBAL 0x64400007
#define MPI_UNIVERSE_SIZE   0x64400009
#define MPI_LASTUSEDCODE    0x6440000b
#define MPI_APPNUM          0x6440000d

/* ---- attribute callbacks (function-table indices: 0 = null function, -1 = dup) ---- */
#define MPI_COMM_NULL_COPY_FN   ((MPI_Comm_copy_attr_function *)0)
#define MPI_COMM_NULL_DELETE_FN ((MPI_Comm_delete_attr_function *)0)
#define MPI_COMM_DUP_FN         ((MPI_Comm_copy_attr_function *)(intptr_t)-1)
#define MPI_NULL_COPY_FN   MPI_COMM_NULL_COPY_FN
#define MPI_NULL_DELETE_FN MPI_COMM_NULL_DELETE_FN
#define MPI_DUP_FN         MPI_COMM_DUP_FN
#define MPI_TYPE_NULL_COPY_FN   ((MPI_Type_copy_attr_function *)0)
#define MPI_TYPE_NULL_DELETE_FN ((MPI_Type_delete_attr_function *)0)
#define MPI_TYPE_DUP_FN         ((MPI_Type_copy_attr_function *)(intptr_t)-1)
#define MPI_WIN_NULL_COPY_FN    ((MPI_Win_copy_attr_function *)0)
#define MPI_WIN_NULL_DELETE_FN  ((MPI_Win_delete_attr_function *)0)
#define MPI_WIN_DUP_FN          ((MPI_Win_copy_attr_function *)(intptr_t)-1)

/* ---- special ranks, tags, counts ---- */
#define MPI_ANY_SOURCE (-2)
#define MPI_PROC_NULL (-1)
#define MPI_ROOT (-3)
#define MPI_ANY_TAG (-1)
#define MPI_UNDEFINED (-32766)
#define MPI_BSEND_OVERHEAD 64

/* ---- special addresses ---- */
#define MPI_BOTTOM          ((void *)0)
#define MPI_IN_PLACE        ((void *)(intptr_t)-1)
#define MPI_STATUS_IGNORE   ((MPI_Status *)1)
#define MPI_STATUSES_IGNORE ((MPI_Status *)1)
#define MPI_ERRCODES_IGNORE ((int *)0)
#define MPI_UNWEIGHTED      ((int *)1)
#define MPI_WEIGHTS_EMPTY   ((int *)2)

/* ---- comparison results, topologies, split types ---- */
#define MPI_IDENT 0
#define MPI_CONGRUENT 1
#define MPI_SIMILAR 2
#define MPI_UNEQUAL 3
#define MPI_GRAPH 1
#define MPI_CART 2
#define MPI_DIST_GRAPH 3
#define MPI_COMM_TYPE_SHARED 1

/* ---- string lengths ---- */
#define MPI_MAX_PROCESSOR_NAME 128
#define MPI_MAX_ERROR_STRING 512
#define MPI_MAX_LIBRARY_VERSION_STRING 8192

#define MPI_THREAD_SINGLE 0
#define MPI_THREAD_FUNNELED 1
#define MPI_THREAD_SERIALIZED 2
#define MPI_THREAD_MULTIPLE 3

/* ---- datatypes, combiners, array orders (generated by datatypeHeaderDefines() in mpi/datatypes/handles.ts) ---- */
#define MPI_DATATYPE_NULL ((MPI_Datatype)0x0c000000)
#define MPI_CHAR ((MPI_Datatype)0x4c000101)
#define MPI_SIGNED_CHAR ((MPI_Datatype)0x4c000102)
#define MPI_UNSIGNED_CHAR ((MPI_Datatype)0x4c000103)
#define MPI_BYTE ((MPI_Datatype)0x4c000104)
#define MPI_WCHAR ((MPI_Datatype)0x4c000405)
#define MPI_SHORT ((MPI_Datatype)0x4c000206)
#define MPI_UNSIGNED_SHORT ((MPI_Datatype)0x4c000207)
#define MPI_INT ((MPI_Datatype)0x4c000408)
#define MPI_UNSIGNED ((MPI_Datatype)0x4c000409)
#define MPI_LONG ((MPI_Datatype)0x4c00040a)
#define MPI_UNSIGNED_LONG ((MPI_Datatype)0x4c00040b)
#define MPI_LONG_LONG_INT ((MPI_Datatype)0x4c00080c)
#define MPI_UNSIGNED_LONG_LONG ((MPI_Datatype)0x4c00080d)
#define MPI_FLOAT ((MPI_Datatype)0x4c00040e)
#define MPI_DOUBLE ((MPI_Datatype)0x4c00080f)
#define MPI_LONG_DOUBLE ((MPI_Datatype)0x4c001010)
#define MPI_C_BOOL ((MPI_Datatype)0x4c000111)
#define MPI_INT8_T ((MPI_Datatype)0x4c000112)
#define MPI_INT16_T ((MPI_Datatype)0x4c000213)
#define MPI_INT32_T ((MPI_Datatype)0x4c000414)
#define MPI_INT64_T ((MPI_Datatype)0x4c000815)
#define MPI_UINT8_T ((MPI_Datatype)0x4c000116)
#define MPI_UINT16_T ((MPI_Datatype)0x4c000217)
#define MPI_UINT32_T ((MPI_Datatype)0x4c000418)
#define MPI_UINT64_T ((MPI_Datatype)0x4c000819)
#define MPI_AINT ((MPI_Datatype)0x4c00041a)
#define MPI_OFFSET ((MPI_Datatype)0x4c00081b)
#define MPI_COUNT ((MPI_Datatype)0x4c00081c)
#define MPI_C_FLOAT_COMPLEX ((MPI_Datatype)0x4c00081d)
#define MPI_C_DOUBLE_COMPLEX ((MPI_Datatype)0x4c00101e)
#define MPI_C_LONG_DOUBLE_COMPLEX ((MPI_Datatype)0x4c00201f)
#define MPI_PACKED ((MPI_Datatype)0x4c000120)
#define MPI_CXX_BOOL ((MPI_Datatype)0x4c000121)
#define MPI_CXX_FLOAT_COMPLEX ((MPI_Datatype)0x4c000822)
#define MPI_CXX_DOUBLE_COMPLEX ((MPI_Datatype)0x4c001023)
#define MPI_CXX_LONG_DOUBLE_COMPLEX ((MPI_Datatype)0x4c002024)
#define MPI_FLOAT_INT ((MPI_Datatype)0x4c000828)
#define MPI_DOUBLE_INT ((MPI_Datatype)0x4c000c29)
#define MPI_LONG_INT ((MPI_Datatype)0x4c00082a)
#define MPI_2INT ((MPI_Datatype)0x4c00082b)
#define MPI_SHORT_INT ((MPI_Datatype)0x4c00062c)
#define MPI_LONG_DOUBLE_INT ((MPI_Datatype)0x4c00142d)
#define MPI_LONG_LONG MPI_LONG_LONG_INT
#define MPI_C_COMPLEX MPI_C_FLOAT_COMPLEX
#define MPI_COMBINER_NAMED 1
#define MPI_COMBINER_DUP 2
#define MPI_COMBINER_CONTIGUOUS 3
#define MPI_COMBINER_VECTOR 4
#define MPI_COMBINER_HVECTOR_INTEGER 5
#define MPI_COMBINER_HVECTOR 6
#define MPI_COMBINER_INDEXED 7
#define MPI_COMBINER_HINDEXED_INTEGER 8
#define MPI_COMBINER_HINDEXED 9
#define MPI_COMBINER_INDEXED_BLOCK 10
#define MPI_COMBINER_STRUCT_INTEGER 11
#define MPI_COMBINER_STRUCT 12
#define MPI_COMBINER_SUBARRAY 13
#define MPI_COMBINER_DARRAY 14
#define MPI_COMBINER_F90_REAL 15
#define MPI_COMBINER_F90_COMPLEX 16
#define MPI_COMBINER_F90_INTEGER 17
#define MPI_COMBINER_RESIZED 18
#define MPI_COMBINER_HINDEXED_BLOCK 19
#define MPI_ORDER_C 56
#define MPI_ORDER_FORTRAN 57
#define MPI_DISTRIBUTE_BLOCK 121
#define MPI_DISTRIBUTE_CYCLIC 122
#define MPI_DISTRIBUTE_NONE 123
#define MPI_DISTRIBUTE_DFLT_DARG -49767
#define MPI_MAX_OBJECT_NAME 128

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

/* ---- Fortran handle conversion (handles are the same integers) ---- */
#define MPI_Comm_c2f(h) ((MPI_Fint)(h))
#define MPI_Comm_f2c(h) ((MPI_Comm)(h))
#define MPI_Type_c2f(h) ((MPI_Fint)(h))
#define MPI_Type_f2c(h) ((MPI_Datatype)(h))
#define MPI_Group_c2f(h) ((MPI_Fint)(h))
#define MPI_Group_f2c(h) ((MPI_Group)(h))
#define MPI_Op_c2f(h) ((MPI_Fint)(h))
#define MPI_Op_f2c(h) ((MPI_Op)(h))
#define MPI_Request_c2f(h) ((MPI_Fint)(h))
#define MPI_Request_f2c(h) ((MPI_Request)(h))
#define MPI_Info_c2f(h) ((MPI_Fint)(h))
#define MPI_Info_f2c(h) ((MPI_Info)(h))
#define MPI_Errhandler_c2f(h) ((MPI_Fint)(h))
#define MPI_Errhandler_f2c(h) ((MPI_Errhandler)(h))
#define MPI_Message_c2f(h) ((MPI_Fint)(h))
#define MPI_Message_f2c(h) ((MPI_Message)(h))
#define MPI_Win_c2f(h) ((MPI_Fint)(h))
#define MPI_Win_f2c(h) ((MPI_Win)(h))
#define MPI_File_c2f(h) ((MPI_Fint)(h))
#define MPI_File_f2c(h) ((MPI_File)(h))
/* The profiling names of the conversions. */
#define PMPI_Comm_c2f(h) MPI_Comm_c2f(h)
#define PMPI_Comm_f2c(h) MPI_Comm_f2c(h)
#define PMPI_Type_c2f(h) MPI_Type_c2f(h)
#define PMPI_Type_f2c(h) MPI_Type_f2c(h)
#define PMPI_Group_c2f(h) MPI_Group_c2f(h)
#define PMPI_Group_f2c(h) MPI_Group_f2c(h)
#define PMPI_Op_c2f(h) MPI_Op_c2f(h)
#define PMPI_Op_f2c(h) MPI_Op_f2c(h)
#define PMPI_Request_c2f(h) MPI_Request_c2f(h)
#define PMPI_Request_f2c(h) MPI_Request_f2c(h)
#define PMPI_Info_c2f(h) MPI_Info_c2f(h)
#define PMPI_Info_f2c(h) MPI_Info_f2c(h)
#define PMPI_Errhandler_c2f(h) MPI_Errhandler_c2f(h)
#define PMPI_Errhandler_f2c(h) MPI_Errhandler_f2c(h)
#define PMPI_Message_c2f(h) MPI_Message_c2f(h)
#define PMPI_Message_f2c(h) MPI_Message_f2c(h)
#define PMPI_Win_c2f(h) MPI_Win_c2f(h)
#define PMPI_Win_f2c(h) MPI_Win_f2c(h)
#define PMPI_File_c2f(h) MPI_File_c2f(h)
#define PMPI_File_f2c(h) MPI_File_f2c(h)

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

/* ---- errors ---- */
FAASMPI_MPI_FN(int, Error_string, (int errorcode, char *string, int *resultlen))
FAASMPI_MPI_FN(int, Error_class, (int errorcode, int *errorclass))
FAASMPI_MPI_FN(int, Comm_set_errhandler, (MPI_Comm comm, MPI_Errhandler errhandler))
FAASMPI_MPI_FN(int, Comm_get_errhandler, (MPI_Comm comm, MPI_Errhandler *errhandler))
FAASMPI_MPI_FN(int, Comm_create_errhandler, (MPI_Comm_errhandler_function *comm_errhandler_fn, MPI_Errhandler *errhandler))
FAASMPI_MPI_FN(int, Comm_call_errhandler, (MPI_Comm comm, int errorcode))
FAASMPI_MPI_FN(int, Win_create_errhandler, (MPI_Win_errhandler_function *win_errhandler_fn, MPI_Errhandler *errhandler))
FAASMPI_MPI_FN(int, File_create_errhandler, (MPI_File_errhandler_function *file_errhandler_fn, MPI_Errhandler *errhandler))
FAASMPI_MPI_FN(int, Errhandler_free, (MPI_Errhandler *errhandler))
FAASMPI_MPI_FN(int, Add_error_class, (int *errorclass))
FAASMPI_MPI_FN(int, Add_error_code, (int errorclass, int *errorcode))
FAASMPI_MPI_FN(int, Add_error_string, (int errorcode, const char *string))

/* ---- point-to-point ---- */
FAASMPI_MPI_FN(int, Send, (const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm))
FAASMPI_MPI_FN(int, Ssend, (const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm))
FAASMPI_MPI_FN(int, Rsend, (const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm))
FAASMPI_MPI_FN(int, Bsend, (const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm))
FAASMPI_MPI_FN(int, Buffer_attach, (void *buffer, int size))
FAASMPI_MPI_FN(int, Buffer_detach, (void *buffer_addr, int *size))
FAASMPI_MPI_FN(int, Recv, (void *buf, int count, MPI_Datatype datatype, int source, int tag, MPI_Comm comm, MPI_Status *status))
FAASMPI_MPI_FN(int, Sendrecv, (const void *sendbuf, int sendcount, MPI_Datatype sendtype, int dest, int sendtag,
                               void *recvbuf, int recvcount, MPI_Datatype recvtype, int source, int recvtag,
                               MPI_Comm comm, MPI_Status *status))
FAASMPI_MPI_FN(int, Sendrecv_replace, (void *buf, int count, MPI_Datatype datatype, int dest, int sendtag, int source,
                                       int recvtag, MPI_Comm comm, MPI_Status *status))
FAASMPI_MPI_FN(int, Isend, (const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm, MPI_Request *request))
FAASMPI_MPI_FN(int, Issend, (const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm, MPI_Request *request))
FAASMPI_MPI_FN(int, Irsend, (const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm, MPI_Request *request))
FAASMPI_MPI_FN(int, Ibsend, (const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm, MPI_Request *request))
FAASMPI_MPI_FN(int, Irecv, (void *buf, int count, MPI_Datatype datatype, int source, int tag, MPI_Comm comm, MPI_Request *request))
FAASMPI_MPI_FN(int, Wait, (MPI_Request *request, MPI_Status *status))
FAASMPI_MPI_FN(int, Waitall, (int count, MPI_Request array_of_requests[], MPI_Status array_of_statuses[]))
FAASMPI_MPI_FN(int, Waitany, (int count, MPI_Request array_of_requests[], int *index, MPI_Status *status))
FAASMPI_MPI_FN(int, Waitsome, (int incount, MPI_Request array_of_requests[], int *outcount, int array_of_indices[],
                               MPI_Status array_of_statuses[]))
FAASMPI_MPI_FN(int, Test, (MPI_Request *request, int *flag, MPI_Status *status))
FAASMPI_MPI_FN(int, Testall, (int count, MPI_Request array_of_requests[], int *flag, MPI_Status array_of_statuses[]))
FAASMPI_MPI_FN(int, Testany, (int count, MPI_Request array_of_requests[], int *index, int *flag, MPI_Status *status))
FAASMPI_MPI_FN(int, Testsome, (int incount, MPI_Request array_of_requests[], int *outcount, int array_of_indices[],
                               MPI_Status array_of_statuses[]))
FAASMPI_MPI_FN(int, Request_free, (MPI_Request *request))
FAASMPI_MPI_FN(int, Request_get_status, (MPI_Request request, int *flag, MPI_Status *status))
FAASMPI_MPI_FN(int, Cancel, (MPI_Request *request))
FAASMPI_MPI_FN(int, Test_cancelled, (const MPI_Status *status, int *flag))
FAASMPI_MPI_FN(int, Send_init, (const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm, MPI_Request *request))
FAASMPI_MPI_FN(int, Ssend_init, (const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm, MPI_Request *request))
FAASMPI_MPI_FN(int, Rsend_init, (const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm, MPI_Request *request))
FAASMPI_MPI_FN(int, Bsend_init, (const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm, MPI_Request *request))
FAASMPI_MPI_FN(int, Recv_init, (void *buf, int count, MPI_Datatype datatype, int source, int tag, MPI_Comm comm, MPI_Request *request))
FAASMPI_MPI_FN(int, Start, (MPI_Request *request))
FAASMPI_MPI_FN(int, Startall, (int count, MPI_Request array_of_requests[]))
FAASMPI_MPI_FN(int, Probe, (int source, int tag, MPI_Comm comm, MPI_Status *status))
FAASMPI_MPI_FN(int, Iprobe, (int source, int tag, MPI_Comm comm, int *flag, MPI_Status *status))
FAASMPI_MPI_FN(int, Mprobe, (int source, int tag, MPI_Comm comm, MPI_Message *message, MPI_Status *status))
FAASMPI_MPI_FN(int, Improbe, (int source, int tag, MPI_Comm comm, int *flag, MPI_Message *message, MPI_Status *status))
FAASMPI_MPI_FN(int, Mrecv, (void *buf, int count, MPI_Datatype datatype, MPI_Message *message, MPI_Status *status))
FAASMPI_MPI_FN(int, Imrecv, (void *buf, int count, MPI_Datatype datatype, MPI_Message *message, MPI_Request *request))
FAASMPI_MPI_FN(int, Get_count, (const MPI_Status *status, MPI_Datatype datatype, int *count))
FAASMPI_MPI_FN(int, Get_elements, (const MPI_Status *status, MPI_Datatype datatype, int *count))
FAASMPI_MPI_FN(int, Get_elements_x, (const MPI_Status *status, MPI_Datatype datatype, MPI_Count *count))
FAASMPI_MPI_FN(int, Status_set_elements, (MPI_Status *status, MPI_Datatype datatype, int count))
FAASMPI_MPI_FN(int, Status_set_elements_x, (MPI_Status *status, MPI_Datatype datatype, MPI_Count count))
FAASMPI_MPI_FN(int, Status_set_cancelled, (MPI_Status *status, int flag))
FAASMPI_MPI_FN(int, Type_match_size, (int typeclass, int size, MPI_Datatype *datatype))
FAASMPI_MPI_FN(int, Pack_external, (const char datarep[], const void *inbuf, int incount, MPI_Datatype datatype,
                                    void *outbuf, MPI_Aint outsize, MPI_Aint *position))
FAASMPI_MPI_FN(int, Unpack_external, (const char datarep[], const void *inbuf, MPI_Aint insize, MPI_Aint *position,
                                      void *outbuf, int outcount, MPI_Datatype datatype))
FAASMPI_MPI_FN(int, Pack_external_size, (const char datarep[], int incount, MPI_Datatype datatype, MPI_Aint *size))
FAASMPI_MPI_FN(int, Type_create_f90_integer, (int r, MPI_Datatype *newtype))
FAASMPI_MPI_FN(int, Type_create_darray, (int size, int rank, int ndims, const int array_of_gsizes[],
                                         const int array_of_distribs[], const int array_of_dargs[],
                                         const int array_of_psizes[], int order, MPI_Datatype oldtype,
                                         MPI_Datatype *newtype))
FAASMPI_MPI_FN(int, Type_create_f90_real, (int p, int r, MPI_Datatype *newtype))
FAASMPI_MPI_FN(int, Type_create_f90_complex, (int p, int r, MPI_Datatype *newtype))
FAASMPI_MPI_FN(int, Grequest_start, (MPI_Grequest_query_function *query_fn, MPI_Grequest_free_function *free_fn,
                                     MPI_Grequest_cancel_function *cancel_fn, void *extra_state, MPI_Request *request))
FAASMPI_MPI_FN(int, Grequest_complete, (MPI_Request request))

/* ---- datatypes ---- */
FAASMPI_MPI_FN(int, Type_contiguous, (int count, MPI_Datatype oldtype, MPI_Datatype *newtype))
FAASMPI_MPI_FN(int, Type_vector, (int count, int blocklength, int stride, MPI_Datatype oldtype, MPI_Datatype *newtype))
FAASMPI_MPI_FN(int, Type_hvector, (int count, int blocklength, MPI_Aint stride, MPI_Datatype oldtype, MPI_Datatype *newtype))
FAASMPI_MPI_FN(int, Type_create_hvector, (int count, int blocklength, MPI_Aint stride, MPI_Datatype oldtype, MPI_Datatype *newtype))
FAASMPI_MPI_FN(int, Type_indexed, (int count, const int array_of_blocklengths[], const int array_of_displacements[],
                                   MPI_Datatype oldtype, MPI_Datatype *newtype))
FAASMPI_MPI_FN(int, Type_hindexed, (int count, const int array_of_blocklengths[], const MPI_Aint array_of_displacements[],
                                    MPI_Datatype oldtype, MPI_Datatype *newtype))
FAASMPI_MPI_FN(int, Type_create_hindexed, (int count, const int array_of_blocklengths[], const MPI_Aint array_of_displacements[],
                                           MPI_Datatype oldtype, MPI_Datatype *newtype))
FAASMPI_MPI_FN(int, Type_create_indexed_block, (int count, int blocklength, const int array_of_displacements[],
                                                MPI_Datatype oldtype, MPI_Datatype *newtype))
FAASMPI_MPI_FN(int, Type_create_hindexed_block, (int count, int blocklength, const MPI_Aint array_of_displacements[],
                                                 MPI_Datatype oldtype, MPI_Datatype *newtype))
FAASMPI_MPI_FN(int, Type_create_struct, (int count, const int array_of_blocklengths[], const MPI_Aint array_of_displacements[],
                                         const MPI_Datatype array_of_types[], MPI_Datatype *newtype))
FAASMPI_MPI_FN(int, Type_struct, (int count, const int array_of_blocklengths[], const MPI_Aint array_of_displacements[],
                                  const MPI_Datatype array_of_types[], MPI_Datatype *newtype))
FAASMPI_MPI_FN(int, Type_create_resized, (MPI_Datatype oldtype, MPI_Aint lb, MPI_Aint extent, MPI_Datatype *newtype))
FAASMPI_MPI_FN(int, Type_create_subarray, (int ndims, const int array_of_sizes[], const int array_of_subsizes[],
                                           const int array_of_starts[], int order, MPI_Datatype oldtype, MPI_Datatype *newtype))
FAASMPI_MPI_FN(int, Type_dup, (MPI_Datatype oldtype, MPI_Datatype *newtype))
FAASMPI_MPI_FN(int, Type_commit, (MPI_Datatype *datatype))
FAASMPI_MPI_FN(int, Type_free, (MPI_Datatype *datatype))
FAASMPI_MPI_FN(int, Type_size, (MPI_Datatype datatype, int *size))
FAASMPI_MPI_FN(int, Type_size_x, (MPI_Datatype datatype, MPI_Count *size))
FAASMPI_MPI_FN(int, Type_get_extent, (MPI_Datatype datatype, MPI_Aint *lb, MPI_Aint *extent))
FAASMPI_MPI_FN(int, Type_get_extent_x, (MPI_Datatype datatype, MPI_Count *lb, MPI_Count *extent))
FAASMPI_MPI_FN(int, Type_get_true_extent, (MPI_Datatype datatype, MPI_Aint *true_lb, MPI_Aint *true_extent))
FAASMPI_MPI_FN(int, Type_get_true_extent_x, (MPI_Datatype datatype, MPI_Count *true_lb, MPI_Count *true_extent))
FAASMPI_MPI_FN(int, Type_extent, (MPI_Datatype datatype, MPI_Aint *extent))
FAASMPI_MPI_FN(int, Type_lb, (MPI_Datatype datatype, MPI_Aint *displacement))
FAASMPI_MPI_FN(int, Type_ub, (MPI_Datatype datatype, MPI_Aint *displacement))
FAASMPI_MPI_FN(int, Type_get_envelope, (MPI_Datatype datatype, int *num_integers, int *num_addresses, int *num_datatypes,
                                        int *combiner))
FAASMPI_MPI_FN(int, Type_get_contents, (MPI_Datatype datatype, int max_integers, int max_addresses, int max_datatypes,
                                        int array_of_integers[], MPI_Aint array_of_addresses[],
                                        MPI_Datatype array_of_datatypes[]))
FAASMPI_MPI_FN(int, Type_set_name, (MPI_Datatype datatype, const char *type_name))
FAASMPI_MPI_FN(int, Type_get_name, (MPI_Datatype datatype, char *type_name, int *resultlen))
FAASMPI_MPI_FN(int, Pack, (const void *inbuf, int incount, MPI_Datatype datatype, void *outbuf, int outsize, int *position,
                           MPI_Comm comm))
FAASMPI_MPI_FN(int, Unpack, (const void *inbuf, int insize, int *position, void *outbuf, int outcount, MPI_Datatype datatype,
                             MPI_Comm comm))
FAASMPI_MPI_FN(int, Pack_size, (int incount, MPI_Datatype datatype, MPI_Comm comm, int *size))
FAASMPI_MPI_FN(int, Get_address, (const void *location, MPI_Aint *address))
FAASMPI_MPI_FN(int, Address, (void *location, MPI_Aint *address))
FAASMPI_MPI_FN(MPI_Aint, Aint_add, (MPI_Aint base, MPI_Aint disp))
FAASMPI_MPI_FN(MPI_Aint, Aint_diff, (MPI_Aint addr1, MPI_Aint addr2))

/* ---- collectives ---- */
FAASMPI_MPI_FN(int, Barrier, (MPI_Comm comm))
FAASMPI_MPI_FN(int, Bcast, (void *buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm))
FAASMPI_MPI_FN(int, Reduce, (const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, int root,
                             MPI_Comm comm))
FAASMPI_MPI_FN(int, Allreduce, (const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm))
FAASMPI_MPI_FN(int, Gather, (const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount,
                             MPI_Datatype recvtype, int root, MPI_Comm comm))
FAASMPI_MPI_FN(int, Gatherv, (const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, const int recvcounts[],
                              const int displs[], MPI_Datatype recvtype, int root, MPI_Comm comm))
FAASMPI_MPI_FN(int, Scatter, (const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount,
                              MPI_Datatype recvtype, int root, MPI_Comm comm))
FAASMPI_MPI_FN(int, Scatterv, (const void *sendbuf, const int sendcounts[], const int displs[], MPI_Datatype sendtype,
                               void *recvbuf, int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm))
FAASMPI_MPI_FN(int, Allgather, (const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount,
                                MPI_Datatype recvtype, MPI_Comm comm))
FAASMPI_MPI_FN(int, Allgatherv, (const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                                 const int recvcounts[], const int displs[], MPI_Datatype recvtype, MPI_Comm comm))
FAASMPI_MPI_FN(int, Alltoall, (const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount,
                               MPI_Datatype recvtype, MPI_Comm comm))
FAASMPI_MPI_FN(int, Alltoallv, (const void *sendbuf, const int sendcounts[], const int sdispls[], MPI_Datatype sendtype,
                                void *recvbuf, const int recvcounts[], const int rdispls[], MPI_Datatype recvtype,
                                MPI_Comm comm))
FAASMPI_MPI_FN(int, Alltoallw, (const void *sendbuf, const int sendcounts[], const int sdispls[],
                                const MPI_Datatype sendtypes[], void *recvbuf, const int recvcounts[],
                                const int rdispls[], const MPI_Datatype recvtypes[], MPI_Comm comm))
FAASMPI_MPI_FN(int, Reduce_scatter, (const void *sendbuf, void *recvbuf, const int recvcounts[], MPI_Datatype datatype,
                                     MPI_Op op, MPI_Comm comm))
FAASMPI_MPI_FN(int, Reduce_scatter_block, (const void *sendbuf, void *recvbuf, int recvcount, MPI_Datatype datatype,
                                           MPI_Op op, MPI_Comm comm))
FAASMPI_MPI_FN(int, Scan, (const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm))
FAASMPI_MPI_FN(int, Exscan, (const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm))
FAASMPI_MPI_FN(int, Reduce_local, (const void *inbuf, void *inoutbuf, int count, MPI_Datatype datatype, MPI_Op op))
FAASMPI_MPI_FN(int, Ibarrier, (MPI_Comm comm, MPI_Request *request))
FAASMPI_MPI_FN(int, Ibcast, (void *buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm, MPI_Request *request))
FAASMPI_MPI_FN(int, Ireduce, (const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, int root,
                              MPI_Comm comm, MPI_Request *request))
FAASMPI_MPI_FN(int, Iallreduce, (const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
                                 MPI_Comm comm, MPI_Request *request))
FAASMPI_MPI_FN(int, Igather, (const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount,
                              MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Request *request))
FAASMPI_MPI_FN(int, Iscatter, (const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount,
                               MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Request *request))
FAASMPI_MPI_FN(int, Iallgather, (const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount,
                                 MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request))
FAASMPI_MPI_FN(int, Ialltoall, (const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount,
                                MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request))
FAASMPI_MPI_FN(int, Igatherv, (const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, const int recvcounts[],
                               const int displs[], MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Request *request))
FAASMPI_MPI_FN(int, Iscatterv, (const void *sendbuf, const int sendcounts[], const int displs[], MPI_Datatype sendtype,
                                void *recvbuf, int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Request *request))
FAASMPI_MPI_FN(int, Iallgatherv, (const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                                  const int recvcounts[], const int displs[], MPI_Datatype recvtype, MPI_Comm comm,
                                  MPI_Request *request))
FAASMPI_MPI_FN(int, Ialltoallv, (const void *sendbuf, const int sendcounts[], const int sdispls[], MPI_Datatype sendtype,
                                 void *recvbuf, const int recvcounts[], const int rdispls[], MPI_Datatype recvtype,
                                 MPI_Comm comm, MPI_Request *request))
FAASMPI_MPI_FN(int, Ialltoallw, (const void *sendbuf, const int sendcounts[], const int sdispls[],
                                 const MPI_Datatype sendtypes[], void *recvbuf, const int recvcounts[], const int rdispls[],
                                 const MPI_Datatype recvtypes[], MPI_Comm comm, MPI_Request *request))
FAASMPI_MPI_FN(int, Ireduce_scatter, (const void *sendbuf, void *recvbuf, const int recvcounts[], MPI_Datatype datatype,
                                      MPI_Op op, MPI_Comm comm, MPI_Request *request))
FAASMPI_MPI_FN(int, Ireduce_scatter_block, (const void *sendbuf, void *recvbuf, int recvcount, MPI_Datatype datatype,
                                            MPI_Op op, MPI_Comm comm, MPI_Request *request))
FAASMPI_MPI_FN(int, Iscan, (const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm,
                            MPI_Request *request))
FAASMPI_MPI_FN(int, Iexscan, (const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm,
                              MPI_Request *request))

/* ---- reduction operations ---- */
FAASMPI_MPI_FN(int, Op_create, (MPI_User_function *user_fn, int commute, MPI_Op *op))
FAASMPI_MPI_FN(int, Op_free, (MPI_Op *op))
FAASMPI_MPI_FN(int, Op_commutative, (MPI_Op op, int *commute))

/* ---- communicators ---- */
FAASMPI_MPI_FN(int, Comm_dup, (MPI_Comm comm, MPI_Comm *newcomm))
FAASMPI_MPI_FN(int, Comm_split, (MPI_Comm comm, int color, int key, MPI_Comm *newcomm))
FAASMPI_MPI_FN(int, Comm_split_type, (MPI_Comm comm, int split_type, int key, MPI_Info info, MPI_Comm *newcomm))
FAASMPI_MPI_FN(int, Comm_create, (MPI_Comm comm, MPI_Group group, MPI_Comm *newcomm))
FAASMPI_MPI_FN(int, Comm_create_group, (MPI_Comm comm, MPI_Group group, int tag, MPI_Comm *newcomm))
FAASMPI_MPI_FN(int, Comm_free, (MPI_Comm *comm))
FAASMPI_MPI_FN(int, Comm_compare, (MPI_Comm comm1, MPI_Comm comm2, int *result))
FAASMPI_MPI_FN(int, Comm_set_name, (MPI_Comm comm, const char *comm_name))
FAASMPI_MPI_FN(int, Comm_get_name, (MPI_Comm comm, char *comm_name, int *resultlen))
FAASMPI_MPI_FN(int, Comm_group, (MPI_Comm comm, MPI_Group *group))
FAASMPI_MPI_FN(int, Comm_test_inter, (MPI_Comm comm, int *flag))
FAASMPI_MPI_FN(int, Comm_remote_size, (MPI_Comm comm, int *size))
FAASMPI_MPI_FN(int, Comm_remote_group, (MPI_Comm comm, MPI_Group *group))
FAASMPI_MPI_FN(int, Intercomm_create, (MPI_Comm local_comm, int local_leader, MPI_Comm peer_comm, int remote_leader, int tag,
                                       MPI_Comm *newintercomm))
FAASMPI_MPI_FN(int, Intercomm_merge, (MPI_Comm intercomm, int high, MPI_Comm *newintracomm))
FAASMPI_MPI_FN(int, Comm_set_info, (MPI_Comm comm, MPI_Info info))
FAASMPI_MPI_FN(int, Comm_get_info, (MPI_Comm comm, MPI_Info *info_used))
FAASMPI_MPI_FN(int, Comm_dup_with_info, (MPI_Comm comm, MPI_Info info, MPI_Comm *newcomm))
FAASMPI_MPI_FN(int, Comm_idup, (MPI_Comm comm, MPI_Comm *newcomm, MPI_Request *request))

/* ---- info objects ---- */
FAASMPI_MPI_FN(int, Info_create, (MPI_Info *info))
FAASMPI_MPI_FN(int, Info_dup, (MPI_Info info, MPI_Info *newinfo))
FAASMPI_MPI_FN(int, Info_free, (MPI_Info *info))
FAASMPI_MPI_FN(int, Info_set, (MPI_Info info, const char *key, const char *value))
FAASMPI_MPI_FN(int, Info_delete, (MPI_Info info, const char *key))
FAASMPI_MPI_FN(int, Info_get, (MPI_Info info, const char *key, int valuelen, char *value, int *flag))
FAASMPI_MPI_FN(int, Info_get_valuelen, (MPI_Info info, const char *key, int *valuelen, int *flag))
FAASMPI_MPI_FN(int, Info_get_nkeys, (MPI_Info info, int *nkeys))
FAASMPI_MPI_FN(int, Info_get_nthkey, (MPI_Info info, int n, char *key))

/* ---- in the guest library (toolchain/guest/mpi_guest.c): memory from the program's own allocator, ... ---- */
int MPI_Alloc_mem(MPI_Aint size, MPI_Info info, void *baseptr);
int PMPI_Alloc_mem(MPI_Aint size, MPI_Info info, void *baseptr);
int MPI_Free_mem(void *base);
int PMPI_Free_mem(void *base);
int MPI_Pcontrol(const int level, ...);
int PMPI_Pcontrol(const int level, ...);
int MPI_Status_c2f(const MPI_Status *c_status, MPI_Fint *f_status);
int PMPI_Status_c2f(const MPI_Status *c_status, MPI_Fint *f_status);
int MPI_Status_f2c(const MPI_Fint *f_status, MPI_Status *c_status);
int PMPI_Status_f2c(const MPI_Fint *f_status, MPI_Status *c_status);

/* ---- groups ---- */
FAASMPI_MPI_FN(int, Group_size, (MPI_Group group, int *size))
FAASMPI_MPI_FN(int, Group_rank, (MPI_Group group, int *rank))
FAASMPI_MPI_FN(int, Group_incl, (MPI_Group group, int n, const int ranks[], MPI_Group *newgroup))
FAASMPI_MPI_FN(int, Group_excl, (MPI_Group group, int n, const int ranks[], MPI_Group *newgroup))
FAASMPI_MPI_FN(int, Group_range_incl, (MPI_Group group, int n, int ranges[][3], MPI_Group *newgroup))
FAASMPI_MPI_FN(int, Group_range_excl, (MPI_Group group, int n, int ranges[][3], MPI_Group *newgroup))
FAASMPI_MPI_FN(int, Group_union, (MPI_Group group1, MPI_Group group2, MPI_Group *newgroup))
FAASMPI_MPI_FN(int, Group_intersection, (MPI_Group group1, MPI_Group group2, MPI_Group *newgroup))
FAASMPI_MPI_FN(int, Group_difference, (MPI_Group group1, MPI_Group group2, MPI_Group *newgroup))
FAASMPI_MPI_FN(int, Group_translate_ranks, (MPI_Group group1, int n, const int ranks1[], MPI_Group group2, int ranks2[]))
FAASMPI_MPI_FN(int, Group_compare, (MPI_Group group1, MPI_Group group2, int *result))
FAASMPI_MPI_FN(int, Group_free, (MPI_Group *group))

/* ---- attributes ---- */
/* Comm_get_attr and Attr_get are defined in the guest library (predefined values must live in guest memory). */
int MPI_Comm_get_attr(MPI_Comm comm, int comm_keyval, void *attribute_val, int *flag);
int PMPI_Comm_get_attr(MPI_Comm comm, int comm_keyval, void *attribute_val, int *flag);
FAASMPI_MPI_FN(int, Comm_set_attr, (MPI_Comm comm, int comm_keyval, void *attribute_val))
FAASMPI_MPI_FN(int, Comm_delete_attr, (MPI_Comm comm, int comm_keyval))
FAASMPI_MPI_FN(int, Comm_create_keyval, (MPI_Comm_copy_attr_function *comm_copy_attr_fn,
                                         MPI_Comm_delete_attr_function *comm_delete_attr_fn, int *comm_keyval,
                                         void *extra_state))
FAASMPI_MPI_FN(int, Comm_free_keyval, (int *comm_keyval))
int MPI_Attr_get(MPI_Comm comm, int keyval, void *attribute_val, int *flag);
int PMPI_Attr_get(MPI_Comm comm, int keyval, void *attribute_val, int *flag);
FAASMPI_MPI_FN(int, Attr_put, (MPI_Comm comm, int keyval, void *attribute_val))
FAASMPI_MPI_FN(int, Attr_delete, (MPI_Comm comm, int keyval))
FAASMPI_MPI_FN(int, Keyval_create, (MPI_Copy_function *copy_fn, MPI_Delete_function *delete_fn, int *keyval, void *extra_state))
FAASMPI_MPI_FN(int, Keyval_free, (int *keyval))
FAASMPI_MPI_FN(int, Type_create_keyval, (MPI_Type_copy_attr_function *type_copy_attr_fn,
                                         MPI_Type_delete_attr_function *type_delete_attr_fn, int *type_keyval,
                                         void *extra_state))
FAASMPI_MPI_FN(int, Type_free_keyval, (int *type_keyval))
FAASMPI_MPI_FN(int, Type_set_attr, (MPI_Datatype datatype, int type_keyval, void *attribute_val))
FAASMPI_MPI_FN(int, Type_get_attr, (MPI_Datatype datatype, int type_keyval, void *attribute_val, int *flag))
FAASMPI_MPI_FN(int, Type_delete_attr, (MPI_Datatype datatype, int type_keyval))
FAASMPI_MPI_FN(int, Win_create_keyval, (MPI_Win_copy_attr_function *win_copy_attr_fn,
                                        MPI_Win_delete_attr_function *win_delete_attr_fn, int *win_keyval,
                                        void *extra_state))
FAASMPI_MPI_FN(int, Win_free_keyval, (int *win_keyval))

/* ---- topologies ---- */
FAASMPI_MPI_FN(int, Dims_create, (int nnodes, int ndims, int dims[]))
FAASMPI_MPI_FN(int, Cart_create, (MPI_Comm comm_old, int ndims, const int dims[], const int periods[], int reorder,
                                  MPI_Comm *comm_cart))
FAASMPI_MPI_FN(int, Cart_get, (MPI_Comm comm, int maxdims, int dims[], int periods[], int coords[]))
FAASMPI_MPI_FN(int, Cartdim_get, (MPI_Comm comm, int *ndims))
FAASMPI_MPI_FN(int, Cart_rank, (MPI_Comm comm, const int coords[], int *rank))
FAASMPI_MPI_FN(int, Cart_coords, (MPI_Comm comm, int rank, int maxdims, int coords[]))
FAASMPI_MPI_FN(int, Cart_shift, (MPI_Comm comm, int direction, int disp, int *rank_source, int *rank_dest))
FAASMPI_MPI_FN(int, Cart_sub, (MPI_Comm comm, const int remain_dims[], MPI_Comm *newcomm))
FAASMPI_MPI_FN(int, Topo_test, (MPI_Comm comm, int *status))
FAASMPI_MPI_FN(int, Dist_graph_create, (MPI_Comm comm_old, int n, const int sources[], const int degrees[],
                                        const int destinations[], const int weights[], MPI_Info info, int reorder,
                                        MPI_Comm *comm_dist_graph))
FAASMPI_MPI_FN(int, Graph_create, (MPI_Comm comm_old, int nnodes, const int index[], const int edges[], int reorder,
                                   MPI_Comm *comm_graph))
FAASMPI_MPI_FN(int, Graphdims_get, (MPI_Comm comm, int *nnodes, int *nedges))
FAASMPI_MPI_FN(int, Graph_get, (MPI_Comm comm, int maxindex, int maxedges, int index[], int edges[]))
FAASMPI_MPI_FN(int, Graph_neighbors_count, (MPI_Comm comm, int rank, int *nneighbors))
FAASMPI_MPI_FN(int, Graph_neighbors, (MPI_Comm comm, int rank, int maxneighbors, int neighbors[]))
FAASMPI_MPI_FN(int, Graph_map, (MPI_Comm comm, int nnodes, const int index[], const int edges[], int *newrank))
FAASMPI_MPI_FN(int, Cart_map, (MPI_Comm comm, int ndims, const int dims[], const int periods[], int *newrank))
FAASMPI_MPI_FN(int, Dist_graph_create_adjacent, (MPI_Comm comm_old, int indegree, const int sources[],
                                                 const int sourceweights[], int outdegree, const int destinations[],
                                                 const int destweights[], MPI_Info info, int reorder,
                                                 MPI_Comm *comm_dist_graph))
FAASMPI_MPI_FN(int, Dist_graph_neighbors_count, (MPI_Comm comm, int *indegree, int *outdegree, int *weighted))
FAASMPI_MPI_FN(int, Dist_graph_neighbors, (MPI_Comm comm, int maxindegree, int sources[], int sourceweights[],
                                           int maxoutdegree, int destinations[], int destweights[]))
FAASMPI_MPI_FN(int, Neighbor_allgather, (const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                                         int recvcount, MPI_Datatype recvtype, MPI_Comm comm))
FAASMPI_MPI_FN(int, Neighbor_alltoall, (const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                                        int recvcount, MPI_Datatype recvtype, MPI_Comm comm))
FAASMPI_MPI_FN(int, Neighbor_allgatherv, (const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                                          const int recvcounts[], const int displs[], MPI_Datatype recvtype, MPI_Comm comm))
FAASMPI_MPI_FN(int, Neighbor_alltoallv, (const void *sendbuf, const int sendcounts[], const int sdispls[],
                                         MPI_Datatype sendtype, void *recvbuf, const int recvcounts[], const int rdispls[],
                                         MPI_Datatype recvtype, MPI_Comm comm))
FAASMPI_MPI_FN(int, Neighbor_alltoallw, (const void *sendbuf, const int sendcounts[], const MPI_Aint sdispls[],
                                         const MPI_Datatype sendtypes[], void *recvbuf, const int recvcounts[],
                                         const MPI_Aint rdispls[], const MPI_Datatype recvtypes[], MPI_Comm comm))
FAASMPI_MPI_FN(int, Ineighbor_allgather, (const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                                          int recvcount, MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request))
FAASMPI_MPI_FN(int, Ineighbor_allgatherv, (const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                                           const int recvcounts[], const int displs[], MPI_Datatype recvtype, MPI_Comm comm,
                                           MPI_Request *request))
FAASMPI_MPI_FN(int, Ineighbor_alltoall, (const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                                         int recvcount, MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request))
FAASMPI_MPI_FN(int, Ineighbor_alltoallv, (const void *sendbuf, const int sendcounts[], const int sdispls[],
                                          MPI_Datatype sendtype, void *recvbuf, const int recvcounts[], const int rdispls[],
                                          MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request))
FAASMPI_MPI_FN(int, Ineighbor_alltoallw, (const void *sendbuf, const int sendcounts[], const MPI_Aint sdispls[],
                                          const MPI_Datatype sendtypes[], void *recvbuf, const int recvcounts[],
                                          const MPI_Aint rdispls[], const MPI_Datatype recvtypes[], MPI_Comm comm,
                                          MPI_Request *request))

#ifdef __cplusplus
}
#endif
#endif
