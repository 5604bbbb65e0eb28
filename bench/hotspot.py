"""Bursts of N requests released at the same instant (gevent), for the hot-spot run.

    python bench/hotspot.py --host http://127.0.0.1:PORT --fixture F.json --kind floor|vote --out R.json

`floor`: N simultaneous GET /healthz/live; `vote`: the N hot-spot voters of the fixture each POST
one vote on the same idea at once. Writes {"times_ms": [...], "statuses": [...], "wall_s": x}.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from urllib.parse import urlparse  # noqa: E402

import gevent  # noqa: E402
from gevent.event import Event  # noqa: E402
from geventhttpclient import HTTPClient  # noqa: E402


def burst(host: str, requests: list[tuple[str, str, dict, bytes | None]]) -> dict:
    url = urlparse(host)
    go = Event()
    times, statuses = [0.0] * len(requests), [0] * len(requests)
    clients = [
        HTTPClient(url.hostname, url.port, concurrency=1, connection_timeout=60, network_timeout=120)
        for _ in requests
    ]

    def one(i: int):
        method, path, headers, body = requests[i]
        client = clients[i]
        go.wait()
        started = time.perf_counter()
        try:
            response = client.request(method, path, body=body, headers=headers)
            response.read()
            statuses[i] = response.status_code
        except Exception:  # noqa: BLE001 - a failed request is counted, not raised
            statuses[i] = -1
        times[i] = (time.perf_counter() - started) * 1000

    greenlets = [gevent.spawn(one, i) for i in range(len(requests))]
    gevent.sleep(0.5)  # every greenlet waits at the barrier
    wall = time.perf_counter()
    go.set()
    gevent.joinall(greenlets)
    wall = time.perf_counter() - wall
    for client in clients:
        client.close()
    return {"times_ms": times, "statuses": statuses, "wall_s": wall}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", required=True)
    parser.add_argument("--fixture", required=True)
    parser.add_argument("--kind", choices=["floor", "vote"], required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    fixture = json.loads(open(args.fixture, encoding="utf-8").read())  # noqa: SIM115
    hot = fixture["hot"]
    if args.kind == "floor":
        requests = [("GET", "/healthz/live", {}, None) for _ in hot["voters"]]
    else:
        requests = []
        for voter in hot["voters"]:
            headers = {
                "Cookie": f"sessionid={voter['session']}; csrftoken={voter['csrf']}",
                "X-CSRFToken": voter["csrf"],
                "HX-Request": "true",
                "Content-Type": "application/x-www-form-urlencoded",
            }
            requests.append(("POST", f"/ideas/{hot['idea']}/vote/", headers, b""))
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(burst(args.host, requests), out)


if __name__ == "__main__":
    main()
