"""The node is a member of the cluster table (issue 4 groundwork): it joins
as a new incarnation, holds every shard under a lease, and after a SIGKILL
its next process waits for the old lease to run out before it serves."""
import signal
import time

from mall_node import admin_token, run_tests, wait_until

NODE_ID = "node-1"  # the default of cluster.conf


def cluster(node):
    r = node.client(admin_token(node.client())).get("/admin/cluster")
    assert r.status == 200, r
    return r.json


def check_holds_every_shard(view, incarnation):
    assert view["self"] == NODE_ID, view
    members = {m["node_id"]: m for m in view["members"]}
    me = members[NODE_ID]
    assert me["status"] == "up", me
    assert me["incarnation"] == incarnation, me
    assert me["shard_count"] == view["shards"]["count"] == 64, view
    assert set(view["shards"]["owners"].values()) == {NODE_ID}, view


def test_a_node_holds_every_shard_and_rejoins_after_a_crash(node):
    check_holds_every_shard(cluster(node), 1)
    node.kill()
    node.start()
    check_holds_every_shard(cluster(node), 2)
    # A clean stop leaves the table (down, shards released); the next
    # process joins at once as the next incarnation.
    node.terminate()
    node.start()
    check_holds_every_shard(cluster(node), 3)


def test_a_frozen_node_rejoins_as_a_fresh_incarnation(node):
    before = cluster(node)
    incarnation = next(m for m in before["members"] if m["node_id"] == NODE_ID)["incarnation"]
    # Frozen for three leases (1 s each): its lease runs out meanwhile.
    node.proc.send_signal(signal.SIGSTOP)
    try:
        frozen_until = time.monotonic() + 3.0
        wait_until(lambda: time.monotonic() >= frozen_until, 5, "three leases to pass")
    finally:
        node.proc.send_signal(signal.SIGCONT)
    # It notices that its renewal is refused and joins again.
    def rejoined():
        try:
            view = cluster(node)
        except AssertionError:
            return None  # 503 while it holds no lease
        me = next(m for m in view["members"] if m["node_id"] == NODE_ID)
        return view if me["incarnation"] == incarnation + 1 else None
    check_holds_every_shard(wait_until(rejoined, 15, "the node to join again"), incarnation + 1)
    wait_until(lambda: node.client().get("/health/ready").status == 200, 10, "ready again")


if __name__ == "__main__":
    run_tests([test_a_node_holds_every_shard_and_rejoins_after_a_crash,
               test_a_frozen_node_rejoins_as_a_fresh_incarnation])
