#!/usr/bin/env bash
# A local cluster: N mall nodes on loopback sharing one embedded PostgreSQL,
# each in the background in its own session. Used by `./mall cluster`.
#   scripts/cluster.sh up N    start the database and every node of 1..N that
#                              is not running; return once all N are ready
#   scripts/cluster.sh down    stop every node (SIGTERM, then SIGKILL of its
#                              process group), then the database
#   scripts/cluster.sh status  one line per node: pid alive?, ready?
# Folder: $MALL_CLUSTER_DIR (default var/cluster): db/ (the database),
# node-i/ (node.log, pid, http-port), jwt-secret, admin-password.
# Node i listens on HTTP $MALL_CLUSTER_HTTP_BASE+i-1 (8080..) and cluster
# port $MALL_CLUSTER_PORT_BASE+i-1 (4000..). MALL_NODE_BIN / MALL_DB_BIN name
# the binaries (default: the build folder). MALL_ADMIN_USER and
# MALL_ADMIN_PASSWORD reach every node; without a password one is generated
# once and kept. MALL_JWT_SECRET, when set, replaces the kept secret.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${MALL_BUILD_DIR:-$ROOT/build}"
DIR="${MALL_CLUSTER_DIR:-$ROOT/var/cluster}"
HTTP_BASE="${MALL_CLUSTER_HTTP_BASE:-8080}"
CLUSTER_BASE="${MALL_CLUSTER_PORT_BASE:-4000}"
NODE_BIN="${MALL_NODE_BIN:-$BUILD_DIR/app/mall-node}"
DB_BIN="${MALL_DB_BIN:-$BUILD_DIR/tools/mall-db}"
READY_TIMEOUT_S="${MALL_CLUSTER_READY_TIMEOUT_S:-90}"
STOP_TIMEOUT_S="${MALL_CLUSTER_STOP_TIMEOUT_S:-30}"
MAX_NODES=100

