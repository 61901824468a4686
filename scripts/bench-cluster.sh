#!/usr/bin/env bash
# Cluster figures (issue 20; docs/benchmarks.md "Cluster"), on real PostgreSQL and Redis on loopback,
# one key=value line per run on stdout (from parley_load):
#   1. fanout through 1, 2 and 3 nodes sharing PostgreSQL and Redis: FANOUT_MEMBERS members of one
#      channel, their sockets spread round robin over the nodes, FANOUT_RATE posts/s in total:
#      deliveries/s and post-to-delivery percentiles. A baseline line first: one node on SQLite
#      with no bus (Parley as one machine runs it).
#   2. the store alone: posts/s (the history scenario's seeding, pipelined) and history-page
#      percentiles on SQLite, then on PostgreSQL, one node each, the same sizes.
# Knobs: FANOUT_MEMBERS=1000 FANOUT_SENDERS=10 FANOUT_RATE=300 BENCH_SECONDS=10 CLUSTER_NODES="1 2 3"
#   HISTORY_MESSAGES=100000 HISTORY_CLIENTS=10 PARLEY_BIN LOAD_BIN BENCH_BUILD=1
# Everything shares this machine's cores: more nodes on 2 cores add no CPU, only the bus's cost.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
PARLEY_BIN=${PARLEY_BIN:-$root/build/release/bin/parley}
LOAD_BIN=${LOAD_BIN:-$root/build/release/bin/parley_load}
BENCH_SECONDS=${BENCH_SECONDS:-10}
FANOUT_MEMBERS=${FANOUT_MEMBERS:-1000}
FANOUT_SENDERS=${FANOUT_SENDERS:-10}
FANOUT_RATE=${FANOUT_RATE:-300}
CLUSTER_NODES=${CLUSTER_NODES:-1 2 3}
HISTORY_MESSAGES=${HISTORY_MESSAGES:-100000}
HISTORY_CLIENTS=${HISTORY_CLIENTS:-10}
PG_BIN=/usr/lib/postgresql/15/bin

if [[ ${BENCH_BUILD:-1} == 1 ]]; then
  [[ -f $root/build/release/build.ninja ]] || cmake --preset release >/dev/null
  cmake --build "$root/build/release" --target parley parley_load >/dev/null
fi
ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d "${TMPDIR:-/tmp}/parley-cluster-bench.XXXXXX")
as_postgres() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

node_pids=() redis_pid=''
stop_nodes() {
  for p in "${node_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${node_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  node_pids=()
}
cleanup() {
  stop_nodes
  [[ -n $redis_pid ]] && kill "$redis_pid" 2>/dev/null || true
  as_postgres "$PG_BIN/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# PostgreSQL as a deployment would run it (fsync on), and Redis.
mkdir -p "$work/pg"
[[ $(id -u) == 0 ]] && chown postgres "$work" "$work/pg"
as_postgres "$PG_BIN/initdb" -D "$work/pg" -A trust -U postgres >/dev/null
pg_port=$(free_port)
as_postgres "$PG_BIN/pg_ctl" -D "$work/pg" -l "$work/pg/log" -w \
  -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
redis_pid=$!
for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

# Makes database `bench$1` and prints its URL.
new_database() {
  "$PG_BIN/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres "bench$1"
  echo "postgresql://postgres@127.0.0.1:$pg_port/bench$1"
}

# Starts a node; appends its pid to node_pids and its port to node_ports.
node_ports=()
start_node() {
  local data=$1
  shift
  local out="$data/stdout.${#node_pids[@]}"
  "$PARLEY_BIN" --host 127.0.0.1 --port 0 --data-dir "$data" --web-root "$data/no-web" --log-level warn \
    --argon2-ops 1 --argon2-mem-kib 8 --auth-attempts-per-minute 1000000 \
    --requests-per-second 1000000 --request-burst 1000000 --max-connections 100000 \
    --max-connections-per-address 0 "$@" >"$out" 2>>"$data/stderr" &
  node_pids+=($!)
  for _ in $(seq 300); do
    local port
    port=$(sed -n 's/.*listening on http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$out")
    if [[ -n $port ]]; then node_ports+=("$port"); return 0; fi
    sleep 0.1
  done
  echo "bench-cluster: a node did not start:" >&2
  cat "$data/stderr" >&2
  exit 1
}

fanout() {  # label, then the ports
  local label=$1
  shift
  local first=$1
  shift
  local also
  also=$(IFS=,; echo "$*")
  "$LOAD_BIN" --scenario fanout --port "$first" ${also:+--also-ports "$also"} --server-pid "${node_pids[0]}" \
    --seconds "$BENCH_SECONDS" --members "$FANOUT_MEMBERS" --senders "$FANOUT_SENDERS" --rate "$FANOUT_RATE" |
    sed "s/^/$label /"
}

status=0
# 1. Fanout: one node on SQLite (the baseline), then 1, 2, 3 nodes on PostgreSQL + Redis.
data="$work/sqlite-fanout"
mkdir -p "$data"
start_node "$data"
fanout "nodes=1 store=sqlite bus=local" "${node_ports[@]}" || status=1
stop_nodes
node_ports=()
for n in $CLUSTER_NODES; do
  data="$work/cluster-$n"
  mkdir -p "$data"
  db=$(new_database "fanout$n")
  for _ in $(seq "$n"); do start_node "$data" --store "$db" --bus "redis://127.0.0.1:$redis_port"; done
  fanout "nodes=$n store=postgres bus=redis" "${node_ports[@]}" || status=1
  stop_nodes
  node_ports=()
done

# 2. The stores alone: posts/s and history pages, SQLite then PostgreSQL.
history() {
  "$LOAD_BIN" --scenario history --port "${node_ports[0]}" --server-pid "${node_pids[0]}" \
    --seconds "$BENCH_SECONDS" --messages "$HISTORY_MESSAGES" --clients "$HISTORY_CLIENTS" \
    --seed-sockets 4 --seed-window 64 | sed "s/^/$1 /"
}
data="$work/sqlite-history"
mkdir -p "$data"
start_node "$data"
history "store=sqlite" || status=1
stop_nodes
node_ports=()
data="$work/pg-history"
mkdir -p "$data"
start_node "$data" --store "$(new_database history)"
history "store=postgres" || status=1
stop_nodes
exit $status
