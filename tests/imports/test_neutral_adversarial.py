"""Exports as other customers' tools write them, and the oddities of real data, one reproducer each:
bad input is reported by file and line, and loses nothing else; nothing crashes."""

from __future__ import annotations

import pytest

from accounts.models import User
from ideas.importing.neutral import load_directory
from ideas.importing.runner import run_import
from ideas.models import Campaign, Idea
from tests.imports.helpers import write_csv

pytestmark = pytest.mark.django_db

PEOPLE = (["external_id", "name"], [["p1", "Ann"], ["p2", "Bob"]])


def export(directory, **tables):
    directory.mkdir(parents=True, exist_ok=True)
    for name, (header, rows) in tables.items():
        write_csv(directory / f"{name}.csv", header, rows)
    return directory


def issues(result) -> list[str]:
    return [str(issue) for issue in result.plan.issues]


# --- Dates at the edges of what a datetime (and Postgres) can hold ---------------------------------
def test_placeholder_far_dates_and_impossible_offsets_are_reported_not_a_crash(tmp_path):
    """``9999-12-31T23:59:59-05:00`` (an export's "no end") overflowed the conversion to UTC at the
    write, ``9999-12-31T23:59:30`` without an end overflowed its minute-after end in the plan, and
    an offset of +23:59 was refused by Postgres in the middle of the write."""
    directory = export(
        tmp_path / "export",
        people=(
            ["external_id", "name", "joined_at"],
            [["p1", "Ann", "2021-03-01T00:00:00+23:59"], ["p2", "Bob", "1969-12-31T23:00:00-05:00"]],
        ),
        campaigns=(
            ["external_id", "title", "starts_at", "ends_at"],
            [
                ["k1", "No end", "2022-01-01", "9999-12-31T23:59:59-05:00"],
                ["k2", "Forever", "9999-12-31T23:59:30", ""],
            ],
        ),
        ideas=(["external_id", "author", "title", "created_at"], [["i1", "p2", "One", "2022-02-01"]]),
    )
    result = run_import(load_directory(directory), rebuild=False)
    assert issues(result) == [
        "people.csv:2: rejected: bad date in joined_at: '2021-03-01T00:00:00+23:59' "
        "(time zone offset +23:59 beyond ±14:00)",
        "campaigns.csv:2: rejected: bad date in ends_at: '9999-12-31T23:59:59-05:00' "
        "(date after 2100, a placeholder such as 9999-12-31?)",
        "campaigns.csv:3: rejected: bad date in starts_at: '9999-12-31T23:59:30' "
        "(date after 2100, a placeholder such as 9999-12-31?)",
    ]
    # 1969-12-31T23:00-05:00 is 1970-01-01T04:00 UTC: not before 1970, and stored in UTC.
    bob = User.objects.get(external_id="p2")
    assert bob.date_joined.isoformat() == "1970-01-01T04:00:00+00:00"
    assert Idea.objects.count() == 1


def test_ideas_of_a_campaign_line_rejected_for_its_own_values_are_kept_without_it(tmp_path):
    """A campaign rejected for a bad date took every idea of it with it ("unknown campaign"), and
    their comments and votes after them: the ideas are now imported without a campaign, each with
    a warning naming the campaign's line, and a corrected file files them in it."""
    campaigns = (["external_id", "title", "starts_at"], [["k1", "Paper", "12/03/2022"]])
    directory = export(
        tmp_path / "export",
        people=PEOPLE,
        campaigns=campaigns,
        ideas=(
            ["external_id", "author", "title", "created_at", "campaign"],
            [["i1", "p1", "One", "2022-04-01", "k1"], ["i2", "p1", "Two", "2022-04-02", "k1"]],
        ),
        votes=(["idea", "voter"], [["i1", "p2"]]),
    )
    result = run_import(load_directory(directory), rebuild=False)
    kept = "warning: campaign 'k1' was rejected (campaigns.csv line 2): imported without a campaign"
    assert issues(result) == [
        "campaigns.csv:2: rejected: bad date in starts_at: '12/03/2022' (expected ISO 8601)",
        f"ideas.csv:2: {kept}",
        f"ideas.csv:3: {kept}",
    ]
    assert Idea.objects.filter(campaign__isnull=True).count() == 2
    assert Idea.objects.get(external_id="i1").vote_count == 1

    write_csv(directory / "campaigns.csv", campaigns[0], [["k1", "Paper", "2022-03-12"]])
    result = run_import(load_directory(directory), rebuild=False)
    assert result.plan.rejects == []
    assert set(Idea.objects.values_list("campaign__external_id", flat=True)) == {"k1"}
    assert Campaign.objects.count() == 1
