#!/usr/bin/env python3
"""mall ctl: the command-line client of the 12st mall operations API.

    ./mall ctl [--url URL] [--json] COMMAND ...

    status                       this node's view: readiness, members, shards
    members                      cluster members and their status
    shards                       owner of every shard, and shards per node
    leave NODE                   hand NODE's shards off, then stop it
    crash TARGET [ID]            make an actor really fail (entity <type>/<id>,
                                 shard <n>, projection <name>, ...)
    chaos schedule --targets a,b --per-second X --duration-s Y
                                 crash targets in turn (shard, projection,
                                 entity:<type>/<id>, shard:<n>, ...)
    chaos status                 the schedule's progress
    chaos stop                   stop a chaos schedule

The node is MALL_URL (default http://127.0.0.1:8080) unless --url names one.
The admin token comes from MALL_TOKEN; otherwise it logs in (POST /auth/token)
as MALL_ADMIN_USER with MALL_ADMIN_PASSWORD, prompting for what is not set.
API errors print as `error <code>: <message>` and exit 1; usage errors exit 2.
Python standard library only.
"""
import argparse
import getpass
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8080"
TIMEOUT_S = 30


class CtlError(Exception):
    """A failure to report as one line on stderr (exit 1)."""


# -- HTTP ----------------------------------------------------------------------


class Api:
    def __init__(self, base_url):
        base_url = base_url.rstrip("/")
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise CtlError(f"error: --url must be an http:// URL, not {base_url!r}")
        self.base_url = base_url
        self.token = None

    def request(self, method, path, body=None, auth=True):
        """Returns (status, parsed JSON or text) for 2xx answers and for the
        API's error answers; raises CtlError when the node cannot be reached."""
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if auth:
            headers["Authorization"] = f"Bearer {self.admin_token()}"
        req = urllib.request.Request(self.base_url + path, data=data,
                                     headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT_S) as r:
                return r.status, parse_body(r.read())
        except urllib.error.HTTPError as e:
            return e.code, parse_body(e.read())
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise CtlError(f"error: cannot reach {self.base_url}: {reason}") from None

    def call(self, method, path, body=None, expect=(200,), auth=True):
        """Like request, but any status outside `expect` is an error."""
        status, payload = self.request(method, path, body, auth)
        if status not in expect:
            raise CtlError(api_error_text(status, payload))
        return payload

    def admin_token(self):
        if self.token is None:
            self.token = os.environ.get("MALL_TOKEN") or self.login()
        return self.token

    def login(self):
        default_user = os.environ.get("MALL_ADMIN_USER") or "admin"
        password = os.environ.get("MALL_ADMIN_PASSWORD")
        user = default_user
        no_token = CtlError("error: no token: set MALL_TOKEN, or MALL_ADMIN_USER and "
                            "MALL_ADMIN_PASSWORD, or run in a terminal")
        try:
            if not password:
                if not has_terminal():
                    raise no_token
                if not os.environ.get("MALL_ADMIN_USER") and sys.stdin.isatty():
                    user = input(f"username [{default_user}]: ").strip() or default_user
                password = getpass.getpass(f"password for {user}: ")
        except (EOFError, KeyboardInterrupt):
            raise no_token from None
        payload = self.call("POST", "/auth/token",
                            {"username": user, "password": password}, auth=False)
        token = payload.get("access_token") if isinstance(payload, dict) else None
        if not token:
            raise CtlError("error: POST /auth/token answered without access_token")
        return token


def has_terminal():
    try:
        with open("/dev/tty"):
            return True
    except OSError:
        return False


def parse_body(raw):
    text = raw.decode("utf-8", errors="replace")
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def api_error_text(status, payload):
    """`error <code>: <message>` from the API's error shape; the HTTP status
    when the answer has another shape."""
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        err = payload["error"]
        text = f"error {err.get('code', status)}: {err.get('message', '')}"
        if err.get("trace_id"):
            text += f"\ntrace id {err['trace_id']} (HTTP {status})"
        return text
    detail = payload if isinstance(payload, str) else json.dumps(payload)
    return f"error {status}: {(detail or '').strip()[:300] or 'no body'}"


# -- output --------------------------------------------------------------------


