"""`recompute_analytics [--months N]`: segment snapshots of the last N months (default: this month
and the previous one, which the migration matrix compares)."""

import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from analytics.snapshots import recompute


class Command(BaseCommand):
    help = "Recomputes contributor segments and their monthly snapshots."

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=2, help="How many months back (default 2).")
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, months, quiet, **options):
        if not 1 <= months <= 60:
            raise CommandError("--months: give a number from 1 to 60.")
        started = time.monotonic()
        bar = tqdm(total=months, unit="month", disable=quiet, desc="segments", file=self.stderr)
        result = recompute(months=months, progress=bar.update)
        bar.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"{result['rows']} snapshot rows for {months} months in {time.monotonic() - started:.1f} s."
            )
        )
