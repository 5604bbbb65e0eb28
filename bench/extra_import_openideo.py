"""Bench: the full OpenIDEO import (../shared/data/openideo) and the analytics recompute after it.

    DATABASE_URL=postgres://.../bench .venv/bin/python bench/extra_import_openideo.py --out F.json [--quick]

The database given is wiped (migrated, then flushed). Measures wall time, CPU time and peak memory
(ru_maxrss) for: the import (validate, write, points and badges), a second run
(must write nothing) and ``recompute_analytics`` over the whole imported history, each step in its
own process. ``--quick`` stops
after the import and the second run. Target: the import under 60 s on the 2-core machine."""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "openideo"
sys.path.insert(0, str(ROOT))


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 60)  # a throwaway database
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    import django

    django.setup()


def step(name: str) -> dict:
    """One measured step, in its own process so that its peak memory (ru_maxrss) is its own."""
    setup_django()
    from analytics.snapshots import recompute
    from ideas.importing.openideo import load_openideo
    from ideas.importing.runner import run_import

    wall, usage = time.monotonic(), resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
    extra: dict = {}
    if name in ("import", "second"):
        result = run_import(load_openideo(DATA), entity_prefix="OpenIDEO")
        extra = {
            "steps": result.seconds,
            "writes": result.plan.writes,
            "created": sum(t["create"] for t in result.summary.values()),
            "rejected": len(result.plan.rejects),
        }
    else:
        start, end = datetime(2010, 6, 1, tzinfo=UTC), datetime(2013, 12, 1, tzinfo=UTC)
        extra = recompute(months=2, now=end, days=(end - start).days)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "wall": time.monotonic() - wall,
        "cpu": usage.ru_utime + usage.ru_stime - cpu,
        "peak_mb": usage.ru_maxrss / 1024,  # Linux: kilobytes; the whole process, Django included
        **extra,
    }


def run_step(name: str) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--step", name], capture_output=True, text=True, check=True, timeout=1800
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def row(metric, value, unit, target="", ok=None):
    return {"metric": metric, "value": round(value, 1), "unit": unit, "target": target, "ok": ok}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--step", choices=["import", "second", "recompute"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(step(args.step)))
        return 0
    if not args.out:
        parser.error("--out FILE.json is required")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        parser.error("DATABASE_URL must point at a dedicated Postgres bench database (it is wiped)")
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("flush", verbosity=0, interactive=False)
    load = os.getloadavg()[0]
    first = run_step("import")
    second = run_step("second")
    rows = [
        row(
            "OpenIDEO import (validate, write, points and badges), wall",
            first["wall"],
            "s",
            "< 60 s",
            first["wall"] < 60,
        ),
        *[row(f"  of which {name}", seconds, "s") for name, seconds in first["steps"].items()],
        row("OpenIDEO import, CPU time of the importing process", first["cpu"], "s"),
        row("OpenIDEO import, peak memory (process RSS)", first["peak_mb"], "MB"),
        row("second run, wall", second["wall"], "s", "writes nothing", second["writes"] == 0),
    ]
    notes = [
        f"{first['created']} rows created, {first['rejected']} rejected (listed by the command); "
        f"load average {load:.1f} at the start on {os.cpu_count()} cores (other work on the machine "
        "makes wall times longer than CPU times)."
    ]
    if not args.quick:
        recomputed = run_step("recompute")
        rows += [
            row(
                "recompute_analytics over the whole history (2 monthly snapshots), wall",
                recomputed["wall"],
                "s",
            ),
            row("recompute, CPU time", recomputed["cpu"], "s"),
            row("recompute, peak memory (process RSS)", recomputed["peak_mb"], "MB"),
        ]
        notes.append(f"{recomputed['rows']} segment snapshot rows.")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {"title": "Import of the OpenIDEO history", "rows": rows, "notes": " ".join(notes)}, indent=2
        ),
        encoding="utf-8",
    )
    print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
