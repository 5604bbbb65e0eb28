"""`import_directory FILE.csv [--dry-run]`: apply the HR directory (see accounts/directory.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.directory import COLUMNS, DirectoryFileError, directory_import


class Command(BaseCommand):
    help = (
        "Import the HR directory from a UTF-8 CSV file with the columns "
        + ", ".join(COLUMNS)
        + ": creates and updates people, entities, managers and roles, deactivates people absent "
        "from the file. Idempotent; --dry-run reports what would change and writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file (UTF-8, comma or semicolon separated)")
        parser.add_argument("--dry-run", action="store_true", help="report only, write nothing")
        parser.add_argument(
            "--allow-mass-deactivation",
            action="store_true",
            help="apply even if more than half of the active people are absent from the file",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}") from error
        try:
            report = directory_import(
                data=data,
                dry_run=options["dry_run"],
                allow_mass_deactivation=options["allow_mass_deactivation"],
            )
        except DirectoryFileError as error:
            raise CommandError(f"{path}: {error} Nothing was imported.") from error
        for item in report.rejected:
            self.stderr.write(f"line {item.line}: {item.email or '-'}: {item.reason}")
        for warning in report.warnings:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(report.summary())
        self.stdout.write(f"{report.seconds:.2f} s")
