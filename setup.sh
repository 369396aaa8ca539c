#!/usr/bin/env bash
# Sets up faasmpi on Debian bookworm (as root) and runs the demo. Idempotent; quick when all is in place.
#   bash setup.sh            set up, then run the demo
#   bash setup.sh --no-demo  set up only (the test command uses this)
#   --quiet                  only print what changes or fails
set -euo pipefail
cd "$(dirname "$0")"
demo=1 quiet=0
for a in "$@"; do
  case "$a" in
    --no-demo) demo=0 ;;
    --quiet) quiet=1 ;;
    *) echo "setup.sh: unknown option $a" >&2; exit 2 ;;
  esac
done
say() { [ "$quiet" = 1 ] || echo "setup: $*"; }

# 1. Debian packages: the wasm toolchain (clang-19, lld-19, llvm-19 for llvm-ar-19, wasi-libc, libc++ for wasm32), and redis-server (the
#    shared state of a multi-host cluster; the tests start their own on a free loopback port), and Slurm (slurm-wlm:
#    faasmpirun inside an allocation runs srun and scontrol from slurm-client; the tests start their own slurmctld
#    and slurmd, named here too because those commands come from them).
packages=(clang-19 lld-19 llvm-19 wasi-libc libc++-19-dev-wasm32 libc++abi-19-dev-wasm32 libclang-rt-19-dev-wasm32 cmake make redis-server openssl slurm-wlm slurm-client slurmctld slurmd)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. Node.js 20 or newer.
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "setup: faasmpi needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

# 3. npm dependencies (only when package-lock.json changed since the last install).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi

# 4. Build: TypeScript (incremental), the commands' bundles (dist/bundle: quick start-up) and the guest runtime
#    library (skipped when up to date).
say "building"
npx tsc -p tsconfig.json
node dist/cli/build-bundles.js >/dev/null
node dist/toolchain/src/build-guest.js

# 5. Commands on PATH.
for cmd in toolchain/bin/faasmpicc toolchain/bin/faasmpicxx cli/bin/faasmpirun cli/bin/faasmpi; do
  target="$PWD/$cmd" link="/usr/local/bin/$(basename "$cmd")"
  if [ -w /usr/local/bin ]; then
    [ "$(readlink "$link" 2>/dev/null)" = "$target" ] || ln -sf "$target" "$link"
  fi
done
[ -w /usr/local/bin ] || say "add $PWD/toolchain/bin and $PWD/cli/bin to PATH to use the commands"

if [ "$demo" = 1 ]; then
  say "demo: faasmpicc examples/hello.c && faasmpirun -np 4 --tag-output hello.wasm"
  mkdir -p build
  toolchain/bin/faasmpicc -O2 examples/hello.c -o build/hello.wasm
  cli/bin/faasmpirun -np 4 --tag-output build/hello.wasm
fi
