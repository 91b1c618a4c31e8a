#!/usr/bin/env bash
# The online-serving race of issue 7: asofd against Redis through the very same client.
#
# Starts three servers on loopback, each on a free port with its own temporary directory:
#   redis         redis-server, no persistence (--save '' --appendonly no)
#   redis-aof     redis-server, --appendonly yes --appendfsync everysec (--save '')
#   asofd         asofd with its defaults (sync_writes = true: every write fsynced, epoll)
#   asofd-io_uring  the same with --io-backend io_uring (skipped with --no-io-uring)
# loads the same data set into each (N entities `user:000000000042` x 50 DOUBLE features
# f0..f49; value of entity e, feature j = e + j/1000), then runs identical
# `redis-benchmark HMGET user:__rand_int__ f0..f9` (and f0..f49) against each at -P 1 and
# -P 16 (asofd through its RESP port), and the same reads through asof-bench on asofd's
# native protocol. Prints one table (aligned, then again as markdown for perf/RESULTS.md).
# Everything it starts is stopped by PID on exit, and its temporary directories removed.
#
# Usage (from anywhere; perf/README.md has more):
#   perf/compare_redis.sh                 # quick run: 10,000 entities, < 3 min
#   perf/compare_redis.sh --full          # the issue's sizes: 100,000 then 1,000,000
#   perf/compare_redis.sh --entities 100000 --duration 10 --build-dir build
#   perf/compare_redis.sh --entities 100000 --no-io-uring --restart-after-load \
#     --asofd-config perf/disk_bound.toml  # reads past a small cache, from the device
set -euo pipefail
cd "$(dirname "$0")/.."

readonly FEATURES=50            # features per entity in the data set
readonly ID_WIDTH=12            # redis-benchmark's __rand_int__ is 12 zero-padded digits
readonly MAX_REQUESTS=50000000  # bound on one redis-benchmark run's -n

sizes=(10000)
duration=5
clients=50
build_dir=""
field_counts=(10 50)
pipelines=(1 16)
asofd_systems=(asofd asofd-io_uring)
asofd_config=""
restart_after_load=0

usage() {
  cat <<'EOF'
Usage: perf/compare_redis.sh [options]
  --quick            10,000 entities (the default)
  --full             100,000 entities, then 1,000,000 (the sizes of issue 7; ~1 h, ~5 GB RAM)
  --entities N[,N]   data set size(s), entities x 50 features
  --duration S       seconds per measured run (default 5; redis-benchmark's -n is sized
                     from a short calibration run to last about that long)
  --clients C        redis-benchmark connections, -c (default 50)
  --no-io-uring      race asofd with epoll only (default: also a second asofd on io_uring)
  --asofd-config F   start every asofd with -c F (e.g. perf/disk_bound.toml: small caches,
                     O_DIRECT reads)
  --restart-after-load
                     restart each asofd on its data after the load, so that reads come
                     from SST files as after any restart, not from the load's memtables
  --build-dir DIR    use asofd and asof-bench from DIR as they are (built only if missing);
                     default: build-perf, configured and brought up to date for the two
                     targets (Release, ASOF_BENCHMARKS=ON)
  -h, --help         this text
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --quick) sizes=(10000) ;;
    --full) sizes=(100000 1000000) ;;
    --entities) IFS=, read -r -a sizes <<<"${2:?--entities needs a value}"; shift ;;
    --duration) duration="${2:?--duration needs a value}"; shift ;;
    --clients) clients="${2:?--clients needs a value}"; shift ;;
    --no-io-uring) asofd_systems=(asofd) ;;
    --asofd-config) asofd_config="${2:?--asofd-config needs a file}"; shift ;;
    --restart-after-load) restart_after_load=1 ;;
    --build-dir) build_dir="${2:?--build-dir needs a value}"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "compare_redis: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
if [ -n "$asofd_config" ]; then
  [ -r "$asofd_config" ] || { echo "compare_redis: cannot read $asofd_config" >&2; exit 2; }
  asofd_config=$(realpath "$asofd_config")
fi
for v in "${sizes[@]}" "$duration" "$clients"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "compare_redis: not a positive integer: $v" >&2; exit 2; }
done

