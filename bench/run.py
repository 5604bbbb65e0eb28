"""`make bench`: load and scale benchmarks on Postgres, every figure as a ratio to its floor.

For each size: a dedicated database ideabox_bench_<size> (seeded with `seed_demo`, reused when it
already holds that size and seed), gunicorn started as docker-compose.yml's `web` service, locust
headless against it, the SQL of each page timed alone with psycopg2, a hot spot of simultaneous
votes on one idea. Then the bench/extra_*.py scripts. Writes bench/results/<timestamp>.md/.json
with a regression table against the previous run. See bench/README.md.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import psycopg2
import yaml

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PY = sys.executable
VENV_BIN = Path(PY).parent
SECRET = "bench-only-not-a-secret-" + "x" * 40
SEED_FILES = ["analytics/simulation.py", "accounts/demo.py", "accounts/management/commands/seed_demo.py"]

# Targets of the issue, defined at 50,000 employees (ratios to the framework floor).
P50_TARGETS = {"list": 5.0, "list_filtered": 5.0, "vote": 3.0, "detail": 5.0}
TAIL_TARGET = 4.0  # p99 at most 4x its own p50 (list, vote, detail)
MIX_THROUGHPUT_TARGET = 0.40
HOT_P95_TARGET = 10.0
TARGET_SIZE = 50000


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    data = sorted(values)
    k = (len(data) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


def summary(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50": pct(values, 0.50),
        "p95": pct(values, 0.95),
        "p99": pct(values, 0.99),
        "mean": statistics.fmean(values) if values else None,
    }


def ratio(a, b):
    return round(a / b, 2) if a is not None and b else None


# --- Databases --------------------------------------------------------------------------------
def pg_base() -> str:
    return os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")


def db_url(name: str) -> str:
    return f"{pg_base()}/{name}"


def pg_admin():
    conn = psycopg2.connect(db_url("postgres"))
    conn.autocommit = True
    return conn


def seed_fingerprint(size: int, seed: int) -> str:
    digest = hashlib.sha256(f"{size}:{seed}".encode())
    for name in SEED_FILES:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()[:16]


def database_meta(name: str) -> dict | None:
    with pg_admin() as admin, admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cur.fetchone():
            return None
    try:
        with psycopg2.connect(db_url(name)) as conn, conn.cursor() as cur:
            cur.execute("SELECT to_regclass('bench_meta')")
            if cur.fetchone()[0] is None:
                return {}
            cur.execute("SELECT fingerprint, seed_seconds, seeded_at FROM bench_meta")
            row = cur.fetchone()
            return (
                {"fingerprint": row[0], "seed_seconds": row[1], "seeded_at": row[2].isoformat()}
                if row
                else {}
            )
    except psycopg2.Error:
        return {}


def recreate_database(name: str) -> None:
    admin = pg_admin()
    with admin.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def django_env(database: str, redis_url: str | None, static_root: Path) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": db_url(database),
        "DEBUG": "0",
        "IDEABOX_TESTING": "0",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        # A few simulated people send thousands of requests: lift the per-person contribution limits.
        "RATE_LIMIT_IDEA": "1000000/h",
        "RATE_LIMIT_COMMENT": "1000000/h",
        "RATE_LIMIT_VOTE": "1000000/h",
        "RATE_LIMIT_REPORT": "1000000/h",
        "API_CONTRIBUTION_RATE": "1000000/min",
        "STATIC_ROOT": str(static_root),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
        "PYTHONPATH": str(ROOT),
    }
    for key in ("SECRET_KEY_FILE", "DJANGO_SETTINGS_MODULE"):
        env.pop(key, None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    else:
        env.pop("REDIS_URL", None)
    return env


def manage(env: dict, *args: str, timeout: int = 7200) -> float:
    started = time.monotonic()
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, timeout=timeout)
    return time.monotonic() - started


def ensure_dataset(size: int, seed: int, env_for, rebuild: bool) -> dict:
    name = f"ideabox_bench_{size}"
    fingerprint = seed_fingerprint(size, seed)
    meta = database_meta(name)
    env = env_for(name)
    if meta and meta.get("fingerprint") == fingerprint and not rebuild:
        log(f"{name}: already seeded at {size} employees, seed {seed}: reused")
        manage(env, "migrate", "--no-input", "-v0")
        return {
            "database": name,
            "reused": True,
            "seed_seconds": meta["seed_seconds"],
            "seeded_at": meta["seeded_at"],
        }
    log(f"{name}: creating, migrating and seeding {size} employees (seed {seed})")
    recreate_database(name)
    manage(env, "migrate", "--no-input", "-v0")
    seconds = manage(env, "seed_demo", "--employees", str(size), "--seed", str(seed), "--quiet")
    with psycopg2.connect(db_url(name)) as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE bench_meta (fingerprint text, seed_seconds float, seeded_at timestamptz)")
        cur.execute("INSERT INTO bench_meta VALUES (%s, %s, now())", [fingerprint, seconds])
    conn = psycopg2.connect(db_url(name))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    conn.close()
    log(f"{name}: seeded in {seconds:.0f} s")
    return {
        "database": name,
        "reused": False,
        "seed_seconds": round(seconds, 1),
        "seeded_at": datetime.now(UTC).isoformat(),
    }


def dataset_counts(database: str) -> dict:
    tables = {
        "employees": "accounts_user",
        "ideas": "ideas_idea",
        "votes": "ideas_vote",
        "comments": "ideas_comment",
        "follows": "ideas_follow",
        "point_entries": "gamification_pointentry",
        "transitions": "moderation_transition",
    }
    counts = {}
    with psycopg2.connect(db_url(database)) as conn, conn.cursor() as cur:
        for key, table in tables.items():
            cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed table names
            counts[key] = cur.fetchone()[0]
    return counts


# --- Database floor: the SQL of each page, alone ----------------------------------------------
WRITE_RE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|SAVEPOINT|RELEASE|ROLLBACK)", re.I)
# QuerySet.iterator() declares a server-side cursor; the rows come by FETCH, which the capture does
# not see: the replay runs the SELECT itself and reads every row.
DECLARE_RE = re.compile(r'^\s*DECLARE\s+"[^"]+"\s+NO SCROLL CURSOR WITH(?:OUT)? HOLD FOR\s+', re.I)


def database_floor(database: str, pages: dict, repeat: int) -> dict:
    """Replays each page's captured SQL (parameters bound) on one persistent connection, in a
    transaction rolled back afterwards, `repeat` times; the page's floor is the time of its SQL."""
    conn = psycopg2.connect(db_url(database))
    result = {}
    for name, page in pages.items():
        statements = [DECLARE_RE.sub("", sql) for sql in page["sql"]]
        times, error = [], None
        budget = time.monotonic() + 10  # slow pages (analytics at scale): 2 timings after ~10 s
        for i in range(repeat + 1):
            if i >= 3 and time.monotonic() > budget:
                break
            started = time.perf_counter()
            try:
                with conn.cursor() as cur:
                    for sql in statements:
                        cur.execute(sql)
                        if cur.description is not None:
                            cur.fetchall()
            except psycopg2.Error as exc:
                error = str(exc).splitlines()[0]
            elapsed = (time.perf_counter() - started) * 1000
            conn.rollback()
            times.append(elapsed)
        times = times[1:]  # the first warms the caches
        result[name] = {
            "queries": len(statements),
            "writes": sum(1 for s in statements if WRITE_RE.match(s)),
            **summary(times),
            "error": error,
        }
    conn.close()
    return result


