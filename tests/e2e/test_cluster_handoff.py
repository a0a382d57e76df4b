"""Issue 4, cluster tests 4, 5 and 6: shards move while clients write, and
no client request fails (the cluster retries internally, the client never
does): a fourth node joins, a node leaves gracefully, and every node is
restarted in turn. Every acknowledged write is there, exactly once."""
import time

from mall_cluster import (LocalCluster, RestockLoad, check_every_write_survived,
                          create_products)
from mall_node import admin_token, node_binary, wait_until

INITIAL_STOCK = 1000


class Phases:
    """Loads of several phases, checked together at the end."""

    def __init__(self):
        self.results = []

    def run(self, cluster, token, products, via, during, successes=40):
        load = RestockLoad(cluster, token, products, via).start()
        try:
            load.wait_for_successes(successes)
            during()
            load.wait_for_successes(successes)
        finally:
            load.stop()
        failed = load.failures()
        assert not failed, f"{len(failed)} client requests failed: {failed[:5]}"
        self.results += load.results
        return load


def test_join_leave_and_rolling_restart_fail_no_request(binary):
    cluster = LocalCluster(binary, 3)
    with cluster:
        cluster.start()
        admin = admin_token(cluster.nodes[0].client())
        products = create_products(cluster.nodes[0].client(admin), 16,
                                   stock=INITIAL_STOCK)
        phases = Phases()

        # 4. A fourth node joins: it takes its share, nothing else moves.
        before = cluster.view()["shards"]["owners"]
        newcomer = cluster.add_node()

        def join():
            newcomer.start()
            cluster.wait_settled()
        started = time.monotonic()
        phases.run(cluster, admin, products, cluster.nodes[:3], join)
        after = cluster.view()["shards"]["owners"]
        moved = [s for s in before if before[s] != after[s]]
        assert moved and all(after[s] == newcomer.node_id for s in moved), (before, after)
        print(f"     join: {len(moved)} of 64 shards moved, all to the newcomer "
              f"({time.monotonic() - started:.2f}s)", flush=True)

        # 5. A graceful leave, asked through another node: it hands its
        # shards off and then stops by itself.
        leaver = cluster.nodes[2]

        def leave():
            r = cluster.nodes[0].client(admin).post("/admin/cluster/leave",
                                                    {"node_id": leaver.node_id})
            assert r.status == 202, r
            leaver.proc.wait(timeout=30)
            cluster.wait_settled()
        phases.run(cluster, admin, products,
                   [cluster.nodes[0], cluster.nodes[1], cluster.nodes[3]], leave)
        assert leaver.proc.returncode == 0, leaver.log_tail()
        view = cluster.view()
        status = {m["node_id"]: m["status"] for m in view["members"]}
        assert status[leaver.node_id] == "down", status

        # 6. Rolling restart of the three that remain, one at a time.
        remaining = [cluster.nodes[0], cluster.nodes[1], cluster.nodes[3]]
        for victim in remaining:
            others = [n for n in remaining if n is not victim]

            def restart():
                assert victim.terminate() == 0, victim.log_tail()
                cluster.wait_settled()
                victim.start()
                cluster.wait_settled()
            phases.run(cluster, admin, products, others, restart)
            print(f"     restarted {victim.node_id}", flush=True)

        everything = RestockLoad(cluster, admin, products, [])
        everything.results = phases.results
        check_every_write_survived(cluster.nodes[0].client(admin), everything,
                                   INITIAL_STOCK, exact=True)
        print(f"     {len(phases.results)} restocks, none failed", flush=True)
        assert cluster.conflicts() == 0


if __name__ == "__main__":
    started = time.monotonic()
    test_join_leave_and_rolling_restart_fail_no_request(node_binary())
    print(f"ok   test_join_leave_and_rolling_restart_fail_no_request "
          f"({time.monotonic() - started:.2f}s)", flush=True)
