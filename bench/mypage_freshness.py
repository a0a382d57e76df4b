#!/usr/bin/env python3
"""My page freshness under load: one probe customer places orders one after
another (on its own keep-alive connection) while the benchmark load runs, and
for each 201 polls its newest row of the my page view (no consistency token)
until it is the order just placed. Prints the time from the 201 to the row,
p50/p99/max.

The rows of `GET /mypage` are the rows `GET /orders` lists, newest first, from
the same projection. The probe reads them with `GET /orders?limit=1`: my page
answers every order of its customer, and the probe's page grows by 20 orders
a second, so reading it whole 200 times a second cost the node 5 % of its CPU
by the end of a 10 s run, load no real customer makes.

Usage: mypage_freshness.py HTTP_PORT TOKEN PRODUCT_ID SECONDS
"""
import http.client
import json
import sys
import time

PATIENCE_S = 10  # a row later than this counts as missing
POLL_S = 0.005  # between reads of /mypage: 5 ms resolution, little extra load


def main():
    port, token, product, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    writer = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
    reader = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)

    def call(conn, method, path, body=None):
        conn.request(method, path, body=body, headers=headers)
        res = conn.getresponse()
        return res.status, res.read()

    lags, missing, failed = [], 0, 0
    deadline = time.monotonic() + seconds
    order = json.dumps({"product_id": product, "qty": 1})
    while time.monotonic() < deadline:
        status, body = call(writer, "POST", "/orders", order)
        placed_at = time.monotonic()
        if status != 201:
            failed += 1
            continue
        order_id = json.loads(body)["id"]
        while True:
            status, body = call(reader, "GET", "/orders?limit=1")
            now = time.monotonic()
            if status == 200 and any(o["id"] == order_id for o in json.loads(body)["items"]):
                lags.append((now - placed_at) * 1000)
                break
            if now - placed_at > PATIENCE_S:
                missing += 1
                break
            time.sleep(POLL_S)
    if not lags:
        print("my page freshness: no samples (failed orders: %d, missing rows: %d)" % (failed, missing))
        return 1
    lags.sort()
    pick = lambda q: lags[min(len(lags) - 1, int(q * len(lags)))]
    print("my page freshness: %d samples, p50 %.1f ms, p99 %.1f ms, max %.1f ms "
          "(target p99 <= 100 ms); failed orders %d, rows missing after %d s: %d"
          % (len(lags), pick(0.5), pick(0.99), lags[-1], failed, PATIENCE_S, missing))
    return 0


if __name__ == "__main__":
    sys.exit(main())
