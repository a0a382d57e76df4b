#!/usr/bin/env bash
# End-to-end orders per second over HTTP: every `POST /orders` runs the whole
# saga (order created, stock reserved, order placed, delivery started, read
# model updated) and answers once it is placed. wrk at 64 connections reports
# the rate and the p50/p99 latency; in the same run, `bench_journal_append`
# gives the raw group-commit events/s of this machine as the baseline, and a
# probe customer measures my page freshness (201 to row in the view).
# Targets: >= 5,000 orders/s, p99 <= 50 ms; freshness p99 <= 100 ms.
#
# Usage: bench/orders_http.sh [seconds, default 10]
set -euo pipefail

BENCH_STOCK=1000000000
source "$(dirname "$0")/bench_node.sh"

customer=bench_shopper
password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
curl -sf -X POST "$base/auth/signup" -H 'Content-Type: application/json' \
  -d "$(jq -nc --arg u "$customer" --arg p "$password" \
    '{username: $u, password: $p, name: "Bench", address: "Seoul"}')" >/dev/null ||
  die "signup failed"
customer_token=$(curl -sf -X POST "$base/auth/token" -H 'Content-Type: application/json' \
  -d "$(jq -nc --arg u "$customer" --arg p "$password" '{username: $u, password: $p}')" |
  jq -r .access_token) || die "customer login failed"

# Orders spread over many products, as in a real shop: one product entity
# takes one reservation per commit, so a single hot product caps the rate.
product_count=${BENCH_PRODUCTS:-200}
products=("$product")
for _ in $(seq 2 "$product_count"); do
  products+=("$(curl -sf -X POST "$base/products" -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $token" \
    -d "{\"name\": \"Bench item\", \"price\": 100, \"stock\": $BENCH_STOCK}" | jq -r .id)")
done
lua_ids=$(printf '"%s",' "${products[@]}")

script="$work/post_order.lua"
cat >"$script" <<LUA
local products = {${lua_ids%,}}
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $customer_token"
request = function()
  local id = products[math.random(#products)]
  return wrk.format(nil, nil, nil, '{"product_id": "' .. id .. '", "qty": 1}')
end
LUA

echo "wrk -t$threads -c$connections -d${seconds}s --latency POST /orders"
# A probe customer measures my page freshness alongside the load.
curl -sf -X POST "$base/auth/signup" -H 'Content-Type: application/json' \
  -d "$(jq -nc --arg p "$password" '{username: "freshness_probe", password: $p, name: "Probe", address: "Seoul"}')" \
  >/dev/null || die "probe signup failed"
probe_token=$(curl -sf -X POST "$base/auth/token" -H 'Content-Type: application/json' \
  -d "$(jq -nc --arg p "$password" '{username: "freshness_probe", password: $p}')" |
  jq -r .access_token) || die "probe login failed"
python3 "$repo/bench/mypage_freshness.py" "$http_port" "$probe_token" "${products[1]:-$product}" \
  "$((seconds - 1))" >"$work/freshness.txt" &
probe_pid=$!

cpu_before=$(cpu_seconds)
out=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s "$script" "$base/orders")
cpu_after=$(cpu_seconds)
wait "$probe_pid" || true
while IFS= read -r line; do echo "    $line"; done <<<"$out"
rate=$(echo "$out" | awk '/^Requests\/sec:/ {print $2}')
p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
errors=$(echo "$out" | awk '/Non-2xx or 3xx responses:/ {print $NF}')

echo
echo "orders/s: $rate over $product_count products (target >= 5000), p50 $p50, p99 $p99 (target <= 50ms)"
echo "non-2xx answers: ${errors:-0}"
cat "$work/freshness.txt"
read -r node_cpu pg_cpu < <(paste -d' ' <(echo "$cpu_before") <(echo "$cpu_after") |
  awk '{print $3 - $1, $4 - $2}')
awk -v cores="$(nproc)" -v n="$node_cpu" -v p="$pg_cpu" -v r="$rate" -v s="$seconds" 'BEGIN {
  printf "CPU during the run: node %.2f s, PostgreSQL %.2f s of %d s x %d cores", n, p, s, cores
  if (r > 0) printf "; per order: node %.0f us, PostgreSQL %.0f us", n * 1e6 / (r * s), p * 1e6 / (r * s)
  printf "\n"
}'

journal_bench=$repo/build/bench/bench_journal_append
if [[ -x $journal_bench ]]; then
  echo
  echo "baseline, same machine, same run: $journal_bench 5"
  "$journal_bench" 5 | grep -E 'group commit|PostgreSQL'
fi
