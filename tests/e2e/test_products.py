"""Products over HTTP against a real node: CRUD, restock, roles."""
from mall_node import admin_token, customer_token, run_tests, wait_until


def test_admin_creates_reads_updates_and_restocks_a_product(node):
    admin = node.client(admin_token(node.client()))
    r = admin.post("/products", {"name": "Kimchi", "price": 15000, "stock": 10})
    assert r.status == 201, r
    product = r.json
    assert set(product) == {"id", "name", "price", "stock"}, product
    assert (product["name"], product["price"], product["stock"]) == ("Kimchi", 15000, 10)
    assert r.header("X-Consistency-Token"), r.headers
    pid = product["id"]

    r = node.client().get(f"/products/{pid}")
    assert r.status == 200 and r.json == product, r

    r = admin.patch(f"/products/{pid}", {"price": 16000})
    assert r.status == 200 and r.json["price"] == 16000 and r.json["name"] == "Kimchi", r
    r = admin.patch(f"/products/{pid}", {"name": "  Mild kimchi  "})
    assert r.status == 200 and r.json["name"] == "Mild kimchi", r

    r = admin.post(f"/products/{pid}/restock", {"qty": 5})
    assert r.status == 200 and r.json["stock"] == 15, r
    r = node.client().get(f"/products/{pid}")
    assert r.json == {"id": pid, "name": "Mild kimchi", "price": 16000, "stock": 15}, r


def test_product_list_shows_created_products(node):
    admin = node.client(admin_token(node.client()))
    ids = [admin.post("/products", {"name": f"Tea {i}", "price": 100 * i, "stock": i}).json["id"]
           for i in range(3)]

    def listed():
        r = node.client().get("/products?limit=100")
        assert r.status == 200, r
        assert r.json["next_cursor"] is None or isinstance(r.json["next_cursor"], str)
        seen = {p["id"] for p in r.json["items"]}
        return set(ids) <= seen

    wait_until(listed, 10, "new products in the list")


def test_product_list_paginates_with_cursor(node):
    admin = node.client(admin_token(node.client()))
    created = [admin.post("/products", {"name": f"Page {i}", "price": 1, "stock": 1}) for i in range(5)]
    assert all(r.status == 201 for r in created), created
    # The token of the last write makes every read below include all five.
    consistent = {"X-Consistency-Token": created[-1].header("X-Consistency-Token")}
    everything = node.client().get("/products?limit=100", headers=consistent).json["items"]
    assert {r.json["id"] for r in created} <= {p["id"] for p in everything}
    collected, cursor = [], None
    while True:
        path = "/products?limit=2" + (f"&cursor={cursor}" if cursor else "")
        r = node.client().get(path, headers=consistent)
        assert r.status == 200 and len(r.json["items"]) <= 2, r
        assert r.header("X-Consistency") != "stale", r.headers
        collected += r.json["items"]
        cursor = r.json["next_cursor"]
        if cursor is None:
            break
    assert [p["id"] for p in collected] == [p["id"] for p in everything]


def test_unknown_product_is_404(node):
    for path in ["/products/p_0000000000000000", "/products/nope", "/products/%00"]:
        r = node.client().get(path)
        assert r.status == 404 and r.json["error"]["code"] == "not_found", (path, r)


def test_customers_and_strangers_cannot_change_products(node):
    customer = node.client(customer_token(node.client(), "prod_customer"))
    r = customer.post("/products", {"name": "x", "price": 1, "stock": 1})
    assert r.status == 403 and r.json["error"]["code"] == "forbidden", r
    r = node.client().post("/products", {"name": "x", "price": 1, "stock": 1})
    assert r.status == 401 and r.json["error"]["code"] == "unauthorized", r


if __name__ == "__main__":
    run_tests([
        test_admin_creates_reads_updates_and_restocks_a_product,
        test_product_list_shows_created_products,
        test_product_list_paginates_with_cursor,
        test_unknown_product_is_404,
        test_customers_and_strangers_cannot_change_products,
    ])
