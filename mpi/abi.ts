// The numeric ABI shared with toolchain/include/mpi.h (MPICH-style integer handles). test/mpi-abi.test.ts
// compiles a program that prints the header's values and checks them against these.

export const MPI_SUCCESS = 0;
export const MPI_ERR_COMM = 5;
export const MPI_ERR_ARG = 12;
export const MPI_ERR_OTHER = 15;

export const MPI_COMM_WORLD = 0x44000000;
export const MPI_COMM_SELF = 0x44000001;

export const MPI_THREAD_SINGLE = 0;
export const MPI_THREAD_FUNNELED = 1;
export const MPI_THREAD_SERIALIZED = 2;
export const MPI_THREAD_MULTIPLE = 3;

export const MPI_MAX_PROCESSOR_NAME = 128;
export const MPI_MAX_LIBRARY_VERSION_STRING = 8192;
export const MPI_VERSION = 3;
export const MPI_SUBVERSION = 1;

export const MPI_ERRORS_ARE_FATAL = 0x54000000;
export const MPI_ERRORS_RETURN = 0x54000001;
