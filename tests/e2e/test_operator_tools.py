"""Operator tooling: scripts/cluster.sh (`./mall cluster`) runs nodes in the
background on one database started by mall-db, restarts only a node that is
not running and stops everything; tools/mall_ctl.py (`./mall ctl`) reads the
cluster through the admin API.

Only processes this test started are signalled, by PID or process group.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from mall_node import ADMIN_PASSWORD, ADMIN_USER, Client, free_port, node_binary, wait_until

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLUSTER_SH = os.path.join(ROOT, "scripts", "cluster.sh")
MALL_CTL = os.path.join(ROOT, "tools", "mall_ctl.py")


def port_is_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_port_range(count, avoid=()):
    """A first port such that it and the next count-1 ports are free."""
    for _ in range(100):
        base = free_port()
        ports = range(base, base + count)
        if base + count <= 65535 and not set(ports) & set(avoid) \
                and all(port_is_free(p) for p in ports[1:]):
            return base
    raise AssertionError(f"found no {count} consecutive free ports")


def alive(pid):
    """A live process; a zombie (a stopped node nobody reaped yet) is gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        return False


class Cluster:
    """A cluster folder in /tmp driven through scripts/cluster.sh."""

    def __init__(self, node_bin, size):
        self.dir = tempfile.mkdtemp(prefix="mall-cluster-")
        # The database runs as an unprivileged user when we are root.
        os.chmod(self.dir, 0o755)
        build_dir = os.path.dirname(os.path.dirname(os.path.abspath(node_bin)))
        self.db_bin = os.path.join(build_dir, "tools", "mall-db")
        self.http_base = free_port_range(size)
        self.cluster_base = free_port_range(size, avoid=range(self.http_base,
                                                              self.http_base + size))
        self.env = dict(os.environ)
        self.env.update({
            "MALL_CLUSTER_DIR": self.dir,
            "MALL_NODE_BIN": os.path.abspath(node_bin),
            "MALL_DB_BIN": self.db_bin,
            "MALL_CLUSTER_HTTP_BASE": str(self.http_base),
            "MALL_CLUSTER_PORT_BASE": str(self.cluster_base),
            "MALL_ADMIN_USER": ADMIN_USER,
            "MALL_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "MALL_CLUSTER_READY_TIMEOUT_S": "90",
        })
        self.env.pop("MALL_TOKEN", None)
        self.started_pids = set()
        self.db_pids = set()

    # -- the tools -------------------------------------------------------------

    def script(self, *args, timeout=150):
        r = subprocess.run([CLUSTER_SH, *args], env=self.env, capture_output=True,
                           text=True, timeout=timeout)
        self._note_pids()
        return r

    def up(self, count):
        r = self.script("up", str(count))
        assert r.returncode == 0, f"up {count} exited {r.returncode}:\n{r.stdout}{r.stderr}"
        return r

    def ctl(self, *args, node=1, env=None):
        full_env = dict(self.env, MALL_URL=f"http://127.0.0.1:{self.http_port(node)}")
        full_env.update(env or {})
        return subprocess.run([sys.executable, MALL_CTL, *args], env=full_env,
                              capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL)

    def members(self, node=1):
        r = self.ctl("members", "--json", node=node)
        assert r.returncode == 0, r
        return {m["node_id"]: m for m in json.loads(r.stdout)}

    # -- what they leave behind ------------------------------------------------

    def http_port(self, node):
        return self.http_base + node - 1

    def node_pid(self, node):
        try:
            with open(os.path.join(self.dir, f"node-{node}", "pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def db_pid(self):
        try:
            with open(os.path.join(self.dir, "db", "pg", "data", "postmaster.pid")) as f:
                return int(f.readline().strip())
        except (OSError, ValueError):
            return None

    def ready(self, node):
        try:
            c = Client(self.http_port(node))
            r = c.get("/health/ready", timeout=2)
            c.close()
            return r.status == 200
        except OSError:
            return False

    def _note_pids(self):
        for entry in os.listdir(self.dir):
            if entry.startswith("node-"):
                pid = self.node_pid(int(entry[len("node-"):]))
                if pid:
                    self.started_pids.add(pid)
        if self.db_pid():
            self.db_pids.add(self.db_pid())

    def cleanup(self):
        try:
            r = self.script("down", timeout=120)
            if r.returncode != 0:
                print(f"cleanup: down exited {r.returncode}:\n{r.stdout}{r.stderr}",
                      file=sys.stderr)
        except Exception as e:  # still kill what we started
            print(f"cleanup: down failed: {e}", file=sys.stderr)
        for pid in self.started_pids:
            if alive(pid):
                try:
                    os.killpg(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        for pid in self.db_pids:  # the database outlives its nodes
            if alive(pid):
                try:
                    os.kill(pid, signal.SIGQUIT)
                    wait_until(lambda: not alive(pid), 20, "the database to stop")
                except (OSError, AssertionError):
                    pass
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_tails(self, n=40):
        out = []
        for entry in sorted(os.listdir(self.dir)):
            log = os.path.join(self.dir, entry, "node.log")
            if os.path.exists(log):
                with open(log, errors="replace") as f:
                    out.append(f"--- {log} ---\n" + "".join(f.readlines()[-n:]))
        return "\n".join(out)


# -- tests -------------------------------------------------------------------------


def test_one_node_up_killed_restarted_and_down(cluster):
    cluster.up(1)
    assert cluster.ready(1)
    first_pid = cluster.node_pid(1)
    db_pid = cluster.db_pid()
    assert first_pid and alive(first_pid), first_pid
    assert db_pid and alive(db_pid), db_pid
    for name in ("jwt-secret",):
        assert os.path.getsize(os.path.join(cluster.dir, name)) > 0, name
    assert not os.path.exists(os.path.join(cluster.dir, "admin-password"))

    # ./mall ctl sees the node through the admin API.
    members = cluster.members()
    assert members["node-1"]["status"] == "up", members
    r = cluster.ctl("status")
    assert r.returncode == 0, r
    assert "node-1" in r.stdout and "ready" in r.stdout, r.stdout
    r = cluster.ctl("shards")
    assert r.returncode == 0, r
    assert "node-1" in r.stdout, r.stdout
    r = cluster.ctl("shards", "--json")
    owners = json.loads(r.stdout)["owners"]
    assert set(owners.values()) == {"node-1"}, owners
    # API errors print as `error <code>: <message>` and exit 1.
    r = cluster.ctl("members", env={"MALL_TOKEN": "not-a-token"})
    assert r.returncode == 1 and r.stderr.startswith("error unauthorized: "), r
    r = cluster.ctl("crash", "nothing")
    assert r.returncode == 1 and r.stderr.startswith("error invalid_input: "), r
    r = cluster.ctl("crash", "shard", "3")
    assert r.returncode == 0 and "shard-3" in r.stdout, r
    r = cluster.ctl("chaos", "schedule", "--targets", "shard:5", "--per-second", "1",
                    "--duration-s", "600")
    assert r.returncode == 0 and "600 crashes" in r.stdout, r
    r = cluster.ctl("chaos", "status")
    assert r.returncode == 0 and r.stdout.startswith("chaos running: "), r
    r = cluster.ctl("chaos", "stop")
    assert r.returncode == 0 and "stopped after" in r.stdout, r
    r = cluster.ctl("chaos", "schedule", "--targets", "kernel", "--per-second", "1",
                    "--duration-s", "1")
    assert r.returncode == 1 and r.stderr.startswith("error invalid_input: "), r
    r = cluster.ctl("no-such-command")
    assert r.returncode == 2, r

    r = cluster.script("status")
    assert r.returncode == 0, r
    assert "node-1" in r.stdout and "ready" in r.stdout and "database running" in r.stdout, r

    # Run again with everything running, up starts nothing.
    cluster.up(1)
    assert cluster.node_pid(1) == first_pid

    # A crashed node is started again, the database is left as it is.
    os.kill(first_pid, signal.SIGKILL)
    wait_until(lambda: not alive(first_pid), 10, "node-1 to die")
    r = cluster.script("status")
    assert r.returncode == 1 and "stopped" in r.stdout, r
    cluster.up(1)
    second_pid = cluster.node_pid(1)
    assert second_pid and second_pid != first_pid and alive(second_pid), second_pid
    assert cluster.ready(1)
    assert cluster.db_pid() == db_pid
    assert cluster.members()["node-1"]["status"] == "up"

    # down: every node and the database are gone.
    r = cluster.script("down")
    assert r.returncode == 0, r
    wait_until(lambda: not alive(second_pid), 10, "node-1 to be gone")
    assert cluster.node_pid(1) is None
    wait_until(lambda: not alive(db_pid), 10, "the database to be gone")
    assert cluster.db_pid() is None
    r = subprocess.run([cluster.db_bin, "url", os.path.join(cluster.dir, "db")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and r.stdout == "", r
    # A second down has nothing left to do.
    r = cluster.script("down")
    assert r.returncode == 0, r


def test_two_nodes_share_the_database(cluster):
    cluster.up(2)
    assert cluster.ready(1) and cluster.ready(2)
    for node in (1, 2):
        members = cluster.members(node)
        assert members["node-1"]["status"] == "up", members
        assert members["node-2"]["status"] == "up", members
    # One admin account and one token secret for the whole cluster.
    r = cluster.ctl("members", node=2, env={"MALL_TOKEN": login(cluster, 1)})
    assert r.returncode == 0, r
    r = cluster.script("down")
    assert r.returncode == 0, r


def login(cluster, node):
    c = Client(cluster.http_port(node))
    r = c.post("/auth/token", {"username": ADMIN_USER, "password": ADMIN_PASSWORD})
    c.close()
    assert r.status == 200, r
    return r.json["access_token"]


def main():
    node_bin = node_binary()
    tests = [(test_one_node_up_killed_restarted_and_down, 1),
             (test_two_nodes_share_the_database, 2)]
    failed = False
    for test, size in tests:
        cluster = Cluster(node_bin, size)
        start = time.monotonic()
        try:
            test(cluster)
            print(f"ok   {test.__name__} ({time.monotonic() - start:.2f}s)", flush=True)
        except Exception:
            failed = True
            print(f"FAIL {test.__name__}", flush=True)
            print(cluster.log_tails(), file=sys.stderr)
            raise
        finally:
            cluster.cleanup()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
