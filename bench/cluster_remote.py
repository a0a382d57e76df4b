#!/usr/bin/env python3
"""Remote vs local orders/s (issue 4, benchmark 2).

One cluster on one shared PostgreSQL: node-1 hosts every shard (and runs
every consumer: the saga, the projections) and node-2 is started with
`--hosts-shards false`, a gateway-only member that owns nothing and
forwards every command to node-1 over CAF's middleman. In the same run,
with the same products (200, huge stock), the same customer and the same
wrk settings (64 connections, 2 threads), wrk posts orders
  (a) to node-1: the node that owns the entities (local), then
  (b) to node-2: every command crosses the middleman (remote),
and the next round runs them in the opposite order (b, a), so that a
machine that gets busier or quieter during the run favours neither.
Prints orders/s, p50/p99 of each run, the CPU of both nodes, PostgreSQL,
wrk and other processes (this is a shared machine), PostgreSQL's
transactions and rows per order, and the ratio remote/local of the mean
rates (target >= 0.5) and of the CPU per order.

Usage: bench/cluster_remote.py [--seconds 10] [--rounds 4] [--node PATH]
"""
import os
import time

from cluster_bench import (db_delta, db_stats, LocalCluster, admin_token, children_cpu, cpu_seconds,
                           create_products, customer_token, exit_on_signals, finish_wrk,
                           header, indent, load_average, machine_busy,
                           order_script, parse_args, print_log_summary, settle, start_wrk,
                           stop_group, view_via)

PRODUCTS = 200
STOCK = 1_000_000_000
CONNECTIONS, THREADS = 64, 2


def run(cluster, target, label, script, seconds):
    before = cpu_seconds(cluster, [cluster.nodes[0]]), cpu_seconds(cluster, [cluster.nodes[1]])
    load = load_average()
    busy0, wrk0, db0 = machine_busy(), children_cpu(), db_stats(cluster)
    proc = start_wrk(target.http_port, script, CONNECTIONS, THREADS, seconds)
    try:
        res = finish_wrk(proc, seconds)
    finally:
        stop_group(proc)
    after = cpu_seconds(cluster, [cluster.nodes[0]]), cpu_seconds(cluster, [cluster.nodes[1]])
    busy1, wrk_cpu = machine_busy(), children_cpu() - wrk0
    time.sleep(1.2)  # the backends' statistics arrive late
    db1 = db_stats(cluster)
    busy, total = busy1[0] - busy0[0], busy1[1] - busy0[1]
    n1 = after[0][0] - before[0][0]
    n2 = after[1][0] - before[1][0]
    pg = after[0][1] - before[0][1]
    orders = max(1, res["requests"] - res["non2xx"])
    res.update(label=label, n1_cpu=n1, n2_cpu=n2, pg_cpu=pg, load=load,
               wrk_cpu=wrk_cpu, others=busy - n1 - n2 - pg - wrk_cpu, idle=total - busy,
               us_per_order=(n1 + n2 + pg) * 1e6 / orders)
    print(f"{label}: wrk -t{THREADS} -c{CONNECTIONS} -d{seconds}s --latency POST "
          f"http://127.0.0.1:{target.http_port}/orders  ({load})")
    print(indent(res["raw"]))
    print(f"  -> {res['rate']:.0f} orders/s, p50 {res['p50_ms']:.1f} ms, "
          f"p99 {res['p99_ms']:.1f} ms, non-2xx {res['non2xx']}; CPU node-1 {n1:.2f} s, "
          f"node-2 {n2:.2f} s, PostgreSQL {pg:.2f} s "
          f"({res['us_per_order']:.0f} us per order in all); wrk {wrk_cpu:.2f} s, "
          f"other processes {res['others']:.2f} s, idle {res['idle']:.2f} s", flush=True)
    res["db"] = db_delta(db0, db1, orders)
    print(f"     PostgreSQL: {res['db']}", flush=True)
    return res


