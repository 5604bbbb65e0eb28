"""What both import commands do: plan, report, write (unless a dry run), complete the counters and
visits of every row of the files, then rebuild points and badges from the history when anything
was written. A run after a failure thereby finishes what the failed run left undone."""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass, field
from pathlib import Path

from ideas.importing.neutral import NeutralImport, Plan
from ideas.importing.reading import Table


@dataclass
class Result:
    plan: Plan
    summary: dict
    dry_run: bool
    seconds: dict[str, float] = field(default_factory=dict)
    rebuilt: dict | None = None
    completed: dict[str, int] = field(default_factory=dict)  # ideas recounted, visits added

    @property
    def written(self) -> int:
        return self.plan.writes + sum(self.completed.values())


def run_import(
    tables: dict[str, Table],
    *,
    dry_run: bool = False,
    entity_prefix: str = "",
    progress: bool = False,
    stream=None,
    rebuild: bool = True,
) -> Result:
    """Plans ``tables`` (validation and comparison with the database), then writes the plan unless
    ``dry_run``. A dry run writes nothing at all. A real run always completes counters and visits
    (a rerun after a failure may have no row left to write, and yet those to finish), and
    rebuilds points and badges when it wrote anything."""
    started = time.monotonic()
    importer = NeutralImport(tables, entity_prefix=entity_prefix)
    plan = importer.plan()
    seconds = {"validate": time.monotonic() - started}
    result = Result(plan=plan, summary=plan.summary(), dry_run=dry_run, seconds=seconds)
    if dry_run:
        return result
    started = time.monotonic()
    result.summary = importer.apply(plan, progress=progress, stream=stream)
    result.completed = importer.completed
    seconds["write"] = time.monotonic() - started
    if rebuild and result.written:
        from gamification.rebuild import rebuild_points_and_badges

        started = time.monotonic()
        # Badges of the imported history are not announced: nobody is told "new badge!" about 2012.
        result.rebuilt = rebuild_points_and_badges(announce=False)
        seconds["points_and_badges"] = time.monotonic() - started
    return result


def report_lines(result: Result) -> list[str]:
    verb = "would" if result.dry_run else "did"
    lines = []
    for name, counts in result.summary.items():
        if not any(counts.values()):
            continue
        lines.append(
            f"{name:<10} {verb} create {counts['create']:>6}, update {counts['update']:>6}; "
            f"unchanged {counts['unchanged']:>6}; rejected {counts['rejected']:>5}"
        )
    rejects, warnings = result.plan.rejects, result.plan.warnings
    lines.append(f"{len(rejects)} row(s) rejected, {len(warnings)} warning(s).")
    return lines


def write_issues(result: Result, path: Path) -> None:
    """Every rejected row and warning as CSV (file, line, outcome, reason)."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "line", "outcome", "reason"])
        for issue in result.plan.issues:
            writer.writerow(
                [issue.file, issue.line, "rejected" if issue.rejected else "warning", issue.reason]
            )
