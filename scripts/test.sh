#!/usr/bin/env bash
# The whole test suite from a fresh clone: installs what is missing, builds, runs
#   1. every test in a Release build (build/),
#   2. the unit tests (labels engine, wire, server) in an AddressSanitizer + UBSan build
#      (build-asan/; skip with ASOF_SKIP_SANITIZE=1),
#   3. the network-input fuzzers (native frames; HTTP and RESP parsers) for a bounded time
#      each when clang is present (build-fuzz/;
#      ASOF_FUZZ_SECONDS, default 30; 0 skips it).
# Extra arguments go to the Release ctest run (e.g. -R oracle).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

scripts/build.sh build
if [ "${ASOF_SKIP_SANITIZE:-0}" != 1 ]; then
  ASOF_SANITIZE=address,undefined scripts/build.sh build-asan
fi

status=0
(cd build && ctest --output-on-failure -j "$(nproc)" "$@") | tee "$logs/release.log" || status=1
if [ "${ASOF_SKIP_SANITIZE:-0}" != 1 ]; then
  (cd build-asan && ctest --output-on-failure -j "$(nproc)" -L 'engine|wire|server') |
    tee "$logs/asan.log" || status=1
fi
if [ "${ASOF_FUZZ_SECONDS:-30}" != 0 ] && command -v clang++ >/dev/null; then
  if scripts/fuzz.sh "${ASOF_FUZZ_SECONDS:-30}" >"$logs/fuzz.log" 2>&1; then
    echo "fuzz: frame decoder and API parsers fuzzed for ${ASOF_FUZZ_SECONDS:-30} s each, no crash"
  else
    status=1
    tail -n 40 "$logs/fuzz.log"
    echo "fuzz: FAILED (artifacts in build-fuzz/fuzz-artifacts/)"
  fi
fi

# One closing line over both ctest runs.
passed=0
failed=0
for log in "$logs"/release.log "$logs"/asan.log; do
  [ -f "$log" ] || continue
  line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -n 1 || true)
  if [ -z "$line" ]; then status=1; continue; fi
  f=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$line")
  t=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/' <<<"$line")
  passed=$((passed + t - f))
  failed=$((failed + f))
done
[ "$failed" -eq 0 ] || status=1
echo "${passed} passed, ${failed} failed"
exit "$status"
