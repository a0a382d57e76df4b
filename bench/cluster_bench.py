"""Shared by the cluster benchmarks (cluster_failover.py, cluster_remote.py,
cluster_scaling.py): imports the e2e harness (tests/e2e/mall_cluster.py,
mall_node.py) read-only and adds what a benchmark needs on top of it: a view
of the cluster through a chosen node (a frozen node must not be asked), a
settle check that allows gateway-only members, wrk runs with a Lua script
that posts orders, CPU accounting of the nodes and of the shared PostgreSQL,
and cleanup that also runs on SIGINT/SIGTERM.

Only processes started here are ever signalled, by PID or process group.
"""
import argparse
import glob
import os
import re
import signal
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))

import mall_cluster  # noqa: E402
from mall_cluster import SHARD_COUNT, LocalCluster, create_products, shard_of  # noqa: E402,F401
from mall_node import admin_token, customer_token, wait_until  # noqa: E402,F401

DEFAULT_NODE = os.path.join(REPO, "build", "app", "mall-node")


def parse_args(description, extra=None):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--node", default=os.environ.get("MALL_NODE", DEFAULT_NODE),
                        help="path to mall-node (default build/app/mall-node)")
    parser.add_argument("--keep-logs", metavar="DIR",
                        help="copy the node logs to DIR before cleaning up")
    if extra:
        extra(parser)
    args = parser.parse_args()
    if not os.access(args.node, os.X_OK):
        sys.exit(f"no node binary at {args.node}")
    return args


def exit_on_signals():
    """SIGTERM/SIGHUP raise SystemExit so that `finally` blocks clean up."""
    def handler(signum, _frame):
        raise SystemExit(128 + signum)
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, handler)


def header(title):
    print(title)
    print(f"date: {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}")
    print(f"machine: {os.cpu_count()} cores, {load_average()}")
    sys.stdout.flush()


def load_average():
    with open("/proc/loadavg") as f:
        return "load average " + " ".join(f.read().split()[:3])


def view_via(node, token=None, timeout=5):
    """GET /admin/cluster through `node` (None when it does not answer)."""
    try:
        c = node.client(token or admin_token(node.client()))
        r = c.get("/admin/cluster", timeout=timeout)
        c.close()
        return r.json if r.status == 200 else None
    except (AssertionError, OSError, ValueError):
        return None


def settle(via, up, owners, token=None, timeout_s=60):
    """Until the members that are up are exactly `up` and every shard is
    owned by one of `owners` and each of them owns at least one, asking
    `via` (a node known to be alive). Returns the view."""
    up, owners = set(up), set(owners)

    def settled():
        view = view_via(via, token)
        if not view:
            return None
        now_up = {m["node_id"] for m in view["members"] if m["status"] == "up"}
        shard_owners = view["shards"]["owners"]
        if now_up != up or len(shard_owners) != SHARD_COUNT:
            return None
        if set(shard_owners.values()) != owners:
            return None
        return view
    return wait_until(settled, timeout_s, f"up {sorted(up)}, shards on {sorted(owners)}")


def owner_in(view, entity_type, entity_id):
    return view["shards"]["owners"][str(shard_of(entity_type, entity_id))]


def percentile(values, q):
    """Nearest-rank percentile (q in 0..1) of a non-empty list."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(q * len(s) + 0.5)) - 1))]


# -- CPU accounting ---------------------------------------------------------

def _ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0


def postgres_pids(cluster):
    """The shared PostgreSQL's postmaster and its live children."""
    pids = []
    for pid_file in glob.glob(os.path.join(cluster.db_dir, "**", "postmaster.pid"),
                              recursive=True):
        try:
            with open(pid_file) as f:
                pids.append(int(f.readline().strip()))
        except (OSError, ValueError):
            pass
    for pm in list(pids):
        try:
            with open(f"/proc/{pm}/task/{pm}/children") as f:
                pids += [int(p) for p in f.read().split()]
        except OSError:
            pass
    return pids


def children_cpu():
    """CPU seconds of the reaped children of this process (the wrk runs)."""
    import resource
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def machine_busy():
    """(busy, total) CPU seconds of the whole machine so far (/proc/stat)."""
    hz = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)  # idle + iowait
    total = sum(v[:8])
    return (total - idle) / hz, total / hz


def cpu_seconds(cluster, nodes):
    """(CPU s of `nodes`, CPU s of PostgreSQL) used so far."""
    hz = os.sysconf("SC_CLK_TCK")
    node_t = sum(_ticks(n.proc.pid) for n in nodes if n.proc)
    pg_t = sum(_ticks(p) for p in postgres_pids(cluster))
    return node_t / hz, pg_t / hz


