#!/usr/bin/env bash
# A/B of `bench/orders_http.sh`: runs it for each node binary in turn, for a
# number of rounds, and prints one line per run. This machine's speed swings
# by up to 40 % within minutes, so two binaries are only comparable when
# their runs alternate.
#
# Usage: bench/ab_orders.sh ROUNDS NODE_BINARY... (e.g. a worktree's
#        build/app/mall-node against this tree's)
set -euo pipefail

[[ $# -ge 2 ]] || {
  echo "usage: $0 ROUNDS NODE_BINARY..." >&2
  exit 2
}
rounds=$1
shift
bench=$(dirname "$0")/orders_http.sh

for _ in $(seq "$rounds"); do
  for node in "$@"; do
    node=$(realpath "$node")
    out=$(MALL_NODE=$node "$bench" 10 2>&1) || {
      echo "$node: the benchmark failed:" >&2
      echo "$out" >&2
      exit 1
    }
    rate=$(awk '/^orders\/s:/ {print $2}' <<<"$out")
    latency=$(grep -o 'p50 [0-9.]*ms, p99 [0-9.]*ms' <<<"$out" | head -n 1)
    fresh=$(grep -o 'p99 [0-9.]* ms' <<<"$out" | head -n 1)
    cpu=$(grep -o 'node [0-9]* us, PostgreSQL [0-9]* us' <<<"$out")
    echo "$(date -u +%H:%M) $node: $rate orders/s, $latency, freshness $fresh, per order $cpu"
  done
done
