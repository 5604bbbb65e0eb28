from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config.backups import backup_restore


class Command(BaseCommand):
    help = "Restores a backup folder (from `manage.py backup`) into DATABASE_URL and MEDIA_ROOT."

    def add_arguments(self, parser):
        parser.add_argument("source", help="The backup folder, e.g. backups/ideabox-20260101-020000")
        parser.add_argument("--yes", action="store_true", help="Confirm: the current data is replaced.")

    def handle(self, *args, source, yes=False, **options):
        db = settings.DATABASES["default"]
        if not yes:
            raise CommandError(
                f"This replaces every table of database {db['NAME']!r} on {db.get('HOST') or 'localhost'} "
                f"and the files in {settings.MEDIA_ROOT} with the backup {source}. "
                "Run again with --yes to confirm (make restore FROM=... YES=1)."
            )
        manifest = backup_restore(source=Path(source))
        made, files = manifest.get("created_at"), manifest.get("media_files", 0)
        self.stdout.write(self.style.SUCCESS(f"Restored {source} (made {made}, {files} media files)."))
