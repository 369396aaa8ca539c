#!/usr/bin/env bash
# Native baselines for the experiments: Open MPI (mpicc, mpirun) and libomp (clang-19 -fopenmp) from Debian. Idempotent; quick when in place.
# Only the benchmark harness needs this (npm run experiments); the tests do not.
set -euo pipefail
packages=(openmpi-bin libopenmpi-dev libomp-19-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "experiments/setup.sh: need root to install ${missing[*]} (or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "experiments/setup.sh: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v mpicc >/dev/null && command -v mpirun >/dev/null || { echo "experiments/setup.sh: mpicc/mpirun not on PATH after installing" >&2; exit 1; }