def table(headers, rows):
    """Left-aligned columns, two spaces apart."""
    rows = [[("-" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    lines = [headers] + rows
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip()
                     for line in lines)


def print_json(value):
    print(json.dumps(value, indent=2, sort_keys=True))


def shard_key(shard):
    return int(shard) if str(shard).isdigit() else shard


def members_rows(view):
    members = sorted(view.get("members", []), key=lambda m: m.get("node_id", ""))
    rows = []
    for m in members:
        name = m.get("node_id")
        if name == view.get("self"):
            name = f"{name} *"
        rows.append([name, m.get("status"), m.get("shard_count"), m.get("address"),
                     m.get("http_address"), m.get("incarnation"), m.get("since")])
    return table(["NODE", "STATUS", "SHARDS", "ADDRESS", "HTTP", "INCARNATION", "SINCE"],
                 rows)


def shards_per_node(view):
    counts = {}
    for owner in view.get("shards", {}).get("owners", {}).values():
        counts[owner] = counts.get(owner, 0) + 1
    return counts


# -- commands ------------------------------------------------------------------


def cmd_status(api, args):
    ready_status, ready = api.request("GET", "/health/ready", auth=False)
    view = api.call("GET", "/admin/cluster")
    if args.json:
        print_json({"ready": {"status": ready_status, "body": ready}, "cluster": view})
        return 0
    members = view.get("members", [])
    by_status = {}
    for m in members:
        by_status[m.get("status")] = by_status.get(m.get("status"), 0) + 1
    shards = view.get("shards", {})
    count = shards.get("count", 0)
    owned = len(shards.get("owners", {}))
    if ready_status == 200:
        readiness = "ready"
    else:
        reasons = ready.get("reasons") if isinstance(ready, dict) else None
        readiness = f"not ready ({ready_status}" + (
            f": {', '.join(map(str, reasons))})" if reasons else ")")
    print(f"node     {view.get('self')} at {api.base_url}: {readiness}")
    print(f"members  {len(members)} ("
          + ", ".join(f"{n} {s}" for s, n in sorted(by_status.items(), key=str)) + ")")
    print(f"shards   {count} ({owned} owned, {count - owned} without owner)")
    print()
    print(members_rows(view))
    return 0


def cmd_members(api, args):
    view = api.call("GET", "/admin/cluster")
    if args.json:
        print_json(view.get("members", []))
    else:
        print(members_rows(view))
    return 0


def cmd_shards(api, args):
    view = api.call("GET", "/admin/cluster")
    shards = view.get("shards", {})
    owners = shards.get("owners", {})
    if args.json:
        print_json(shards)
        return 0
    count = shards.get("count", 0)
    rows = [[s, owners.get(str(s))] for s in range(count)]
    rows += [[s, o] for s, o in sorted(owners.items(), key=lambda kv: shard_key(kv[0]))
             if not str(s).isdigit() or int(s) >= count]
    print(table(["SHARD", "OWNER"], rows))
    print()
    counts = shards_per_node(view)
    for m in view.get("members", []):
        counts.setdefault(m.get("node_id"), 0)
    unowned = count - sum(1 for s in range(count) if str(s) in owners)
    per_node = [[n, c] for n, c in sorted(counts.items(), key=lambda kv: str(kv[0]))]
    if unowned:
        per_node.append(["(no owner)", unowned])
    print(table(["NODE", "SHARDS"], per_node))
    return 0


def cmd_leave(api, args):
    payload = api.call("POST", "/admin/cluster/leave", {"node_id": args.node},
                       expect=(202,))
    if args.json:
        print_json(payload)
    else:
        print(f"{args.node} is leaving: its shards are handed off, then it stops")
    return 0


def cmd_crash(api, args):
    body = {"target": args.target}
    if args.id is not None:
        body["id"] = args.id
    payload = api.call("POST", "/admin/chaos/crash", body)
    if args.json:
        print_json(payload)
    else:
        crashed = payload.get("crashed", []) if isinstance(payload, dict) else []
        print("crashed: " + (", ".join(map(str, crashed)) if crashed else "nothing"))
    return 0


def chaos_call(api, method, body):
    status, payload = api.request(method, "/admin/chaos/schedule", body)
    if status in (404, 405):
        raise CtlError(api_error_text(status, payload)
                       + "\nthis node offers no chaos schedule")
    if status not in (200, 202, 204):
        raise CtlError(api_error_text(status, payload))
    return payload


def cmd_chaos_schedule(api, args):
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    if not targets:
        raise UsageError("--targets needs at least one target")
    body = {"targets": targets, "per_second": args.per_second,
            "duration_s": args.duration_s}
    payload = chaos_call(api, "POST", body)
    if args.json:
        print_json(payload)
    else:
        print(f"chaos scheduled: {', '.join(targets)}, {args.per_second}/s "
              f"for {args.duration_s}s ({payload.get('crashes')} crashes)")
    return 0


def cmd_chaos_status(api, args):
    payload = chaos_call(api, "GET", None)
    if args.json:
        print_json(payload)
    else:
        print(f"chaos {payload.get('status')}: {payload.get('crashed')} of "
              f"{payload.get('planned')} crashes made")
    return 0


def cmd_chaos_stop(api, args):
    payload = chaos_call(api, "DELETE", None)
    if args.json:
        print_json(payload)
    elif payload.get("status") == "stopped":
        print(f"chaos schedule stopped after {payload.get('crashed')} crashes")
    else:
        print("no chaos schedule was running")
    return 0


# -- arguments -----------------------------------------------------------------


class UsageError(Exception):
    pass


def number(text):
    """An int when the text is one, else a positive float."""
    try:
        value = int(text)
    except ValueError:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def parser():
    # --url and --json may come before or after the command.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", default=argparse.SUPPRESS,
                        help=f"node to talk to (MALL_URL, default {DEFAULT_URL})")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print the raw JSON answer")
    p = argparse.ArgumentParser(
        prog="mall ctl", parents=[common],
        description="Command-line client of the 12st mall operations API.",
        epilog="Token: MALL_TOKEN, else a login as MALL_ADMIN_USER / "
               "MALL_ADMIN_PASSWORD (prompted when unset).")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    s = sub.add_parser("status", parents=[common], help="readiness, members and shards")
    s.set_defaults(run=cmd_status)
    s = sub.add_parser("members", parents=[common], help="cluster members")
    s.set_defaults(run=cmd_members)
    s = sub.add_parser("shards", parents=[common], help="owner per shard, shards per node")
    s.set_defaults(run=cmd_shards)
    s = sub.add_parser("leave", parents=[common], help="hand a node's shards off, stop it")
    s.add_argument("node", metavar="NODE")
    s.set_defaults(run=cmd_leave)
    s = sub.add_parser("crash", parents=[common], help="make an actor fail")
    # The node validates the target: its error names the ones it knows.
    s.add_argument("target", metavar="TARGET",
                   help="entity, shard, region, journal, projection or gateway")
    s.add_argument("id", metavar="ID", nargs="?",
                   help="entity <type>/<id>, shard number, projection name, ...")
    s.set_defaults(run=cmd_crash)

    chaos = sub.add_parser("chaos", parents=[common], help="scheduled crashes")
    chaos_sub = chaos.add_subparsers(dest="chaos_command",
                                     metavar="schedule|status|stop")
    chaos_sub.required = True
    s = chaos_sub.add_parser("schedule", parents=[common], help="crash targets at a rate")
    s.add_argument("--targets", required=True, help="comma separated, e.g. entity,shard")
    s.add_argument("--per-second", type=number, required=True, help="crashes per second")
    s.add_argument("--duration-s", type=number, required=True, help="for how long")
    s.set_defaults(run=cmd_chaos_schedule)
    s = chaos_sub.add_parser("status", parents=[common], help="the schedule's progress")
    s.set_defaults(run=cmd_chaos_status)
    s = chaos_sub.add_parser("stop", parents=[common], help="stop the schedule")
    s.set_defaults(run=cmd_chaos_stop)
    return p


def main(argv=None):
    p = parser()
    args = p.parse_args(argv)  # exits 2 on usage errors
    args.json = getattr(args, "json", False)
    url = getattr(args, "url", None) or os.environ.get("MALL_URL") or DEFAULT_URL
    try:
        return args.run(Api(url), args)
    except UsageError as e:
        p.error(str(e))
    except CtlError as e:
        print(str(e), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `mall ctl shards | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
