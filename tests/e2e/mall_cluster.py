"""Harness for multi-process cluster tests: several mall-node processes on
loopback sharing one PostgreSQL (started by mall-db), a load generator that
records every answer, and helpers to find where an entity lives.

Only processes started here are ever signalled, by PID or process group.
"""
import os
import secrets
import signal
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from mall_node import Client, Node, admin_token, free_port, wait_until

SHARD_COUNT = 64  # cluster.conf's default


def shard_of(entity_type, entity_id, shard_count=SHARD_COUNT):
    """The shard of an entity, as entity_router::shard_for computes it."""
    h = 14695981039346656037
    for byte in f"{entity_type}|{entity_id}".encode():
        h ^= byte
        h = (h * 1099511628211) % (1 << 64)
    return h % shard_count


class LocalCluster:
    """N nodes (node-1..node-N) on one shared database in a temp folder."""

    def __init__(self, node_bin, size, extra_args=(), keep_logs_in=None):
        self.node_bin = node_bin
        # A folder to copy the node logs to before cleanup (benchmarks).
        self.keep_logs_in = keep_logs_in
        self.dir = tempfile.mkdtemp(prefix="mall-cluster-")
        # The database runs as an unprivileged user when we are root.
        os.chmod(self.dir, 0o755)
        build_dir = os.path.dirname(os.path.dirname(os.path.abspath(node_bin)))
        self.db_bin = os.path.join(build_dir, "tools", "mall-db")
        self.db_dir = os.path.join(self.dir, "db")
        os.makedirs(self.db_dir)
        os.chmod(self.db_dir, 0o755)
        out = subprocess.run([self.db_bin, "start", self.db_dir], check=True,
                             capture_output=True, text=True, timeout=120)
        self.db_url = out.stdout.strip()
        self.env = {"MALL_JWT_SECRET": secrets.token_hex(32)}
        self.extra_args = ["--rate-limit-per-s", "1000000",
                           "--rate-limit-burst", "1000000"] + list(extra_args)
        self.cluster_ports = [free_port() for _ in range(size)]
        self.nodes = [self._node(i) for i in range(size)]

    def _node(self, i):
        data_dir = os.path.join(self.dir, f"node-{i + 1}")
        os.makedirs(data_dir, exist_ok=True)
        seeds = [f"127.0.0.1:{p}" for p in self.cluster_ports]
        node = Node(self.node_bin, data_dir=data_dir, env=self.env, seeds=seeds,
                    cluster_port=self.cluster_ports[i],
                    extra_args=["--node-id", f"node-{i + 1}", "--db", self.db_url]
                    + self.extra_args)
        node.node_id = f"node-{i + 1}"
        return node

    def add_node(self):
        """A new node (not started), seeded with every known cluster port."""
        self.cluster_ports.append(free_port())
        node = self._node(len(self.nodes))
        self.nodes.append(node)
        return node

    def start(self):
        for node in self.nodes:
            node.start()
        self.wait_settled()
        return self

    def live_nodes(self):
        return [n for n in self.nodes if n.proc and n.proc.poll() is None]

    def view(self, node=None):
        node = node or self.live_nodes()[0]
        c = node.client(admin_token(node.client()))
        r = c.get("/admin/cluster")
        assert r.status == 200, r
        return r.json

    def wait_settled(self, timeout_s=30, members=None):
        """Until every shard is owned by an up member and the up members are
        exactly `members` (default: the live nodes)."""
        expected = set(members or [n.node_id for n in self.live_nodes()])

        def settled():
            try:
                view = self.view()
            except (AssertionError, OSError):
                return None
            up = {m["node_id"] for m in view["members"] if m["status"] == "up"}
            owners = view["shards"]["owners"]
            if up != expected or len(owners) != SHARD_COUNT:
                return None
            if set(owners.values()) != expected:
                return None
            return view
        return wait_until(settled, timeout_s, f"the shards to settle on {sorted(expected)}")

    def owner_of(self, entity_type, entity_id, view=None):
        view = view or self.view()
        return view["shards"]["owners"][str(shard_of(entity_type, entity_id))]

    def node(self, node_id):
        return next(n for n in self.nodes if n.node_id == node_id)

    def conflicts(self):
        """Journal conflicts counted by every live node (GET /metrics)."""
        total = 0
        for node in self.live_nodes():
            c = node.client(admin_token(node.client()))
            r = c.get("/metrics")
            assert r.status == 200, r
            for line in r.body.splitlines():
                if line.startswith("mall_journal_conflicts_total "):
                    total += int(float(line.split()[1]))
        return total

    def log_tails(self):
        return "\n".join(f"--- {n.node_id} ---\n{n.log_tail(40)}" for n in self.nodes)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        """Prints the node logs if the block failed; always cleans up."""
        if exc_type is not None:
            print(self.log_tails(), file=sys.stderr)
        self.cleanup()
        return False

    def _keep_logs(self):
        os.makedirs(self.keep_logs_in, exist_ok=True)
        for node in self.nodes:
            try:
                shutil.copy(node.log_path,
                            os.path.join(self.keep_logs_in, f"{node.node_id}.log"))
            except OSError as e:
                print(f"cannot keep the log of {node.node_id}: {e}")
        print(f"node logs kept in {self.keep_logs_in}")

    def cleanup(self):
        if self.keep_logs_in:
            self._keep_logs()
        for node in self.live_nodes():  # a frozen node cannot stop
            try:
                node.proc.send_signal(signal.SIGCONT)
            except ProcessLookupError:
                pass
        for node in self.nodes:
            try:
                node.cleanup()
            except Exception as e:  # keep cleaning up the others
                print(f"cleanup of {node.node_id}: {e}")
        subprocess.run([self.db_bin, "stop", self.db_dir], capture_output=True,
                       timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)


