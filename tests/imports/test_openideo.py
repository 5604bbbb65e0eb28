"""The full OpenIDEO import (../shared/data/openideo) on Postgres, once for the module: counts equal
the files' rows minus the reported rejects, a second run and a dry run write nothing, and the
analytics on the imported history agree with a plain recomputation from the CSV files."""

from __future__ import annotations

import csv
import json
import math
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection
from django.db.models import F

from accounts.models import Entity, User
from analytics import funnels
from analytics.graph import WEIGHTS, interaction_edges
from analytics.models import SegmentSnapshot
from analytics.snapshots import recompute
from gamification.models import PointEntry
from ideas.importing.openideo import UNKNOWN_ORGANISATION, load_openideo
from ideas.importing.runner import run_import
from ideas.models import Campaign, Comment, Idea, IdeaLink, Vote
from moderation.models import Transition
from tests.conftest import ARTIFACTS, needs_postgres
from tests.imports.helpers import OPENIDEO, WriteCounter

pytestmark = [needs_postgres, pytest.mark.django_db]
csv.field_size_limit(sys.maxsize)

START = datetime(2010, 6, 1, tzinfo=UTC)  # the first challenge opened in June 2010
END = datetime(2013, 12, 1, tzinfo=UTC)  # the last comment is of November 2013
WINDOW_DAYS = (END - START).days


def read(name):
    """(line, row) of an OpenIDEO file, read with nothing but the csv module."""
    with open(OPENIDEO / name, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows, line = [], 2
        for row in reader:
            rows.append((line, row))
            line = reader.line_num + 1
        return rows


def wipe():
    models = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.app_label in ("accounts", "ideas", "moderation", "gamification", "analytics", "badgify")
    ]
    tables = [m._meta.db_table for m in models if not m._meta.proxy]
    with connection.cursor() as cursor:
        for sql in connection.ops.sql_flush(no_style(), tables, allow_cascade=True):
            cursor.execute(sql)


@dataclass
class Imported:
    dry_run: object
    dry_run_writes: list
    result: object
    seconds: float
    second: object
    second_writes: list
    recompute_seconds: float


@pytest.fixture(scope="module")
def imported(django_db_setup, django_db_blocker):
    if not OPENIDEO.is_dir():
        pytest.fail(f"The OpenIDEO data is missing: {OPENIDEO} (shared/ beside the repository)")
    with django_db_blocker.unblock():
        wipe()
        with WriteCounter() as queries:
            dry = run_import(load_openideo(OPENIDEO), dry_run=True, entity_prefix="OpenIDEO")
        dry_writes = queries.writes
        started = time.monotonic()
        result = run_import(load_openideo(OPENIDEO), entity_prefix="OpenIDEO")
        seconds = time.monotonic() - started
        started = time.monotonic()
        recompute(months=2, now=END, days=WINDOW_DAYS)
        recompute_seconds = time.monotonic() - started
        with WriteCounter() as queries:
            second = run_import(load_openideo(OPENIDEO), entity_prefix="OpenIDEO")
        yield Imported(dry, dry_writes, result, seconds, second, queries.writes, recompute_seconds)
        wipe()


def expected_rejects():
    """What the files themselves say must be refused: comments by people absent from users.csv,
    and empty comments (recomputed here with the csv module, not taken from the importer)."""
    people = {row["user_id"] for _line, row in read("users.csv")}
    rejects = set()
    for line, row in read("comments.csv"):
        if row["user_id"] not in people:
            rejects.add(("comments.csv", line, f"unknown author 'openideo:user:{row['user_id']}'"))
        elif not row["text"].strip():
            rejects.add(("comments.csv", line, "empty comment text"))
    return rejects


def test_counts_equal_the_files_minus_the_listed_rejects(imported):
    rejects = {(i.file, i.line, i.reason) for i in imported.result.plan.rejects}
    assert rejects == expected_rejects()
    # Listed here as the report gives them: 4 comments by people missing from users.csv, 1 empty.
    assert sorted((f, line) for f, line, _r in rejects) == [
        ("comments.csv", 273),
        ("comments.csv", 275),
        ("comments.csv", 276),
        ("comments.csv", 1603),
        ("comments.csv", 27640),
    ]
    people = {row["user_id"] for _l, row in read("users.csv")}
    assert User.objects.filter(external_id__startswith="openideo:user:").count() == len(people) == 4868
    assert Campaign.objects.count() == len(read("challenges.csv")) == 19
    assert Idea.objects.count() == len(read("ideas.csv")) == 8342
    assert Comment.objects.count() == len(read("comments.csv")) - len(rejects) == 32340
    assert IdeaLink.objects.filter(kind="built_upon").count() == len(read("idea_links.csv")) == 8544
    assert imported.result.plan.warnings == []