# --- Server -------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def compose_web_command(port: int) -> list[str]:
    """docker-compose.yml's `web` command, ${VAR:-default} expanded, bound to 127.0.0.1:port."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = compose["services"]["web"]["command"]
    if isinstance(command, list):
        command = " ".join(command)

    def expand(match):
        return os.environ.get(match.group(1)) or match.group(2)

    command = re.sub(r"\$\{(\w+):-([^}]*)\}", expand, command)
    args = command.split()
    if "--bind" in args:
        args[args.index("--bind") + 1] = f"127.0.0.1:{port}"
    else:
        args += ["--bind", f"127.0.0.1:{port}"]
    binary = VENV_BIN / args[0]
    args[0] = str(binary) if binary.exists() else args[0]
    return args


class Server:
    def __init__(self, env: dict, workdir: Path):
        self.port = free_port()
        self.host = f"http://127.0.0.1:{self.port}"
        self.command = compose_web_command(self.port)
        self.log = open(workdir / "gunicorn.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                live = f"{self.host}/healthz/live"  # loopback, http: built above
                with urllib.request.urlopen(live, timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
            if self.process.poll() is not None:
                break
        self.stop()
        raise SystemExit(f"gunicorn did not start: see {workdir / 'gunicorn.log'}")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()


# --- Profile ---------------------------------------------------------------------------------------
def start_py_spy(server: Server, args, size: int) -> dict:
    """py-spy on gunicorn and its workers for the mix (after its warm-up), as collapsed stacks."""
    out = Path(args.results) / "profiles" / f"{args.run_id}-{size}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [
        str(VENV_BIN / "py-spy"),
        "record",
        "--subprocesses",
        "--nonblocking",
        "--rate",
        "50",
        "--format",
        "raw",
        "--full-filenames",
        "--duration",
        str(args.duration),
        "--output",
        str(out),
        "--pid",
        str(server.process.pid),
    ]
    log(f"py-spy: sampling the server during the mix into {out}")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    return {"out": out, "process": process}


def finish_py_spy(spy: dict) -> dict:
    spy["process"].wait(timeout=600)
    return {"path": str(spy["out"].relative_to(ROOT)), "heaviest": heaviest_functions(spy["out"])}


def heaviest_functions(path: Path, top: int = 20) -> dict:
    """From collapsed stacks ("frame;frame;... count" per line; py-spy leaves idle threads out):
    the share of the samples spent waiting for PostgreSQL, for Redis, rendering templates and
    compressing, and the functions of ours (views, selectors, services: middleware left out, every
    request passes through it) that the most samples pass through."""
    total, inclusive = 0, {}
    kinds = {"waiting for PostgreSQL": 0, "waiting for Redis": 0, "rendering templates": 0, "gzip": 0}
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit() or "WSGIHandler.__call__" not in stack:
            continue  # gunicorn's own loop (accepting, polling) is not a request's cost
        n, frames = int(count), stack.split(";")
        total += n
        leaf = frames[-1]
        if "CursorWrapper._execute " in leaf or "psycopg2" in leaf:
            kinds["waiting for PostgreSQL"] += n
        elif "/redis/" in leaf:
            kinds["waiting for Redis"] += n
        if any("Template.render " in frame for frame in frames):
            kinds["rendering templates"] += n
        if any("gzip.py" in frame for frame in frames):
            kinds["gzip"] += n
        seen = set()
        for frame in frames:
            name, _, where = frame.partition(" (")
            if str(ROOT) not in where or "/.venv/" in where or "Middleware" in name:
                continue
            label = f"{name} ({where.split(':')[0].replace(str(ROOT) + '/', '')})"
            if label not in seen:
                seen.add(label)
                inclusive[label] = inclusive.get(label, 0) + n
    if not total:
        return {"samples": 0, "kinds": {}, "functions": []}
    ranked = sorted(inclusive.items(), key=lambda item: -item[1])[:top]
    return {
        "samples": total,
        "kinds": {kind: round(n / total, 3) for kind, n in kinds.items()},
        "functions": [{"function": name, "share": round(n / total, 3)} for name, n in ranked],
    }


# --- Load ------------------------------------------------------------------------------------------
def _process_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def service_cpu(server: Server) -> dict[str, float]:
    """CPU seconds used so far by gunicorn (master and workers), PostgreSQL and Redis (every
    process of theirs on this machine: only the bench loads them while it runs)."""
    try:
        workers = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()
    except OSError:
        workers = []
    totals = {"gunicorn": sum(_process_cpu(int(pid)) for pid in [server.process.pid, *workers])}
    totals.update(postgres=0.0, redis=0.0)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if name == "postgres":
            totals["postgres"] += _process_cpu(int(entry.name))
        elif name.startswith("redis-server"):
            totals["redis"] += _process_cpu(int(entry.name))
    return totals


def run_locust(server: Server, fixture: Path, workdir: Path, label: str, classes: list[str], args) -> dict:
    samples = workdir / f"samples-{label}"
    env = {
        **os.environ,
        "BENCH_FIXTURE": str(fixture),
        "BENCH_SAMPLES": str(samples),
        "BENCH_WARMUP": str(args.warmup),
        "BENCH_CONNECTION_CLOSE": "1" if args.connections == "per-request" else "0",
    }
    duration = args.floor_duration if label in ("floor", "signed_floor") else args.duration
    command = [
        str(VENV_BIN / "locust"),
        "-f",
        str(BENCH / "locustfile.py"),
        "--headless",
        "--only-summary",
        "--loglevel",
        "WARNING",
        "-u",
        str(args.users),
        "-r",
        str(args.users),
        "-t",
        f"{duration + args.warmup}s",
        "-H",
        server.host,
        "--exit-code-on-error",
        "0",
    ]
    if args.locust_processes > 1:
        command += ["--processes", str(args.locust_processes)]
    command += classes
    log(f"locust {label}: {args.users} users, {duration} s (+{args.warmup} s warm-up)")
    cpu_marks = {}
    timer = threading.Timer(args.warmup + 1, lambda: cpu_marks.update(start=service_cpu(server)))
    with open(workdir / f"locust-{label}.log", "w") as out:
        timer.start()
        try:
            subprocess.run(
                command,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=True,
                timeout=duration + 300,
            )
        finally:
            timer.cancel()
            cpu_marks["end"] = service_cpu(server)
    merged, errors, windows = {}, {}, []
    for path in glob.glob(f"{samples}.*"):
        data = json.loads(Path(path).read_text())
        if not data["samples"] and not data["errors"]:
            continue  # the master process of --processes records nothing
        windows.append(data["window"])
        for name, values in data["samples"].items():
            merged.setdefault(name, []).extend(values)
        for name, n in data["errors"].items():
            errors[name] = errors.get(name, 0) + n
    seconds = max((w["end"] - w["start"] for w in windows), default=0) or duration
    endpoints = {}
    for name in sorted(set(merged) | set(errors)):
        values = merged.get(name, [])
        endpoints[name] = {
            **summary(values),
            "rps": round(len(values) / seconds, 1),
            "errors": errors.get(name, 0),
        }
    total = sum(len(v) for v in merged.values())
    cpu = {}
    if "start" in cpu_marks and total:
        # CPU time of the server side per request, over the measured window (after the warm-up):
        # steadier than throughput when the machine's speed drifts, since both sides pay the same.
        for name in cpu_marks["end"]:
            spent = cpu_marks["end"][name] - cpu_marks["start"].get(name, 0.0)
            cpu[name] = round(spent * 1000 / total, 2)
        cpu["total"] = round(sum(cpu.values()), 2)
    return {
        "seconds": round(seconds, 1),
        "rps": round(total / seconds, 1),
        "cpu_ms_per_request": cpu,
        "endpoints": endpoints,
        "errors": sum(errors.values()),
    }


def hotspot(server: Server, fixture: Path, workdir: Path, database: str) -> dict:
    data = json.loads(fixture.read_text())
    idea, voters = data["hot"]["idea"], [v["id"] for v in data["hot"]["voters"]]

    def count():
        with psycopg2.connect(db_url(database)) as conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM ideas_vote WHERE idea_id = %s", [idea])
            votes = cur.fetchone()[0]
            cur.execute(
                "SELECT count(*), count(DISTINCT voter_id) FROM ideas_vote "
                "WHERE idea_id = %s AND voter_id = ANY(%s)",
                [idea, voters],
            )
            mine, distinct = cur.fetchone()
            cur.execute("SELECT vote_count FROM ideas_idea WHERE id = %s", [idea])
            counter = cur.fetchone()[0]
        return votes, mine, distinct, counter

    def burst(kind: str) -> dict:
        out = workdir / f"hot-{kind}.json"
        subprocess.run(
            [
                PY,
                str(BENCH / "hotspot.py"),
                "--host",
                server.host,
                "--fixture",
                str(fixture),
                "--kind",
                kind,
                "--out",
                str(out),
            ],
            cwd=ROOT,
            check=True,
            timeout=600,
        )
        return json.loads(out.read_text())

    log(f"hot spot: {len(voters)} simultaneous requests, floor then votes on idea {idea}")
    floors = [burst("floor") for _ in range(3)]
    floor_p95 = statistics.median(pct(f["times_ms"], 0.95) for f in floors)
    before = count()
    votes = burst("vote")
    after = count()
    ok_status = sum(1 for s in votes["statuses"] if s == 200)
    counted = after[0] - before[0]
    result = {
        "idea": idea,
        "voters": len(voters),
        "http_200": ok_status,
        "statuses": sorted(set(votes["statuses"])),
        "votes_before": before[0],
        "votes_after": after[0],
        "counted": counted,
        "distinct_voters_stored": after[2],
        "rows_of_these_voters": after[1],
        "counter_after": after[3],
        "counter_matches": after[3] == after[0],
        "vote": summary(votes["times_ms"]),
        "vote_wall_s": round(votes["wall_s"], 3),
        "floor": summary([t for f in floors for t in f["times_ms"]]),
        "floor_p95_median_of_3": floor_p95,
    }
    result["all_counted"] = (
        counted == len(voters) and after[1] == after[2] == len(voters) and result["counter_matches"]
    )
    result["p95_ratio"] = ratio(result["vote"]["p95"], floor_p95)
    return result


# --- Extras ------------------------------------------------------------------------------------------
def run_extras(args, redis_url: str | None, static_root: Path) -> list[dict]:
    scripts = sorted(BENCH.glob("extra_*.py"))
    results = []
    if not scripts:
        return results
    name = "ideabox_bench_extra"
    for script in scripts:
        recreate_database(name)
        env = django_env(name, redis_url, static_root)
        manage(env, "migrate", "--no-input", "-v0")
        out = Path(tempfile.mkstemp(suffix=".json")[1])
        command = [PY, str(script), "--out", str(out)] + (["--quick"] if args.quick else [])
        log(f"extra: {script.name}")
        started = time.monotonic()
        entry = {
            "script": script.name,
            "command": " ".join(
                ["python", f"bench/{script.name}", "--out", "FILE.json"] + (["--quick"] if args.quick else [])
            ),
        }
        try:
            proc = subprocess.run(
                command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=args.extra_timeout
            )
            entry["seconds"] = round(time.monotonic() - started, 1)
            if proc.returncode != 0:
                entry.update(
                    status="failed", error=f"exit {proc.returncode}: {(proc.stderr or proc.stdout)[-800:]}"
                )
            else:
                payload = json.loads(out.read_text())
                if not isinstance(payload.get("rows"), list):
                    raise ValueError("no rows list in its JSON")
                entry.update(
                    status="ok",
                    title=payload.get("title", script.name),
                    rows=payload["rows"],
                    notes=payload.get("notes", ""),
                )
        except (subprocess.TimeoutExpired, ValueError, json.JSONDecodeError, OSError) as exc:
            entry.update(status="failed", error=f"{exc.__class__.__name__}: {exc}"[:800])
            entry.setdefault("seconds", round(time.monotonic() - started, 1))
        out.unlink(missing_ok=True)
        results.append(entry)
    return results


# --- One size -----------------------------------------------------------------------------------------
def bench_size(size: int, args, redis_url: str | None, static_root: Path, workdir: Path) -> dict:
    def env_for(name):
        return django_env(name, redis_url, static_root)

    dataset = ensure_dataset(size, args.seed, env_for, args.rebuild)
    database = dataset["database"]
    dataset["counts"] = dataset_counts(database)
    env = env_for(database)
    fixture = workdir / f"fixture-{size}.json"
    log("fixture: sessions, targets and the SQL of each page")
    subprocess.run(
        [
            PY,
            str(BENCH / "prepare.py"),
            "--out",
            str(fixture),
            "--employees",
            str(args.users + 10),
            "--hot-voters",
            str(args.hot_voters),
            "--seed",
            str(int(time.time())),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=1200,
    )
    pages = json.loads(fixture.read_text())["pages"]
    log("database floor: each page's SQL alone with psycopg2")
    db_floor = database_floor(database, pages, repeat=args.sql_repeat)
    server = Server(env, workdir)
    try:
        floor = run_locust(server, fixture, workdir, "floor", ["FloorUser"], args)
        signed = run_locust(server, fixture, workdir, "signed_floor", ["SignedFloorUser"], args)
        spy = start_py_spy(server, args, size) if args.py_spy else None
        mix = run_locust(server, fixture, workdir, "mix", ["Employee", "Correspondent", "Executive"], args)
        if spy is not None:
            mix["profile"] = finish_py_spy(spy)
        hot = hotspot(server, fixture, workdir, database)
    finally:
        server.stop()
    return {
        "size": size,
        "dataset": dataset,
        "server": " ".join(server.command),
        "framework_floor": floor["endpoints"].get("floor", {})
        | {"rps": floor["rps"], "errors": floor["errors"], "cpu_ms_per_request": floor["cpu_ms_per_request"]},
        "signed_floor": signed["endpoints"].get("signed_floor", {})
        | {key: signed[key] for key in ("rps", "errors", "cpu_ms_per_request")},
        "mix": mix,
        "database_floor": db_floor,
        "hotspot": hot,
    }


def assess(result: dict) -> list[dict]:
    """Targets: each as a row with its value, target and ok/missed."""
    floor = result["framework_floor"]
    endpoints = result["mix"]["endpoints"]
    rows = []
    for name, limit in P50_TARGETS.items():
        e = endpoints.get(name, {})
        value = ratio(e.get("p50"), floor.get("p50"))
        rows.append(
            {
                "metric": f"{name} p50 / floor p50",
                "value": value,
                "target": f"<= {limit}",
                "ok": value is not None and value <= limit,
            }
        )
    for name in ("list", "detail", "vote"):
        e = endpoints.get(name, {})
        value = ratio(e.get("p99"), e.get("p50"))
        rows.append(
            {
                "metric": f"{name} p99 / own p50",
                "value": value,
                "target": f"<= {TAIL_TARGET}",
                "ok": value is not None and value <= TAIL_TARGET,
            }
        )
    value = ratio(result["mix"]["rps"], floor.get("rps"))
    rows.append(
        {
            "metric": "mix throughput / floor throughput",
            "value": value,
            "target": f">= {MIX_THROUGHPUT_TARGET}",
            "ok": value is not None and value >= MIX_THROUGHPUT_TARGET,
        }
    )
    hot = result["hotspot"]
    rows.append(
        {
            "metric": f"hot spot: {hot['voters']} votes counted, none lost or doubled",
            "value": hot["counted"],
            "target": f"== {hot['voters']}",
            "ok": bool(hot["all_counted"]),
        }
    )
    rows.append(
        {
            "metric": "hot spot vote p95 / floor p95",
            "value": hot["p95_ratio"],
            "target": f"< {HOT_P95_TARGET}",
            "ok": hot["p95_ratio"] is not None and hot["p95_ratio"] < HOT_P95_TARGET,
        }
    )
    errors = result["mix"]["errors"]
    rows.append({"metric": "mix: failed requests", "value": errors, "target": "== 0", "ok": errors == 0})
    return rows


# --- Report ----------------------------------------------------------------------------------------------
def fmt(value, digits=1):
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def previous_run(results_dir: Path, current: str, sizes: list[int]) -> dict | None:
    """The latest earlier run with a size in common (else the latest run, for the record)."""
    runs = sorted((p for p in results_dir.glob("*.json") if p.stem < current), reverse=True)
    loaded = []
    for path in runs:
        try:
            run = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        loaded.append(run)
        if {r.get("size") for r in run.get("sizes", [])} & set(sizes):
            return run
    return loaded[0] if loaded else None


def comparable(run: dict) -> dict[tuple[int, str], float]:
    """Every ratio of a run, keyed by (size, metric), for the regression table."""
    values = {}
    for result in run.get("sizes", []):
        size = result["size"]
        for row in result.get("targets", []):
            if isinstance(row.get("value"), int | float) and not isinstance(row.get("value"), bool):
                values[(size, row["metric"])] = row["value"]
        floor = result["framework_floor"]
        if cpu_ratio(result):
            values[(size, "mix server CPU per request / floor's")] = cpu_ratio(result)
        for name, e in result["mix"]["endpoints"].items():
            values[(size, f"{name} p50 / floor p50")] = ratio(e.get("p50"), floor.get("p50"))
            db = result["database_floor"].get(name, {})
            values[(size, f"{name} p50 / its SQL p50")] = ratio(e.get("p50"), db.get("p50"))
    return {k: v for k, v in values.items() if v is not None}


def regression(previous: dict | None, current: dict) -> list[dict]:
    if not previous:
        return []
    before, now = comparable(previous), comparable(current)
    rows = []
    for key in sorted(set(before) & set(now), key=lambda k: (k[0], k[1])):
        change = (now[key] - before[key]) / before[key] * 100 if before[key] else None
        rows.append(
            {
                "size": key[0],
                "metric": key[1],
                "previous": before[key],
                "current": now[key],
                "change_percent": round(change, 1) if change is not None else None,
            }
        )
    return rows


def cpu_text(cpu: dict | None) -> str:
    if not cpu:
        return "server CPU per request not measured"
    parts = ", ".join(f"{name} {cpu[name]:.2f}" for name in ("gunicorn", "postgres", "redis") if name in cpu)
    return f"server CPU {cpu['total']:.2f} ms per request ({parts})"


def signed_floor_lines(result: dict) -> list[str]:
    """The signed-in floor: what identifying the person costs before any page's own work."""
    signed, floor = result.get("signed_floor"), result["framework_floor"]
    if not signed:
        return []
    cpu = (signed.get("cpu_ms_per_request") or {}).get("total")
    floor_cpu = (floor.get("cpu_ms_per_request") or {}).get("total")
    return [
        f"- Signed-in floor (`/healthz/live` with an employee's session: session, user and visit, no page): "
        f"p50 {fmt(signed.get('p50'))} ({fmt(ratio(signed.get('p50'), floor.get('p50')), 2)}x the floor's), "
        f"{fmt(signed.get('rps'))} requests/s ({fmt(ratio(signed.get('rps'), floor.get('rps')), 2)} of the "
        f"floor's), {signed.get('errors', 0)} errors; {cpu_text(signed.get('cpu_ms_per_request'))}"
        + (f" ({fmt(ratio(cpu, floor_cpu), 1)}x the floor's)." if ratio(cpu, floor_cpu) else ".")
    ]


