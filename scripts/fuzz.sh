#!/usr/bin/env bash
# Builds and runs the native-protocol fuzzer (wire/frame_fuzz.cc: frame decoder + payload
# verification) with clang, libFuzzer, ASan and UBSan.
# Usage: scripts/fuzz.sh [seconds] [extra libFuzzer flags...]   (default 30 seconds)
# Build dir: build-fuzz/ (ASOF_FUZZ_BUILD_DIR overrides). Crashing inputs are written to
# <build dir>/fuzz-artifacts/; replay one with <build dir>/wire/frame_fuzz <file>.
set -euo pipefail
cd "$(dirname "$0")/.."
# Cache hits across clones in different folders (ccache keys on relative paths).
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
seconds="${1:-30}"
shift || true
build_dir="${ASOF_FUZZ_BUILD_DIR:-build-fuzz}"

CC=clang CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DASOF_FUZZ=ON -DASOF_BENCHMARKS=OFF >/dev/null
cmake --build "$build_dir" --target frame_fuzz -j "$(nproc)"

fuzzer="$build_dir/wire/frame_fuzz"
corpus="$(mktemp -d)"
trap 'rm -rf "$corpus"' EXIT
ASOF_FUZZ_WRITE_SEEDS="$corpus" "$fuzzer"  # a few valid frame streams
mkdir -p "$build_dir/fuzz-artifacts"
"$fuzzer" -max_total_time="$seconds" -print_final_stats=1 \
  -artifact_prefix="$build_dir/fuzz-artifacts/" "$@" "$corpus"
