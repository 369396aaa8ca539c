#!/usr/bin/env bash
# HPCG 3.1 (hpcg-benchmark/hpcg), unmodified, built out of tree with its own configure + Makefile and its shipped
# setup files: mpi = setup/Make.Linux_MPI (MPI, -DHPCG_NO_OPENMP), mpi-omp = setup/Make.MPI_GCC_OMP (MPI +
# OpenMP). CXX, CXXFLAGS and (natively) the libomp path in HPCG_LIBS are set on make's command line: CXXFLAGS is
# the setup files' own minus GCC's -ftree-vectorizer-verbose=0, which clang refuses. Binary: build/bin/xhpcg.
#   bash experiments/apps/hpcg.sh <HPCG source dir> | --clone
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
apps_init hpcg https://github.com/hpcg-benchmark/hpcg.git "$@"

hpcg_make() { # <setup arch> <cxx> <HPCG_LIBS> <extra CXXFLAGS>
  mkdir -p build && cd build && ../configure "$1" && make -j"$JOBS" CXX="$2" HPCG_LIBS="$3" CXXFLAGS="\$(HPCG_DEFS) -O3 -ffast-math -ftree-vectorize $4"
}
build_variant mpi     wasm   . build/bin/xhpcg hpcg_make Linux_MPI   "$FAASMPICXX" '' ''
build_variant mpi     native . build/bin/xhpcg hpcg_make Linux_MPI   mpicxx        '' ''
build_variant mpi-omp wasm   . build/bin/xhpcg hpcg_make MPI_GCC_OMP "$FAASMPICXX" '' -fopenmp
build_variant mpi-omp native . build/bin/xhpcg hpcg_make MPI_GCC_OMP mpicxx        "$LIBOMP_FLAGS" -fopenmp
