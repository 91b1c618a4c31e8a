#!/usr/bin/env bash
# Configures and builds asof. Usage: scripts/build.sh [BUILD_DIR] [extra cmake args...]
# BUILD_DIR defaults to build/. Set ASOF_SANITIZE=address,undefined for a sanitizer build.
set -euo pipefail
cd "$(dirname "$0")/.."
# Cache hits across clones in different folders (ccache keys on relative paths).
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
build_dir="${1:-build}"
shift || true

args=(-G Ninja -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-Release}")
if [ -n "${ASOF_SANITIZE:-}" ]; then
  args+=(-DASOF_SANITIZE="${ASOF_SANITIZE//,/;}" -DASOF_BENCHMARKS=OFF)
fi
cmake -S . -B "$build_dir" "${args[@]}" "$@" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
