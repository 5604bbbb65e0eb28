"""Helpers for the import tests: the example directory, the OpenIDEO data, writing small files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "import-example"
OPENIDEO = ROOT.parent / "shared" / "data" / "openideo"
WRITES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE")


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def export(directory: Path, **tables) -> Path:
    """Writes ``tables`` (name -> (header, rows)) as the neutral files of ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, (header, rows) in tables.items():
        write_csv(directory / f"{name}.csv", header, rows)
    return directory


def issues(result) -> list[str]:
    """The import's reported issues, as text."""
    return [str(issue) for issue in result.plan.issues]


def copy_example(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for path in EXAMPLE.glob("*.csv"):
        (target / path.name).write_bytes(path.read_bytes())
    return target


class WriteCounter(CaptureQueriesContext):
    """Captures the statements run; ``writes`` lists those that change data."""

    def __init__(self):
        super().__init__(connection)

    @property
    def writes(self) -> list[str]:
        return [q["sql"][:120] for q in self.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]
