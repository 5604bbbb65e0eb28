"""The import audit's findings, one reproducer each: dates a campaign may plan ahead, an e-mail
claimed twice, replies listed before their parent, a rerun after a failure, a campaign rejected
late, date-only values on the idea's day, languages, misnamed columns."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ideas.importing.neutral import load_directory
from ideas.importing.runner import run_import
from ideas.models import Campaign, Comment, Idea, Vote
from tests.imports.helpers import write_csv

pytestmark = pytest.mark.django_db

PEOPLE = (
    ["external_id", "name", "email"],
    [["p1", "Ann", "ann@example.com"], ["p2", "Bob", "bob@example.com"]],
)


def export(directory, **tables):
    """Writes ``tables`` (name -> (header, rows)) as the neutral files of ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, (header, rows) in tables.items():
        write_csv(directory / f"{name}.csv", header, rows)
    return directory


def issues(result) -> list[str]:
    return [str(issue) for issue in result.plan.issues]


def day(delta: int) -> str:
    """The date ``delta`` days from today, as an export writes it."""
    return (timezone.now() + timedelta(days=delta)).date().isoformat()


# --- Campaign dates may be ahead; activity dates may not ------------------------------------------
def test_a_running_campaign_ending_in_the_future_is_imported_with_its_activity(tmp_path):
    directory = export(
        tmp_path / "export",
        people=PEOPLE,
        campaigns=(["external_id", "title", "starts_at", "ends_at"], [["k1", "Ongoing", day(-30), day(120)]]),
        ideas=(
            ["external_id", "author", "title", "created_at", "campaign"],
            [["i1", "p1", "One", day(-10), "k1"]],
        ),
        comments=(
            ["external_id", "idea", "author", "body", "created_at"],
            [["c1", "i1", "p2", "Nice", day(-9)]],
        ),
        votes=(["idea", "voter", "created_at"], [["i1", "p2", day(-9)]]),
    )
    result = run_import(load_directory(directory))
    assert result.plan.rejects == [], issues(result)
    campaign = Campaign.objects.get(external_id="k1")
    assert campaign.ends_at.date().isoformat() == day(120)
    assert campaign.created_at <= timezone.now()
    idea = Idea.objects.get(external_id="i1")
    assert idea.campaign == campaign
    assert (idea.comment_count, idea.vote_count) == (1, 1)


def test_a_campaign_may_start_in_the_future(tmp_path):
    directory = export(
        tmp_path / "export",
        campaigns=(
            ["external_id", "title", "starts_at", "ends_at"],
            [["k2", "Next spring", day(30), day(90)]],
        ),
    )
    result = run_import(load_directory(directory))
    assert result.plan.rejects == [], issues(result)
    assert Campaign.objects.get(external_id="k2").starts_at.date().isoformat() == day(30)


def test_a_date_out_of_range_is_reported_as_such_not_as_a_format_problem(tmp_path):
    future = day(30)
    directory = export(
        tmp_path / "export",
        people=PEOPLE,
        ideas=(
            ["external_id", "author", "title", "created_at"],
            [
                ["i1", "p1", "From the future", future],
                ["i2", "p1", "Too old", "1969-12-31"],
                ["i3", "p1", "Bad", "31/12/2021"],
            ],
        ),
    )
    result = run_import(load_directory(directory), dry_run=True)
    found = issues(result)
    assert f"ideas.csv:2: rejected: bad date in created_at: '{future}' (date in the future)" in found
    assert "ideas.csv:3: rejected: bad date in created_at: '1969-12-31' (date before 1970)" in found
    assert "ideas.csv:4: rejected: bad date in created_at: '31/12/2021' (expected ISO 8601)" in found
