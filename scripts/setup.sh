#!/usr/bin/env bash
# Installs every Debian 12 package asof needs to build, test and run. Idempotent: when
# everything is present it does nothing (no apt-get update).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config clang clang-format libclang-rt-14-dev
  librocksdb-dev libxxhash-dev libjemalloc-dev
  flatbuffers-compiler libflatbuffers-dev
  libboost1.81-dev libboost-json1.81-dev libssl-dev libspdlog-dev libfmt-dev libtomlplusplus-dev libcli11-dev libedit-dev liburing-dev
  # asof-import: gzip and zstd inputs
  zlib1g-dev libzstd-dev
  # tests and perf: asof-export against pandas.merge_asof (tests/integration/pandas_asof_check.py)
  python3-pandas
  libgtest-dev libgmock-dev libbenchmark-dev
  # tests: promtool checks the /metrics page; curl for the API tour
  prometheus curl
  # tests: redis-cli and redis-benchmark against the RESP listener
  redis-tools
  # perf/compare_import.sh: the client's CPU time (/usr/bin/time)
  time
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
