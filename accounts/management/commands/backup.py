from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from config.backups import backup_create


class Command(BaseCommand):
    help = "Backs up the PostgreSQL database (pg_dump -Fc) and MEDIA_ROOT into a timestamped folder."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dest",
            default=None,
            help="Folder that receives the backup folder (default: BACKUP_DIR, else ./backups).",
        )

    def handle(self, *args, dest=None, **options):
        folder = backup_create(dest=Path(dest or settings.BACKUP_DIR))
        self.stdout.write(self.style.SUCCESS(f"Backup written to {folder}"))
        self.stdout.write(f"Restore it with: make restore FROM={folder}")
