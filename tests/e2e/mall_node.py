"""Harness for end-to-end tests: real node processes on loopback, each with
its own embedded PostgreSQL in a throw-away folder, and a small HTTP client.

Only processes started here are ever signalled, by PID or process group.
"""
import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ADMIN_USER = "admin"
ADMIN_PASSWORD = "admin-password-for-tests"


def node_binary():
    parser = argparse.ArgumentParser()
    parser.add_argument("--node", required=True, help="path to mall-node")
    args, _ = parser.parse_known_args()
    return args.node


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, timeout_s, what):
    """Polls `condition` until it returns a truthy value or the deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(0.02)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def json(self):
        return json.loads(self.body) if self.body else None

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


class Client:
    """One keep-alive connection to a node."""

    def __init__(self, port, token=None):
        self.port = port
        self.token = token
        self.conn = None

    def request(self, method, path, body=None, headers=None, raw=None, timeout=30):
        hdrs = {}
        if self.token:
            hdrs["Authorization"] = f"Bearer {self.token}"
        data = None
        if raw is not None:
            data = raw
        elif body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        hdrs.update(headers or {})
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            try:
                self.conn.request(method, path, body=data, headers=hdrs)
                r = self.conn.getresponse()
                payload = r.read().decode()
                result = Response(r.status, {k.lower(): v for k, v in r.getheaders()}, payload)
                if r.getheader("Connection", "").lower() == "close":
                    self.close()
                return result
            except (ConnectionError, http.client.HTTPException, socket.timeout):
                self.close()
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body=body, **kw)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Node:
    """A mall-node process with its own data folder (and embedded database)."""

    def __init__(self, binary, data_dir=None, extra_args=(), env=None, seeds=None,
                 http_port=None, cluster_port=None):
        self.binary = binary
        self.own_dir = data_dir is None
        if data_dir is None:
            data_dir = tempfile.mkdtemp(prefix="mall-e2e-")
        # The embedded database runs as an unprivileged user when we are root:
        # it must be able to traverse the folder (mkdtemp makes it 0700).
        os.chmod(data_dir, 0o755)
        self.data_dir = data_dir
        # Ports picked here may be taken by another test before the node
        # binds them: `start` then picks new ones.
        self.own_ports = http_port is None and cluster_port is None and seeds is None
        self.started = False
        self.http_port = http_port or free_port()
        self.cluster_port = cluster_port or free_port()
        # Seed nodes (host:port); by default only itself.
        self.seeds = seeds
        self.extra_args = list(extra_args)
        self.env = dict(os.environ)
        self.env.update({"MALL_ADMIN_USER": ADMIN_USER,
                         "MALL_ADMIN_PASSWORD": ADMIN_PASSWORD})
        self.env.update(env or {})
        self.proc = None
        self.log_path = os.path.join(data_dir, "node.log")

    def start(self, ready_timeout_s=60, attempts=3):
        for attempt in range(attempts):
            logged = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
            try:
                self._start_once(ready_timeout_s)
                self.started = True
                return self
            except AssertionError:
                with open(self.log_path, errors="replace") as f:
                    f.seek(logged)
                    lost_port = "Address already in use" in f.read()
                # Only a first start that exited moves: a restarted node keeps
                # the ports its clients and peers know.
                exited = self.proc.poll() is not None
                if not (self.own_ports and not self.started and lost_port and exited) \
                        or attempt + 1 == attempts:
                    raise
                self.http_port, self.cluster_port = free_port(), free_port()

    def _start_once(self, ready_timeout_s):
        log = open(self.log_path, "ab")
        args = [self.binary, "--config", "/dev/null", "--data-dir", self.data_dir,
                "--http-port", str(self.http_port),
                "--cluster-port", str(self.cluster_port),
                "--seeds", ",".join(self.seeds or [f"127.0.0.1:{self.cluster_port}"])
                ] + self.extra_args
        # A new process group, so cleanup can end the node and its children
        # (the embedded database) and nothing else.
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                     env=self.env, start_new_session=True)
        log.close()
        wait_until(self._ready, ready_timeout_s, f"node on port {self.http_port} to be ready")
        return self

    def _ready(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"node exited with {self.proc.returncode}:\n{self.log_tail()}")
        try:
            c = Client(self.http_port)
            r = c.get("/health/ready", timeout=2)
            c.close()
            return r.status == 200
        except OSError:
            return False

    def client(self, token=None):
        return Client(self.http_port, token)

    def log_tail(self, n=60):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def terminate(self, timeout_s=30):
        """SIGTERM and wait for a clean exit; returns the exit code."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError("node did not stop on SIGTERM in time")
        return self.proc.returncode

    def kill(self):
        """SIGKILL the node alone, as a crash would (its database survives)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)

    def kill_group(self):
        """SIGKILL the node's process group (node and embedded database)."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        self._stop_orphan_postgres()

    def _stop_orphan_postgres(self):
        """A SIGKILLed node leaves its embedded PostgreSQL running (it is
        detached by pg_ctl), and a clean stop leaves running a server it
        adopted from a killed predecessor. Stop the one in *our* folder, by
        its pid file."""
        pid_file = os.path.join(self.data_dir, "pg", "data", "postmaster.pid")
        try:
            with open(pid_file) as f:
                pid = int(f.readline().strip())
            os.kill(pid, signal.SIGQUIT)
            wait_until(lambda: not _alive(pid), 20, "embedded postgres to stop")
        except (OSError, ValueError):
            pass

    def cleanup(self):
        try:
            if self.proc and self.proc.poll() is None:
                self.terminate()
        finally:
            self.kill_group()
            if self.own_dir:
                shutil.rmtree(self.data_dir, ignore_errors=True)


def _alive(pid):
    """A live process; a zombie (stopped, not reaped yet) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def admin_token(client):
    r = client.post("/auth/token", {"username": ADMIN_USER, "password": ADMIN_PASSWORD})
    assert r.status == 200, r
    return r.json["access_token"]


def customer_token(client, username, password="secret-pass-1"):
    r = client.post("/auth/signup", {"username": username, "password": password,
                                     "name": "Kim " + username, "address": "Seoul 1"})
    assert r.status == 201, r
    r = client.post("/auth/token", {"username": username, "password": password})
    assert r.status == 200, r
    return r.json["access_token"]


def run_tests(tests, extra_args=()):
    """Runs `tests` (functions taking a started Node) on one node; prints a
    line per test and exits non-zero on the first failure."""
    node = Node(node_binary(), extra_args=extra_args)
    failed = False
    try:
        node.start()
        for test in tests:
            start = time.monotonic()
            try:
                test(node)
                print(f"ok   {test.__name__} ({time.monotonic() - start:.2f}s)", flush=True)
            except Exception:
                failed = True
                print(f"FAIL {test.__name__}", flush=True)
                raise
    except Exception:
        print("--- node log tail ---\n" + node.log_tail(), file=sys.stderr)
        raise
    finally:
        node.cleanup()
    sys.exit(1 if failed else 0)
