# Shared by the HTTP benchmarks (source it): starts one node with its own
# embedded PostgreSQL in a temp folder, waits until it is ready, logs in as
# admin (`token`) and creates a product with stock `${BENCH_STOCK:-100}`
# (`product`); stops the node and deletes the folder on exit.
# Environment: MALL_NODE (default build/app/mall-node), MALL_NODE_ARGS (more
# node flags, e.g. `--db URL` for an existing server), WRK_CONNECTIONS (64),
# WRK_THREADS (2), READY_TIMEOUT_S (120).


repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
node=${MALL_NODE:-$repo/build/app/mall-node}
seconds=${1:-10}
connections=${WRK_CONNECTIONS:-64}
threads=${WRK_THREADS:-2}
ready_timeout_s=${READY_TIMEOUT_S:-120}
admin_user=bench_admin
admin_password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')

die() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

[[ -x $node ]] || die "no node binary at $node (build mall-node or set MALL_NODE)"
command -v wrk >/dev/null || die "wrk is not installed"
command -v jq >/dev/null || die "jq is not installed"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The embedded PostgreSQL runs as an unprivileged user that must be able to
# enter the data folder.
work=$(mktemp -d /tmp/mall-bench-http-XXXXXX)
chmod 755 "$work"
node_pid=

# Stops the node (SIGTERM, then SIGKILL after 30 s) and deletes the folder.
# After a SIGKILL the embedded PostgreSQL it started is stopped here too.
cleanup() {
  if [[ -n $node_pid ]] && kill -0 "$node_pid" 2>/dev/null; then
    kill -TERM "$node_pid"
    for _ in $(seq 300); do
      kill -0 "$node_pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$node_pid" 2>/dev/null; then
      echo "node $node_pid ignored SIGTERM for 30 s: SIGKILL" >&2
      kill -KILL "$node_pid" 2>/dev/null || true
      local pidfile
      pidfile=$(find "$work" -name postmaster.pid 2>/dev/null | head -n 1)
      if [[ -n $pidfile ]]; then
        local pg_pid
        pg_pid=$(head -n 1 "$pidfile")
        kill -INT "$pg_pid" 2>/dev/null || true
        for _ in $(seq 100); do
          kill -0 "$pg_pid" 2>/dev/null || break
          sleep 0.1
        done
      fi
    fi
    wait "$node_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

http_port=$(free_port)
cluster_port=$(free_port)
base=http://127.0.0.1:$http_port

echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "node: $node"

# Run from the empty folder so that no cluster.conf is picked up. The rate
# limiter allows 1000 req/s per client address by default, and wrk is one
# client: lift it, or most answers would be 429s.
(
  cd "$work"
  export MALL_ADMIN_USER=$admin_user MALL_ADMIN_PASSWORD=$admin_password
  exec "$node" --data-dir "$work/data" --http-port "$http_port" \
    --cluster-port "$cluster_port" --log-level warn \
    --rate-limit-per-s 10000000 --rate-limit-burst 10000000 ${MALL_NODE_ARGS:-}
) >"$work/node.log" 2>&1 &
node_pid=$!

echo -n "waiting for $base/health/ready "
deadline=$((SECONDS + ready_timeout_s))
until [[ $(curl -s -o /dev/null -w '%{http_code}' "$base/health/ready") == 200 ]]; do
  if ! kill -0 "$node_pid" 2>/dev/null; then
    echo
    cat "$work/node.log" >&2
    node_pid=
    die "the node exited before it was ready"
  fi
  if ((SECONDS >= deadline)); then
    echo
    tail -n 20 "$work/node.log" >&2
    die "the node was not ready within ${ready_timeout_s} s"
  fi
  sleep 0.2
done
echo "ready after $((SECONDS + ready_timeout_s - deadline)) s"

token=$(curl -sf -X POST "$base/auth/token" -H 'Content-Type: application/json' \
  -d "$(jq -nc --arg u "$admin_user" --arg p "$admin_password" '{username: $u, password: $p}')" |
  jq -r .access_token) || die "POST /auth/token failed"
product=$(curl -sf -X POST "$base/products" -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $token" \
  -d "{\"name\": \"Benchmark kettle\", \"price\": 15000, \"stock\": ${BENCH_STOCK:-100}}" |
  jq -r .id) || die "POST /products failed"
[[ -n $product && $product != null ]] || die "POST /products answered no id"
status=$(curl -s -o /dev/null -w '%{http_code}' "$base/products/$product")
[[ $status == 200 ]] || die "GET /products/$product answered $status"
echo "product: $product"


# CPU seconds (user + system) used so far by the node and by its embedded
# PostgreSQL (the postmaster and its live backends), as "node pg".
cpu_seconds() {
  local ticks pg_pid pids
  ticks=$(getconf CLK_TCK)
  pg_pid=$(head -n 1 "$work/data/pg/data/postmaster.pid" 2>/dev/null || true)
  pids=$(pgrep -P "$pg_pid" 2>/dev/null | tr '\n' ' ')
  awk -v ticks="$ticks" -v node="$node_pid" '
    { sub(/^.*\) /, ""); t = $12 + $13 }
    FILENAME ~ "/" node "/" { n += t; next }
    { p += t }
    END { printf "%.2f %.2f\n", n / ticks, p / ticks }
  ' "/proc/$node_pid/stat" $(for p in $pg_pid $pids; do echo "/proc/$p/stat"; done) 2>/dev/null
}
