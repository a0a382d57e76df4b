"""Issue 4, cluster tests 1 and 7: three nodes share the shards; any node
answers any request by routing it to the owner of the entity, and the
answers are identical whichever node was asked; nodes whose seed is down
still form the cluster."""
import time

from mall_cluster import LocalCluster, create_products
from mall_node import Node, admin_token, customer_token, node_binary


def entities_in_tree(node, token):
    """Persistence ids of the entities active on `node`."""
    r = node.client(token).get("/admin/actors")
    assert r.status == 200, r
    found = set()

    def walk(tree):
        if tree.get("kind") == "entity":
            found.add(tree["name"])
        for child in tree.get("children", []):
            walk(child)
    walk(r.json)
    return found


def test_three_nodes_route_every_request_to_the_owner(cluster):
    view = cluster.wait_settled()
    counts = {m["node_id"]: m["shard_count"] for m in view["members"]}
    assert sorted(counts) == ["node-1", "node-2", "node-3"], counts
    assert sum(counts.values()) == 64 and min(counts.values()) > 0, counts

    n1, n2, n3 = cluster.nodes
    admin = admin_token(n1.client())
    products = create_products(n1.client(admin), 12, stock=50)
    owners = {pid: cluster.owner_of("product", pid, view) for pid in products}
    assert len(set(owners.values())) >= 2, owners

    # Reads through every node give the same answer.
    for pid in products:
        bodies = [n.client().get(f"/products/{pid}").json for n in cluster.nodes]
        assert bodies[0] == bodies[1] == bodies[2], bodies
        assert bodies[0]["stock"] == 50

    # Writes through every node land on the owner: only it runs the entity.
    trees = {n.node_id: entities_in_tree(n, admin_token(n.client())) for n in cluster.nodes}
    for pid in products:
        for node_id, entities in trees.items():
            assert (f"product|{pid}" in entities) == (node_id == owners[pid]), \
                (pid, node_id, owners[pid])

    # Orders through every node: the saga runs across nodes.
    customer = customer_token(n2.client(), "cluster_kim")
    orders = []
    for k, pid in enumerate(products[:6]):
        via = cluster.nodes[k % 3]
        r = via.client(customer).post("/orders", {"product_id": pid, "qty": 2})
        assert r.status == 201, r
        assert r.json["status"] == "placed", r
        orders.append(r.json["id"])
    for oid in orders:
        bodies = [n.client(customer).get(f"/orders/{oid}").json for n in cluster.nodes]
        assert bodies[0] == bodies[1] == bodies[2], bodies
    for pid in products[:6]:
        assert n3.client().get(f"/products/{pid}").json["stock"] == 48
    # My page is projected once, whichever node runs the projection.
    r = n3.client(customer).get("/mypage")
    assert r.status == 200, r
    page = r.json
    deadline = time.monotonic() + 10
    while page["order_count"] < 6 and time.monotonic() < deadline:
        time.sleep(0.05)
        page = n1.client(customer).get("/mypage").json
    assert page["order_count"] == 6, page
    assert cluster.conflicts() == 0


def test_nodes_form_the_cluster_when_a_seed_is_down(cluster_bin):
    # node-1 is a seed of the others but never starts.
    cluster = LocalCluster(cluster_bin, 3)
    with cluster:
        for node in cluster.nodes[1:]:
            node.start()
        view = cluster.wait_settled(members=["node-2", "node-3"])
        assert {m["node_id"] for m in view["members"]} == {"node-2", "node-3"}, view
        admin = admin_token(cluster.nodes[1].client())
        pid = create_products(cluster.nodes[1].client(admin), 1)[0]
        assert cluster.nodes[2].client().get(f"/products/{pid}").status == 200


def test_malformed_seeds_are_skipped(binary):
    node = Node(binary, seeds=["127.0.0.1:abc", "nocolon", "127.0.0.1:99999"])
    try:
        node.start()
        admin = admin_token(node.client())
        pid = create_products(node.client(admin), 1)[0]
        assert node.client().get(f"/products/{pid}").status == 200
        assert "is no host:port" in node.log_tail(200), node.log_tail()
    finally:
        node.cleanup()


def timed(test, *args):
    started = time.monotonic()
    test(*args)
    print(f"ok   {test.__name__} ({time.monotonic() - started:.2f}s)", flush=True)


def main():
    binary = node_binary()
    with LocalCluster(binary, 3) as cluster:
        cluster.start()
        timed(test_three_nodes_route_every_request_to_the_owner, cluster)
    timed(test_nodes_form_the_cluster_when_a_seed_is_down, binary)
    timed(test_malformed_seeds_are_skipped, binary)


if __name__ == "__main__":
    main()
