"""An OpenIDEO export as someone re-saved it: columns reordered, a BOM and CRLF, counts and flags
written by a spreadsheet or a data frame (12.0, 1.0, True), one date unreadable."""

from __future__ import annotations

import csv

import pytest

from ideas.importing.openideo import load_openideo
from ideas.importing.runner import run_import
from ideas.models import Campaign, Idea

pytestmark = pytest.mark.django_db

FILES = {
    "challenges.csv": (["title", "challenge_no"], [["Water", "0"]]),
    "users.csv": (["joined", "user_id", "challenge_no"], [["2010-05-01T00:00:00", "u1", "0"]]),
    "ideas.csv": (
        ["title", "created", "idea_id", "challenge_no", "creator_user_id", "applause", "winner"],
        [
            ["Pipes", "2010-06-01T10:00:00", "a", "0", "u1", "12.0", "1.0"],
            ["Rain", "2010-06-02T10:00:00", "b", "0", "u1", "3", "True"],
            ["Wells", "2010-06-03T10:00:00", "c", "0", "u1", "0", "0.0"],
            ["Late", "31/12/2010", "d", "0", "u1", "", ""],
        ],
    ),
    "comments.csv": (["text", "date", "user_id", "seq", "idea_id", "challenge_no"], []),
    "idea_links.csv": (["target_idea_id", "source_idea_id", "challenge_no"], [["b", "a", "0"]]),
}


def test_a_reshaped_export_keeps_its_winners_counts_and_challenge_dates(tmp_path):
    for name, (header, rows) in FILES.items():
        with open(tmp_path / name, "w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(header)
            writer.writerows(rows)
    result = run_import(load_openideo(tmp_path), entity_prefix="OpenIDEO", rebuild=False)
    assert [str(issue) for issue in result.plan.rejects] == [
        "ideas.csv:5: rejected: bad date in created_at: '31/12/2010' "
        "(expected ISO 8601; day and month order is ambiguous: write YYYY-MM-DD)"
    ]
    ideas = {i.title: (i.state, i.historical_support) for i in Idea.objects.all()}
    # "1.0" and "True" winners were published ideas; "12.0" applause rejected the idea.
    assert ideas == {"Pipes": ("deployed", 12), "Rain": ("deployed", 3), "Wells": ("published", 0)}
    # The unreadable "31/12/2010" sorted after every ISO date and left the challenge without an end.
    campaign = Campaign.objects.get()
    assert campaign.ends_at.isoformat() == "2010-06-03T10:01:00+00:00"