def db_stats(cluster):
    """The shared database's counters (pg_stat_database): transactions
    (every autocommit statement is one), rows returned/fetched/inserted.
    Backends report them with up to a second's delay: indicative only."""
    query = ("SELECT xact_commit + xact_rollback, tup_returned, tup_fetched, tup_inserted "
             "FROM pg_stat_database WHERE datname = current_database()")
    try:
        out = subprocess.run(["psql", "-XAtc", query, cluster.db_url], capture_output=True,
                             text=True, timeout=20).stdout.strip()
        return dict(zip(["xacts", "returned", "fetched", "inserted"],
                        (int(x) for x in out.split("|"))))
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None


def db_delta(before, after, orders):
    """Per-order figures of two db_stats()."""
    if not before or not after or orders <= 0:
        return "n/a"
    d = {k: (after[k] - before[k]) / orders for k in before}
    return (f"{d['xacts']:.1f} transactions, {d['inserted']:.1f} rows inserted, "
            f"{d['returned'] + d['fetched']:.0f} rows read per order")


# -- wrk --------------------------------------------------------------------

def order_script(path, token, product_ids):
    ids = ",".join(f'"{p}"' for p in product_ids)
    with open(path, "w") as f:
        f.write(f"""local products = {{{ids}}}
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
request = function()
  local id = products[math.random(#products)]
  return wrk.format(nil, nil, nil, '{{"product_id": "' .. id .. '", "qty": 1}}')
end
""")
    return path


def start_wrk(port, script, connections, threads, seconds, path="/orders"):
    """A wrk process in its own process group (stdout captured)."""
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
            "-s", script, f"http://127.0.0.1:{port}{path}"]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)


def finish_wrk(proc, seconds):
    """Waits (bounded) for a wrk process and parses its output."""
    try:
        out, _ = proc.communicate(timeout=seconds + 60)
    except subprocess.TimeoutExpired:
        stop_group(proc)
        raise AssertionError("wrk did not finish in time")
    return parse_wrk(out)


def stop_group(proc):
    if proc and proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * _UNITS[m.group(2)] if m else float("nan")


def parse_wrk(out):
    res = {"raw": out, "rate": 0.0, "requests": 0, "non2xx": 0, "socket_errors": "",
           "p50_ms": float("nan"), "p99_ms": float("nan")}
    for line in out.splitlines():
        f = line.split()
        if line.startswith("Requests/sec:"):
            res["rate"] = float(f[1])
        elif re.match(r"\s*\d+ requests in", line):
            res["requests"] = int(f[0])
        elif "Non-2xx or 3xx responses:" in line:
            res["non2xx"] = int(f[-1])
        elif line.strip().startswith("Socket errors:"):
            res["socket_errors"] = line.strip()
        elif len(f) == 2 and f[0] == "50%":
            res["p50_ms"] = _ms(f[1])
        elif len(f) == 2 and f[0] == "99%":
            res["p99_ms"] = _ms(f[1])
    return res


def indent(text, prefix="    "):
    return "\n".join(prefix + line for line in text.rstrip().splitlines())


def _kind(line):
    """A log line without its timestamp, ids and numbers: its kind."""
    line = re.sub(r"^\S+Z ", "", line)
    line = re.sub(r"\[[0-9a-f]{32}\] ", "", line)
    line = re.sub(r"\b[pcod]_[0-9a-f]+\b|\b[0-9a-f]{16,}\b", "ID", line)
    line = re.sub(r"\d+(\.\d+)?", "N", line)
    return line[:160]


def node_log_lines(node, pattern=r"Z (warning|error) \[", limit=5,
                   exclude=r"GET /health/ready 503"):
    """The lines of the node's log that match `pattern` (a regex) and not
    `exclude` (by default the 503s of /health/ready while a node starts):
    their count and, for up to `limit` kinds (most frequent first), the
    count of the kind and its first line."""
    try:
        with open(node.log_path, errors="replace") as f:
            hits = [line.rstrip() for line in f
                    if re.search(pattern, line) and not (exclude and re.search(exclude, line))]
    except OSError:
        return 0, []
    kinds = {}
    for line in hits:
        k = _kind(line)
        if k in kinds:
            kinds[k][0] += 1
        else:
            kinds[k] = [1, line]
    top = sorted(kinds.values(), key=lambda v: -v[0])[:limit]
    return len(hits), [f"{n:4d} x  {line}" for n, line in top]


def print_log_summary(nodes, limit=6):
    """Warning/error lines of every node by kind, and every journal conflict."""
    for node in nodes:
        count, sample = node_log_lines(node, limit=limit)
        print(f"{node.node_id} log: {count} warning/error lines "
              f"(besides /health/ready 503 at start), most frequent kinds:")
        for line in sample:
            print(f"    {line[:260]}")
        try:
            with open(node.log_path, errors="replace") as f:
                conflicts = [line.rstrip() for line in f if "journal conflict" in line]
        except OSError:
            conflicts = []
        for line in conflicts:
            print(f"  {node.node_id}: {line[:260]}")
