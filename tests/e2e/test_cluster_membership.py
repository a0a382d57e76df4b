"""The node is a member of the cluster table (issue 4 groundwork): it joins
as a new incarnation, holds every shard under a lease, and after a SIGKILL
its next process waits for the old lease to run out before it serves."""
from mall_node import admin_token, run_tests

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


if __name__ == "__main__":
    run_tests([test_a_node_holds_every_shard_and_rejoins_after_a_crash])
