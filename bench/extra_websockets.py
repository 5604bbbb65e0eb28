#!/usr/bin/env python
"""1,000 websocket clients on one idea page: time from a vote's HTTP response to the last client
receiving the live update (issue 7; DESIGN.md section 10).

    .venv/bin/python bench/extra_websockets.py --out FILE.json [--quick] [--clients N] [--votes V]

The stack is the production one, on 127.0.0.1: daphne with docker-compose.yml's `ws` command
(CONN_MAX_AGE=0) serving /ws/, gunicorn with the `web` command (gthread, WEB_WORKERS x WEB_THREADS)
serving the vote POST, and the Redis channel layer at REDIS_URL (CHANNELS_REDIS_MAX_CONNECTIONS).
DATABASE_URL names a Postgres bench database this script may wipe: it gets a demo organisation
(`seed_demo --no-activity`), one published idea, and a session per client and per voter, made
beforehand in a child process; the clients send the session cookie and an allowed Origin.

The clients (the `websockets` package, asyncio) run in this process, apart from the servers. Each
vote is a real HTTP POST (htmx, as the page does) by a different person to gunicorn; the latency of
one vote is the time from its HTTP response to the moment the last connected client got the
message carrying the new count (it can be negative for the first clients: the server broadcasts on
commit, before it answers). p50 and p95 are over the votes. Target: p95 under 1 s. The CPU used by
daphne per vote tells fan-out work from waiting on a loaded machine.

Options for the comparisons in bench/results/extras/: --layer pubsub (CHANNELS_LAYER), --ws-processes
N (N daphne processes, clients spread over them as by the proxy: `docker compose up --scale ws=N`),
--ws-conn-max-age (daphne's CONN_MAX_AGE; compose sets 0), --connect-concurrency (connects in flight).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
TARGET_P95 = 1.0
BENCH_THEME = "bench-live-updates"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raise_open_files(wanted: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def server_env(*, clients: int, layer: str) -> dict:
    env = dict(os.environ)
    env.update(
        DEBUG="0",
        IDEABOX_TESTING="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        CELERY_TASK_ALWAYS_EAGER="0",
        CHANNELS_PREFIX=f"bench-ws-{os.getpid()}",
        CACHE_KEY_PREFIX=f"bench-ws-{os.getpid()}",
        LOG_LEVEL="WARNING",
        AXES_ENABLED="0",
        CHANNELS_LAYER=layer,
    )
    env.setdefault("SECRET_KEY", "bench-only-" + "k" * 50)
    env.setdefault("RATE_LIMIT_VOTE", "1000000/h")  # the bench's voters vote again and again
    env.setdefault("CHANNELS_REDIS_MAX_CONNECTIONS", str(max(1000, clients)))
    return env


# --- Setup (child process, Django) -----------------------------------------------------------
def child_setup(clients: int, voters: int) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.management import call_command

    from accounts.models import Domain, User
    from ideas import services
    from ideas.models import Idea, IdeaState, Theme
    from moderation.workflow import transition

    call_command("migrate", "--no-input", verbosity=0)
    needed = clients + voters + 60
    people = User.objects.filter(is_active=True).count()
    theme = Theme.objects.filter(slug=BENCH_THEME).first()
    if people < needed or theme is None:
        call_command("flush", "--no-input", verbosity=0)
        call_command(
            "seed_demo", "--employees", str(max(needed, 1100)), "--seed", "1", "--no-activity", "--quiet"
        )
        domain = Domain.objects.order_by("pk").first()
        theme = Theme.objects.create(name="Bench: live updates", slug=BENCH_THEME, domain=domain)
    author = User.objects.filter(is_active=True, is_correspondent=False).order_by("pk").first()
    idea = services.idea_save_draft(
        author=author,
        title=f"Live updates for everyone ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S})",
        body="One idea page watched by many people at once.",
        theme=theme,
    )
    services.idea_submit(idea=idea, actor=author)
    idea.refresh_from_db()
    transition(idea=idea, actor=idea.assignee, to_state=IdeaState.PUBLISHED)
    idea = Idea.objects.get(pk=idea.pk)
    assert idea.state == IdeaState.PUBLISHED, idea.state
    staff = {idea.author_id, idea.assignee_id}
    pool = list(User.objects.filter(is_active=True).exclude(pk__in=staff).order_by("pk")[: clients + voters])
    Session.objects.all().delete()  # sessions of earlier runs of this benchmark

    def session_for(user) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "accounts.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    from django.conf import settings

    report = {
        "idea": idea.pk,
        "votes_before": idea.vote_count + idea.historical_support,
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
        "clients": [session_for(u) for u in pool[:clients]],
        "voters": [session_for(u) for u in pool[clients : clients + voters]],
        "users": User.objects.count(),
    }
    print("BENCH_JSON=" + json.dumps(report))


def run_setup(env: dict, clients: int, voters: int) -> dict:
    proc = subprocess.run(  # noqa: S603 - our own interpreter and script
        [PYTHON, __file__, "--child", "setup", str(clients), str(voters)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"setup failed:\n{proc.stderr[-3000:]}")
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH_JSON="):
            return json.loads(line.split("=", 1)[1])
    raise RuntimeError("setup printed no report")


# --- Servers ---------------------------------------------------------------------------------
def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - binaries of our own virtualenv
        command,
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def wait_http(url: str, *, timeout: float, process: subprocess.Popen) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited ({process.returncode})")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {timeout:.0f} s")


# --- Clients (asyncio, this process) ---------------------------------------------------------
class Watchers:
    def __init__(self) -> None:
        self.arrivals: dict[int, dict[int, float]] = {}  # vote count -> client -> perf_counter
        self.connected: set[int] = set()
        self.failures: dict[str, int] = {}
        self.changed = asyncio.Event()

    def fail(self, reason: str) -> None:
        self.failures[reason] = self.failures.get(reason, 0) + 1


async def watch(
    i: int, uri: str, headers: dict, origin: str, state: Watchers, gate: asyncio.Semaphore, stop_evt
):
    from websockets.asyncio.client import connect

    try:
        async with gate:
            ws = await connect(
                uri,
                additional_headers=headers,
                origin=origin,
                open_timeout=60,
                ping_interval=None,
                max_queue=None,
            )
    except Exception as exc:  # counted: how many of the N connected is a result
        state.fail(f"{exc.__class__.__name__}: {str(exc)[:80]}")
        return
    state.connected.add(i)
    try:
        async for raw in ws:
            at = time.perf_counter()
            message = json.loads(raw)
            if message.get("type") == "idea":
                state.arrivals.setdefault(int(message["votes"]), {})[i] = at
                state.changed.set()
            if stop_evt.is_set():
                break
    except Exception as exc:
        state.fail(f"dropped: {exc.__class__.__name__}")
    finally:
        state.connected.discard(i)
        with contextlib.suppress(Exception):
            await ws.close()


def post_vote(base: str, idea: int, session_key: str, names: dict) -> tuple[float, float, int]:
    """One vote as the idea page sends it (htmx POST with the CSRF token). Returns the
    perf_counter at sending and at the response, and the status."""
    import secrets

    import requests

    token = secrets.token_hex(16)  # a 32-character CSRF secret, sent as cookie and header
    cookies = {names["cookie_name"]: session_key, names["csrf_cookie_name"]: token}
    headers = {"X-CSRFToken": token, "HX-Request": "true", "Referer": f"{base}/ideas/{idea}/"}
    sent = time.perf_counter()
    response = requests.post(
        f"{base}/ideas/{idea}/vote/", cookies=cookies, headers=headers, allow_redirects=False, timeout=30
    )
    return sent, time.perf_counter(), response.status_code


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc), to tell server work from waiting."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def drive(
    setup: dict,
    ws_ports: list[int],
    http_port: int,
    *,
    votes: int,
    connect_concurrency: int,
    daphne_pids: list[int],
) -> dict:
    state = Watchers()
    stop_evt = asyncio.Event()
    gate = asyncio.Semaphore(connect_concurrency)
    # Clients spread over the daphne processes in turn, as the proxy's upstream would.
    uris = [f"ws://127.0.0.1:{port}/ws/ideas/{setup['idea']}/" for port in ws_ports]
    origins = [f"http://127.0.0.1:{port}" for port in ws_ports]
    started = time.perf_counter()
    tasks = [
        asyncio.create_task(
            watch(
                i,
                uris[i % len(uris)],
                {"Cookie": f"{setup['cookie_name']}={key}"},
                origins[i % len(origins)],
                state,
                gate,
                stop_evt,
            )
        )
        for i, key in enumerate(setup["clients"])
    ]
    total = len(tasks)
    deadline = time.perf_counter() + 180
    while len(state.connected) + sum(state.failures.values()) < total and time.perf_counter() < deadline:
        await asyncio.sleep(0.2)
    connect_seconds = time.perf_counter() - started
    connected_at_start = len(state.connected)
    await asyncio.sleep(1.0)  # let the last group_add calls settle
    base = f"http://127.0.0.1:{http_port}"
    per_vote = []
    expected = setup["votes_before"]
    daphne_cpu = sum(process_cpu_seconds(pid) for pid in daphne_pids)
    own_cpu = resource.getrusage(resource.RUSAGE_SELF)
    for k in range(votes):
        expected += 1
        listeners = set(state.connected)
        sent, answered, status = await asyncio.to_thread(
            post_vote, base, setup["idea"], setup["voters"][k], setup
        )
        if status >= 400:
            per_vote.append({"vote": k + 1, "status": status})
            expected -= 1
            continue
        wait_until = time.perf_counter() + 10
        while time.perf_counter() < wait_until:
            got = state.arrivals.get(expected, {})
            if listeners <= got.keys():
                break
            state.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(state.changed.wait(), timeout=0.5)
        got = state.arrivals.get(expected, {})
        reached = [got[i] for i in listeners if i in got]
        per_vote.append(
            {
                "vote": k + 1,
                "status": status,
                "http_seconds": answered - sent,
                "listeners": len(listeners),
                "reached": len(reached),
                "last_after_response": (max(reached) - answered) if reached else None,
                "first_after_response": (min(reached) - answered) if reached else None,
                "last_after_request": (max(reached) - sent) if reached else None,
            }
        )
        await asyncio.sleep(0.3)
    daphne_cpu = sum(process_cpu_seconds(pid) for pid in daphne_pids) - daphne_cpu
    after = resource.getrusage(resource.RUSAGE_SELF)
    own_cpu = (after.ru_utime - own_cpu.ru_utime) + (after.ru_stime - own_cpu.ru_stime)
    stop_evt.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "clients": total,
        "connected": connected_at_start,
        "connect_seconds": connect_seconds,
        "failures": state.failures,
        "votes": per_vote,
        "daphne_cpu_per_vote": daphne_cpu / max(len(per_vote), 1),
        "clients_cpu_per_vote": own_cpu / max(len(per_vote), 1),
    }


# --- Main ------------------------------------------------------------------------------------
def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child_setup(int(sys.argv[3]), int(sys.argv[4]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--quick", action="store_true", help="5 votes instead of 20 (still 1,000 clients)")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--votes", type=int, default=None)
    parser.add_argument("--connect-concurrency", type=int, default=25, help="connects in flight at once")
    parser.add_argument("--web-workers", type=int, default=int(os.environ.get("WEB_WORKERS") or 3))
    parser.add_argument("--web-threads", type=int, default=int(os.environ.get("WEB_THREADS") or 4))
    parser.add_argument(
        "--layer",
        choices=["core", "pubsub"],
        default=os.environ.get("CHANNELS_LAYER") or "core",
        help="channels_redis layer: core (lists, the default) or pubsub (CHANNELS_LAYER)",
    )
    parser.add_argument(
        "--ws-conn-max-age",
        default="0",
        help="CONN_MAX_AGE of daphne (docker-compose.yml's ws service sets 0, the default here)",
    )
    parser.add_argument(
        "--ws-processes",
        type=int,
        default=1,
        help="daphne processes, clients spread over them as by the proxy (docker compose --scale ws=N)",
    )
    args = parser.parse_args()
    votes = args.votes or (5 if args.quick else 20)
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        parser.error("DATABASE_URL must point at a Postgres bench database (postgres://...)")
    if not os.environ.get("REDIS_URL"):
        parser.error("REDIS_URL is required: the benchmark measures the Redis channel layer")
    limit = raise_open_files(args.clients * 4 + 1024)  # inherited by the servers started below
    started_at = dt.datetime.now(dt.UTC)
    load = os.getloadavg()
    env = server_env(clients=args.clients, layer=args.layer)
    print(f"setup: {args.clients} client sessions, {votes} voters...", flush=True)
    setup = run_setup(env, args.clients, votes)
    logs = Path(os.environ.get("BENCH_LOG_DIR", "/tmp")) / f"ideabox-bench-ws-{os.getpid()}"
    logs.mkdir(parents=True, exist_ok=True)
    ws_ports, http_port = [free_port() for _ in range(args.ws_processes)], free_port()
    ws_env = dict(env, CONN_MAX_AGE=str(args.ws_conn_max_age))
    # docker-compose.yml: ws = `daphne -b 0.0.0.0 -p 8001 config.asgi:application`,
    # web = `gunicorn config.wsgi:application --bind 0.0.0.0:8000 --worker-class gthread ...`.
    daphnes = [
        start(
            [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
            ws_env,
            logs / f"daphne-{k}.log",
        )
        for k, port in enumerate(ws_ports)
    ]
    gunicorn = start(
        [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{http_port}",
            "--worker-class",
            "gthread",
            "--workers",
            str(args.web_workers),
            "--threads",
            str(args.web_threads),
        ],
        env,
        logs / "gunicorn.log",
    )
    try:
        for port, daphne in zip(ws_ports, daphnes, strict=True):
            wait_http(f"http://127.0.0.1:{port}/healthz/live", timeout=60, process=daphne)
        wait_http(f"http://127.0.0.1:{http_port}/healthz/live", timeout=60, process=gunicorn)
        print(
            f"servers up: daphne {ws_ports}, gunicorn :{http_port}; connecting {args.clients} clients...",
            flush=True,
        )
        result = asyncio.run(
            drive(
                setup,
                ws_ports,
                http_port,
                votes=votes,
                connect_concurrency=args.connect_concurrency,
                daphne_pids=[d.pid for d in daphnes],
            )
        )
    finally:
        for daphne in daphnes:
            stop(daphne)
        stop(gunicorn)
    measured = [v for v in result["votes"] if v.get("last_after_response") is not None]
    complete = [v for v in measured if v["reached"] == v["listeners"]]
    latencies = [v["last_after_response"] for v in measured]
    from_request = [v["last_after_request"] for v in measured]
    http = [v["http_seconds"] for v in measured]
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    missed = sum(v["listeners"] - v["reached"] for v in measured)
    rows = [
        {
            "metric": f"websocket clients connected (of {result['clients']})",
            "value": result["connected"],
            "unit": "clients",
            "target": f">= {int(0.99 * result['clients'])} (99%)",
            "ok": result["connected"] >= 0.99 * result["clients"],
        },
        {
            "metric": "vote response -> last client, p50",
            "value": round(p50, 4),
            "unit": "s",
            "target": "",
            "ok": None,
        },
        {
            "metric": "vote response -> last client, p95",
            "value": round(p95, 4),
            "unit": "s",
            "target": f"< {TARGET_P95:g} s",
            "ok": bool(latencies) and p95 < TARGET_P95 and len(complete) == len(measured),
        },
        {
            "metric": "vote request sent -> last client, p95",
            "value": round(percentile(from_request, 0.95), 4),
            "unit": "s",
            "target": "",
            "ok": None,
        },
        {
            "metric": "vote HTTP round trip (gunicorn), p50",
            "value": round(percentile(http, 0.5), 4),
            "unit": "s",
            "target": "",
            "ok": None,
        },
        {
            "metric": "deliveries missed (client connected, message not received within 10 s)",
            "value": missed,
            "unit": "messages",
            "target": "0",
            "ok": missed == 0,
        },
        {
            "metric": "daphne CPU per vote (fan-out to every client, idle time included)",
            "value": round(result["daphne_cpu_per_vote"], 4),
            "unit": "s",
            "target": "",
            "ok": None,
        },
        {
            "metric": "client process CPU per vote (1,000 websockets + the HTTP vote)",
            "value": round(result["clients_cpu_per_vote"], 4),
            "unit": "s",
            "target": "",
            "ok": None,
        },
        {
            "metric": f"time to connect {result['clients']} clients ({args.connect_concurrency} in flight)",
            "value": round(result["connect_seconds"], 2),
            "unit": "s",
            "target": "",
            "ok": None,
        },
    ]
    bad = [v for v in result["votes"] if v.get("last_after_response") is None]
    first = statistics.median(v["first_after_response"] for v in measured) if measured else float("nan")
    notes = " ".join(
        [
            f"Started {started_at:%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores, load average {load[0]:.2f}",
            f"(shared machine). {args.ws_processes} daphne process(es) (docker-compose `ws` command,",
            f"CONN_MAX_AGE={args.ws_conn_max_age})",
            "and gunicorn gthread",
            f"({args.web_workers} workers x {args.web_threads} threads, the `web` command) on 127.0.0.1;",
            f"Redis channel layer CHANNELS_LAYER={args.layer},",
            f"CHANNELS_REDIS_MAX_CONNECTIONS={env['CHANNELS_REDIS_MAX_CONNECTIONS']}; clients: websockets",
            f"(asyncio) in the benchmark process, {args.connect_concurrency} connects in flight,",
            f"open-files limit {limit}. {len(measured)} votes by different people",
            f"(htmx POST /ideas/{setup['idea']}/vote/), each waited for until every connected client had it",
            "(10 s max). Latency per vote = last client's arrival - HTTP response; all values",
            f"{sorted(round(x, 3) for x in latencies)} s; median of the first client's arrival - response",
            f"{first:.3f} s (negative when the broadcast, sent on commit, beats the response).",
            f"Connect failures: {result['failures'] or 'none'}.",
            f"Votes without a measure: {bad}." if bad else "",
            f"Server logs in {logs}.",
        ]
    )
    report = {"title": "Live updates: 1,000 websocket clients on one idea page", "rows": rows, "notes": notes}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
