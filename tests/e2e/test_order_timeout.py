"""Scenario 12 of issue 3: an order whose stock step is held back times out
(`rejected`, reason `timeout`), and the reservation that lands later is
given back.

The stock step is held back with the chaos API, no test-only code: the
node runs with a restart budget of 1, so a second crash of the `order_saga`
consumer within the window parks it for the maximum backoff (15 s). The
order timeout is 1 s, so the sweeper rejects the order long before the saga
resumes and reserves."""

from mall_node import admin_token, customer_token, run_tests, wait_until

SAGA = "consumer-order_saga"


def find(tree, name):
    if tree.get("name") == name:
        return tree
    for child in tree.get("children", []):
        found = find(child, name)
        if found:
            return found
    return None


def saga_state(admin):
    node = find(admin.get("/admin/actors").json, SAGA)
    assert node is not None, "no order_saga consumer in the supervision tree"
    return node["status"], node["restarts"]


def crash_saga(admin):
    r = admin.post("/admin/chaos/crash", {"target": "projection", "id": "order_saga"})
    assert r.status == 200 and r.json["crashed"] == ["order_saga"], r


def test_a_held_back_reservation_times_out_and_is_given_back(node):
    admin = node.client(admin_token(node.client()))
    shopper = node.client(customer_token(node.client(), "slow_shopper"))
    pid = admin.post("/products", {"name": "Tea", "price": 500, "stock": 10}).json["id"]
    placed = shopper.post("/orders", {"product_id": pid, "qty": 1})
    assert placed.status == 201 and placed.json["status"] == "placed", placed
    # The product's journal position: it moves with every product event.
    product_position = node.client().get(f"/products/{pid}").header("X-Consistency-Token")
    assert product_position

    # First crash: restarted after the short backoff. Second crash inside the
    # budget window: the consumer waits the maximum backoff.
    crash_saga(admin)
    wait_until(lambda: saga_state(admin) == ("running", 1), 10, "the saga to restart once")
    crash_saga(admin)
    wait_until(lambda: saga_state(admin)[0] == "restarting", 5, "the saga to be parked")

    r = shopper.post("/orders", {"product_id": pid, "qty": 3}, timeout=10)
    assert r.status in (201, 202), r
    assert r.json["status"] == "pending", r.json
    oid = r.json["id"]

    def rejected():
        order = shopper.get(f"/orders/{oid}").json
        return order if order["status"] == "rejected" else None
    order = wait_until(rejected, 8, "the sweeper to reject the overdue order")
    assert order["reason"] == "timeout", order
    # The saga is still parked: nothing happened to the product yet.
    assert saga_state(admin)[0] == "restarting", "the saga resumed too early for this test"
    product = node.client().get(f"/products/{pid}")
    assert product.json["stock"] == 9
    assert product.header("X-Consistency-Token") == product_position

    # When the saga resumes it reserves for the rejected order (the late
    # reservation, StockDecreased), then reacts to the rejection by giving it
    # back (StockIncreased): the product moved on, its stock did not.
    def given_back():
        now = node.client().get(f"/products/{pid}")
        return now.header("X-Consistency-Token") != product_position and now.json["stock"] == 9
    wait_until(given_back, 30, "the late reservation to be made and given back")
    assert saga_state(admin)[0] == "running"
    assert shopper.get(f"/orders/{oid}").json["status"] == "rejected"
    # No delivery was started for it.
    assert shopper.get(f"/deliveries?order_id={oid}").json["items"] == []


if __name__ == "__main__":
    run_tests([test_a_held_back_reservation_times_out_and_is_given_back],
              extra_args=["--restart-budget", "1", "--restart-budget-window-s", "60",
                          "--restart-backoff-max-ms", "15000", "--order-timeout-s", "1",
                          "--order-reply-timeout-ms", "500"])
