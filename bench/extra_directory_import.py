"""Benchmark: HR directory import of a 5,000-line file (target < 30 s), then the same file again.

    DATABASE_URL=postgres://.../ideabox_bench REDIS_URL=redis://... \
        .venv/bin/python bench/extra_directory_import.py --out results/directory.json [--quick]

The database of DATABASE_URL is migrated and FLUSHED: point it at a dedicated bench database.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ("email", "name", "entity_path", "manager_email", "job_title", "site", "language", "roles")


def directory_file(size: int, subsidiaries: int = 12, departments: int = 8) -> bytes:
    """A group, its CEO, one head per subsidiary, team leads per department, everyone else below."""
    rows = [["ceo@bench.example.com", "Chief Executive", "Group", "", "CEO", "Paris", "fr", "executive"]]
    heads, leads = [], {}
    for sub in range(subsidiaries):
        email = f"head{sub}@bench.example.com"
        heads.append(email)
        path = f"Group/Subsidiary {sub}"
        ceo = "ceo@bench.example.com"
        rows.append([email, f"Head {sub}", path, ceo, "Managing director", "Paris", "fr", ""])
        for dept in range(departments):
            lead = f"lead{sub}.{dept}@bench.example.com"
            leads[(sub, dept)] = lead
            dept_path = f"{path}/Dept {dept}"
            rows.append([lead, f"Lead {sub}.{dept}", dept_path, email, "Team lead", "Lyon", "fr", ""])
    index = 0
    while len(rows) < size:
        sub, dept = index % subsidiaries, (index // subsidiaries) % departments
        roles = "expert" if index % 40 == 0 else ("correspondent" if index % 97 == 0 else "")
        rows.append(
            [
                f"person{index}@bench.example.com",
                f"Person {index}",
                f"Group/Subsidiary {sub}/Dept {dept}/Team {index % 3}",
                leads[(sub, dept)],
                "Engineer",
                ("Paris", "Lyon", "Lille")[index % 3],
                "en" if index % 4 == 0 else "fr",
                roles,
            ]
        )
        index += 1
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows[:size])
    return buffer.getvalue().encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="JSON file to write")
    parser.add_argument("--quick", action="store_true", help="one run instead of three")
    parser.add_argument("--lines", type=int, default=5000)
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        print("DATABASE_URL must point at a dedicated Postgres bench database", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.directory import directory_import

    call_command("migrate", verbosity=0, interactive=False)
    data = directory_file(args.lines)
    runs = 1 if args.quick else 3
    first, again, dry = [], [], []
    for _ in range(runs):
        call_command("flush", verbosity=0, interactive=False)
        started = time.perf_counter()
        report = directory_import(data=data)
        first.append(time.perf_counter() - started)
        assert report.created == args.lines, report.summary()  # noqa: S101
        started = time.perf_counter()
        second = directory_import(data=data)
        again.append(time.perf_counter() - started)
        assert second.changed == 0, second.summary()  # noqa: S101
        started = time.perf_counter()
        directory_import(data=data, dry_run=True)
        dry.append(time.perf_counter() - started)

    def row(metric, values, target=None, limit=None):
        value = round(min(values), 2)
        return {
            "metric": metric,
            "value": value,
            "unit": "s",
            "target": target or "",
            "ok": (value < limit) if limit is not None else None,
        }

    result = {
        "title": f"HR directory import ({args.lines:,} lines)",
        "rows": [
            row(f"first import of {args.lines:,} lines (empty database)", first, "< 30 s", 30.0),
            row("re-import of the same file (0 changed)", again, "< 30 s", 30.0),
            row("dry run of the same file", dry),
        ],
        "notes": (
            f"best of {runs}; {report.entities_created} entities created; import of users, entities, "
            "managers and roles in one transaction (accounts/directory.py)."
        ),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
