#!/usr/bin/env bash
# CoMD (ECP-copa/CoMD), unmodified, built with its own Makefile.vanilla (copied to Makefile, as its README says,
# because the CoMD_info.h rule depends on "Makefile"). Variants: mpi = src-mpi (DO_MPI=ON), openmp = src-openmp
# with DO_MPI=OFF (CoMD-openmp). Only CC (and, natively, the libomp path in OTHER_LIB) is set on make's command
# line; the Makefile's flags (-std=c99 -g -O5 [-fopenmp]) are used on both sides. Binary: bin/CoMD-<variant>.
#   bash experiments/apps/comd.sh <CoMD source dir> | --clone
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
apps_init comd https://github.com/ECP-copa/CoMD.git "$@"

comd_make() { # <cc> <DO_MPI> <OTHER_LIB>
  cp Makefile.vanilla Makefile && make -j"$JOBS" CC="$1" DO_MPI="$2" OTHER_LIB="$3"
}
build_variant mpi    wasm   src-mpi    bin/CoMD-mpi    comd_make "$FAASMPICC" ON  ''
build_variant mpi    native src-mpi    bin/CoMD-mpi    comd_make mpicc        ON  ''
build_variant openmp wasm   src-openmp bin/CoMD-openmp comd_make "$FAASMPICC" OFF ''
build_variant openmp native src-openmp bin/CoMD-openmp comd_make clang-19     OFF "$LIBOMP_FLAGS"
