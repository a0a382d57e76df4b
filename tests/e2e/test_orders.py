"""The order saga over HTTP against a real node (API.md "Orders", "Deliveries",
"My page"): placement, rejection, cancellation, deliveries, idempotency,
ownership, redelivery and read-model rebuilds."""
import threading

from mall_node import admin_token, customer_token, run_tests, wait_until


class Shop:
    """Clients for one admin and two customers of a node."""

    def __init__(self, node):
        self.node = node
        self.admin = node.client(admin_token(node.client()))
        Shop.count = getattr(Shop, "count", 0) + 1
        self.alice = node.client(customer_token(node.client(), f"alice_{Shop.count}"))
        self.bob = node.client(customer_token(node.client(), f"bob_{Shop.count}"))

    def product(self, stock, price=1000):
        r = self.admin.post("/products", {"name": "Rice", "price": price, "stock": stock})
        assert r.status == 201, r
        return r.json["id"]

    def stock(self, pid):
        return self.node.client().get(f"/products/{pid}").json["stock"]

    def order(self, client, pid, qty, **kw):
        return client.post("/orders", {"product_id": pid, "qty": qty}, **kw)

    def delivery_of(self, client, order_id):
        r = client.get(f"/deliveries?order_id={order_id}")
        assert r.status == 200, r
        return r.json["items"]


def test_happy_path_places_and_starts_a_delivery(node):
    shop = Shop(node)
    pid = shop.product(10)
    r = shop.order(shop.alice, pid, 3)
    assert r.status == 201 and r.json["status"] == "placed", r
    order = r.json
    assert order["total"] == 3000 and order["unit_price"] == 1000 and order["product_name"] == "Rice"
    assert order["reason"] is None
    assert shop.stock(pid) == 7
    wait_until(lambda: shop.alice.get(f"/orders/{order['id']}").json["delivery_id"], 10, "delivery id")
    deliveries = shop.delivery_of(shop.alice, order["id"])
    assert len(deliveries) == 1 and deliveries[0]["status"] == "started", deliveries
    token = r.header("X-Consistency-Token")
    page = shop.alice.get("/mypage", headers={"X-Consistency-Token": token})
    assert page.status == 200, page
    row = [o for o in page.json["orders"] if o["order_id"] == order["id"]][0]
    assert row["order_status"] == "placed", row


def test_cancel_gives_stock_back_and_cancels_the_delivery(node):
    shop = Shop(node)
    pid = shop.product(10)
    order = shop.order(shop.alice, pid, 4).json
    wait_until(lambda: shop.alice.get(f"/orders/{order['id']}").json["delivery_id"], 10, "delivery")
    r = shop.alice.post(f"/orders/{order['id']}/cancel")
    assert r.status == 200 and r.json["status"] == "cancelled", r
    wait_until(lambda: shop.stock(pid) == 10, 10, "stock given back")
    wait_until(lambda: shop.delivery_of(shop.alice, order["id"])[0]["status"] == "cancelled", 10, "delivery cancelled")
    again = shop.alice.post(f"/orders/{order['id']}/cancel")
    assert again.status == 200 and again.json["status"] == "cancelled", again
    assert shop.stock(pid) == 10

    def page_shows_cancel():
        rows = shop.alice.get("/mypage").json["orders"]
        row = [o for o in rows if o["order_id"] == order["id"]][0]
        return row["order_status"] == "cancelled" and row["delivery_status"] == "cancelled"
    wait_until(page_shows_cancel, 10, "my page shows the cancel")


