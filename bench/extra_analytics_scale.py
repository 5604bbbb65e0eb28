#!/usr/bin/env python
"""Time and peak memory of `recompute_analytics` (the nightly default: this month and the previous
one) on the calibrated simulation at 4,573, 50,000 and 200,000 employees, on Postgres.

    .venv/bin/python bench/extra_analytics_scale.py --out FILE.json [--quick] [--sizes N ...]

DATABASE_URL names a Postgres bench database this script may wipe; each size gets its own database
beside it, ``<name>_<N>`` (e.g. ideabox_bench_4573), seeded once with `seed_demo --employees N
--seed S` and reused while its marker row (size, seed, hash of the simulation code, age) still
matches. Seeding time and peak memory are measured too (seed_demo must scale).

Each measurement runs in a child process; peak RSS is that child's own ru_maxrss (getrusage), which
includes Django, numpy and scipy (the notes give the baseline after django.setup). `--quick` measures 4,573
only, plus the larger sizes whose databases are already seeded. Targets (issue 6): under 5 s at
4,573 and under 60 s at 200,000 on a 2-core machine, time growing about linearly in interactions
(votes + comments + ideas + visits in the windows computed): the growth ratio between two sizes is
(time ratio) / (interactions ratio), 1.0 being linear.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SIZES = [4573, 50000, 200000]
QUICK_SIZES = [4573]
TARGETS = {4573: 5.0, 200000: 60.0}
LINEAR_SLACK = 1.3  # a growth ratio up to this counts as "about linear"
SEED_CODE = ["analytics/simulation.py", "accounts/demo.py", "accounts/management/commands/seed_demo.py"]
MARKER = "bench_seed_marker"


# --- Databases -------------------------------------------------------------------------------
def size_url(base: str, n: int) -> str:
    parts = urlsplit(base)
    name = parts.path.lstrip("/") or "ideabox_bench"
    return urlunsplit(parts._replace(path=f"/{name}_{n}"))


def connect(url: str):
    import psycopg2

    parts = urlsplit(url)
    conn = psycopg2.connect(
        dbname=parts.path.lstrip("/"),
        user=parts.username or "postgres",
        password=parts.password or None,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
    )
    conn.autocommit = True
    return conn


def ensure_database(base: str, url: str, *, fresh: bool) -> None:
    name = urlsplit(url).path.lstrip("/")
    conn = connect(base)  # not `with conn`: psycopg2 would open a transaction, CREATE DATABASE refuses it
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            exists = cur.fetchone() is not None
            if exists and fresh:
                cur.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                exists = False
            if not exists:
                cur.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()


def code_hash() -> str:
    digest = hashlib.sha256()
    for rel in SEED_CODE:
        digest.update((ROOT / rel).read_bytes())
    return digest.hexdigest()[:16]


def read_marker(url: str, n: int, seed: int, max_age_days: float) -> dict | None:
    """The seeding record if this database holds the simulation at this size, seed and code."""
    try:
        conn = connect(url)
    except Exception:
        return None
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass(%s) IS NOT NULL", [MARKER])
            if not cur.fetchone()[0]:
                return None
            columns = "employees, seed, code_hash, seeded_at, seconds, peak_rss_kb"
            cur.execute(f"SELECT {columns} FROM {MARKER} ORDER BY seeded_at DESC LIMIT 1")  # noqa: S608
            row = cur.fetchone()
            if row is None:
                return None
            cur.execute("SELECT count(*) FROM accounts_user")
            users = cur.fetchone()[0]
    finally:
        conn.close()
    employees, row_seed, row_hash, seeded_at, seconds, rss = row
    age = dt.datetime.now(dt.UTC) - seeded_at
    if (employees, row_seed, row_hash, users) != (n, seed, code_hash(), n):
        return None
    if age > dt.timedelta(days=max_age_days):  # the simulated year ends at seeding time
        return None
    return {"seeded_at": seeded_at.isoformat(), "seconds": seconds, "peak_rss_kb": rss, "reused": True}


def write_marker(url: str, n: int, seed: int, seconds: float, rss_kb: int) -> None:
    conn = connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {MARKER} (employees integer, seed integer, code_hash text, "
                "seeded_at timestamptz DEFAULT now(), seconds double precision, peak_rss_kb bigint)"
            )
            cur.execute(f"DELETE FROM {MARKER}")  # noqa: S608 - a constant table name
            cur.execute(
                f"INSERT INTO {MARKER} (employees, seed, code_hash, seconds, peak_rss_kb) "  # noqa: S608
                "VALUES (%s, %s, %s, %s, %s)",
                [n, seed, code_hash(), seconds, rss_kb],
            )
    finally:
        conn.close()


# --- Child processes -------------------------------------------------------------------------
def child_env(url: str) -> dict:
    env = dict(os.environ)
    env.update(DATABASE_URL=url, DEBUG="0", IDEABOX_TESTING="0", CONN_MAX_AGE="0")
    env.setdefault("SECRET_KEY", "bench-only-" + "k" * 50)
    env.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    return env


def run_child(args: list[str], url: str, *, timeout: float) -> tuple[float, int, str]:
    """Runs a child process; returns (wall seconds, peak RSS in KB of that child, stdout)."""
    started = time.monotonic()
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [PYTHON, *args],
        cwd=ROOT,
        env=child_env(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise RuntimeError(f"{' '.join(args)} took more than {timeout:.0f} s") from None
    # The child prints its own peak (getrusage(RUSAGE_SELF) at its end, see child_main): exact for
    # that process alone, whatever else this parent ran before.
    wall = time.monotonic() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}):\n{err[-3000:]}")
    rss = 0
    for line in out.splitlines():
        if line.startswith("BENCH_RSS_KB="):
            rss = int(line.split("=", 1)[1])
    return wall, rss, out


def child_main(mode: str, argv: list[str]) -> None:
    """Inside the child: Django on the size's database."""
    import resource

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report: dict = {"baseline_rss_kb": baseline}
    if mode == "seed":
        n, seed = int(argv[0]), int(argv[1])
        call_command("migrate", "--no-input", verbosity=0)
        started = time.monotonic()
        call_command("seed_demo", "--employees", str(n), "--seed", str(seed), "--quiet")
        report["seconds"] = time.monotonic() - started
    elif mode == "recompute":
        report["interactions"] = interactions()
        before, load = resource.getrusage(resource.RUSAGE_SELF), os.getloadavg()[0]
        started = time.monotonic()
        call_command("recompute_analytics", "--quiet")
        report["seconds"] = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_SELF)
        # CPU of this process only (Postgres works in its own processes): steadier than wall time
        # on a shared machine; the load averages say how loaded it was.
        report["cpu_seconds"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        report["load"] = [round(load, 2), round(os.getloadavg()[0], 2)]
    print("BENCH_JSON=" + json.dumps(report))
    print(f"BENCH_RSS_KB={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}")


def interactions() -> dict:
    """Votes, comments, ideas and visits in the windows the nightly recompute computes."""
    from datetime import timedelta

    from django.utils import timezone

    from analytics.models import Visit
    from analytics.segments import Window, thresholds
    from analytics.snapshots import _month_end, month_starts
    from ideas.models import Comment, Idea, Vote

    now = timezone.now()
    counts = {"votes": 0, "comments": 0, "ideas": 0, "visits": 0, "windows": 0}
    for month in month_starts(months=2, now=now):
        window = Window.ending(_month_end(month, now), thresholds()["window_days"])
        span = {"created_at__gte": window.start, "created_at__lt": window.end}
        counts["votes"] += Vote.objects.filter(**span).count()
        counts["comments"] += Comment.objects.filter(**span, deleted_at__isnull=True).count()
        counts["ideas"] += Idea.objects.filter(**span).count()
        counts["visits"] += Visit.objects.filter(
            day__gte=timezone.localdate(window.start),
            day__lte=timezone.localdate(window.end - timedelta(microseconds=1)),
        ).count()
        counts["windows"] += 1
    counts["total"] = counts["votes"] + counts["comments"] + counts["ideas"] + counts["visits"]
    return counts


def parse_report(out: str) -> dict:
    for line in out.splitlines():
        if line.startswith("BENCH_JSON="):
            return json.loads(line.split("=", 1)[1])
    raise RuntimeError("the child printed no report")


# --- The benchmark ---------------------------------------------------------------------------
def prepare(
    base: str, n: int, seed: int, *, allow_seed: bool, max_age_days: float, reseed: bool
) -> dict | None:
    url = size_url(base, n)
    marker = None if reseed else read_marker(url, n, seed, max_age_days)
    if marker:
        print(f"[{n}] reusing {urlsplit(url).path[1:]} seeded {marker['seeded_at']}", flush=True)
        return marker
    if not allow_seed:
        return None
    print(f"[{n}] seeding {urlsplit(url).path[1:]} (seed_demo --employees {n} --seed {seed})...", flush=True)
    ensure_database(base, url, fresh=True)
    wall, rss, out = run_child([__file__, "--child", "seed", str(n), str(seed)], url, timeout=4 * 3600)
    seconds = parse_report(out)["seconds"]
    write_marker(url, n, seed, seconds, rss)
    print(f"[{n}] seeded in {seconds:.0f} s, peak RSS {rss / 1024:.0f} MB", flush=True)
    return {
        "seeded_at": dt.datetime.now(dt.UTC).isoformat(),
        "seconds": seconds,
        "peak_rss_kb": rss,
        "reused": False,
    }


def measure(base: str, n: int, repeat: int) -> dict:
    url = size_url(base, n)
    runs = []
    for _ in range(repeat):
        _wall, rss, out = run_child([__file__, "--child", "recompute"], url, timeout=3600)
        report = parse_report(out)
        runs.append(
            {
                "seconds": report["seconds"],
                "cpu_seconds": report["cpu_seconds"],
                "load": report["load"],
                "peak_rss_kb": rss,
                "baseline_rss_kb": report["baseline_rss_kb"],
            }
        )
        print(
            f"[{n}] recompute_analytics {report['seconds']:.2f} s (CPU {report['cpu_seconds']:.2f} s, "
            f"load {report['load']}), peak RSS {rss / 1024:.0f} MB",
            flush=True,
        )
    return {
        "seconds": statistics.median(r["seconds"] for r in runs),
        "runs": [round(r["seconds"], 3) for r in runs],
        "cpu_seconds": statistics.median(r["cpu_seconds"] for r in runs),
        "cpu_runs": [round(r["cpu_seconds"], 3) for r in runs],
        "loads": [r["load"] for r in runs],
        "peak_rss_kb": max(r["peak_rss_kb"] for r in runs),
        "baseline_rss_kb": min(r["baseline_rss_kb"] for r in runs),
        "interactions": report["interactions"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="JSON file to write")
    parser.add_argument("--quick", action="store_true", help="4,573 only (plus sizes already seeded)")
    parser.add_argument("--sizes", type=int, nargs="+", help=f"headcounts (default {SIZES})")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=None, help="runs per size (median kept)")
    parser.add_argument("--reseed", action="store_true", help="seed again even if a database is reusable")
    parser.add_argument("--max-age-days", type=float, default=3.0, help="reseed databases older than this")
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child_main(sys.argv[2], sys.argv[3:])
        return 0
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        parser.error("DATABASE_URL must point at a Postgres bench database (postgres://...)")
    sizes = args.sizes or SIZES
    repeat = args.repeat or (1 if args.quick else 3)
    started_at = dt.datetime.now(dt.UTC)
    load = os.getloadavg()
    results: dict[int, dict] = {}
    skipped = []
    for n in sorted(set(sizes if args.sizes or not args.quick else SIZES)):
        allow_seed = bool(args.sizes) or not args.quick or n in QUICK_SIZES
        seeded = prepare(
            base, n, args.seed, allow_seed=allow_seed, max_age_days=args.max_age_days, reseed=args.reseed
        )
        if seeded is None:
            skipped.append(n)
            continue
        results[n] = {"seed": seeded, **measure(base, n, repeat if n <= 50000 else min(repeat, 2))}

    rows = []
    for n, r in results.items():
        target = TARGETS.get(n)
        rows.append(
            {
                "metric": f"recompute_analytics time at {n:,} employees (median of {len(r['runs'])})",
                "value": round(r["seconds"], 3),
                "unit": "s",
                "target": f"< {target:g} s" if target else "",
                "ok": (r["seconds"] < target) if target else None,
            }
        )
        rows.append(
            {
                "metric": f"recompute_analytics CPU time of the process at {n:,} employees (median)",
                "value": round(r["cpu_seconds"], 3),
                "unit": "s",
                "target": "",
                "ok": None,
            }
        )
        rows.append(
            {
                "metric": f"recompute_analytics peak RSS at {n:,} employees",
                "value": round(r["peak_rss_kb"] / 1024, 1),
                "unit": "MB",
                "target": "",
                "ok": None,
            }
        )
        rows.append(
            {
                "metric": f"interactions in the windows at {n:,} employees",
                "value": r["interactions"]["total"],
                "unit": "rows",
                "target": "",
                "ok": None,
            }
        )
        if r["seed"]["seconds"] is None:  # seeded outside this benchmark: nothing measured
            continue
        rows.append(
            {
                "metric": f"seed_demo time at {n:,} employees",
                "value": round(r["seed"]["seconds"], 1),
                "unit": "s",
                "target": "",
                "ok": None,
            }
        )
        rows.append(
            {
                "metric": f"seed_demo peak RSS at {n:,} employees",
                "value": round(r["seed"]["peak_rss_kb"] / 1024, 1),
                "unit": "MB",
                "target": "",
                "ok": None,
            }
        )
    measured = sorted(results)
    for small, large in zip(measured, measured[1:], strict=False):
        a, b = results[small], results[large]
        ratio = (b["seconds"] / a["seconds"]) / (b["interactions"]["total"] / a["interactions"]["total"])
        rows.append(
            {
                "metric": f"growth ratio {small:,} -> {large:,} (time ratio / interactions ratio)",
                "value": round(ratio, 3),
                "unit": "x",
                "target": f"<= {LINEAR_SLACK} (about linear)",
                "ok": ratio <= LINEAR_SLACK,
            }
        )
    for small, large in zip(measured, measured[1:], strict=False):
        a, b = results[small], results[large]
        ratio = (b["cpu_seconds"] / a["cpu_seconds"]) / (
            b["interactions"]["total"] / a["interactions"]["total"]
        )
        rows.append(
            {
                "metric": f"CPU growth ratio {small:,} -> {large:,} (CPU time ratio / interactions ratio)",
                "value": round(ratio, 3),
                "unit": "x",
                "target": "",
                "ok": None,
            }
        )
    notes = [
        f"Started {started_at:%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores, load average {load[0]:.2f}"
        " (a shared machine: other jobs may run at the same time).",
        "recompute_analytics = the nightly default (this month and the previous one, 90-day windows), "
        "run with DEBUG=0 in a child process; time measured around call_command inside the child, "
        "peak RSS = the child's ru_maxrss (Django, numpy and scipy included).",
    ]
    for n, r in results.items():
        i = r["interactions"]
        notes.append(
            f"{n:,}: runs {r['runs']} s wall, {r['cpu_runs']} s CPU, load average before/after "
            f"{r['loads']}; baseline RSS after django.setup "
            f"{r['baseline_rss_kb'] / 1024:.0f} MB; "
            f"interactions {i['total']:,} = {i['votes']:,} votes + {i['comments']:,} comments + "
            f"{i['ideas']:,} ideas + {i['visits']:,} visits over {i['windows']} windows; database "
            f"{'reused, ' if r['seed']['reused'] else ''}seeded {r['seed']['seeded_at'][:16]} "
            f"(seed {args.seed}) "
            + (
                f"in {r['seed']['seconds']:.0f} s."
                if r["seed"]["seconds"] is not None
                else "outside this benchmark (seeding time not measured here)."
            )
        )
    if skipped:
        notes.append(
            f"Not measured (quick run, database not seeded yet): {', '.join(f'{n:,}' for n in skipped)}."
        )
    report = {
        "title": "Analytics recompute at scale (recompute_analytics, Postgres)",
        "rows": rows,
        "notes": " ".join(notes),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
