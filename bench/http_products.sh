#!/usr/bin/env bash
# HTTP throughput of one node: `GET /products/{id}` (a round trip through the
# gateway, the entity router and a product actor) against `GET /health/live`
# (the gateway alone), measured with wrk in the same run on the same node.
# Target: products >= 0.6 x liveness. For scale: a minimal single-threaded
# Beast server answers ~78k req/s on this machine (2 cores).
#
# Usage: bench/http_products.sh [seconds per wrk run, default 10]
# Environment: MALL_NODE (default build/app/mall-node), WRK_CONNECTIONS (64),
# WRK_THREADS (2), READY_TIMEOUT_S (120).
# Exit status: 0 with figures, 1 when the node could not be set up, 3 when
# wrk saw error answers (the figures would measure the error path).
set -euo pipefail

source "$(dirname "$0")/bench_node.sh"

invalid=0
# Runs wrk against $1 and sets `rate` to its requests per second.
measure() {
  local url=$1 out errors
  out=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency "$url")
  while IFS= read -r line; do echo "    $line"; done <<<"$out"
  rate=$(echo "$out" | awk '/^Requests\/sec:/ {print $2}')
  errors=$(echo "$out" | awk '/Non-2xx or 3xx responses:/ {print $NF}')
  if [[ -n $errors ]] || echo "$out" | grep -q 'Socket errors'; then
    echo "    INVALID: error answers or socket errors in this run" >&2
    invalid=1
  fi
}

echo "wrk -t$threads -c$connections -d${seconds}s GET /health/live"
measure "$base/health/live"
live=$rate
echo "wrk -t$threads -c$connections -d${seconds}s GET /products/{id}"
measure "$base/products/$product"
products=$rate

ratio=$(awk -v p="$products" -v l="$live" 'BEGIN {printf "%.2f", p / l}')
verdict=$(awk -v r="$ratio" 'BEGIN {print (r >= 0.6 ? "met" : "not met")}')
((invalid)) && verdict="not measured: error answers"
echo
echo "GET /health/live:    $live req/s"
echo "GET /products/{id}:  $products req/s"
echo "ratio products/live: $ratio (target >= 0.6: $verdict)"
echo "baseline: a minimal single-threaded Beast server answers ~78k req/s here"
if ((invalid)); then
  echo "figures INVALID: wrk saw error answers (see above)" >&2
  exit 3
fi
