#!/usr/bin/env bash
# LULESH 2.0 (LLNL), unmodified, built with its own Makefile: with our wrappers (wasm) and natively (clang-19,
# Open MPI's mpicxx over clang++-19, libomp). Variants: omp (USE_MPI=0, OpenMP), mpi (USE_MPI=1, no OpenMP),
# hybrid (USE_MPI=1 + OpenMP). Binary: lulesh2.0 in each build directory.
#   bash experiments/apps/lulesh.sh <LULESH source dir> | --clone
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
apps_init lulesh https://github.com/LLNL/LULESH.git "$@"

# The Makefile's own knobs: CXX carries -DUSE_MPI=..., CXXFLAGS/LDFLAGS choose OpenMP. -g dropped on both sides.
lulesh_make() { # <cxx> <USE_MPI> <openmp flag or ''> <extra link flags>
  make -j"$JOBS" CXX="$1 -DUSE_MPI=$2" CXXFLAGS="-O3 $3 -I. -Wall" LDFLAGS="-O3 $3 $4"
}
build_variant omp    wasm   . lulesh2.0 lulesh_make "$FAASMPICXX" 0 -fopenmp ''
build_variant omp    native . lulesh2.0 lulesh_make clang++-19    0 -fopenmp "$LIBOMP_FLAGS"
build_variant mpi    wasm   . lulesh2.0 lulesh_make "$FAASMPICXX" 1 '' ''
build_variant mpi    native . lulesh2.0 lulesh_make mpicxx        1 '' ''
build_variant hybrid wasm   . lulesh2.0 lulesh_make "$FAASMPICXX" 1 -fopenmp ''
build_variant hybrid native . lulesh2.0 lulesh_make mpicxx        1 -fopenmp "$LIBOMP_FLAGS"
