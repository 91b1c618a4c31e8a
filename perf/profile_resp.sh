#!/usr/bin/env bash
# Instructions per RESP HMGET, counted by callgrind: repeatable on a noisy shared machine
# (valgrind counts instructions, not seconds), so it can compare two builds of asofd
# before and after a change, in the same run.
#
#   perf/profile_resp.sh ASOFD [ASOFD2 ...]      # e.g. build-a/server/asofd build-b/server/asofd
#
# For each binary: loads 10,000 entities x 50 DOUBLE features (asof-bench --load, next to
# the first binary's build tree), restarts asofd under callgrind with one I/O thread,
# warms the caches with 10,000 reads, then counts 20,000 `HMGET user:<rand> f0..f9`
# (redis-benchmark -c 10 -P 16). Prints instructions per request and the top functions.
# Everything started is stopped by PID; the temporary directory is removed.
set -euo pipefail
[ $# -ge 1 ] || { sed -n 2,12p "$0"; exit 2; }
for b in "$@"; do [ -x "$b" ] || { echo "profile_resp: not executable: $b" >&2; exit 2; }; done
command -v valgrind >/dev/null && command -v redis-benchmark >/dev/null ||
  { echo "profile_resp: needs valgrind and redis-benchmark (scripts/setup.sh)" >&2; exit 2; }
bench="$(dirname "$1")/../tools/asof-bench/asof-bench"
[ -x "$bench" ] || { echo "profile_resp: no asof-bench at $bench" >&2; exit 2; }

tmp=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

start() {  # start ASOFD [valgrind args...]; sets pid, rp (RESP port), np (native port)
  local bin=$1; shift
  : >"$tmp/log"
  "$@" "$bin" --port 0 --http-port 0 --resp-port 0 --threads 1 --data-dir "$tmp/data" \
    >"$tmp/log" 2>&1 &
  pid=$!
  for _ in $(seq 600); do grep -q '\[server\] asofd .* listening' "$tmp/log" && break; sleep 0.5; done
  rp=$(sed -n 's/.*RESP listening on [^ ]*:\([0-9]*\) .*/\1/p' "$tmp/log" | head -1)
  np=$(sed -n 's/.*\[server\] asofd .* listening on [^ ]*:\([0-9]*\) (data.*/\1/p' "$tmp/log")
  [ -n "$rp" ] || { echo "profile_resp: asofd did not start: $(tail -3 "$tmp/log")" >&2; exit 1; }
}
stop() { kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }

fields="f0 f1 f2 f3 f4 f5 f6 f7 f8 f9"
for bin in "$@"; do
  rm -rf "$tmp/data"
  start "$bin"
  "$bench" --port "$np" --load --keyspace 10000 --features 50 --id-width 12 --duration 0 >/dev/null
  stop
  start "$bin" valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out"
  redis-benchmark -p "$rp" -c 10 -n 10000 -P 16 -r 10000 HMGET user:__rand_int__ f0 >/dev/null
  callgrind_control -z "$pid" >/dev/null
  redis-benchmark -p "$rp" -c 10 -n 20000 -P 16 -r 10000 HMGET user:__rand_int__ $fields >/dev/null
  callgrind_control -d "$pid" >/dev/null
  stop
  dump=$(ls "$tmp"/cg.out.* | tail -1)
  total=$(callgrind_annotate "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
  echo "== $bin: $((total / 20000)) instructions per HMGET of 10 fields"
  callgrind_annotate --inclusive=yes "$dump" 2>/dev/null |
    grep -E 'asof::|rocksdb::DBImpl::MultiGet\(|to_chars' | head -12 | cut -c1-140 || true  # head closes the pipe early: not a failure
  rm -f "$tmp"/cg.out*
done
