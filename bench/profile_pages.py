"""Cost of each benchmarked page inside one process: CPU and wall time per request, SQL queries.

No server and no load generator: the Django test client plays the pages of `bench/locustfile.py`
as the same kind of people (picked by `bench/prepare.py`), so that a change can be measured in
seconds before a load run. `--profile NAME` prints a pyinstrument profile of that page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ideabox_bench_5000 REDIS_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/python bench/profile_pages.py --repeat 30 [--profile list]

Writes go in a transaction rolled back after each request (votes and comments leave nothing).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
_static = sorted(Path(__file__).resolve().parent.glob(".cache/static-*"))
if not _static:
    raise SystemExit("profile_pages: run bench/run.py once first (it collects the static files)")
for _key, _value in {
    "DEBUG": "0",
    "IDEABOX_TESTING": "0",
    "SECRET_KEY": "profile-pages-not-secret-" + "x" * 40,
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "LOG_LEVEL": "WARNING",
    "STATIC_ROOT": str(_static[-1]),
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    **{f"RATE_LIMIT_{action}": "1000000/h" for action in ("IDEA", "COMMENT", "VOTE", "REPORT")},
}.items():
    os.environ.setdefault(_key, _value)

import prepare  # noqa: E402  (sets Django up)
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def pages(people: dict, targets: dict, rng: random.Random) -> dict:
    employee = people["employees"][0]
    ideas = targets["ideas"]
    return {
        "home": ("get", lambda: "/", employee),
        "list": ("get", lambda: "/ideas/", employee),
        "list_filtered": (
            "get",
            lambda: f"/ideas/?theme={rng.choice(targets['themes'])}&sort=newest",
            employee,
        ),
        "detail": ("get", lambda: f"/ideas/{rng.choice(ideas)}/", employee),
        "search": ("get", lambda: f"/ideas/?q={rng.choice(targets['search'])}", employee),
        "similar": (
            "get",
            lambda: "/ideas/similar/?title=" + rng.choice(targets["similar"]).replace(" ", "+"),
            employee,
        ),
        "vote": ("post", lambda: f"/ideas/{rng.choice(employee['vote_ideas'])}/vote/", employee),
        "comment": ("post", lambda: f"/ideas/{rng.choice(ideas)}/comments/", employee),
        "leaderboard": ("get", lambda: "/points/leaderboard/", employee),
        "queue": ("get", lambda: "/moderation/queue/", people["correspondents"][0]),
        "executive": ("get", lambda: "/analytics/executive/", people["executives"][0]),
        "exec_data_pipeline": ("get", lambda: "/analytics/data/pipeline.json", people["executives"][0]),
        "floor": ("get", lambda: "/healthz/live", employee),
    }


def play(client: Client, method: str, path: str):
    data = {"body": "Profile: +1"} if method == "post" and path.endswith("/comments/") else {}
    return prepare.play(client, method, path, data)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--only", nargs="*", help="page names (default: all)")
    parser.add_argument("--profile", help="print a pyinstrument profile of this page")
    args = parser.parse_args()
    rng = random.Random(1)
    people = prepare.pick_people(rng, 5, 1)
    targets = prepare.pick_targets(rng)
    table = pages(people, targets, rng)
    print(f"{'page':<20} {'cpu ms p50':>10} {'wall ms p50':>11} {'queries':>8} {'bytes':>8}")
    for name, (method, path_of, who) in table.items():
        if args.only and name not in args.only:
            continue
        client = Client(HTTP_HOST="127.0.0.1")
        client.cookies["sessionid"] = who["session"]
        client.cookies["csrftoken"] = who["csrf"]
        play(client, method, path_of())  # warm the process's caches
        cpu, wall = [], []
        for _ in range(args.repeat):
            path = path_of()
            started, started_cpu = time.perf_counter(), time.process_time()
            with CaptureQueriesContext(connection) as queries:
                response = play(client, method, path)
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
        print(
            f"{name:<20} {statistics.median(cpu):>10.1f} {statistics.median(wall):>11.1f} "
            f"{len(queries.captured_queries):>8} {len(response.content):>8}"
        )
        if args.profile == name:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
            for _ in range(args.repeat):
                play(client, method, path_of())
            profiler.stop()
            every_frame = bool(os.environ.get("PROFILE_ALL"))
            print(profiler.output_text(unicode=False, color=False, show_all=every_frame))


if __name__ == "__main__":
    main()
