#!/usr/bin/env bash
# The training-set race of issue 6: asof-export against pandas.merge_asof on the same data.
#
# Generates H history rows (random entities of E, one DOUBLE feature, event times spread
# over 30 days) and L labelled rows (entity, time, label), starts a throwaway asofd (own
# temporary directory, ephemeral ports), bulk-loads the history with asof-import, then
# times, in the same run:
#   asof-export   labels CSV -> as-of join on the server -> output CSV
#   pandas        read_csv(labels) -> merge_asof(direction="backward", by=entity) -> to_csv
# and prints rows/s of both and the ratio (tests/integration/pandas_asof_check.py bench).
# The history load is not timed against either side.
#
# Usage (from anywhere):
#   perf/compare_export.sh                                  # 100K labels x 1M history
#   perf/compare_export.sh --labels 1000000 --history 50000000 --entities 1000000
#                                                           # the issue's sizes (~1 h; the generator and pandas hold the whole history in RAM)
#   perf/compare_export.sh --build-dir build                # binaries from another build
set -euo pipefail
cd "$(dirname "$0")/.."

labels=100000
history=1000000
entities=100000
build_dir=build-perf
chunk_rows=50000

while [ $# -gt 0 ]; do
  case "$1" in
    --labels) labels="${2:?}"; shift ;;
    --history) history="${2:?}"; shift ;;
    --entities) entities="${2:?}"; shift ;;
    --chunk-rows) chunk_rows="${2:?}"; shift ;;
    --build-dir) build_dir="${2:?}"; shift ;;
    -h | --help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "compare_export: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

if ! /usr/bin/python3 -c 'import pandas' 2>/dev/null; then
  echo "compare_export: needs Debian's python3-pandas (scripts/setup.sh)" >&2
  exit 1
fi
if [ ! -x "$build_dir/server/asofd" ] || [ ! -x "$build_dir/tools/asof-export/asof-export" ] ||
  [ ! -x "$build_dir/tools/asof-import/asof-import" ]; then
  [ -f "$build_dir/build.ninja" ] || cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build_dir" --target asofd asof-export asof-import
fi

echo "asof-export vs pandas.merge_asof: $labels labels x $history history rows, $entities entities"
echo "commit $(git rev-parse --short HEAD)$(git diff --quiet || echo ' + working tree'), $(nproc) cores"
exec /usr/bin/python3 tests/integration/pandas_asof_check.py bench \
  --asofd "$build_dir/server/asofd" --export "$build_dir/tools/asof-export/asof-export" \
  --labels "$labels" --history "$history" --entities "$entities" --chunk-rows "$chunk_rows" \
  --import "$build_dir/tools/asof-import/asof-import" --asofd-flags "--threads 2"
