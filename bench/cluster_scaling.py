#!/usr/bin/env python3
"""Orders/s on 1, 2 and 3 local nodes with one shared PostgreSQL, and the
shard movement of a join of a 4th node to 3 (issue 4, benchmark 3).

One cluster grows: node-1 alone, then node-2 joins, then node-3. At each
size, after the shards settle and a 3 s warm-up, one wrk per node posts
orders for `--seconds` with 64/N connections each (N wrk threads in all:
2 for one node, 1 per node otherwise) over the same 200 products and one
customer; the rates are summed, and the latencies are shown per node.
Before each load run it also measures the CPU that the nodes and
PostgreSQL use with no load (heartbeats, lease renewals, polls) and the
latency of 30 single orders placed one after another (no other load). With
each wrk run: CPU of nodes, PostgreSQL, wrk and other processes (this is a
shared machine) and PostgreSQL's transactions and rows per order
(pg_stat_database, indicative).
The baseline is the 1-node rate of the same run; once node-4 has joined
(GET /admin/cluster shards.owners before and after; expected about
64/4 = 16 moves, all to the newcomer), nodes 2..4 leave gracefully and the
1-node rate is measured again to show the drift of the machine (the
database has grown by then).

This machine has 2 cores that every node, wrk and PostgreSQL share: more
nodes add routing hops and heartbeats, not CPUs, so the figures show the
overhead of the cluster, not gains.

Usage: bench/cluster_scaling.py [--seconds 10] [--no-recheck] [--node PATH]
"""
import os
import time

from cluster_bench import (db_delta, db_stats, SHARD_COUNT, LocalCluster, admin_token, children_cpu,
                           cpu_seconds, create_products, customer_token, exit_on_signals,
                           finish_wrk, header, load_average, machine_busy,
                           order_script, parse_args, percentile, print_log_summary, settle,
                           start_wrk, stop_group, view_via)

PRODUCTS = 200
STOCK = 1_000_000_000
CONNECTIONS = 64