def main():
    def extra(p):
        p.add_argument("--seconds", type=int, default=10)
        p.add_argument("--rounds", type=int, default=4)
    args = parse_args(__doc__.splitlines()[0], extra)
    exit_on_signals()
    header("bench/cluster_remote.py: orders/s through the owner (local) vs through a "
           "gateway-only node (remote)")
    cluster = LocalCluster(args.node, 1, keep_logs_in=args.keep_logs)
    with cluster:
        cluster.start()
        owner = cluster.nodes[0]
        gateway = cluster.add_node()
        gateway.extra_args += ["--hosts-shards", "false"]
        gateway.start()
        admin = admin_token(owner.client())
        view = settle(owner, ["node-1", "node-2"], ["node-1"], admin)
        print("members: " + ", ".join(
            f"{m['node_id']} {m['status']} hosts_shards={m.get('hosts_shards')} "
            f"shards={m.get('shard_count')}" for m in view["members"]))
        products = create_products(owner.client(admin), PRODUCTS, stock=STOCK)
        token = customer_token(gateway.client(), "bench_remote_shopper")
        script = order_script(os.path.join(cluster.dir, "post_order.lua"), token, products)
        print(f"{PRODUCTS} products (stock {STOCK}), one customer", flush=True)

        # Warm-up (not counted): every product entity recovered on node-1,
        # connections and pools of both nodes opened.
        for node in (owner, gateway):
            finish_wrk(start_wrk(node.http_port, script, CONNECTIONS, THREADS, 3), 3)

        local, remote = [], []
        for r in range(args.rounds):
            order = [(owner, "local  (a) via node-1, the owner"),
                     (gateway, "remote (b) via node-2, gateway-only")]
            if r % 2:
                order.reverse()
            for node, label in order:
                res = run(cluster, node, f"round {r + 1} {label}", script, args.seconds)
                (local if node is owner else remote).append(res)
                time.sleep(1)

        view = view_via(owner, admin)
        assert view and set(view["shards"]["owners"].values()) == {"node-1"}, \
            "node-2 came to own shards during the run"
        print()
        print("| run | orders/s | p50 | p99 | non-2xx | CPU per order (nodes + PostgreSQL) "
              "| CPU s: wrk / other processes / idle |")
        print("|---|---|---|---|---|---|---|")
        for res in sorted(local + remote, key=lambda x: x["label"]):
            print(f"| {res['label']} | {res['rate']:.0f} | {res['p50_ms']:.1f} ms | "
                  f"{res['p99_ms']:.1f} ms | {res['non2xx']} | {res['us_per_order']:.0f} us "
                  f"| {res['wrk_cpu']:.1f} / {res['others']:.1f} / {res['idle']:.1f} |")
        for r, (a, b) in enumerate(zip(local, remote)):
            print(f"round {r + 1}: remote/local {b['rate'] / a['rate']:.2f}")
        lr = sum(x["rate"] for x in local) / len(local)
        rr = sum(x["rate"] for x in remote) / len(remote)
        ratio = rr / lr
        print(f"mean: local {lr:.0f} orders/s, remote {rr:.0f} orders/s, remote/local "
              f"{ratio:.2f} (target >= 0.5: {'met' if ratio >= 0.5 else 'NOT met'})")
        lc = sum(x["us_per_order"] for x in local) / len(local)
        rc = sum(x["us_per_order"] for x in remote) / len(remote)
        print(f"CPU per order (both nodes + PostgreSQL): local {lc:.0f} us, remote {rc:.0f} us; "
              f"local/remote {lc / rc:.2f} (the ratio of rates if the machine's CPU were "
              f"the only limit: less sensitive to what else runs on it)")
        print(f"journal conflicts counted by the nodes: {cluster.conflicts()}")
        print_log_summary(cluster.nodes)
        print(f"end: {load_average()}")
        return 0 if ratio >= 0.5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
