#!/usr/bin/env bash
# Chat load figures (docs/benchmarks.md): for each scenario, starts the release server on a fresh
# temporary data dir with fast password hashing and raised limits, runs parley_load against it
# (one key=value summary line per scenario on stdout) and stops it.
#
# Sizes and knobs (environment):
#   BENCH_SCENARIOS="idle fanout rooms history storm"   BENCH_SECONDS=10   BENCH_BUILD=1 (0: no build)
#   IDLE_CONNECTIONS=10000
#   FANOUT_MEMBERS=1000 FANOUT_SENDERS=10 FANOUT_RATES="50 1000" (posts/s in total, one run
#     each: 50 is the 50,000 deliveries/s point of the reference table in STACK-NOTES.md)
#   ROOMS_USERS=10000 ROOMS_SIZE=10 ROOMS_RATE=1000
#   STORM_SOCKETS=10000 STORM_WINDOW=0 (signed up, the server restarted, then opened STORM_WINDOW at
#     a time; 0: all at once) STORM_WATCH=0 (each socket then watches that many people's presence)
#   HISTORY_MESSAGES=1000000 HISTORY_CLIENTS=10 HISTORY_SEED_SOCKETS=4 HISTORY_SEED_WINDOW=64
#   BENCH_PIN=1       server on CPU 0 with one I/O thread, generator on CPU 1 (0: no pinning)
#   LOAD_THREADS=1    generator event loops
#   PARLEY_BIN, LOAD_BIN, BENCH_DATA_PARENT (${TMPDIR:-/tmp}; /dev/shm takes fsync out of it),
#   SERVER_EXTRA_ARGS (more parley flags)
#   BENCH_PERF=FILE   records the server with `perf record -g` into FILE during the storm's opening
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
PARLEY_BIN=${PARLEY_BIN:-$root/build/release/bin/parley}
LOAD_BIN=${LOAD_BIN:-$root/build/release/bin/parley_load}
BENCH_SCENARIOS=${BENCH_SCENARIOS:-idle fanout rooms history storm}
BENCH_SECONDS=${BENCH_SECONDS:-10}
BENCH_PIN=${BENCH_PIN:-1}
BENCH_DATA_PARENT=${BENCH_DATA_PARENT:-${TMPDIR:-/tmp}}
LOAD_THREADS=${LOAD_THREADS:-1}

if [[ ${BENCH_BUILD:-1} == 1 ]]; then
  [[ -f $root/build/release/build.ninja ]] || cmake --preset release >/dev/null
  cmake --build "$root/build/release" --target parley parley_load >/dev/null
fi

# Both processes hold one descriptor per socket: 10,000 clients need more than the usual 1024.
ulimit -n "$(ulimit -Hn)"

server_cpu=() load_cpu=() server_threads=0
if [[ $BENCH_PIN == 1 && $(nproc) -ge 2 ]]; then
  server_cpu=(taskset -c 0) load_cpu=(taskset -c 1) server_threads=1
fi

server_pid='' data_dir=''
# Stops the server; `keep` keeps its data directory for the next start.
stop_server() {
  if [[ -n $server_pid ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=''
  fi
  if [[ -n $data_dir && ${1:-} != keep ]]; then rm -rf "$data_dir"; data_dir=''; fi
}
trap stop_server EXIT

# Starts the server on port 0 and sets server_pid and port from its "listening on" line; on a new
# data directory unless one was kept.
# No #general: every account the generator signs up would join it, so every socket would follow one
# room of all of them and each opening would announce its presence to every other (10,000 idle
# sockets then cost 12.3 KB each, not 7.6 KB, and took 17 s to open instead of 1 s).
start_server() {
  [[ -n $data_dir ]] || data_dir=$(mktemp -d "$BENCH_DATA_PARENT/parley-chat-bench.XXXXXX")
  : >"$data_dir/stdout"
  # shellcheck disable=SC2086
  "${server_cpu[@]}" "$PARLEY_BIN" --host 127.0.0.1 --port 0 --data-dir "$data_dir" \
    --web-root "$data_dir/no-web" --threads "$server_threads" --log-level warn \
    --argon2-ops 1 --argon2-mem-kib 8 --auth-attempts-per-minute 1000000 \
    --requests-per-second 1000000 --request-burst 1000000 --max-connections 100000 --max-connections-per-address 0 \
    --default-rooms "" ${SERVER_EXTRA_ARGS:-} >"$data_dir/stdout" 2>"$data_dir/stderr" &
  server_pid=$!
  for _ in $(seq 300); do
    port=$(sed -n 's/.*listening on http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$data_dir/stdout")
    [[ -n $port ]] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench-chat: the server did not start:" >&2
  cat "$data_dir/stderr" >&2
  exit 1
}

scenario_args() {
  case $1 in
    idle) echo "--connections ${IDLE_CONNECTIONS:-10000}" ;;
    fanout) echo "--members ${FANOUT_MEMBERS:-1000} --senders ${FANOUT_SENDERS:-10} --rate $2" ;;
    rooms) echo "--users ${ROOMS_USERS:-10000} --room-size ${ROOMS_SIZE:-10}" \
      "--rate ${ROOMS_RATE:-1000}" ;;
    storm) echo "--connections ${STORM_SOCKETS:-10000} --storm-window ${STORM_WINDOW:-0}" \
      "--storm-watch ${STORM_WATCH:-0}" \
      "--accounts-file $data_dir/accounts" ;;
    history) echo "--messages ${HISTORY_MESSAGES:-1000000} --clients ${HISTORY_CLIENTS:-10}" \
      "--seed-sockets ${HISTORY_SEED_SOCKETS:-4} --seed-window ${HISTORY_SEED_WINDOW:-64}" ;;
    *) echo "bench-chat: unknown scenario $1" >&2; exit 2 ;;
  esac
}

status=0
# Sign up, restart the server (cold caches, as after an upgrade), then the storm.
run_storm() {
  start_server
  # shellcheck disable=SC2046
  "${load_cpu[@]}" "$LOAD_BIN" --scenario storm --storm-phase signup --port "$port" \
    --threads "$LOAD_THREADS" $(scenario_args storm) >/dev/null || status=1
  stop_server keep
  start_server
  local perf_pid=''
  if [[ -n ${BENCH_PERF:-} ]]; then
    perf record -q -F 499 -g -p "$server_pid" -o "$BENCH_PERF" 2>/dev/null &
    perf_pid=$!
  fi
  # shellcheck disable=SC2046
  "${load_cpu[@]}" "$LOAD_BIN" --scenario storm --storm-phase open --port "$port" \
    --server-pid "$server_pid" --threads "$LOAD_THREADS" $(scenario_args storm) || status=1
  if [[ -n $perf_pid ]]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; fi
  stop_server
}

run_scenario() {
  start_server
  # shellcheck disable=SC2046
  "${load_cpu[@]}" "$LOAD_BIN" --scenario "$1" --port "$port" --server-pid "$server_pid" \
    --threads "$LOAD_THREADS" --seconds "$BENCH_SECONDS" $(scenario_args "$@") || status=1
  stop_server
}

for scenario in $BENCH_SCENARIOS; do
  if [[ $scenario == storm ]]; then
    run_storm
  elif [[ $scenario == fanout ]]; then
    for rate in ${FANOUT_RATES:-50 1000}; do run_scenario fanout "$rate"; done
  else
    run_scenario "$scenario"
  fi
done
exit $status
