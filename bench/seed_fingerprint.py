#!/usr/bin/env python
"""Fingerprint of what `seed_demo` writes: one hash per table, to check that a change to the
simulation (or to how it is written) leaves the generated data as it was.

    DATABASE_URL=... .venv/bin/python bench/seed_fingerprint.py --employees 4573 --seed 1 --out FILE.json
    .venv/bin/python bench/seed_fingerprint.py --compare A.json B.json

The database must be empty (it is migrated first). Time is frozen at a fixed instant during the
seed (``django.utils.timezone.now`` patched, and the model defaults that call it), so two runs of
the same code give the same rows but for the salted password hash. Each table also has a
``_content`` hash of its rows without their primary key, in sorted order: rows written from a
Python set get their ids in hash order, which changes with PYTHONHASHSEED. Run the reference
twice: ``--compare`` says which columns are unstable, and a third comparison can leave them out
(``--ignore table.column``).

Hashes are computed over the rows ordered by primary key, in the database's own types: compare
Postgres with Postgres and SQLite with SQLite.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
FROZEN = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def fingerprint() -> dict[str, dict[str, str | int]]:
    from django.apps import apps

    tables: dict[str, dict[str, str | int]] = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [f for f in model._meta.concrete_fields]
        names = [f.attname for f in fields]
        digests = {name: hashlib.sha256() for name in names}
        pk_index = names.index(model._meta.pk.attname)
        contents = []
        for row in model._base_manager.order_by("pk").values_list(*names).iterator(chunk_size=20000):
            for name, value in zip(names, row, strict=True):
                digests[name].update(repr(value).encode() + b"\x00")
            contents.append(repr(row[:pk_index] + row[pk_index + 1 :]))
        # The rows whatever their order and keys (sets of rows written in hash order: a visit's
        # id depends on PYTHONHASHSEED, its content does not).
        content = hashlib.sha256("\n".join(sorted(contents)).encode()).hexdigest()[:16]
        entry: dict[str, str | int] = {"rows": len(contents), "_content": content}
        entry.update({name: digest.hexdigest()[:16] for name, digest in digests.items()})
        tables[model._meta.db_table] = entry
    return tables


def seed(employees: int, seed_value: int) -> float:
    from django.apps import apps
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", "--no-input", verbosity=0)
    # Model defaults hold the real timezone.now (taken at import): frozen too, for the seed.
    clock_fields = [
        field
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.default is timezone.now
    ]
    real_now = timezone.now
    started = time.monotonic()
    with mock.patch("django.utils.timezone.now", return_value=FROZEN) as frozen_now:
        for field in clock_fields:
            field.default = frozen_now
        try:
            call_command("seed_demo", "--employees", str(employees), "--seed", str(seed_value), "--quiet")
        finally:
            for field in clock_fields:
                field.default = real_now
    return time.monotonic() - started


def compare(a: dict, b: dict, ignore: set[str]) -> list[str]:
    differences = []
    for table in sorted(a.keys() | b.keys()):
        left, right = a.get(table, {}), b.get(table, {})
        for column in sorted(left.keys() | right.keys()):
            if f"{table}.{column}" in ignore or f"{table}.*" in ignore:
                continue
            if left.get(column) != right.get(column):
                differences.append(f"{table}.{column}")
    return differences


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=4573)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", help="JSON file to write the fingerprint to")
    parser.add_argument("--compare", nargs=2, metavar=("A", "B"), help="compare two fingerprint files")
    parser.add_argument("--ignore", nargs="*", default=[], help="table.column to leave out of --compare")
    parser.add_argument("--no-seed", action="store_true", help="fingerprint the database as it is")
    args = parser.parse_args()
    if args.compare:
        a, b = (json.loads(Path(p).read_text()) for p in args.compare)
        differences = compare(a["tables"], b["tables"], set(args.ignore))
        for difference in differences:
            print(difference)
        print(f"{len(differences)} column(s) differ")
        return 1 if differences else 0
    if not args.out:
        parser.error("--out is required (or --compare A B)")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    seconds = 0.0 if args.no_seed else seed(args.employees, args.seed)
    report = {
        "employees": args.employees,
        "seed": args.seed,
        "seed_seconds": round(seconds, 1),
        "tables": fingerprint(),
    }
    Path(args.out).write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
    print(f"seeded in {seconds:.1f} s; fingerprint of {len(report['tables'])} tables in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
