"""`POST /admin/chaos/schedule` against a real node: crashes shards and
consumers at a rate while orders are placed, and the shop heals itself:
every crash shows in the supervision tree, every order ends placed, stock is
exact. `DELETE` stops a schedule early."""

from mall_node import admin_token, customer_token, run_tests, wait_until


def restarts(tree, kind):
    """Restarts of every actor of `kind` in the supervision tree."""
    own = tree.get("restarts", 0) if tree.get("kind") == kind else 0
    return own + sum(restarts(child, kind) for child in tree.get("children", []))


def consumer_restarts(tree):
    return restarts(tree, "consumer") + restarts(tree, "policy")


def test_scheduled_crashes_heal_and_lose_no_order(node):
    admin = node.client(admin_token(node.client()))
    shopper = node.client(customer_token(node.client(), "chaos_shopper"))
    pid = admin.post("/products", {"name": "Kettle", "price": 100, "stock": 100}).json["id"]
    tree = admin.get("/admin/actors").json
    shards_before, consumers_before = restarts(tree, "shard"), consumer_restarts(tree)

    r = admin.post("/admin/chaos/schedule",
                   {"targets": ["shard", "projection"], "per_second": 10, "duration_s": 1})
    assert r.status == 202, r
    assert r.json["status"] == "scheduled" and r.json["crashes"] == 10, r.json
    assert r.json["targets"] == ["shard", "projection"], r.json

    accepted = []
    for _ in range(20):
        o = shopper.post("/orders", {"product_id": pid, "qty": 1}, timeout=15)
        # 503: the command met a crashed shard; its outcome is then unknown
        # (the client would retry with its Idempotency-Key).
        assert o.status in (201, 202, 503), o
        if o.status in (201, 202):
            accepted.append((o.json["id"], o.json["status"]))

    done = wait_until(lambda: (lambda s: s if s["status"] == "idle" else None)(
        admin.get("/admin/chaos/schedule").json), 10, "the schedule to finish")
    assert done == {"status": "idle", "crashed": 10, "planned": 10}, done
    # Five crashes each: of a shard picked at random of 64, and of a consumer
    # of four (one still restarting from the last crash has no reader to
    # crash, so not every one counts).
    def all_crashed():
        t = admin.get("/admin/actors").json
        return (restarts(t, "shard") - shards_before >= 5
                and consumer_restarts(t) - consumers_before >= 1)
    wait_until(all_crashed, 15, "the shards and consumers to restart")
    stopped = admin.request("DELETE", "/admin/chaos/schedule")
    assert stopped.status == 200 and stopped.json == {"status": "idle", "crashed": 10}, stopped
    def healed():
        t = admin.get("/admin/actors").json
        return all(c["status"] in ("up", "running") for c in t["children"])
    wait_until(healed, 15, "every shard and consumer to run again")

    # Healed: every shard and consumer runs again (a command for a shard in
    # its restart is answered 503 at once), a fresh order goes through, and every order settles; none that
    # was accepted is lost, and the stock matches the placed ones exactly.
    o = shopper.post("/orders", {"product_id": pid, "qty": 1}, timeout=15)
    assert o.status == 201 and o.json["status"] == "placed", o
    accepted.append((o.json["id"], "placed"))
    # The entities are the truth: every accepted order is there.
    for oid, answered in accepted:
        now = shopper.get(f"/orders/{oid}")
        assert now.status == 200, (oid, now)
    # The view catches up (its projection may have just restarted).
    ids = {oid for oid, _ in accepted}
    def settled():
        orders = shopper.get("/orders?limit=100").json["items"]
        listed = {x["id"] for x in orders}
        done = all(x["status"] in ("placed", "rejected") for x in orders)
        return orders if done and ids <= listed else None
    orders = wait_until(settled, 20, "every order to settle in the view")
    by_id = {x["id"]: x for x in orders}
    for oid, answered in accepted:
        now = by_id[oid]["status"]
        # A placed order stays placed; a pending one settled either way.
        assert now == "placed" or (answered == "pending" and now == "rejected"), (oid, now)
    placed = sum(x["status"] == "placed" for x in orders)
    stock = node.client().get(f"/products/{pid}").json["stock"]
    assert stock == 100 - placed, (stock, placed)

def test_a_schedule_can_be_stopped_early_and_bad_plans_are_refused(node):
    admin = node.client(admin_token(node.client()))
    r = admin.post("/admin/chaos/schedule",
                   {"targets": ["shard"], "per_second": 1, "duration_s": 600})
    assert r.status == 202 and r.json["crashes"] == 600, r
    stopped = admin.request("DELETE", "/admin/chaos/schedule")
    assert stopped.status == 200 and stopped.json["status"] == "stopped", stopped
    assert stopped.json["crashed"] < 600
    assert admin.request("DELETE", "/admin/chaos/schedule").json["status"] == "idle"

    for plan, field in [({"targets": ["journal"], "per_second": 1, "duration_s": 1}, "target"),
                        ({"targets": ["entity"], "per_second": 1, "duration_s": 1}, "id"),
                        ({"targets": ["shard:999"], "per_second": 1, "duration_s": 1}, "id"),
                        ({"targets": ["projection:nope"], "per_second": 1, "duration_s": 1}, "id"),
                        ({"targets": ["shard"], "per_second": 0.1, "duration_s": 5}, "crash")]:
        r = admin.post("/admin/chaos/schedule", plan)
        assert r.status in (400, 404), r
        assert field in r.json["error"]["message"], r.json
    customer = node.client(customer_token(node.client(), "curious"))
    assert customer.post("/admin/chaos/schedule",
                         {"targets": ["shard"], "per_second": 1, "duration_s": 1}).status == 403


if __name__ == "__main__":
    run_tests([test_scheduled_crashes_heal_and_lose_no_order,
               test_a_schedule_can_be_stopped_early_and_bad_plans_are_refused])
