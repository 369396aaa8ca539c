#!/usr/bin/env bash
# LAMMPS for the lammps experiment: Debian's source package built to wasm with our CMake toolchain file,
# and Debian's native `lammps` package (Open MPI) as the baseline. Idempotent: every step is skipped when
# its result is already in place. Nothing is written inside the repository.
#
#   bash experiments/lammps/fetch-and-build.sh [WORKDIR]     (default $LAMMPS_WORKDIR or /work/lammps-build)
#
# Result: WORKDIR/build-wasm/lmp (the wasm module), WORKDIR/src -> the unpacked LAMMPS source tree,
# native `lmp` on PATH (Debian's lammps package). Needs root for apt-get.
# Env: JOBS (default 2), LAMMPS_FORCE_RECONFIGURE=1 (wipe build-wasm first).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
work="${1:-${LAMMPS_WORKDIR:-/work/lammps-build}}"
jobs="${JOBS:-2}"
log() { echo "lammps/fetch-and-build: $*"; }
mkdir -p "$work"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
export DEBIAN_FRONTEND=noninteractive

# 1. deb-src entry (same Signed-By as the existing Debian deb822 entry).
need_update=0
if ! grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null; then
  src=/etc/apt/sources.list.d/debian.sources
  [ -f "$src" ] || { log "no $src to copy the Debian entry from; add a deb-src line by hand"; exit 1; }
  keyring="$(awk '/^Signed-By:/{print $2; exit}' "$src")"
  suite="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
  log "adding deb-src entry for $suite (Signed-By: $keyring)"
  as_root tee /etc/apt/sources.list.d/debian-src.sources >/dev/null <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $suite $suite-updates
Components: main
Signed-By: $keyring
SRC
  need_update=1
fi

# 2. Packages: the native baseline (lammps + Open MPI) and the build tools.
pkgs=(lammps openmpi-bin libopenmpi-dev cmake dpkg-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ] || [ $need_update = 1 ]; then
  as_root apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v lmp >/dev/null || { log "native lmp not on PATH after installing lammps (dpkg -L lammps | grep bin/)"; exit 1; }

# 3. Sources (apt-get source unpacks lammps-<version>/ next to the .dsc).
srcdir="$(find "$work" -maxdepth 1 -mindepth 1 -type d -name 'lammps-*' | sort | tail -1)"
if [ -z "$srcdir" ]; then
  log "apt-get source lammps into $work"
  (cd "$work" && apt-get source -qq lammps)
  srcdir="$(find "$work" -maxdepth 1 -mindepth 1 -type d -name 'lammps-*' | sort | tail -1)"
fi
ln -sfn "$srcdir" "$work/src"
log "sources: $srcdir"

# 4. Patches we had to apply to LAMMPS (experiments/lammps/patches/*.patch, in order; applied once).
if compgen -G "$here/patches/*.patch" >/dev/null; then
  for p in "$here"/patches/*.patch; do
    stamp="$srcdir/.faasmpi-applied-$(basename "$p")"
    [ -f "$stamp" ] && continue
    log "applying $(basename "$p")"
    patch -d "$srcdir" -p1 --forward < "$p"
    touch "$stamp"
  done
fi

# 5. Configure and build with our toolchain.
[ -x "$repo/toolchain/bin/faasmpicc" ] && [ -f "$repo/dist/toolchain/src/faasmpicc.js" ] || { log "build the repo first (npm run build)"; exit 1; }
build="$work/build-wasm"
[ "${LAMMPS_FORCE_RECONFIGURE:-0}" = 1 ] && rm -rf "$build"
if [ ! -f "$build/CMakeCache.txt" ]; then
  log "configuring $build"
  # bench/in.lj: no package; in.eam: MANYBODY (pair eam); in.chain: MOLECULE (bond fene).
  # in.rhodo would need KSPACE+MOLECULE+RIGID (pppm needs an FFT: KISS FFT is built in, but we skip it).
  cmake -S "$srcdir/cmake" -B "$build" \
    -DCMAKE_TOOLCHAIN_FILE="$repo/toolchain/cmake/faasmpi.cmake" \
    -DCMAKE_BUILD_TYPE=Release \
    -DBUILD_MPI=on -DBUILD_OMP=off -DBUILD_SHARED_LIBS=off -DBUILD_TOOLS=off -DBUILD_LAMMPS_SHELL=off \
    -DLAMMPS_EXCEPTIONS=off -DLAMMPS_MACHINE= \
    -DPKG_MANYBODY=on -DPKG_MOLECULE=on \
    -DWITH_JPEG=off -DWITH_PNG=off -DWITH_FFMPEG=off -DWITH_GZIP=off -DFFT=KISS \
    -DCMAKE_DISABLE_FIND_PACKAGE_FFTW3=on -DCMAKE_DISABLE_FIND_PACKAGE_JPEG=on \
    -DCMAKE_DISABLE_FIND_PACKAGE_PNG=on -DCMAKE_DISABLE_FIND_PACKAGE_ZLIB=on \
    -DCMAKE_DISABLE_FIND_PACKAGE_CURL=on -DCMAKE_DISABLE_FIND_PACKAGE_Git=on \
    ${LAMMPS_CMAKE_EXTRA:-}
fi
log "building (-j$jobs)"
cmake --build "$build" -j"$jobs" -- ${LAMMPS_MAKE_FLAGS:-}
ls -l "$build/lmp"
log "wasm lmp: $build/lmp; native: $(command -v lmp)"