def spread(n):
    """Connections per node: 64 split as evenly as possible."""
    return [CONNECTIONS // n + (1 if i < CONNECTIONS % n else 0) for i in range(n)]


def measure(cluster, nodes, script, seconds, label, show=True):
    conns = spread(len(nodes))
    threads = 2 if len(nodes) == 1 else 1
    load = load_average()
    before = cpu_seconds(cluster, nodes)
    busy0, wrk0, db0 = machine_busy(), children_cpu(), db_stats(cluster)
    procs = []
    try:
        for node, c in zip(nodes, conns):
            procs.append(start_wrk(node.http_port, script, c, threads, seconds))
        results = [finish_wrk(p, seconds) for p in procs]
    finally:
        for p in procs:
            stop_group(p)
    after = cpu_seconds(cluster, nodes)
    busy1, wrk_cpu = machine_busy(), children_cpu() - wrk0
    time.sleep(1.2)  # the backends' statistics arrive late
    db1 = db_stats(cluster)
    if not show:
        return None
    total = sum(r["rate"] for r in results)
    orders = max(1, sum(r["requests"] - r["non2xx"] for r in results))
    node_cpu, pg_cpu = after[0] - before[0], after[1] - before[1]
    busy, span = busy1[0] - busy0[0], busy1[1] - busy0[1]
    others, idle = busy - node_cpu - pg_cpu - wrk_cpu, span - busy
    print(f"{label}: {len(nodes)} node(s), one wrk per node: "
          + ", ".join(f"{n.node_id} -t{threads} -c{c}" for n, c in zip(nodes, conns))
          + f", -d{seconds}s  ({load})")
    for node, r in zip(nodes, results):
        errs = f", {r['socket_errors']}" if r["socket_errors"] else ""
        print(f"    {node.node_id}: {r['rate']:.0f} orders/s, p50 {r['p50_ms']:.1f} ms, "
              f"p99 {r['p99_ms']:.1f} ms, non-2xx {r['non2xx']}{errs}")
    print(f"  -> {total:.0f} orders/s in all; CPU nodes {node_cpu:.2f} s, PostgreSQL "
          f"{pg_cpu:.2f} s ({(node_cpu + pg_cpu) * 1e6 / orders:.0f} us per order); wrk "
          f"{wrk_cpu:.2f} s, other processes {others:.2f} s, idle {idle:.2f} s",
          flush=True)
    dbline = db_delta(db0, db1, orders)
    print(f"     PostgreSQL: {dbline}; per order: nodes {node_cpu * 1e6 / orders:.0f} us, "
          f"PostgreSQL {pg_cpu * 1e6 / orders:.0f} us", flush=True)
    return {"label": label, "n": len(nodes), "rate": total, "load": load,
            "p50": max(r["p50_ms"] for r in results), "p99": max(r["p99_ms"] for r in results),
            "non2xx": sum(r["non2xx"] for r in results),
            "us": (node_cpu + pg_cpu) * 1e6 / orders, "wrk": wrk_cpu, "db": dbline,
            "node_us": node_cpu * 1e6 / orders, "pg_us": pg_cpu * 1e6 / orders, "others": others, "idle": idle, "raw": [r["raw"] for r in results]}


def idle_cpu(cluster, nodes, seconds=3.0):
    """CPU of the nodes and of PostgreSQL over `seconds` without load:
    heartbeats, lease renewals, consumer polls (milliseconds per second)."""
    before = cpu_seconds(cluster, nodes)
    time.sleep(seconds)
    after = cpu_seconds(cluster, nodes)
    return ((after[0] - before[0]) * 1000 / seconds, (after[1] - before[1]) * 1000 / seconds)


def sequential_orders(nodes, token, products, count=30):
    """Latency of single orders with nothing else running, one after another,
    through the nodes in turn: (p50 ms, max ms, how many took over 500 ms,
    count, how many were answered still pending: the saga had not decided
    within --order-reply-timeout-ms, 2000 by default)."""
    times, pending = [], 0
    clients = [n.client(token) for n in nodes]
    for i in range(count):
        c = clients[i % len(clients)]
        t = time.monotonic()
        r = c.post("/orders", {"product_id": products[i % len(products)], "qty": 1}, timeout=30)
        if r.status == 201:
            times.append((time.monotonic() - t) * 1000)
            pending += r.json.get("status") != "placed"
    for c in clients:
        c.close()
    if not times:
        return float("nan"), float("nan"), 0, 0, 0
    return (percentile(times, 0.5), max(times), len([t for t in times if t > 500]),
            len(times), pending)


def ids(nodes):
    return [n.node_id for n in nodes]


def main():
    def extra(p):
        p.add_argument("--seconds", type=int, default=10)
        p.add_argument("--no-recheck", action="store_true",
                       help="skip the final 1-node re-measure")
    args = parse_args(__doc__.splitlines()[0], extra)
    exit_on_signals()
    header("bench/cluster_scaling.py: orders/s on 1, 2, 3 nodes (one PostgreSQL) "
           "and shard moves of a 4th join")
    cluster = LocalCluster(args.node, 1, keep_logs_in=args.keep_logs)
    with cluster:
        cluster.start()
        n1 = cluster.nodes[0]
        admin = admin_token(n1.client())
        products = create_products(n1.client(admin), PRODUCTS, stock=STOCK)
        token = customer_token(n1.client(), "bench_scaling_shopper")
        script = order_script(os.path.join(cluster.dir, "post_order.lua"), token, products)
        print(f"{PRODUCTS} products (stock {STOCK}), one customer", flush=True)

        runs = []
        for size in (1, 2, 3):
            if size > 1:
                started = time.monotonic()
                cluster.add_node().start()
                live = cluster.nodes[:size]
                settle(n1, ids(live), ids(live), admin)
                print(f"node-{size} joined, settled after {time.monotonic() - started:.1f} s",
                      flush=True)
            live = cluster.nodes[:size]
            measure(cluster, live, script, 3, "warm-up", show=False)
            time.sleep(1)
            quiet = idle_cpu(cluster, live)
            single = sequential_orders(live, token, products)
            print(f"{size} node(s) without load: nodes {quiet[0]:.0f} ms/s, PostgreSQL "
                  f"{quiet[1]:.0f} ms/s of CPU; one order at a time ({single[3]} orders): p50 "
                  f"{single[0]:.1f} ms, max {single[1]:.1f} ms, {single[2]} over 500 ms, "
                  f"{single[4]} answered still pending",
                  flush=True)
            runs.append(measure(cluster, live, script, args.seconds, f"{size} node(s)"))
            runs[-1]["quiet"] = quiet
            runs[-1]["single"] = single

        # A 4th node joins the 3.
        before = view_via(n1, admin)["shards"]["owners"]
        started = time.monotonic()
        newcomer = cluster.add_node()
        newcomer.start()
        view = settle(n1, ids(cluster.nodes), ids(cluster.nodes), admin)
        took = time.monotonic() - started
        after = view["shards"]["owners"]
        moved = [s for s in before if before[s] != after[s]]
        to_new = [s for s in moved if after[s] == newcomer.node_id]
        from_nodes = {}
        for s in moved:
            from_nodes[before[s]] = from_nodes.get(before[s], 0) + 1
        counts = lambda owners: ", ".join(  # noqa: E731
            f"{n} {list(owners.values()).count(n)}" for n in sorted(set(owners.values())))
        print(f"join of node-4 to 3 nodes: {len(moved)} of {SHARD_COUNT} shards moved "
              f"({len(to_new)} to the newcomer; from {from_nodes}), expected about "
              f"{SHARD_COUNT // 4}; settled after {took:.1f} s")
        print(f"    shards before: {counts(before)}; after: {counts(after)}", flush=True)

        conflicts = cluster.conflicts()  # before the leaves: counters are per process
        recheck = None
        if not args.no_recheck:
            for leaver in cluster.nodes[:0:-1]:
                r = n1.client(admin).post("/admin/cluster/leave", {"node_id": leaver.node_id})
                assert r.status == 202, r
                leaver.proc.wait(timeout=60)
                remaining = [n for n in cluster.nodes if n.proc.poll() is None]
                settle(n1, ids(remaining), ids(remaining), admin)
            print("nodes 2..4 left gracefully: node-1 alone again", flush=True)
            measure(cluster, [n1], script, 3, "warm-up", show=False)
            time.sleep(1)
            quiet = idle_cpu(cluster, [n1])
            single = sequential_orders([n1], token, products)
            recheck = measure(cluster, [n1], script, args.seconds, "1 node (again, at the end)")
            recheck["quiet"] = quiet
            recheck["single"] = single

        print()
        base = runs[0]["rate"]
        print("| nodes | orders/s (sum) | vs 1 node | p50 (worst node) | p99 (worst node) "
              "| non-2xx | one order alone: p50 / max, n > 500 ms, n pending | CPU per order (nodes + PostgreSQL) | CPU without load (nodes + PostgreSQL) "
              "| CPU s: wrk / other processes / idle | load at start |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for r in runs + ([recheck] if recheck else []):
            name = f"{r['n']}" + (" (again, at the end)" if r is recheck else "")
            print(f"| {name} | {r['rate']:.0f} | {r['rate'] / base:.2f} | {r['p50']:.1f} ms "
                  f"| {r['p99']:.1f} ms | {r['non2xx']} "
                  f"| {r['single'][0]:.0f} / {r['single'][1]:.0f} ms, {r['single'][2]} of {r['single'][3]}, "
                  f"{r['single'][4]} "
                  f"| {r['us']:.0f} us "
                  f"| {r['quiet'][0]:.0f} + {r['quiet'][1]:.0f} ms/s "
                  f"| {r['wrk']:.1f} / {r['others']:.1f} / {r['idle']:.1f} | {r['load'].split()[2]} |")
        print(f"join of a 4th node: {len(moved)} shards moved, {len(to_new)} to the newcomer "
              f"(expected about {SHARD_COUNT // 4}, all to the newcomer: "
              f"{'yes' if moved and len(to_new) == len(moved) else 'no'})")
        print(f"journal conflicts counted by the 4 nodes before the leaves: {conflicts}")
        print_log_summary(cluster.nodes)
        print(f"end: {load_average()}")
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
