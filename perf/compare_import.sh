#!/usr/bin/env bash
# Bulk import against the online write path, same rows, same run (issue 6).
#
# Generates a CSV snapshot of N rows x F DOUBLE features (one row per entity `user`,
# ids zero-padded to 12 digits, features f0..f{F-1}, value e + j/1000, one event time),
# then, each into its own fresh asofd (temporary directory, ephemeral ports, durable
# defaults: sync_writes = true):
#   asof-import   the CSV -> validate -> external sort -> SST files -> atomic ingest
#   online        the same N x F values through the native write path (asof-bench --load,
#                 1000 records per request, group commit)
# and prints rows/s and feature values/s of both, the CPU time each took (the client's
# and asofd's, from /usr/bin/time and /proc/PID/stat) with the values per CPU-second,
# and the ratio. Stops what it started.
#
# Usage (from anywhere):
#   perf/compare_import.sh                        # 1,000,000 rows x 20 features
#   perf/compare_import.sh --rows 10000000        # the issue's size (~2 GB CSV in $TMPDIR)
#   perf/compare_import.sh --build-dir build      # binaries from another build
set -euo pipefail
cd "$(dirname "$0")/.."

rows=1000000
features=20
build_dir=build
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows="${2:?}"; shift ;;
    --features) features="${2:?}"; shift ;;
    --build-dir) build_dir="${2:?}"; shift ;;
    -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "compare_import: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
asofd="$build_dir/server/asofd"
import="$build_dir/tools/asof-import/asof-import"
bench="$build_dir/tools/asof-bench/asof-bench"
for b in "$asofd" "$import" "$bench"; do
  [ -x "$b" ] || { echo "compare_import: missing $b (build it: scripts/build.sh $build_dir)" >&2; exit 2; }
done

tmp=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
log() { printf '[compare_import %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }
hz=$(getconf CLK_TCK)
cpu_s() { awk -v hz="$hz" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$1/stat"; }  # user+sys
client_cpu_s() { awk '{ printf "%.1f", $1 + $2 }' "$1"; }  # /usr/bin/time -f "%U %S"

start_asofd() {  # sets pid and port
  rm -rf "$tmp/data"
  "$asofd" --port 0 --http-port 0 --resp-port 0 --data-dir "$tmp/data" >"$tmp/asofd.log" 2>&1 &
  pid=$!
  for _ in $(seq 200); do grep -q '\[server\] asofd .* listening' "$tmp/asofd.log" && break; sleep 0.1; done
  port=$(sed -n 's/.*\[server\] asofd .* listening on [^ ]*:\([0-9]*\) (data.*/\1/p' "$tmp/asofd.log")
  [ -n "$port" ] || { echo "compare_import: asofd did not start: $(tail -3 "$tmp/asofd.log")" >&2; exit 1; }
}
stop_asofd() { kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }

log "generating $rows rows x $features features"
awk -v n="$rows" -v f="$features" 'BEGIN {
  printf "entity_id,event_ts"; for (j = 0; j < f; j++) printf ",f%d", j; printf "\n";
  for (e = 0; e < n; e++) {
    printf "%012d,1767225600000000", e
    for (j = 0; j < f; j++) printf ",%.3f", e + j / 1000
    printf "\n"
  }
}' >"$tmp/snapshot.csv"
log "CSV: $(du -h "$tmp/snapshot.csv" | cut -f1)"

start_asofd
"$bench" --port "$port" --load --keyspace 1 --features "$features" --id-width 12 --duration 0 >/dev/null
s0=$(cpu_s "$pid")
t0=$(now)
/usr/bin/time -f "%U %S" -o "$tmp/import.time" "$import" --port "$port" -e user --ts-format epoch_us \
  --tmp-dir "$tmp" "$tmp/snapshot.csv" >"$tmp/import.out" 2>&1 || { cat "$tmp/import.out" >&2; exit 1; }
t1=$(now)
imp_server=$(awk -v a="$s0" -v b="$(cpu_s "$pid")" 'BEGIN { printf "%.1f", b - a }')
imp_client=$(client_cpu_s "$tmp/import.time")
stop_asofd
while IFS= read -r line; do log "asof-import: $line"; done <"$tmp/import.out"
rm -rf "$tmp/data"

start_asofd
s2=$(cpu_s "$pid")
t2=$(now)
/usr/bin/time -f "%U %S" -o "$tmp/bench.time" "$bench" --port "$port" --load --keyspace "$rows" \
  --features "$features" --id-width 12 --duration 0 >"$tmp/bench.out"
t3=$(now)
onl_server=$(awk -v a="$s2" -v b="$(cpu_s "$pid")" 'BEGIN { printf "%.1f", b - a }')
onl_client=$(client_cpu_s "$tmp/bench.time")
stop_asofd
log "online: $(tail -1 "$tmp/bench.out")"

values=$((rows * features))
imp_rows=$(rate "$rows" "$t0" "$t1"); imp_vals=$(rate "$values" "$t0" "$t1")
onl_rows=$(rate "$rows" "$t2" "$t3"); onl_vals=$(rate "$values" "$t2" "$t3")
per_cpu() { awk -v n="$values" -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", n / (a + b) }'; }
printf '\n| path | rows | seconds | rows/s | feature values/s | CPU s: client + asofd | values per CPU-second |\n'
printf '|---|---:|---:|---:|---:|---:|---:|\n'
printf '| asof-import (CSV, sort, SST, ingest) | %d | %.1f | %s | %s | %s + %s | %s |\n' "$rows" \
  "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')" "$imp_rows" "$imp_vals" "$imp_client" "$imp_server" \
  "$(per_cpu "$imp_client" "$imp_server")"
printf '| online write path (native, 1000/request) | %d | %.1f | %s | %s | %s + %s | %s |\n' "$rows" \
  "$(awk -v a="$t2" -v b="$t3" 'BEGIN{print b-a}')" "$onl_rows" "$onl_vals" "$onl_client" "$onl_server" \
  "$(per_cpu "$onl_client" "$onl_server")"
awk -v a="$imp_vals" -v b="$onl_vals" 'BEGIN { printf "\nimport / online: %.2fx\n", a / b }'