def cpu_ratio(result: dict) -> float | None:
    """The mix's server CPU per request over the floor's: what a request of the mix costs, in
    floor requests, whatever the machine's speed at the time."""
    mix = (result["mix"].get("cpu_ms_per_request") or {}).get("total")
    floor = (result["framework_floor"].get("cpu_ms_per_request") or {}).get("total")
    return ratio(mix, floor)


def table_row(*cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def markdown(run: dict) -> str:
    m, load = run["machine"], run["load"]
    lines = [
        f"# Bench run {run['id']}",
        "",
        f"- Date: {run['date']} — command: `{run['command']}` — commit {run['commit']}",
        f"- Machine: {m['cores']} cores, load average before the run {m['load_before']}, "
        f"after {m.get('load_after', '–')}, Python {m['python']}",
        f"- Load: locust {load['locust']} headless, {load['users']} users in a closed loop (no wait), "
        f"{load['processes']} load-generator process(es) on the same cores as the server, "
        f"connections {load.get('connections', 'keep-alive')}; "
        f"{load['duration']} s measured after {load['warmup']} s of warm-up "
        f"(floor: {load['floor_duration']} s).",
        "- Times in ms. Ratios: to the framework floor (`/healthz/live` on the same server, same users) "
        "and to the database floor (the page's own SQL, replayed alone with psycopg2).",
        "",
    ]
    for result in run["sizes"]:
        d, floor, mix = result["dataset"], result["framework_floor"], result["mix"]
        counts = ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in d["counts"].items())
        origin = f"reused, seeded {d['seeded_at']}" if d["reused"] else "seeded in this run"
        lines += [
            f"## {result['size']:,} employees",
            "",
            f"- Dataset `{d['database']}`: {counts}.",
            f"- seed_demo: {fmt(d['seed_seconds'], 0)} s ({origin}).",
            f"- Server: `{result['server']}`",
            f"- Framework floor `/healthz/live`: p50 {fmt(floor.get('p50'))}, p95 {fmt(floor.get('p95'))}, "
            f"p99 {fmt(floor.get('p99'))}, {fmt(floor.get('rps'))} requests/s, "
            f"{floor.get('errors', 0)} errors; {cpu_text(floor.get('cpu_ms_per_request'))}.",
            *signed_floor_lines(result),
            f"- Mix: {fmt(mix['rps'])} requests/s over {mix['seconds']} s, {mix['errors']} failed; "
            f"{cpu_text(mix.get('cpu_ms_per_request'))}"
            + (f" ({fmt(cpu_ratio(result), 1)}x the floor's)." if cpu_ratio(result) else "."),
            "",
            table_row(
                "page",
                "n",
                "req/s",
                "p50",
                "p95",
                "p99",
                "p50 / floor p50",
                "p99 / p50",
                "SQL queries",
                "SQL p50",
                "p50 / SQL p50",
                "errors",
            ),
            table_row(*["---"] * 12),
        ]
        for name, e in mix["endpoints"].items():
            db = result["database_floor"].get(name, {})
            lines.append(
                table_row(
                    name,
                    e["n"],
                    fmt(e["rps"]),
                    fmt(e["p50"]),
                    fmt(e["p95"]),
                    fmt(e["p99"]),
                    fmt(ratio(e["p50"], floor.get("p50")), 2),
                    fmt(ratio(e["p99"], e["p50"]), 2),
                    db.get("queries", "–"),
                    fmt(db.get("p50"), 2),
                    fmt(ratio(e["p50"], db.get("p50")), 1),
                    e["errors"],
                )
            )
        for name, db in result["database_floor"].items():
            if name not in mix["endpoints"]:  # captured and timed, but no response in the window
                lines.append(
                    table_row(
                        name,
                        0,
                        "–",
                        "–",
                        "–",
                        "–",
                        "–",
                        "–",
                        db.get("queries", "–"),
                        fmt(db.get("p50"), 2),
                        "–",
                        "–",
                    )
                )
        failed_sql = {n: db["error"] for n, db in result["database_floor"].items() if db.get("error")}
        if failed_sql:
            lines += ["", "SQL replay errors: " + "; ".join(f"{k}: {v}" for k, v in failed_sql.items())]
        profile = (result["mix"].get("profile") or {}).get("heaviest")
        if isinstance(profile, dict) and profile.get("samples"):
            kinds = ", ".join(f"{kind} {share:.0%}" for kind, share in profile["kinds"].items())
            lines += [
                "",
                f"Profile of the mix (py-spy, {profile['samples']:,} samples of request threads, "
                f"`{result['mix']['profile']['path']}`; sampling slows the server, so compare "
                f"throughputs with runs without it): {kinds}.",
                "",
                table_row("function of ours (inclusive)", "share of samples"),
                table_row("---", "---"),
                *(table_row(f"`{f['function']}`", f"{f['share']:.1%}") for f in profile["functions"]),
            ]
        hot = result["hotspot"]
        matches = "matches" if hot["counter_matches"] else "DOES NOT match"
        lines += [
            "",
            f"Hot spot: {hot['voters']} people vote on idea {hot['idea']} at the same instant. "
            f"HTTP 200: {hot['http_200']} (statuses {hot['statuses']}); votes {hot['votes_before']} → "
            f"{hot['votes_after']} (+{hot['counted']}), "
            f"{hot['distinct_voters_stored']} distinct voters stored, "
            f"counter {hot['counter_after']} ({matches} COUNT(*)). Vote p50 {fmt(hot['vote']['p50'])}, "
            f"p95 {fmt(hot['vote']['p95'])}, burst done in {hot['vote_wall_s']} s; floor burst p95 "
            f"{fmt(hot['floor_p95_median_of_3'])} (median of 3 bursts of {hot['voters']} `/healthz/live`).",
            "",
            f"Targets (defined at {TARGET_SIZE:,} employees"
            f"{'' if result['size'] == TARGET_SIZE else '; shown here for comparison'}):",
            "",
            table_row("metric", "value", "target", ""),
            table_row(*["---"] * 4),
        ]
        for row in result["targets"]:
            lines.append(
                table_row(row["metric"], fmt(row["value"], 2), row["target"], "ok" if row["ok"] else "missed")
            )
        lines.append("")
    if run["extras"]:
        lines += ["## Extra benchmarks (bench/extra_*.py)", ""]
        for extra in run["extras"]:
            if extra["status"] != "ok":
                error = extra.get("error", "").replace("\n", " ")
                lines += [f"- `{extra['command']}`: **failed** after {extra.get('seconds')} s — {error}", ""]
                continue
            lines += [
                f"### {extra['title']} (`{extra['command']}`, {extra['seconds']} s)",
                "",
                table_row("metric", "value", "unit", "target", ""),
                table_row(*["---"] * 5),
            ]
            for row in extra["rows"]:
                ok = {True: "ok", False: "missed"}.get(row.get("ok"), "")
                lines.append(
                    table_row(
                        row.get("metric"),
                        fmt(row.get("value"), 2),
                        row.get("unit", ""),
                        row.get("target", ""),
                        ok,
                    )
                )
            if extra.get("notes"):
                lines += ["", extra["notes"]]
            lines.append("")
    lines += ["## Regression against the previous run", ""]
    if run["previous"] is None:
        lines.append("No previous run in bench/results/.")
    elif not run["regression"]:
        lines.append(f"Previous run {run['previous']} has no size in common with this one.")
    else:
        lines += [
            f"Previous run: {run['previous']}. Ratios (lower is better, except throughput and counts).",
            "",
            table_row("size", "metric", "previous", "now", "change"),
            table_row(*["---"] * 5),
        ]
        for row in run["regression"]:
            lines.append(
                table_row(
                    f"{row['size']:,}",
                    row["metric"],
                    fmt(row["previous"], 2),
                    fmt(row["current"], 2),
                    f"{fmt(row['change_percent'])} %",
                )
            )
    return "\n".join(lines) + "\n"


