"""Shared options and output of `import_platform` and `import_openideo`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ideas.importing.reading import UnusableFile
from ideas.importing.runner import report_lines, run_import, write_issues

SHOWN_ISSUES = 50


class ImportCommand(BaseCommand):
    default_entity_prefix = ""

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Validate and report; write nothing.")
        parser.add_argument(
            "--entity-prefix",
            default=self.default_entity_prefix,
            help="Entity path under which the imported entities are placed, e.g. 'Group/Imported'"
            + (f" (default {self.default_entity_prefix!r})" if self.default_entity_prefix else ""),
        )
        parser.add_argument("--report", type=Path, help="Write every rejected row and warning to this CSV.")
        parser.add_argument("--no-rebuild", action="store_true", help="Do not rebuild points and badges.")
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")

    def load(self, directory: Path):
        raise NotImplementedError

    def handle(self, *args, directory, dry_run, entity_prefix, report, no_rebuild, quiet, **options):
        try:
            tables = self.load(directory)
        except UnusableFile as error:
            lines = "\n".join(f"  {name}: {message}" for name, message in error.problems)
            raise CommandError(
                f"Nothing imported: {len(error.problems)} file problem(s).\n{lines}"
            ) from error
        result = run_import(
            tables,
            dry_run=dry_run,
            entity_prefix=entity_prefix,
            progress=not quiet,
            stream=self.stderr,
            rebuild=not no_rebuild,
        )
        for issue in result.plan.issues[:SHOWN_ISSUES]:
            self.stdout.write(str(issue))
        if len(result.plan.issues) > SHOWN_ISSUES:
            more = len(result.plan.issues) - SHOWN_ISSUES
            self.stdout.write(f"… and {more} more (use --report FILE for the full list)")
        for line in report_lines(result):
            self.stdout.write(line)
        if report:
            write_issues(result, report)
            self.stdout.write(f"Rejects and warnings written to {report}")
        timing = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
        if dry_run:
            self.stdout.write(self.style.WARNING(f"Dry run: nothing written ({timing})."))
        elif not result.written:
            self.stdout.write(self.style.SUCCESS(f"Already up to date: nothing written ({timing})."))
        else:
            rebuilt = result.rebuilt or {}
            self.stdout.write(
                self.style.SUCCESS(
                    f"Imported ({timing}); counters recounted on {result.completed['counters']} idea(s), "
                    f"{result.completed['visits']} visit(s) added; points rows "
                    f"{rebuilt.get('points_rows', 0)}, badges {rebuilt.get('badges', 0)}."
                )
            )
