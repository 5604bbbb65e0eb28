"""`seed_demo --employees N --seed S`: the demo organisation and a year of calibrated activity."""

import gc
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from accounts.demo import DEMO_PASSWORD, build_organisation
from accounts.models import User


class Command(BaseCommand):
    help = "Creates a fictional group (entities, managers, domains, roles) and a year of simulated activity."

    def add_arguments(self, parser):
        parser.add_argument(
            "--employees", type=int, default=4573, help="Headcount (default 4,573, the model)."
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed: same seed, same organisation.")
        parser.add_argument("--no-activity", action="store_true", help="Only the organisation, no ideas.")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if people already exist.")
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")

    def handle(self, *args, employees, seed, no_activity, if_empty, quiet, **options):
        if employees < 100:
            raise CommandError("--employees: the demo organisation needs at least 100 employees.")
        if User.objects.exists():
            if if_empty:
                self.stdout.write("People already exist: demo data left as it is.")
                self._print_logins(self._existing_logins())
                return
            raise CommandError("The database already has people. Use a fresh database, or --if-empty.")
        started = time.monotonic()
        # Millions of rows built as tuples make the cyclic garbage collector walk an ever larger
        # heap for nothing (they hold no cycles): a fifth of the Python time at 20,000 people.
        collecting = gc.isenabled()
        gc.disable()
        try:
            bar = tqdm(total=employees, unit="rows", disable=quiet, desc="organisation", file=self.stderr)
            org = build_organisation(employees=employees, seed=seed, progress=bar.update)
            bar.close()
            if not no_activity:
                self._activity(org=org, employees=employees, seed=seed, quiet=quiet)
        finally:
            if collecting:
                gc.enable()
            gc.collect()
        from ideas.fragments import listed_changed

        listed_changed()  # written by COPY, without signals: cached list counts are outdated
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo organisation ready: {employees} employees in {time.monotonic() - started:.1f} s."
            )
        )
        self._print_logins(org.logins)

    def _activity(self, *, org, employees, seed, quiet):
        from analytics.models import SegmentSnapshot
        from analytics.simulation import ROWS_PER_IDEA, Simulation, Targets
        from analytics.snapshots import recompute
        from config.bulk import analyze, bulk_load_tables
        from gamification.models import PointEntry
        from gamification.rebuild import rebuild_points_and_badges
        from ideas.trending import trending_recompute

        targets = Targets.for_headcount(employees)
        bar = tqdm(
            total=targets.ideas * ROWS_PER_IDEA, unit="rows", disable=quiet, desc="activity", file=self.stderr
        )
        Simulation(org=org, seed=seed, progress=bar.update).run()
        bar.close()
        analyze()  # every table: the queries below join the people and the catalogue too
        trending_recompute()
        bar = tqdm(total=12, unit="month", disable=quiet, desc="segments", file=self.stderr)
        # Twelve months of snapshots in a fresh table (one row per person and month).
        with transaction.atomic(), bulk_load_tables([SegmentSnapshot], unique=True):
            recompute(months=12, progress=bar.update)
        bar.close()
        bar = tqdm(unit="rows", disable=quiet, desc="points", file=self.stderr)
        # A fresh ledger, one row per award: its keys and indexes are built once, after the rows.
        with transaction.atomic(), bulk_load_tables([PointEntry], unique=True):
            rebuild_points_and_badges(progress=bar.update)
        bar.close()
        analyze()

    def _existing_logins(self):
        roles = [
            "admin",
            "executive",
            "community_manager",
            "manager",
            "employee",
            "colleague",
            "correspondent",
            "expert",
        ]
        emails = ["admin", "eve", "camille", "bob", "alice", "colin", "chloe", "xavier"]
        found = set(
            User.objects.filter(email__in=[f"{e}@example.com" for e in emails]).values_list(
                "email", flat=True
            )
        )
        return {
            role: f"{e}@example.com"
            for role, e in zip(roles, emails, strict=True)
            if f"{e}@example.com" in found
        }

    def _print_logins(self, logins):
        if not logins:
            return
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
        for role, email in logins.items():
            self.stdout.write(f"  {role.replace('_', ' '):<18} {email}")