def collected_static(redis_url: str | None) -> Path:
    """collectstatic (compressed, hashed names: as in production) once per version of the static
    files and packages, kept in bench/.cache/ since compressing them takes a minute or two."""
    digest = hashlib.sha256((ROOT / "requirements.lock").read_bytes())
    for path in sorted((ROOT / "frontend" / "static").rglob("*")):
        if path.is_file():
            digest.update(f"{path}:{path.stat().st_size}:{path.stat().st_mtime_ns}".encode())
    target = BENCH / ".cache" / f"static-{digest.hexdigest()[:12]}"
    if (target / "staticfiles.json").exists():
        return target
    log(f"collectstatic into {target}")
    shutil.rmtree(BENCH / ".cache", ignore_errors=True)
    manage(django_env("postgres", redis_url, target), "collectstatic", "--no-input", "-v0")
    return target


def redis_available(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 50000, 200000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="shorter runs (make bench-quick)")
    parser.add_argument("--users", type=int, default=50, help="concurrent locust users (default 50)")
    parser.add_argument("--duration", type=int, help="seconds of the mix (60, quick 30)")
    parser.add_argument("--floor-duration", type=int, help="seconds of the floor run (30, quick 15)")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--hot-voters", type=int, default=200)
    parser.add_argument("--sql-repeat", type=int, help="replays of each page's SQL (50, quick 20)")
    parser.add_argument("--locust-processes", type=int, default=1)
    parser.add_argument(
        "--connections",
        choices=["per-request", "keep-alive"],
        default=os.environ.get("BENCH_CONNECTIONS", "per-request"),
        help="per-request (default): a connection per request, as nginx opens them to gunicorn in "
        "docker-compose.yml (deploy/nginx.conf has no upstream keepalive); keep-alive: each "
        "simulated person keeps one connection, pinned to one gunicorn worker",
    )
    parser.add_argument(
        "--py-spy",
        action="store_true",
        help="sample the server's processes with py-spy during the mix; the profile (collapsed "
        "stacks) and its heaviest functions go next to the report",
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="seed again even when the database is reusable"
    )
    parser.add_argument("--no-extras", action="store_true")
    parser.add_argument("--extra-timeout", type=int, default=1800)
    parser.add_argument("--results", default=str(BENCH / "results"))
    args = parser.parse_args()
    args.duration = args.duration or (30 if args.quick else 60)
    args.floor_duration = args.floor_duration or (15 if args.quick else 30)
    args.sql_repeat = args.sql_repeat or (20 if args.quick else 50)

    results_dir = Path(args.results)
    results_dir.mkdir(parents=True, exist_ok=True)
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    if not redis_available(redis_url):
        log(f"Redis at {redis_url} does not answer: the server runs with its in-process cache")
        redis_url = None
    started = datetime.now(UTC)
    run_id = started.strftime("%Y%m%dT%H%M%SZ")
    args.run_id = run_id
    workdir = Path(tempfile.mkdtemp(prefix="ideabox-bench-"))
    static_root = collected_static(redis_url)
    log(f"work files in {workdir}")
    import locust

    run = {
        "id": run_id,
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python bench/run.py " + " ".join(sys.argv[1:]),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "machine": {
            "cores": os.cpu_count(),
            "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "python": platform.python_version(),
        },
        "load": {
            "locust": locust.__version__,
            "users": args.users,
            "processes": args.locust_processes,
            "connections": args.connections,
            "duration": args.duration,
            "floor_duration": args.floor_duration,
            "warmup": args.warmup,
        },
        "sizes": [],
    }
    for size in args.sizes:
        log(f"=== {size} employees ===")
        result = bench_size(size, args, redis_url, static_root, workdir)
        result["targets"] = assess(result)
        run["sizes"].append(result)
        for row in result["targets"]:
            log(
                f"  {row['metric']}: {fmt(row['value'], 2)} ({row['target']}) "
                + ("ok" if row["ok"] else "MISSED")
            )
    run["extras"] = [] if args.no_extras else run_extras(args, redis_url, static_root)
    previous = previous_run(results_dir, run_id, args.sizes)
    run["previous"] = previous["id"] if previous else None
    run["regression"] = regression(previous, run)
    run["machine"]["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    run["seconds"] = round((datetime.now(UTC) - started).total_seconds())
    (results_dir / f"{run_id}.json").write_text(json.dumps(run, indent=1, default=str))
    (results_dir / f"{run_id}.md").write_text(markdown(run))
    shutil.rmtree(workdir, ignore_errors=True)
    log(f"done in {run['seconds']} s: {results_dir / (run_id + '.md')}")


if __name__ == "__main__":
    main()
