"""`recompute_analytics [--months N] [--end DATE] [--start DATE | --window-days D]`: segment
snapshots of the last N months before END (default: this month and the previous one, which the
migration matrix compares), each over a window of D days ending at its month's end.

For imported history, put END at the end of that history and the window over all of it:
`recompute_analytics --start 2010-06-01 --end 2013-12-01` (the window is END - START)."""

import math
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from analytics.snapshots import recompute


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"{value!r}: give a date as YYYY-MM-DD.") from error


class Command(BaseCommand):
    help = "Recomputes contributor segments and their monthly snapshots."

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=2, help="How many months back (default 2).")
        parser.add_argument("--end", help="Last day covered, YYYY-MM-DD (default: now).")
        parser.add_argument("--start", help="First day of the window, YYYY-MM-DD (window = end - start).")
        parser.add_argument(
            "--window-days", type=int, help="Window length in days (default ANALYTICS_WINDOW_DAYS, 90)."
        )
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, months, end, start, window_days, quiet, **options):
        if not 1 <= months <= 60:
            raise CommandError("--months: give a number from 1 to 60.")
        if start and window_days:
            raise CommandError("Give either --start or --window-days, not both.")
        now = None
        if end:
            # The very end of that day (still in its month, which is the last one snapshotted).
            now = timezone.make_aware(datetime.combine(_date(end) + timedelta(days=1), dtime.min))
            now -= timedelta(microseconds=1)
            now = min(now, timezone.now())
        days = window_days
        if start:
            first = timezone.make_aware(datetime.combine(_date(start), dtime.min))
            days = math.ceil(((now or timezone.now()) - first).total_seconds() / 86400)
            if days < 1:
                raise CommandError("--start must be before --end.")
        if days is not None and not 1 <= days <= 36500:
            raise CommandError("--window-days: give a number of days from 1 to 36500.")
        started = time.monotonic()
        bar = tqdm(total=months, unit="month", disable=quiet, desc="segments", file=self.stderr)
        result = recompute(months=months, now=now, days=days, progress=bar.update)
        bar.close()
        window = f"{days} days" if days else "the default window"
        self.stdout.write(
            self.style.SUCCESS(
                f"{result['rows']} snapshot rows for {months} months over {window} "
                f"in {time.monotonic() - started:.1f} s."
            )
        )