def test_history_is_kept_as_it_was(imported):
    ideas = read("ideas.csv")
    # Applause became historical support: the same total, and not one invented vote or point.
    assert sum(Idea.objects.values_list("historical_support", flat=True)) == sum(
        int(row["applause"] or 0) for _l, row in ideas
    )
    assert Vote.objects.count() == 0
    assert not PointEntry.objects.filter(rule="vote_received").exists()
    # Winners are deployed, through the workflow's import path (audit rows, reason "imported").
    winners = sum(row["winner"] == "1" for _l, row in ideas)
    assert Idea.objects.filter(state="deployed").count() == winners == 171
    assert Idea.objects.filter(state="published").count() == len(ideas) - winners
    assert Transition.objects.filter(reason="imported", to_state="deployed").count() == winners
    assert Transition.objects.exclude(reason="imported").count() == 0
    # Original timestamps.
    first = min(row["created"] for _l, row in ideas)
    assert Idea.objects.order_by("created_at").first().created_at == datetime.fromisoformat(first).replace(
        tzinfo=UTC
    )
    # Organisations are entities; people without one share the "unknown organisation" entity.
    companies = {row["company_id"] for _l, row in read("users.csv") if row["company_id"]}
    assert Entity.objects.filter(kind="organisation").count() == len(companies) + 1
    unknown = Entity.objects.get(name=UNKNOWN_ORGANISATION)
    with_company = {row["user_id"] for _l, row in read("users.csv") if row["company_id"]}
    assert unknown.members.count() == 4868 - len(with_company)
    # Nobody can log in: no e-mail in the export.
    assert not User.objects.filter(external_id__startswith="openideo:", is_claimed=True).exists()
    # Points and badges rebuilt from the history.
    assert imported.result.rebuilt["points_rows"] > 0
    assert imported.result.rebuilt["badges"] > 0
    assert PointEntry.objects.filter(rule="idea_deployed").values("idea_id").distinct().count() == winners


def test_a_second_run_writes_nothing_and_a_dry_run_wrote_nothing(imported):
    assert imported.second.plan.writes == 0
    assert imported.second_writes == []
    assert imported.second.summary["comments"]["unchanged"] == 32340
    assert imported.dry_run_writes == []
    assert imported.dry_run.summary["ideas"]["create"] == 8342  # on the empty database, before


def csv_figures():
    creator = {(row["challenge_no"], row["idea_id"]): row["creator_user_id"] for _l, row in read("ideas.csv")}
    rejected = {line for _f, line, _r in expected_rejects()}
    comments = [row for line, row in read("comments.csv") if line not in rejected]
    on_others = [r for r in comments if r["user_id"] != creator[(r["challenge_no"], r["idea_id"])]]
    per_person = Counter(r["user_id"] for r in comments)
    top = math.ceil(len(per_person) * 0.01)
    posted = set(creator.values())
    commented = set(per_person)
    built_by = defaultdict(set)  # source author -> distinct people who built upon their ideas
    for _l, row in read("idea_links.csv"):
        source = creator[(row["challenge_no"], row["source_idea_id"])]
        target = creator[(row["challenge_no"], row["target_idea_id"])]
        if source != target:
            built_by[source].add(target)
    return {
        "share_on_others": len(on_others) / len(comments),
        "top1_share": sum(n for _p, n in per_person.most_common(top)) / len(comments),
        "posted": len(posted),
        "commented": len(commented),
        "both": len(posted & commented),
        "top_on_others": [p for p, _n in Counter(r["user_id"] for r in on_others).most_common(10)],
        "most_built_upon": sorted(built_by, key=lambda p: (-len(built_by[p]), p))[:5],
        "built_by": {p: len(v) for p, v in built_by.items()},
    }


