"""Every acknowledged write survives a SIGKILL of the node at a random moment."""
import random
import sys
import threading
import time

from mall_node import Node, admin_token, node_binary


def writer(node, token, acked, stop, index):
    client = node.client(token)
    while not stop.is_set():
        try:
            r = client.post("/products", {"name": f"w{index}", "price": 1, "stock": 0}, timeout=5)
        except OSError:
            return  # the node is gone
        if r.status == 201:
            pid = r.json["id"]
            acked.append(pid)
            try:
                r = client.post(f"/products/{pid}/restock", {"qty": 3}, timeout=5)
            except OSError:
                return
            if r.status == 200:
                acked.append((pid, r.json["stock"]))


def main():
    rng = random.Random()
    node = Node(node_binary())
    try:
        node.start()
        token = admin_token(node.client())
        acked, stop = [], threading.Event()
        threads = [threading.Thread(target=writer, args=(node, token, acked, stop, i)) for i in range(8)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(1.0, 3.0))  # load for a random while, then crash
        node.kill()
        stop.set()
        for t in threads:
            t.join(timeout=30)
        created = [a for a in acked if isinstance(a, str)]
        restocked = dict(a for a in acked if isinstance(a, tuple))
        print(f"acknowledged: {len(created)} creates, {len(restocked)} restocks before SIGKILL")
        assert len(created) > 0, "no write was acknowledged before the kill"

        node.start()  # same data folder: the embedded database is recovered
        client = node.client()
        for pid in created:
            r = client.get(f"/products/{pid}")
            assert r.status == 200, (pid, r)
            if pid in restocked:
                assert r.json["stock"] >= restocked[pid], (pid, r)
        print("ok   every acknowledged write survived")
    except Exception:
        print("--- node log tail ---\n" + node.log_tail(), file=sys.stderr)
        raise
    finally:
        node.cleanup()


if __name__ == "__main__":
    main()
