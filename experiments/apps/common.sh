# Shared part of the app build scripts (sourced, not run). Each app script calls
#   apps_init <app> <public upstream URL> "$@"      (argument: the upstream source dir, or --clone)
#   build_variant <variant> <side> <dir> <binary> <command...>   (side: wasm or native; in a fresh copy of the sources)
# Builds live outside the repository in $APPS_WORKDIR/<app>/<variant>-<side>/ (default /work/apps-build). No
# source is ever patched: only the app's own build system is driven, through its variables.
# Each build leaves <variant>-<side>.status next to its directory: "ok <binary>" or "failed <first error line>".
# A failed build is reported and the script goes on with the next one; it exits 0 unless its arguments are wrong.
set -uo pipefail
APPS_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
FAASMPICC="$APPS_REPO/toolchain/bin/faasmpicc"
FAASMPICXX="$APPS_REPO/toolchain/bin/faasmpicxx"
# Native OpenMP: clang-19 with LLVM's libomp (Debian's libomp-19-dev); Open MPI's wrappers pointed at clang-19
# too, so both sides use the same compiler front end and optimiser.
LIBOMP_FLAGS="-L/usr/lib/llvm-19/lib -Wl,-rpath,/usr/lib/llvm-19/lib"
export OMPI_CC=clang-19 OMPI_CXX=clang++-19
JOBS="${JOBS:-2}"

apps_init() {
  APP="$1"; local url="$2"; shift 2
  [ $# -eq 1 ] || { echo "usage: $0 <upstream source dir> | --clone" >&2; exit 2; }
  APPS_WORKDIR="${APPS_WORKDIR:-/work/apps-build}"
  APP_WORK="$APPS_WORKDIR/$APP"
  mkdir -p "$APP_WORK"
  if [ "$1" = --clone ]; then
    APP_SRC="$APP_WORK/upstream"
    [ -d "$APP_SRC/.git" ] || git clone -q --depth 1 "$url" "$APP_SRC" || { echo "$APP: cannot clone $url" >&2; exit 1; }
  else
    APP_SRC="$(cd "$1" 2>/dev/null && pwd)" || { echo "$APP: no source directory '$1'" >&2; exit 2; }
  fi
  [ -x "$FAASMPICC" ] || { echo "$APP: $FAASMPICC missing" >&2; exit 1; }
  echo "$APP: sources $APP_SRC ($(git -C "$APP_SRC" log -1 --format=%h 2>/dev/null || echo 'not a git tree')), builds in $APP_WORK"
}

# The first line of a build log that names an error: compiler/linker errors first (make's own "***" lines come
# after, and some are harmless, like CoMD's missing makedepend), else its last line.
first_error() {
  local pattern
  for pattern in 'error:' 'undefined (symbol|reference)|No such file|not found' '\*\*\*'; do
    grep -m1 -E "$pattern" "$1" && return
  done
  tail -n 1 "$1"
}

# build_variant <variant> <side> <dir to build in> <binary it makes> <command...>
# Both paths are relative to a fresh copy of the sources, in which the command runs (from <dir to build in>).
build_variant() {
  local variant="$1" side="$2" sub="$3" binary="$4"; shift 4
  local name="$variant-$side" dir="$APP_WORK/$variant-$side"
  local log="$dir.log" status="$dir.status"
  rm -rf "$dir" "$status"
  cp -a "$APP_SRC" "$dir" && rm -rf "$dir/.git"
  echo "$APP: building $name"
  if (cd "$dir/$sub" && "$@") >"$log" 2>&1; then
    local bin="$dir/$binary"
    if [ -f "$bin" ]; then
      echo "ok $bin" >"$status"; echo "$APP: $name ok: $bin"
      return 0
    fi
    echo "failed build finished but produced no binary ($bin)" >"$status"
  else
    echo "failed $(first_error "$log" | tr -s ' \t' ' ' | cut -c1-400)" >"$status"
  fi
  echo "$APP: $name FAILED: $(cut -c8- "$status") (log: $log)"
  return 0
}
