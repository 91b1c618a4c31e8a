#!/usr/bin/env bash
# Issue 7's latency target: p99 of online reads at half of the peak rate, open loop.
#
# Starts one asofd (its defaults, a temporary directory, ephemeral loopback ports),
# loads N entities x 50 DOUBLE features with asof-bench, restarts it (so reads go to SST
# files, as after any restart, not to the load's memtables), then for each request shape
# (1 entity x 10 features, 10 entities x 10 features):
#   1. the closed-loop peak: asof-bench, 4 connections x depth 16;
#   2. an open loop at half that rate (or at each share given by --fractions):
#      4 connections, latency timed from each request's intended send time
#      (coordinated omission corrected);
# and prints one markdown table. Stops what it started, by PID.
#
# Usage (from anywhere):
#   perf/open_loop.sh                          # 100,000 entities, 10 s per run
#   perf/open_loop.sh --entities 1000000 --duration 20 --build-dir build
#   perf/open_loop.sh --asofd-config perf/disk_bound.toml   # reads from the device
#   perf/open_loop.sh --fractions 0.1,0.25,0.5   # the open loop at several shares of the peak
#
# Besides the latency, each open-loop row gives the client's send lag (p99): how late
# asof-bench sent requests against their schedule. A large one means the machine, not
# only asofd, fell behind (client and server share the cores).
set -euo pipefail
cd "$(dirname "$0")/.."

entities=100000
duration=10
fractions=0.5
build_dir=build
config=()
while [ $# -gt 0 ]; do
  case "$1" in
    --entities) entities="${2:?}"; shift ;;
    --duration) duration="${2:?}"; shift ;;
    --build-dir) build_dir="${2:?}"; shift ;;
    --fractions) fractions="${2:?}"; shift ;;
    --asofd-config) config=(-c "$(realpath "${2:?}")"); shift ;;
    -h | --help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "open_loop: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
asofd="$build_dir/server/asofd"
bench="$build_dir/tools/asof-bench/asof-bench"
for b in "$asofd" "$bench"; do
  [ -x "$b" ] || { echo "open_loop: missing $b (build it: scripts/build.sh $build_dir)" >&2; exit 2; }
done

tmp=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
log() { printf '[open_loop %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

starts=0
start_asofd() {  # sets pid and port
  "$asofd" "${config[@]}" --port 0 --http-port 0 --resp-port 0 --data-dir "$tmp/data" \
    >>"$tmp/asofd.log" 2>&1 &
  pid=$!
  starts=$((starts + 1))
  local line="" i
  for ((i = 0; i < 600; i++)); do
    kill -0 "$pid" 2>/dev/null || { echo "open_loop: asofd exited: $(tail -3 "$tmp/asofd.log")" >&2; exit 1; }
    line=$(grep '\[server\] asofd .* listening on' "$tmp/asofd.log" | sed -n "${starts}p" || true)
    [ -n "$line" ] && break
    sleep 0.1
  done
  port=$(sed -n 's/.* listening on [^ ]*:\([0-9]*\) (data.*/\1/p' <<<"$line")
  [ -n "$port" ] || { echo "open_loop: asofd did not start: $(tail -3 "$tmp/asofd.log")" >&2; exit 1; }
}
stop_asofd() { kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }
json_field() { sed -n "s/.*\"$1\": \([0-9.]*\).*/\1/p" <<<"$2" | head -1; }
# A latency histogram's field: latency "latency_us" p99 "$json".
latency() { sed -n "s/.*\"$1\": {[^}]*\"$2\": \([0-9.]*\).*/\1/p" <<<"$3" | head -1; }

start_asofd
log "loading $entities entities x 50 features"
"$bench" --port "$port" --load --keyspace "$entities" --features 50 --id-width 12 --duration 0 >/dev/null
stop_asofd
start_asofd
log "asofd restarted on its data (pid $pid, port $port)"

printf '\n| entities x features | closed-loop peak requests/s | offered (share of peak) | achieved requests/s | p50 us | p90 us | p99 us | p99.9 us | max us | client send lag p99 us |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for shape in "1 10" "10 10"; do
  read -r k m <<<"$shape"
  common=(--port "$port" --entities "$k" --features "$m" --keyspace "$entities" --id-width 12
    --duration "$duration" --json)
  peak_out=$("$bench" "${common[@]}" --connections 4 --depth 16 --warmup 2)
  peak=$(json_field requests_per_s "$peak_out")
  for f in ${fractions//,/ }; do
    rate=$(awk -v p="$peak" -v f="$f" 'BEGIN { printf "%.0f", p * f }')
    log "$k x $m: peak $peak requests/s; open loop at $rate ($f of it)"
    open_out=$("$bench" "${common[@]}" --connections 4 --rate "$rate" --warmup 2)
    printf '| %s x %s | %.0f | %s (%s) | %.0f | %s | %s | %s | %s | %s | %s |\n' "$k" "$m" "$peak" \
      "$rate" "$f" "$(json_field requests_per_s "$open_out")" \
      "$(latency latency_us p50 "$open_out")" "$(latency latency_us p90 "$open_out")" \
      "$(latency latency_us p99 "$open_out")" "$(latency latency_us p99_9 "$open_out")" \
      "$(latency latency_us max "$open_out")" "$(latency send_lag_us p99 "$open_out")"
  done
done