log() { printf '[compare_redis %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---- cleanup: only what this script started, by PID ------------------------------------

PIDS=()
TMP_DIRS=()
stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do  # 10 s for a clean shutdown
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}
stop_all() {
  local pid d
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  PIDS=()
  for d in "${TMP_DIRS[@]}"; do rm -rf "$d"; done
  TMP_DIRS=()
}
WORK=""
cleanup() {
  stop_all
  if [ -n "$WORK" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- prerequisites --------------------------------------------------------------------

ensure_redis() {
  local missing=()
  command -v redis-server >/dev/null || missing+=(redis-server)
  { command -v redis-cli >/dev/null && command -v redis-benchmark >/dev/null; } ||
    missing+=(redis-tools)
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_binaries() {
  local own=0
  if [ -z "$build_dir" ]; then build_dir=build-perf; own=1; fi
  ASOFD="$build_dir/server/asofd"
  BENCH="$build_dir/tools/asof-bench/asof-bench"
  if [ $own -eq 1 ] || [ ! -x "$ASOFD" ] || [ ! -x "$BENCH" ]; then
    log "building asofd and asof-bench in $build_dir"
    export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
    if [ ! -f "$build_dir/CMakeCache.txt" ]; then
      cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DASOF_BENCHMARKS=ON >/dev/null
    fi
    cmake --build "$build_dir" --target asofd asofd-io_uring asof-bench >&2
  fi
  if [ ${#asofd_systems[@]} -gt 1 ] && [ ! -x "$build_dir/server/asofd-io_uring" ]; then
    cmake --build "$build_dir" --target asofd-io_uring >&2
  fi
  "$BENCH" --help 2>/dev/null | grep -q -- --id-width ||
    die "$BENCH has no --id-width (older than this script): rebuild it"
}

# ---- servers --------------------------------------------------------------------------

# Sets NEW_DIR (not printed: TMP_DIRS must grow in this shell, not in a $(...) subshell).
new_dir() {
  NEW_DIR=$(mktemp -d "${TMPDIR:-/tmp}/asof-race-$1.XXXXXX")
  TMP_DIRS+=("$NEW_DIR")
}

# A port nothing listens on now (the server started on it may still lose a race: retried).
free_port() {
  local i p
  for ((i = 0; i < 50; i++)); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  die "no free port found"
}

# start_redis NAME APPENDONLY(yes|no): sets PORT[NAME], PID[NAME], DIR[NAME]
declare -A PORT PID DIR NATIVE_PORT HTTP_PORT STARTS
start_redis() {
  local name=$1 aof=$2 dir port pid attempt i
  new_dir "$name"
  dir=$NEW_DIR
  for ((attempt = 0; attempt < 5; attempt++)); do
    port=$(free_port)
    redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --save '' \
      --appendonly "$aof" --appendfsync everysec --daemonize no \
      --logfile "$dir/redis.log" &
    pid=$!
    PIDS+=("$pid")
    for ((i = 0; i < 100; i++)); do  # 10 s
      kill -0 "$pid" 2>/dev/null || break
      if [ "$(redis-cli -p "$port" PING 2>/dev/null)" = PONG ]; then
        PORT[$name]=$port PID[$name]=$pid DIR[$name]=$dir
        log "$name: redis-server pid $pid on 127.0.0.1:$port (appendonly $aof)"
        return 0
      fi
      sleep 0.1
    done
    stop_pid "$pid"
  done
  die "$name: redis-server did not start (log: $(tail -3 "$dir/redis.log" 2>/dev/null))"
}

# start_asofd NAME [DIR]: asofd, or asofd-io_uring (the same daemon on its io_uring
# backend), on a new directory or on DIR's data (a restart).
start_asofd() {
  local name=$1 dir=${2:-} pid i line backend=epoll config=()
  [ "$name" = asofd-io_uring ] && backend=io_uring
  [ -n "$asofd_config" ] && config=(-c "$asofd_config")
  if [ -z "$dir" ]; then
    new_dir "$name"
    dir=$NEW_DIR
  fi
  "$ASOFD" "${config[@]}" --port 0 --http-port 0 --resp-port 0 --io-backend "$backend" \
    --data-dir "$dir/data" >>"$dir/asofd.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  for ((i = 0; i < 300; i++)); do  # 30 s: opening the engine
    kill -0 "$pid" 2>/dev/null || die "$name exited: $(tail -3 "$dir/asofd.log")"
    line=$(grep "\[server\] asofd .* listening on" "$dir/asofd.log" | sed -n "$((${STARTS[$name]:-0} + 1))p" || true)
    [ -n "$line" ] && break
    sleep 0.1
  done
  [ -n "$line" ] || die "$name did not come up: $(tail -3 "$dir/asofd.log")"
  STARTS[$name]=$((${STARTS[$name]:-0} + 1))
  [[ "$line" == *sync_writes=true* ]] || die "$name is not durable here: $line"
  NATIVE_PORT[$name]=$(sed -n 's/.* listening on [^ ]*:\([0-9]*\) (data.*/\1/p' <<<"$line")
  PORT[$name]=$(sed -n 's/.*RESP listening on [^ ]*:\([0-9]*\) .*/\1/p' "$dir/asofd.log" | tail -1)
  HTTP_PORT[$name]=$(sed -n 's/.*HTTP API listening on [^ ]*:\([0-9]*\) .*/\1/p' "$dir/asofd.log" | tail -1)
  [ -n "${PORT[$name]}" ] || die "$name has no RESP listener (log: $dir/asofd.log)"
  PID[$name]=$pid DIR[$name]=$dir
  log "$name: pid $pid, native 127.0.0.1:${NATIVE_PORT[$name]}, RESP 127.0.0.1:${PORT[$name]}"
}

# restart_asofd NAME: stops it by PID and starts it again on the same data.
restart_asofd() {
  local name=$1 pid=${PID[$1]} p kept=()
  stop_pid "$pid"
  for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || kept+=("$p"); done
  PIDS=("${kept[@]}")
  start_asofd "$name" "${DIR[$name]}"
}

# cache_note NAME: the block cache's hits and misses so far, and the bytes of its SST files.
cache_note() {
  local name=$1 metrics hits misses sst
  metrics=$(curl -fsS "http://127.0.0.1:${HTTP_PORT[$name]}/metrics" || true)
  hits=$(awk '$1 == "asof_block_cache_hits_total" { print $2 }' <<<"$metrics")
  misses=$(awk '$1 == "asof_block_cache_misses_total" { print $2 }' <<<"$metrics")
  sst=$(find "${DIR[$name]}/data" -name '*.sst' -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f", s / 1048576 }')
  echo "$name: block cache ${hits:-?} hits, ${misses:-?} misses since its start; SST files ${sst} MiB"
}

# ---- the data set ---------------------------------------------------------------------

# RESP HSET commands for entities 0..n-1, values spelled as asofd prints e + j/1000.
gen_hsets() {
  awk -v n="$1" -v m="$FEATURES" -v w="$ID_WIDTH" 'BEGIN {
    ORS = ""
    for (j = 0; j < m; j++) {
      f = "f" j
      field[j] = "$" length(f) "\r\n" f "\r\n"
      s = sprintf(".%03d", j); sub(/0+$/, "", s); if (s == ".") s = ""
      frac[j] = s
    }
    head = "*" (2 + 2 * m) "\r\n$4\r\nHSET\r\n"
    for (e = 0; e < n; e++) {
      key = sprintf("user:%0" w "d", e)
      out = head "$" length(key) "\r\n" key "\r\n"
      for (j = 0; j < m; j++) { v = e frac[j]; out = out field[j] "$" length(v) "\r\n" v "\r\n" }
      print out
    }
  }'
}

declare -A LOAD_S
load_redis() {
  local name=$1 n=$2 t0 out
  t0=$(date +%s.%N)
  out=$(gen_hsets "$n" | timeout $((120 + n / 500)) redis-cli -p "${PORT[$name]}" --pipe 2>&1) ||
    die "$name: load failed: $out"
  grep -q 'errors: 0, replies: '"$n"'$' <<<"$out" || die "$name: load: $out"
  LOAD_S[$name]=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  log "$name: loaded $n entities x $FEATURES in ${LOAD_S[$name]} s"
}

load_asofd() {
  local name=$1 n=$2 t0 out
  t0=$(date +%s.%N)
  out=$(timeout $((120 + n / 500)) "$BENCH" --port "${NATIVE_PORT[$name]}" --load --keyspace "$n" \
    --features "$FEATURES" --id-width "$ID_WIDTH" --duration 0 2>&1) || die "$name: load failed: $out"
  LOAD_S[$name]=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  log "$name: $out (${LOAD_S[$name]} s with registration)"
}

# The three must answer the same HMGET identically, or the race compares different work.
check_same_answers() {
  local n=$1 e key names=() j ref got name
  for ((j = 0; j < FEATURES; j++)); do names+=("f$j"); done
  for e in 0 $((n / 2)) $((n - 1)); do
    key=$(printf "user:%0${ID_WIDTH}d" "$e")
    ref=$(redis-cli -p "${PORT[redis]}" HMGET "$key" "${names[@]}")
    [ "$(grep -c . <<<"$ref")" -eq "$FEATURES" ] || die "redis: $key is incomplete"
    for name in redis-aof "${asofd_systems[@]}"; do
      got=$(redis-cli -p "${PORT[$name]}" HMGET "$key" "${names[@]}")
      [ "$got" = "$ref" ] || die "$name answers HMGET $key differently from redis: $(diff <(echo "$ref") <(echo "$got") | head -5)"
    done
  done
  log "HMGET of entities 0, $((n / 2)), $((n - 1)) x $FEATURES: identical on all systems"
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# After a load, Redis may rewrite its AOF and asofd flush and compact: let them finish
# (bounded) so that their background work does not land in another system's runs.
settle() {
  local n=$1 limit start=$SECONDS name busy a b hz
  limit=$((60 + n / 1000))
  hz=$(getconf CLK_TCK)
  while ((SECONDS - start < limit)); do
    busy=0
    for name in redis redis-aof; do
      redis-cli -p "${PORT[$name]}" INFO persistence |
        grep -Eq '^(aof_rewrite_in_progress|rdb_bgsave_in_progress|aof_rewrite_scheduled):1' &&
        busy=1
    done
    for name in "${asofd_systems[@]}"; do
      a=$(cpu_ticks "${PID[$name]}")
      sleep 2
      b=$(cpu_ticks "${PID[$name]}")
      if ((b - a > hz / 5)); then busy=1; fi  # more than 10% of a core over 2 s
    done
    if [ $busy -eq 0 ]; then
      log "servers idle after $((SECONDS - start)) s"
      return 0
    fi
  done
  log "warning: servers still busy after ${limit} s; measuring anyway"
}

# ---- runs -----------------------------------------------------------------------------

ROWS=()  # size|workload|system|requests/s|values/s|p50 us|p99 us|note
add_row() { ROWS+=("$1|$2|$3|$4|$5|$6|$7|${8:-}"); }

# redis_bench NAME N FIELDS PIPELINE: one row. A calibration run (which doubles as the
# warm-up) sizes -n to last about --duration seconds.
redis_bench() {
  local name=$1 n=$2 fields=$3 p=$4 args=(HMGET "user:__rand_int__") j ncal out rc=0 rps p50 p99 reqs
  for ((j = 0; j < fields; j++)); do args+=("f$j"); done
  local cmd=(redis-benchmark -h 127.0.0.1 -p "${PORT[$name]}" -c "$clients" -P "$p" -r "$n" --csv)
  local work="HMGET ${fields} fields, -c $clients -P $p"
  ncal=$((20 * clients * p))
  ((ncal < 5000)) && ncal=5000
  out=$(timeout 60 "${cmd[@]}" -n "$ncal" "${args[@]}" 2>>"$WORK/redis-benchmark.err") || rc=$?
  if [ $rc -ne 0 ]; then
    add_row "$n" "$work" "$name" - - - - "calibration run failed (exit $rc)"
    log "$name  $work: calibration run failed (exit $rc)"
    return 0
  fi
  rps=$(awk -F'"' 'NR == 2 { print $4 }' <<<"$out")
  reqs=$(awk -v r="${rps:-0}" -v d="$duration" -v lo="$ncal" -v hi="$MAX_REQUESTS" \
    'BEGIN { n = int(r * d); if (n < lo) n = lo; if (n > hi) n = hi; print n }')
  out=$(timeout $((4 * duration + 30)) "${cmd[@]}" -n "$reqs" "${args[@]}" \
    2>>"$WORK/redis-benchmark.err") || rc=$?
  if [ $rc -ne 0 ]; then  # 124: timed out
    add_row "$n" "$work" "$name" - - - - "redis-benchmark failed (exit $rc)"
    log "$name  $work: redis-benchmark failed (exit $rc)"
    return 0
  fi
  read -r rps p50 p99 < <(awk -F'"' 'NR == 2 { print $4, $10, $14 }' <<<"$out")
  add_row "$n" "$work" "$name" "$rps" "$(awk -v r="$rps" -v f="$fields" 'BEGIN { print r * f }')" \
    "$(awk -v x="$p50" 'BEGIN { print x * 1000 }')" "$(awk -v x="$p99" 'BEGIN { print x * 1000 }')" \
    "-n $reqs"
  log "$name  $work: $rps requests/s, p50 $p50 ms, p99 $p99 ms (-n $reqs)"
}

json_field() { sed -n "s/.*\"$1\": \([0-9.]*\).*/\1/p" <<<"$2" | head -1; }

# native_bench NAME N ENTITIES FIELDS CONNECTIONS DEPTH: asof-bench, closed loop, same data.
native_bench() {
  local name=$1 n=$2 k=$3 fields=$4 conns=$5 depth=$6 out rc=0 errors np
  local work="native ${k} x ${fields}, ${conns} conn x depth ${depth}"
  out=$(timeout $((duration + 60)) "$BENCH" --port "${NATIVE_PORT[$name]}" --json --workload online \
    --entities "$k" --features "$fields" --keyspace "$n" --id-width "$ID_WIDTH" \
    --connections "$conns" --depth "$depth" --warmup 1 --duration "$duration" 2>&1) || rc=$?
  errors=$(json_field errors "$out")
  np=$(json_field not_present "$out")
  if [ $rc -ne 0 ] && [ -z "$errors" ]; then
    add_row "$n" "$work" "$name" - - - - "asof-bench failed (exit $rc)"
    return 0
  fi
  local note=""
  [ "${errors:-0}" != 0 ] && note="$errors errors"
  [ "${np:-0}" != 0 ] && note="$note $np values not present"
  add_row "$n" "$work" "$name" "$(json_field requests_per_s "$out")" "$(json_field values_per_s "$out")" \
    "$(json_field p50 "$out")" "$(json_field p99 "$out")" "$note"
  log "$name  $work: $(json_field requests_per_s "$out") requests/s, $(json_field values_per_s "$out") values/s"
}

run_size() {
  local n=$1 fields p name
  log "=== $n entities x $FEATURES features ==="
  start_redis redis no
  start_redis redis-aof yes
  for name in "${asofd_systems[@]}"; do start_asofd "$name"; done
  load_redis redis "$n"
  load_redis redis-aof "$n"
  for name in "${asofd_systems[@]}"; do load_asofd "$name" "$n"; done
  LOADS+=("$n entities in redis ${LOAD_S[redis]} s, redis-aof ${LOAD_S[redis-aof]} s, asofd ${LOAD_S[asofd]} s")
  check_same_answers "$n"
  if [ "$restart_after_load" = 1 ]; then
    for name in "${asofd_systems[@]}"; do restart_asofd "$name"; done
    check_same_answers "$n"
  fi
  settle "$n"
  # Systems interleaved per workload, so that a change in the machine's other load
  # spreads over all three instead of landing on one.
  for fields in "${field_counts[@]}"; do
    for p in "${pipelines[@]}"; do
      for name in redis redis-aof "${asofd_systems[@]}"; do redis_bench "$name" "$n" "$fields" "$p"; done
    done
  done
  for fields in "${field_counts[@]}"; do
    for name in "${asofd_systems[@]}"; do
      native_bench "$name" "$n" 1 "$fields" 4 16
      native_bench "$name" "$n" 10 "$fields" 2 8
    done
  done
  for name in "${asofd_systems[@]}"; do CACHE_NOTES+=("$n entities: $(cache_note "$name")"); done
  local problems
  local bad='^[^ ]+ (warn|warning|error|critical) '  # "<time> <level> [component] message"
  for name in "${asofd_systems[@]}"; do
    problems=$(grep -Ec "$bad" "${DIR[$name]}/asofd.log" || true)
    if [ "$problems" -gt 0 ]; then
      ASOFD_LOG_NOTES+=("$n entities: $problems warning/error lines in $name's log, e.g. $(grep -Em1 "$bad" "${DIR[$name]}/asofd.log")")
    fi
  done
  stop_all
}

# ---- report ---------------------------------------------------------------------------

fmt_num() {  # 1234567.8 -> 1,234,568
  awk -v x="$1" 'BEGIN {
    if (x == "-" || x == "") { print "-"; exit }
    s = sprintf("%.0f", x); out = ""
    while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
    print s out
  }'
}

# Ratio of a row to the no-persistence Redis: requests/s for the same redis-benchmark
# workload; for native rows, feature values/s against Redis' best HMGET of as many fields.
ratio_of() {
  local size=$1 work=$2 sys=$3 rps=$4 vps=$5 base="" r f
  if [[ "$work" == HMGET* ]]; then
    for r in "${ROWS[@]}"; do
      IFS='|' read -r -a f <<<"$r"
      [ "${f[0]}" = "$size" ] && [ "${f[1]}" = "$work" ] && [ "${f[2]}" = redis ] && base=${f[3]}
    done
    [ "$sys" = redis ] && { echo "1.00"; return; }
    awk -v a="$rps" -v b="$base" 'BEGIN { if (a == "-" || b == "-" || b == "" || b == 0) print "-"; else printf "%.2f\n", a / b }'
  else
    local fields=${work#* x }
    fields=${fields%%,*}
    for r in "${ROWS[@]}"; do
      IFS='|' read -r -a f <<<"$r"
      if [ "${f[0]}" = "$size" ] && [ "${f[2]}" = redis ] && [[ "${f[1]}" == "HMGET $fields fields,"* ]] &&
        [ "${f[4]}" != - ]; then
        base=$(awk -v a="$base" -v b="${f[4]}" 'BEGIN { print (a == "" || b + 0 > a + 0) ? b : a }')
      fi
    done
    awk -v a="$vps" -v b="$base" 'BEGIN { if (a == "-" || b == "" || b == 0) print "-"; else printf "%.2f\n", a / b }'
  fi
}

report() {
  local r f ratio lines=() line
  for r in "${ROWS[@]}"; do
    IFS='|' read -r -a f <<<"$r"
    ratio=$(ratio_of "${f[0]}" "${f[1]}" "${f[2]}" "${f[3]}" "${f[4]}")
    lines+=("$(fmt_num "${f[0]}")|${f[1]}|${f[2]}|$(fmt_num "${f[3]}")|$(fmt_num "${f[4]}")|$(fmt_num "${f[5]}")|$(fmt_num "${f[6]}")|$ratio|${f[7]:-}")
  done
  local header="entities|workload|system|requests/s|feature values/s|p50 us|p99 us|vs redis|note"
  echo
  { echo "$header"; printf '%s\n' "${lines[@]}"; } |
    awk -F'|' '{ for (i = 1; i <= NF; i++) { cell[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } n = NF; rows = NR }
      END { for (r = 1; r <= rows; r++) { s = ""; for (i = 1; i <= n; i++) s = s sprintf("%" (i <= 3 || i == n ? "-" : "") w[i] "s  ", cell[r, i]); sub(/ +$/, "", s); print s } }'
  echo
  echo "----- markdown -----"
  echo
  echo "Run of $STARTED_AT, $(nproc) cores, load average at start $LOAD_START, at end $(cut -d' ' -f1-3 /proc/loadavg);"
  echo "source $REV; $(redis-server --version | cut -d' ' -f1-3); asofd and asof-bench from \`$build_dir\`."
  echo "Each redis-benchmark run: -c $clients, -r over the key space, -n sized to ~$duration s after a"
  echo "calibration run that warms up; asof-bench: closed loop, 1 s warm-up, $duration s measured."
  echo "Data loaded (N x $FEATURES values): $(IFS=';'; echo "${LOADS[*]}")."
  echo
  echo "| ${header//|/ | } |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for line in "${lines[@]}"; do echo "| ${line//|/ | } |"; done
  echo
  echo "vs redis: requests/s over redis-server without persistence for the same redis-benchmark"
  echo "command; for native rows, feature values/s over that Redis' best HMGET of as many fields."
  echo "Latencies as each client reports them (redis-benchmark: per request, to its reply in"
  echo "its pipeline batch; asof-bench: from sending a request to its answer)."
  if [ ${#ASOFD_LOG_NOTES[@]} -gt 0 ]; then printf '\nasofd log: %s\n' "${ASOFD_LOG_NOTES[@]}"; fi
  printf '\n%s\n' "${CACHE_NOTES[@]}"
  if [ -s "$WORK/redis-benchmark.err" ]; then
    echo
    echo "redis-benchmark stderr (distinct lines):"
    sort -u "$WORK/redis-benchmark.err" | head -10 | sed 's/^/    /'
  fi
}

# ---- main -----------------------------------------------------------------------------

ensure_redis
ensure_binaries
WORK=$(mktemp -d "${TMPDIR:-/tmp}/asof-race.XXXXXX")
: >"$WORK/redis-benchmark.err"
STARTED_AT=$(date -u +%Y-%m-%dT%H:%MZ)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
REV="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' + working tree')"
LOADS=()
ASOFD_LOG_NOTES=()
CACHE_NOTES=()
for n in "${sizes[@]}"; do run_size "$n"; done
report
