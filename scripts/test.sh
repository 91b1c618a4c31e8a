#!/usr/bin/env bash
# The whole test suite from a fresh clone: installs what is missing, builds, runs ctest.
# Usage: scripts/test.sh            (release build in build/)
#        ASOF_SANITIZE=address,undefined scripts/test.sh   (sanitizer build in build-asan/)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

if [ -n "${ASOF_SANITIZE:-}" ]; then build_dir=build-asan; else build_dir=build; fi
scripts/build.sh "$build_dir"

cd "$build_dir"
ctest --output-on-failure -j "$(nproc)" "$@"