say() { echo "cluster: $*" >&2; }
die() {
  say "$*"
  exit 1
}
usage() {
  [[ $# -gt 0 ]] && say "$*"
  sed -n '4,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }

# Node pid files hold absolute paths: compare against an absolute folder.
if [[ -d $DIR ]]; then DIR="$(cd "$DIR" && pwd)"; fi

for var in HTTP_BASE CLUSTER_BASE READY_TIMEOUT_S STOP_TIMEOUT_S; do
  is_uint "${!var}" || usage "$var must be a number, not '${!var}'"
done

# -- nodes -----------------------------------------------------------------------

node_dir() { echo "$DIR/node-$1"; }

# The numbers of the nodes that have a folder, ascending.
known_nodes() {
  local d
  for d in "$DIR"/node-*; do
    if [[ -d $d && ${d##*/node-} =~ ^[0-9]+$ ]]; then echo "${d##*/node-}"; fi
  done | sort -n
}

# Prints the pid of node i when its process runs and really is that node (a
# pid file may outlive a reboot, and a killed node may linger as a zombie,
# whose command line is empty).
node_pid() {
  local dir pid
  dir="$(node_dir "$1")"
  [[ -f $dir/pid ]] || return 1
  pid="$(<"$dir/pid")"
  is_uint "$pid" && ((pid > 1)) || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "$dir" || return 1
  echo "$pid"
}

# Whether pid is a live process (a zombie is not).
process_alive() {
  local stat
  kill -0 "$1" 2>/dev/null || return 1
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ ${stat:0:1} != Z && ${stat:0:1} != X ]]
}

node_http_port() {
  local file
  file="$(node_dir "$1")/http-port"
  if [[ -f $file ]]; then cat "$file"; else echo $((HTTP_BASE + $1 - 1)); fi
}

# HTTP status of GET /health/ready on node i ("000" when it does not answer).
ready_status() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
    "http://127.0.0.1:$(node_http_port "$1")/health/ready" 2>/dev/null || true
}

log_tail() {
  local log
  log="$(node_dir "$1")/node.log"
  if [[ -f $log ]]; then
    say "--- last lines of $log ---"
    tail -n "${2:-30}" "$log" >&2
  fi
}

# -- shared secrets --------------------------------------------------------------

# Prints the content of `file`, creating it first with `value` (mode 0600)
# unless it exists; the first writer wins when two runs race.
kept_value() {
  local file=$1 value=$2
  if [[ ! -s $file ]]; then
    (umask 077 && set -o noclobber && printf '%s\n' "$value" >"$file") 2>/dev/null || true
  fi
  head -n 1 "$file"
}

random_hex() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }

# -- commands --------------------------------------------------------------------

start_node() {
  local i=$1 count=$2 dir seeds="" j
  dir="$(node_dir "$i")"
  mkdir -p "$dir"
  for ((j = 0; j < count; ++j)); do
    seeds+="${seeds:+,}127.0.0.1:$((CLUSTER_BASE + j))"
  done
  local http=$((HTTP_BASE + i - 1)) cluster=$((CLUSTER_BASE + i - 1))
  echo "$http" >"$dir/http-port"
  echo "=== $(date -u +%FT%TZ) cluster.sh starts node-$i (http $http, cluster $cluster)" \
    >>"$dir/node.log"
  # A background job of a script is no process group leader, so setsid(1)
  # does not fork: $! is the node's pid, and it leads its own session and
  # process group.
  (
    cd "$ROOT"
    exec setsid "$NODE_BIN" --config "$ROOT/cluster.conf" --node-id "node-$i" \
      --http-port "$http" --cluster-port "$cluster" --seeds "$seeds" \
      --db "$DB_URL" --data-dir "$dir" </dev/null >>"$dir/node.log" 2>&1
  ) &
  echo $! >"$dir/pid"
  say "node-$i started (pid $!, http://127.0.0.1:$http, log $dir/node.log)"
}

cmd_up() {
  [[ $# -eq 1 ]] || usage "up takes the number of nodes"
  local count=$1
  if ! { is_uint "$count" && ((count >= 1 && count <= MAX_NODES)); }; then
    usage "the number of nodes must be 1..$MAX_NODES, not '$count'"
  fi
  [[ -x $NODE_BIN ]] || die "node binary not found: $NODE_BIN (./mall build)"
  [[ -x $DB_BIN ]] || die "mall-db not found: $DB_BIN (./mall build)"
  command -v curl >/dev/null || die "curl is needed for the readiness checks"

  mkdir -p "$DIR"
  DIR="$(cd "$DIR" && pwd)"
  # (When we are root the database runs as an unprivileged user; mall-db
  # opens the folders on its path for it.)
  DB_URL="$("$DB_BIN" start "$DIR/db")" || die "the database did not start"

  export MALL_JWT_SECRET="${MALL_JWT_SECRET:-$(kept_value "$DIR/jwt-secret" "$(random_hex)")}"
  if [[ -z ${MALL_ADMIN_PASSWORD:-} ]]; then
    local file="$DIR/admin-password" first=0
    [[ -s $file ]] || first=1
    MALL_ADMIN_PASSWORD="$(kept_value "$file" "$(random_hex)")"
    if ((first)); then
      echo "admin account '${MALL_ADMIN_USER:-admin}' password: $MALL_ADMIN_PASSWORD (kept in $file)"
    fi
    export MALL_ADMIN_PASSWORD
  fi

  local i pid started=0 pids=()
  for ((i = 1; i <= count; ++i)); do
    if pid="$(node_pid "$i")"; then
      say "node-$i already running (pid $pid)"
    else
      start_node "$i" "$count"
      pid=$(<"$(node_dir "$i")/pid")
      started=$((started + 1))
    fi
    pids[i]=$pid
  done

  # A node started just now may not have exec'd yet (its command line is
  # still ours): watch the pids themselves here.
  local deadline=$((SECONDS + READY_TIMEOUT_S)) waiting exited status
  while :; do
    waiting=() exited=()
    for ((i = 1; i <= count; ++i)); do
      if ! process_alive "${pids[i]}"; then
        exited+=("$i")
      elif [[ $(ready_status "$i") != 200 ]]; then
        waiting+=("$i")
      fi
    done
    if ((${#waiting[@]} == 0 && ${#exited[@]} == 0)); then
      say "$count node(s) ready ($started started), http://127.0.0.1:$HTTP_BASE.."
      return 0
    fi
    if ((${#exited[@]} > 0 || SECONDS >= deadline)); then
      for i in "${exited[@]}"; do
        # Nodes started by this run are our children: wait tells how they ended.
        status=0
        wait "${pids[i]}" 2>/dev/null || status=$?
        if ((status == 127)); then
          say "node-$i (pid ${pids[i]}) exited"
        else
          say "node-$i (pid ${pids[i]}) exited with status $status"
        fi
      done
      ((SECONDS >= deadline)) && say "not ready after ${READY_TIMEOUT_S}s:"
      for i in "${waiting[@]}"; do
        say "node-$i not ready (GET /health/ready: $(ready_status "$i"))"
      done
      for i in "${exited[@]}" "${waiting[@]}"; do log_tail "$i"; done
      say "nodes that run keep running: ./mall cluster status, ./mall cluster down"
      exit 1
    fi
    sleep 0.2
  done
}

cmd_down() {
  [[ $# -eq 0 ]] || usage "down takes no arguments"
  if [[ ! -d $DIR ]]; then
    say "no cluster folder $DIR: nothing to stop"
    return 0
  fi
  local i pid nodes=() pids=()
  for i in $(known_nodes); do
    if pid="$(node_pid "$i")"; then
      kill -TERM "$pid" 2>/dev/null || true
      nodes+=("$i") pids+=("$pid")
    fi
  done
  local deadline=$((SECONDS + STOP_TIMEOUT_S)) left k
  while :; do
    left=0
    for k in "${!nodes[@]}"; do
      node_pid "${nodes[k]}" >/dev/null && left=$((left + 1))
    done
    ((left == 0 || SECONDS >= deadline)) && break
    sleep 0.2
  done
  for k in "${!nodes[@]}"; do
    i=${nodes[k]} pid=${pids[k]}
    if node_pid "$i" >/dev/null; then
      say "node-$i (pid $pid) did not stop within ${STOP_TIMEOUT_S}s: SIGKILL to its process group"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    else
      say "node-$i stopped"
    fi
  done
  for i in $(known_nodes); do rm -f "$(node_dir "$i")/pid"; done
  if [[ -d $DIR/db ]]; then
    [[ -x $DB_BIN ]] || die "mall-db not found: $DB_BIN (./mall build)"
    "$DB_BIN" stop "$DIR/db" || die "the database did not stop"
  fi
}

cmd_status() {
  [[ $# -eq 0 ]] || usage "status takes no arguments"
  [[ -d $DIR ]] || die "no cluster folder $DIR"
  local i pid code healthy=1 any=0
  for i in $(known_nodes); do
    any=1
    if pid="$(node_pid "$i")"; then
      code="$(ready_status "$i")"
      if [[ $code == 200 ]]; then
        printf 'node-%-3s pid %-8s running  ready      http://127.0.0.1:%s\n' \
          "$i" "$pid" "$(node_http_port "$i")"
      else
        healthy=0
        printf 'node-%-3s pid %-8s running  not ready  http://127.0.0.1:%s (GET /health/ready: %s)\n' \
          "$i" "$pid" "$(node_http_port "$i")" "$code"
      fi
    else
      healthy=0
      printf 'node-%-3s pid %-8s stopped  -          http://127.0.0.1:%s\n' \
        "$i" "-" "$(node_http_port "$i")"
    fi
  done
  ((any)) || { echo "no nodes in $DIR"; healthy=0; }
  if [[ -x $DB_BIN ]] && "$DB_BIN" url "$DIR/db" >/dev/null 2>&1; then
    echo "database running in $DIR/db/pg"
  else
    healthy=0
    echo "database not running ($DIR/db/pg)"
  fi
  ((healthy))
}

cmd="${1:-}"
shift || true
case "$cmd" in
  up) cmd_up "$@" ;;
  down) cmd_down "$@" ;;
  status) cmd_status "$@" ;;
  *) usage ;;
esac
