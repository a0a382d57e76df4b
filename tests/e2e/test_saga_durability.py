"""The saga survives a SIGKILL of the node with many orders in flight
(scenario 11 of issue 3)."""
import sys
import threading

from mall_node import Node, admin_token, customer_token, node_binary, wait_until

TERMINAL_OR_VALID = {"placed", "rejected", "cancelled", "delivered"}


def place_orders(node, token, pid, stop, acked):
    client = node.client(token)
    while not stop.is_set():
        try:
            r = client.post("/orders", {"product_id": pid, "qty": 1}, timeout=5)
        except OSError:
            return
        if r.status in (200, 201):
            acked.append(r.json["id"])


def check_saga_survives_sigkill(node):
    admin = node.client(admin_token(node.client()))
    token = customer_token(node.client(), "crash_shopper")
    pid = admin.post("/products", {"name": "Salt", "price": 10, "stock": 100000}).json["id"]
    acked, stop = [], threading.Event()
    threads = [threading.Thread(target=place_orders, args=(node, token, pid, stop, acked)) for _ in range(8)]
    for t in threads:
        t.start()
    wait_until(lambda: len(acked) >= 200, 60, "200 acknowledged orders")
    node.kill()
    stop.set()
    for t in threads:
        t.join(timeout=30)
    print(f"acknowledged {len(acked)} orders before SIGKILL", flush=True)

    node.start()
    customer = node.client(token)
    admin = node.client(admin_token(node.client()))

    def all_settled():
        statuses = [customer.get(f"/orders/{oid}").json["status"] for oid in acked]
        return all(s in TERMINAL_OR_VALID for s in statuses)
    wait_until(all_settled, 60, "every acknowledged order to leave pending")

    # Every order the journal knows (not only the acknowledged ones) settles,
    # and stock = initial - quantities of the live (placed) orders.
    def listed_orders():
        items, cursor = [], None
        while True:
            path = "/orders?limit=100" + (f"&cursor={cursor}" if cursor else "")
            page = admin.get(path).json
            items += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                return items

    def consistent():
        items = listed_orders()
        if any(o["status"] == "pending" for o in items):
            return False
        placed = sum(o["qty"] for o in items if o["status"] in ("placed", "delivered"))
        stock = node.client().get(f"/products/{pid}").json["stock"]
        return stock == 100000 - placed and set(acked) <= {o["id"] for o in items}
    wait_until(consistent, 60, "stock to equal initial minus live orders")

    # One delivery per placed order, never two.
    for oid in acked[:50]:
        deliveries = customer.get(f"/deliveries?order_id={oid}").json["items"]
        assert len(deliveries) <= 1, deliveries
    print("ok   saga settled every order after SIGKILL, stock consistent", flush=True)


def main():
    binary = node_binary()
    node = Node(binary)
    try:
        node.start()
        check_saga_survives_sigkill(node)
    except Exception:
        print("--- node log tail ---\n" + node.log_tail(), file=sys.stderr)
        raise
    finally:
        node.cleanup()


if __name__ == "__main__":
    main()
