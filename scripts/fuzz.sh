#!/usr/bin/env bash
# Builds and runs the fuzzers of everything that reads bytes from the network, with clang,
# libFuzzer, ASan and UBSan: wire/frame_fuzz.cc (native frames + payload verification)
# and server/api_fuzz.cc (HTTP request targets and bodies, the RESP parser), each for
# the given time.
# Usage: scripts/fuzz.sh [seconds] [extra libFuzzer flags...]   (default 30 seconds each)
# Build dir: build-fuzz/ (ASOF_FUZZ_BUILD_DIR overrides). Crashing inputs are written to
# <build dir>/fuzz-artifacts/; replay one with <build dir>/wire/frame_fuzz <file> (or
# <build dir>/server/api_fuzz <file>).
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
cmake --build "$build_dir" --target frame_fuzz api_fuzz -j "$(nproc)"

corpus="$(mktemp -d)"
trap 'rm -rf "$corpus"' EXIT
mkdir -p "$build_dir/fuzz-artifacts"
for fuzzer in "$build_dir/wire/frame_fuzz" "$build_dir/server/api_fuzz"; do
  rm -rf "${corpus:?}"/*
  ASOF_FUZZ_WRITE_SEEDS="$corpus" "$fuzzer"  # a few valid inputs
  "$fuzzer" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$build_dir/fuzz-artifacts/" "$@" "$corpus"
done
