# CMake toolchain file for faasmpi modules:
#   cmake -DCMAKE_TOOLCHAIN_FILE=<repo>/toolchain/cmake/faasmpi.cmake ...
# Compilers are the faasmpicc/faasmpicxx wrappers, which are MPI wrappers too, so
# find_package(MPI) succeeds with them directly (MPI_C_FOUND, MPI_CXX_FOUND, 3.1).
# Executables keep plain names (no .wasm suffix): LAMMPS builds `lmp`, and
# Makefile-built programs have no suffix either; the runtime does not care.
get_filename_component(FAASMPI_TOOLCHAIN_DIR "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)

# Platform/WASI.cmake next to this file describes the system (CMake 3.25 has none).
set(CMAKE_SYSTEM_NAME WASI)
set(CMAKE_SYSTEM_VERSION 1)
set(CMAKE_SYSTEM_PROCESSOR wasm32)
list(APPEND CMAKE_MODULE_PATH "${CMAKE_CURRENT_LIST_DIR}")

set(CMAKE_C_COMPILER "${FAASMPI_TOOLCHAIN_DIR}/bin/faasmpicc")
set(CMAKE_CXX_COMPILER "${FAASMPI_TOOLCHAIN_DIR}/bin/faasmpicxx")
find_program(CMAKE_AR NAMES llvm-ar-19 llvm-ar REQUIRED)
find_program(CMAKE_RANLIB NAMES llvm-ranlib-19 llvm-ranlib REQUIRED)

# Configure checks only compile (skips the ~1 s post-link of every probe).
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# Never pick up the build machine's (x86) libraries or headers; programs are host tools.
set(CMAKE_FIND_ROOT_PATH "${FAASMPI_TOOLCHAIN_DIR}" "/usr/lib/wasm32-wasi" "/usr/include/wasm32-wasi")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