def test_analytics_on_the_imported_history_match_the_files(imported):
    expected = csv_figures()
    comments = Comment.objects.all()
    share = comments.exclude(idea__author_id=F("author_id")).count() / comments.count()
    assert share == pytest.approx(expected["share_on_others"], abs=1e-9)
    assert round(share, 2) == 0.74
    per_person = sorted(Counter(comments.values_list("author_id", flat=True)).values(), reverse=True)
    top1 = sum(per_person[: math.ceil(len(per_person) * 0.01)]) / comments.count()
    assert top1 == pytest.approx(expected["top1_share"], abs=1e-9)
    assert round(top1, 2) == 0.45
    # The participation funnel over the whole history.
    figures = funnels.participation(start=START, end=END)
    assert figures["posted"]["people"] == expected["posted"]
    assert figures["commented"]["people"] == expected["commented"]
    both = set(Idea.objects.values_list("author_id", flat=True)) & set(
        comments.values_list("author_id", flat=True)
    )
    assert len(both) == expected["both"]
    assert figures["logged_in"]["people"] == len(
        set(Idea.objects.values_list("author_id", flat=True))
        | set(comments.values_list("author_id", flat=True))
    )
    pipeline = funnels.pipeline()
    assert pipeline["counts"]["deployed"] == 171
    assert pipeline["with_potential"] == 171


def test_segments_facilitators_and_influence_on_the_imported_history(imported):
    expected = csv_figures()
    month = SegmentSnapshot.objects.order_by("-month").values_list("month", flat=True).first()
    assert month.isoformat() == "2013-12-01"
    snapshots = {
        ext.removeprefix("openideo:user:"): (segments, influence)
        for ext, segments, influence in SegmentSnapshot.objects.filter(month=month).values_list(
            "user__external_id", "segments", "influence"
        )
    }
    not_facilitators = [p for p in expected["top_on_others"] if "facilitator" not in snapshots[p][0]]
    assert not_facilitators == []
    ranking = sorted(snapshots, key=lambda p: -snapshots[p][1])
    ranks = {p: ranking.index(p) + 1 for p in expected["most_built_upon"]}
    active = sum(1 for segments, _i in snapshots.values() if "inactive" not in segments)
    report = {
        "people_ranked": len(ranking),
        "active": active,
        "most_built_upon": [
            {
                "person": p[:8],
                "distinct_builders": expected["built_by"][p],
                "influence_rank": ranks[p],
                "segments": snapshots[p][0],
            }
            for p in expected["most_built_upon"]
        ],
        "share_on_others": round(expected["share_on_others"], 4),
        "top1_share": round(expected["top1_share"], 4),
        "posted": expected["posted"],
        "commented": expected["commented"],
        "both": expected["both"],
        "import_seconds": round(imported.seconds, 1),
        "recompute_seconds": round(imported.recompute_seconds, 1),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "openideo-analytics.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(json.dumps(report, indent=2))
    # Built upon by the most distinct people: within the top 0.5% of 4,868 by PageRank (a built-upon
    # link weighs 3, more than a comment's 2, and each builder is a distinct colleague).
    assert all(rank <= 0.005 * len(ranking) for rank in ranks.values()), ranks


def test_a_built_upon_link_is_strong_uptake_of_the_source_author(imported):
    link = (
        IdeaLink.objects.select_related("source", "target")
        .exclude(source__author_id=F("target__author_id"))
        .first()
    )
    edges = interaction_edges(start=START, end=END)
    edge = (link.target.author_id, link.source.author_id, WEIGHTS["built_upon"])
    assert edge in edges
    assert WEIGHTS["built_upon"] > WEIGHTS["comment"]


def test_winners_are_deployed_when_their_challenge_closed_not_at_its_last_comment(imported):
    """The export has no challenge dates; comments go on for years after submissions closed, on a few
    ideas. A challenge closes the minute after its last idea: its winners are deployed then, and the
    campaign ends then (dated by the last comment, every winner was deployed in 2013)."""
    last_idea: dict[str, str] = {}
    for _line, row in read("ideas.csv"):
        last_idea[row["challenge_no"]] = max(last_idea.get(row["challenge_no"], ""), row["created"])
    minute = timedelta(minutes=1)
    closed = {
        f"openideo:challenge:{challenge}": datetime.fromisoformat(last).replace(tzinfo=UTC) + minute
        for challenge, last in last_idea.items()
    }
    campaigns = dict(Campaign.objects.values_list("external_id", "ends_at"))
    assert campaigns == {ext: closed[ext] for ext in campaigns}
    deployed = Idea.objects.filter(state="deployed").values_list("campaign__external_id", "state_changed_at")
    assert len(deployed) == 171
    assert all(changed == closed[campaign] for campaign, changed in deployed)
    years = {changed.year for _campaign, changed in deployed}
    assert len(years) > 1  # the gains chart spans the challenges' years, not one