class RestockLoad:
    """Threads that restock products by 1 through the given nodes and record
    every answer: (product id, status, monotonic time)."""

    def __init__(self, cluster, token, product_ids, nodes, threads=4):
        self.cluster = cluster
        self.token = token
        self.product_ids = list(product_ids)
        self.nodes = list(nodes)
        self.results = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(k,), daemon=True)
                        for k in range(threads)]

    def _run(self, k):
        clients = [n.client(self.token) for n in self.nodes]
        i = k
        while not self.stopping.is_set():
            pid = self.product_ids[i % len(self.product_ids)]
            client = clients[i % len(clients)]
            i += 1
            try:
                r = client.post(f"/products/{pid}/restock", {"qty": 1}, timeout=15)
                status = r.status
            except OSError:
                status = 0  # the connection failed: the node we asked is gone
            with self.lock:
                self.results.append((pid, status, time.monotonic()))

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=30)

    def ok_counts(self):
        counts = {}
        for pid, status, _ in self.results:
            if status == 200:
                counts[pid] = counts.get(pid, 0) + 1
        return counts

    def failures(self):
        return [(pid, status) for pid, status, _ in self.results if status != 200]

    def wait_for_successes(self, n, timeout_s=30):
        start = len([1 for _, s, _ in self.results if s == 200])
        wait_until(lambda: len([1 for _, s, _ in self.results if s == 200]) >= start + n,
                   timeout_s, f"{n} more successful restocks")


def create_products(client, count, stock=100):
    ids = []
    for i in range(count):
        r = client.post("/products", {"name": f"cluster product {i}", "price": 1000,
                                      "stock": stock})
        assert r.status == 201, r
        ids.append(r.json["id"])
    return ids


def check_every_write_survived(client, load, initial_stock, exact=True):
    """Every 2xx restock is in the product's stock; with `exact`, no other
    write happened either (no failed request was applied behind our back)."""
    ok = load.ok_counts()
    for pid in load.product_ids:
        r = client.get(f"/products/{pid}")
        assert r.status == 200, r
        expected = initial_stock + ok.get(pid, 0)
        stock = r.json["stock"]
        if exact:
            assert stock == expected, (pid, stock, expected)
        else:
            unknown = len([1 for p, s, _ in load.results if p == pid and s != 200])
            assert expected <= stock <= expected + unknown, (pid, stock, expected, unknown)
