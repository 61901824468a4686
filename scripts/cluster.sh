#!/usr/bin/env bash
# `make cluster`: Parley as a cluster on this machine, to try one (docs/deploy.md "A cluster"):
# PostgreSQL, Redis, NODES (3) identical nodes and nginx in front of them, all on loopback. Open
# http://127.0.0.1:PORT (8080). Ctrl+C stops everything; the state stays in CLUSTER_DIR
# (./cluster-data) for the next run. Nodes on PORT+1.., PostgreSQL on PORT+10, Redis on PORT+11.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-8080}
NODES=${NODES:-3}
BIN=${PARLEY_BIN:-build/release/bin/parley}
DIR=${CLUSTER_DIR:-./cluster-data}
PG_BIN=/usr/lib/postgresql/15/bin
PG_PORT=$((PORT + 10))
REDIS_PORT=$((PORT + 11))

if ! command -v nginx >/dev/null && ! [ -x /usr/sbin/nginx ]; then
  echo "cluster: installing nginx-light"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nginx-light
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

mkdir -p "$DIR/files" "$DIR/nginx"
DIR=$(realpath "$DIR")
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pids=()
cleanup() {
  trap - EXIT INT TERM
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  as_postgres "$PG_BIN/pg_ctl" -D "$DIR/pg" -m fast stop >/dev/null 2>&1 || true
  echo "cluster: stopped (state kept in $DIR)"
}
trap cleanup EXIT INT TERM

# PostgreSQL: the store every node shares.
if [ ! -f "$DIR/pg/PG_VERSION" ]; then
  mkdir -p "$DIR/pg"
  [ "$(id -u)" -eq 0 ] && chown postgres "$DIR/pg"
  as_postgres "$PG_BIN/initdb" -D "$DIR/pg" -A trust -U postgres >/dev/null
fi
[ "$(id -u)" -eq 0 ] && chown postgres "$DIR"
as_postgres "$PG_BIN/pg_ctl" -D "$DIR/pg" -l "$DIR/postgres.log" -w \
  -o "-p $PG_PORT -k $DIR/pg -c listen_addresses=127.0.0.1" start >/dev/null
STORE="postgresql://postgres@127.0.0.1:$PG_PORT/parley"
"$PG_BIN/psql" "postgresql://postgres@127.0.0.1:$PG_PORT/postgres" -XtAq \
  -c "SELECT 1 FROM pg_database WHERE datname = 'parley'" | grep -q 1 ||
  "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres parley

# Redis: the bus (nothing on disk needed: a Redis restarted empty is refilled by the nodes).
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --logfile "$DIR/redis.log" &
pids+=($!)
for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

# The nodes: identical, one shared data directory (uploaded files, avatars, the Web Push key).
upstream=""
for i in $(seq 1 "$NODES"); do
  port=$((PORT + i))
  "$BIN" --host 127.0.0.1 --port "$port" --data-dir "$DIR/files" --web-root web/dist \
    --store "$STORE" --bus "redis://127.0.0.1:$REDIS_PORT" --public-url "http://127.0.0.1:$PORT" \
    --allowed-origins "http://127.0.0.1:$PORT" --max-connections-per-address 0 \
    --trusted-proxies 127.0.0.1 \
    2>"$DIR/node$i.log" >/dev/null &
  pids+=($!)
  upstream+="    server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"$'\n'
  [ "$i" -eq 1 ] && for _ in $(seq 300); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
done

# nginx: round robin over the nodes, no sticky sessions; WebSockets upgraded; uploads streamed.
cat >"$DIR/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $DIR/nginx/nginx.pid;
error_log $DIR/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $DIR/nginx/body;
  proxy_temp_path $DIR/nginx/proxy;
  upstream parley {
$upstream  }
  map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
  server {
    listen 127.0.0.1:$PORT;
    client_max_body_size 100m;
    proxy_request_buffering off;
    location / {
      proxy_pass http://parley;
      proxy_http_version 1.1;
      proxy_set_header Host \$http_host;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \$connection_upgrade;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_read_timeout 120s;
      proxy_next_upstream error timeout;
    }
  }
}
EOF
"$NGINX" -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)
for _ in $(seq 300); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
echo "cluster: http://127.0.0.1:$PORT (nginx) -> $NODES nodes on $((PORT + 1))..$((PORT + NODES)), PostgreSQL :$PG_PORT, Redis :$REDIS_PORT; logs in $DIR; Ctrl+C stops"
wait -n "${pids[@]}" || true
echo "cluster: a process ended; stopping the rest"