def test_too_much_is_rejected_and_exact_stock_empties_it(node):
    shop = Shop(node)
    pid = shop.product(5)
    r = shop.order(shop.alice, pid, 6)
    assert r.status == 201 and r.json["status"] == "rejected", r
    assert r.json["reason"] == "insufficient_stock" and r.json["delivery_id"] is None, r
    assert shop.stock(pid) == 5
    r = shop.order(shop.alice, pid, 5)
    assert r.json["status"] == "placed", r
    assert shop.stock(pid) == 0
    r = shop.order(shop.bob, pid, 1)
    assert r.json["status"] == "rejected", r
    r = shop.alice.post(f"/orders/{r.json['id']}/cancel")
    assert r.status == 404, r  # not alice's order
    r = shop.bob.post(f"/orders/{shop.order(shop.bob, pid, 1).json['id']}/cancel")
    assert r.status == 409 and r.json["error"]["code"] == "not_cancellable", r


def test_fifty_concurrent_orders_for_ten_items(node):
    shop = Shop(node)
    pid = shop.product(10)
    token = shop.alice.token
    results = []

    def one():
        c = node.client(token)
        results.append(shop.order(c, pid, 1).json["status"])
    threads = [threading.Thread(target=one) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("placed") == 10 and results.count("rejected") == 40, results
    assert shop.stock(pid) == 0


def test_bad_orders_are_precise_4xx_and_create_nothing(node):
    shop = Shop(node)
    pid = shop.product(3)
    r = shop.order(shop.alice, "p_0000000000000000", 1)
    assert r.status == 404 and r.json["error"]["code"] == "unknown_product", r
    for qty in [0, -1, 1.5, "2", None, 10**30, 1001]:
        r = shop.order(shop.alice, pid, qty)
        assert r.status == 400 and r.json["error"]["code"] == "invalid_input", (qty, r)
    r = shop.alice.post("/orders", {"qty": 1})
    assert r.status == 400 and "product_id" in r.json["error"]["message"], r
    r = shop.alice.post("/orders", {"product_id": pid, "qty": 1, "user_id": "u_x"})
    assert r.status == 400, r
    r = shop.admin.post("/orders", {"product_id": pid, "qty": 1})
    assert r.status == 403, r
    assert shop.stock(pid) == 3
    assert shop.alice.get("/orders").json["items"] == []


def test_completing_a_delivery_delivers_the_order(node):
    shop = Shop(node)
    pid = shop.product(2)
    order = shop.order(shop.alice, pid, 1).json
    wait_until(lambda: shop.alice.get(f"/orders/{order['id']}").json["delivery_id"], 10, "delivery")
    did = shop.alice.get(f"/orders/{order['id']}").json["delivery_id"]
    r = shop.alice.post(f"/deliveries/{did}/complete")
    assert r.status == 403, r
    r = shop.admin.post(f"/deliveries/{did}/complete")
    assert r.status == 200 and r.json["status"] == "completed", r
    wait_until(lambda: shop.alice.get(f"/orders/{order['id']}").json["status"] == "delivered", 10, "delivered")
    r = shop.alice.post(f"/orders/{order['id']}/cancel")
    assert r.status == 409 and r.json["error"]["code"] == "not_cancellable", r


def test_idempotency_key_returns_the_first_order(node):
    shop = Shop(node)
    pid = shop.product(10)
    key = {"Idempotency-Key": "k-123"}
    first = shop.order(shop.alice, pid, 2, headers=key)
    assert first.status == 201, first
    again = shop.order(shop.alice, pid, 2, headers=key)
    assert again.status == 200 and again.json["id"] == first.json["id"], again
    other = shop.order(shop.alice, pid, 3, headers=key)
    assert other.status == 409 and other.json["error"]["code"] == "idempotency_key_reused", other
    bobs = shop.order(shop.bob, pid, 2, headers=key)
    assert bobs.status == 201 and bobs.json["id"] != first.json["id"], bobs
    answers = []

    def one():
        answers.append(shop.order(node.client(shop.alice.token), pid, 1, headers={"Idempotency-Key": "same"}).json["id"])
    threads = [threading.Thread(target=one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(answers)) == 1, answers
    assert shop.stock(pid) == 10 - 2 - 2 - 1


def test_other_customers_see_404_and_admin_sees_all(node):
    shop = Shop(node)
    pid = shop.product(5)
    order = shop.order(shop.alice, pid, 1).json
    wait_until(lambda: shop.alice.get(f"/orders/{order['id']}").json["delivery_id"], 10, "delivery")
    did = shop.alice.get(f"/orders/{order['id']}").json["delivery_id"]
    assert shop.bob.get(f"/orders/{order['id']}").status == 404
    assert shop.bob.get(f"/deliveries/{did}").status == 404
    assert shop.bob.get(f"/deliveries?order_id={order['id']}").json["items"] == []
    assert order["id"] not in [o["order_id"] for o in shop.bob.get("/mypage").json["orders"]]
    assert shop.admin.get(f"/orders/{order['id']}").status == 200
    assert shop.admin.get(f"/deliveries/{did}").status == 200
    wait_until(lambda: order["id"] in [o["id"] for o in shop.admin.get("/orders?limit=100").json["items"]], 10, "admin list")
    assert shop.admin.get("/mypage").status == 403


def test_redelivered_events_change_nothing(node):
    shop = Shop(node)
    pid = shop.product(10)
    order = shop.order(shop.alice, pid, 2).json
    wait_until(lambda: shop.alice.get(f"/orders/{order['id']}").json["delivery_id"], 10, "delivery")
    r = shop.admin.post("/admin/consumers/order_saga/rewind")
    assert r.status == 202, r
    # A marker order placed after the rewind proves the saga has replayed past ours.
    marker = shop.order(shop.alice, pid, 1).json
    assert marker["status"] == "placed", marker
    assert shop.stock(pid) == 7
    assert len(shop.delivery_of(shop.alice, order["id"])) == 1


def test_rebuilt_my_page_equals_the_live_one(node):
    shop = Shop(node)
    pid = shop.product(10)
    ids = [shop.order(shop.alice, pid, qty).json["id"] for qty in (1, 2, 3)]
    # Let the saga finish (deliveries assigned) so the live view is final.
    for oid in ids:
        wait_until(lambda: shop.alice.get(f"/orders/{oid}").json["delivery_id"], 10, "delivery")
    token = shop.alice.get(f"/orders/{ids[-1]}").header("X-Consistency-Token")

    def live_page_final():
        page = shop.alice.get("/mypage", headers={"X-Consistency-Token": token}).json
        rows = [o for o in page["orders"] if o["order_id"] in ids]
        return page if all(o["delivery_status"] == "started" for o in rows) else None
    before = wait_until(live_page_final, 10, "live my page with every delivery")
    r = shop.admin.post("/admin/projections/orders/rebuild")
    assert r.status == 202, r
    wait_until(lambda: shop.alice.get("/mypage").json == before, 15, "rebuilt my page equal to the live one")


def test_consistency_token_shows_a_just_placed_order(node):
    shop = Shop(node)
    pid = shop.product(50)
    for _ in range(10):
        r = shop.order(shop.alice, pid, 1)
        page = shop.alice.get("/mypage", headers={"X-Consistency-Token": r.header("X-Consistency-Token")})
        assert r.json["id"] in [o["order_id"] for o in page.json["orders"]], page
    r = shop.alice.get("/mypage", headers={"X-Consistency-Token": "garbage"})
    assert r.status == 400 and r.json["error"]["code"] == "invalid_consistency_token", r


if __name__ == "__main__":
    run_tests([
        test_happy_path_places_and_starts_a_delivery,
        test_cancel_gives_stock_back_and_cancels_the_delivery,
        test_too_much_is_rejected_and_exact_stock_empties_it,
        test_fifty_concurrent_orders_for_ten_items,
        test_bad_orders_are_precise_4xx_and_create_nothing,
        test_completing_a_delivery_delivers_the_order,
        test_idempotency_key_returns_the_first_order,
        test_other_customers_see_404_and_admin_sees_all,
        test_redelivered_events_change_nothing,
        test_rebuilt_my_page_equals_the_live_one,
        test_consistency_token_shows_a_just_placed_order,
    ])
