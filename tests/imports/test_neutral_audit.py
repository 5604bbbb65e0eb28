"""The import audit's findings, one reproducer each: dates a campaign may plan ahead, an e-mail
claimed twice, replies listed before their parent, a rerun after a failure, a campaign rejected
late, date-only values on the idea's day, languages, misnamed columns."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from analytics.models import Visit
from gamification.models import PointEntry
from ideas.importing.neutral import NeutralImport, load_directory
from ideas.importing.runner import run_import
from ideas.models import Campaign, Comment, Follow, Idea, IdeaLink, Vote
from tests.imports.helpers import WriteCounter, copy_example, export, issues, write_csv

pytestmark = pytest.mark.django_db

PEOPLE = (
    ["external_id", "name", "email"],
    [["p1", "Ann", "ann@example.com"], ["p2", "Bob", "bob@example.com"]],
)


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
    assert (
        "ideas.csv:4: rejected: bad date in created_at: '31/12/2021' "
        "(expected ISO 8601; day and month order is ambiguous: write YYYY-MM-DD)"
    ) in found


# --- An e-mail given later that is by then another account's --------------------------------------
@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "real-run"])
def test_an_email_given_later_that_the_directory_already_has_rejects_that_row_only(tmp_path, dry_run):
    first = export(
        tmp_path / "step1",
        people=(
            ["external_id", "name", "email"],
            [["p1", "Ann Old Platform", ""], ["p2", "Bob", "bob@example.com"]],
        ),
        ideas=(
            ["external_id", "author", "title", "created_at"],
            [["i1", "p1", "Ann's old idea", "2022-01-01"]],
        ),
    )
    run_import(load_directory(first))
    (tmp_path / "directory.csv").write_text(
        "email,name,entity_path,manager_email,job_title,site,language,roles\n"
        "ann@example.com,Ann Directory,Acme/Sales,,Sales rep,Paris,en,\n"
        "bob@example.com,Bob Directory,Acme/Sales,,Dev,Paris,en,\n",
        encoding="utf-8",
    )
    call_command("import_directory", str(tmp_path / "directory.csv"), "--allow-mass-deactivation")
    again = export(
        tmp_path / "step3",
        people=(
            ["external_id", "name", "email"],
            [["p1", "Ann Old Platform", "ann@example.com"], ["p2", "Bob", "bob@example.com"]],
        ),
        ideas=(
            ["external_id", "author", "title", "created_at"],
            [["i1", "p1", "Ann's old idea", "2022-01-02"]],
        ),
    )
    result = run_import(load_directory(again), dry_run=dry_run)
    assert [str(issue) for issue in result.plan.rejects] == [
        "people.csv:2: rejected: e-mail ann@example.com belongs to another account (not from an import); "
        "'p1' was imported earlier without it and is left as it was: the two accounts are not merged"
    ]
    assert result.summary["people"]["rejected"] == 1
    old = User.objects.get(external_id="p1")
    assert old.email.endswith("@unclaimed.invalid")
    assert not old.is_claimed
    assert User.objects.get(email="ann@example.com").external_id is None
    # The rest of the run went through: the idea's corrected date, on the earlier account.
    idea = Idea.objects.get(external_id="i1")
    assert idea.author == old
    assert idea.created_at.date().isoformat() == ("2022-01-01" if dry_run else "2022-01-02")


# --- Replies listed before their parent; loops of replies -----------------------------------------
COMMENTS = ["external_id", "idea", "author", "body", "created_at", "parent"]


def test_replies_to_replies_in_any_order_join_their_threads_top_comment(tmp_path):
    directory = export(
        tmp_path / "export",
        people=PEOPLE,
        ideas=(["external_id", "author", "title", "created_at"], [["i1", "p1", "One", "2022-01-01"]]),
        comments=(
            COMMENTS,
            [
                ["c1", "i1", "p2", "top", "2022-01-02", ""],
                ["c4", "i1", "p1", "reply to c3", "2022-01-05", "c3"],
                ["c2", "i1", "p1", "reply to c1", "2022-01-03", "c1"],
                ["c3", "i1", "p2", "reply to c2", "2022-01-04", "c2"],
            ],
        ),
    )
    result = run_import(load_directory(directory))
    assert result.plan.rejects == []
    assert [str(w) for w in result.plan.warnings] == [
        "comments.csv:3: warning: reply to a reply: attached to the first comment of the thread ('c1')",
        "comments.csv:5: warning: reply to a reply: attached to the first comment of the thread ('c1')",
    ]
    parents = dict(Comment.objects.values_list("external_id", "parent__external_id"))
    assert parents == {"c1": None, "c2": "c1", "c3": "c1", "c4": "c1"}
    assert Idea.objects.get(external_id="i1").comment_count == 4


def test_a_loop_of_replies_is_rejected_with_the_replies_hanging_from_it(tmp_path):
    directory = export(
        tmp_path / "export",
        people=PEOPLE,
        ideas=(["external_id", "author", "title", "created_at"], [["i1", "p1", "One", "2022-01-01"]]),
        comments=(
            COMMENTS,
            [
                ["c1", "i1", "p2", "top", "2022-01-02", ""],
                ["c5", "i1", "p1", "loops", "2022-01-03", "c6"],
                ["c6", "i1", "p2", "loops", "2022-01-03", "c5"],
                ["c7", "i1", "p2", "hangs from the loop", "2022-01-04", "c6"],
                ["c8", "i1", "p2", "answers itself", "2022-01-04", "c8"],
                ["c9", "i1", "p1", "fine", "2022-01-05", "c1"],
            ],
        ),
    )
    result = run_import(load_directory(directory))
    assert [str(r) for r in result.plan.rejects] == [
        "comments.csv:3: rejected: replies form a loop: c5 -> c6 -> c5",
        "comments.csv:4: rejected: replies form a loop: c5 -> c6 -> c5",
        "comments.csv:5: rejected: its parent comment 'c6' was rejected",
        "comments.csv:6: rejected: replies form a loop: c8 -> c8",
    ]
    assert dict(Comment.objects.values_list("external_id", "parent__external_id")) == {"c1": None, "c9": "c1"}


# --- A rerun after a failure completes the rest -----------------------------------------------------
def history() -> dict:
    """What an import derives from the rows, by external id (primary keys differ between runs)."""
    return {
        "counters": {
            ext: rest
            for ext, *rest in Idea.objects.values_list(
                "external_id", "comment_count", "vote_count", "follower_count", "last_activity_at"
            )
        },
        "visits": set(Visit.objects.values_list("user__external_id", "day")),
        "points": Counter(PointEntry.objects.values_list("user__external_id", "rule", "points")),
        "rows": {model.__name__: model.objects.count() for model in (Comment, Vote, Follow, IdeaLink)},
    }


def clean_import(directory) -> dict:
    """The history a clean import of ``directory`` gives, rolled back afterwards."""
    with transaction.atomic():
        run_import(load_directory(directory))
        expected = history()
        transaction.set_rollback(True)
    assert Idea.objects.count() == 0
    return expected


def fail_once(monkeypatch, method: str):
    """``NeutralImport.<method>`` raises the first time, as a lost database connection would."""
    original = getattr(NeutralImport, method)

    def failing(self, *args, **kwargs):
        monkeypatch.setattr(NeutralImport, method, original)
        raise RuntimeError(f"simulated database failure in {method}")

    monkeypatch.setattr(NeutralImport, method, failing)


@pytest.mark.parametrize("step", ["_apply_pairs", "_apply_links", "_recount"])
def test_a_rerun_after_a_failure_gives_what_a_clean_import_gives(tmp_path, monkeypatch, step):
    directory = copy_example(tmp_path / "export")
    expected = clean_import(directory)
    assert expected["visits"]
    assert expected["points"]
    fail_once(monkeypatch, step)
    with pytest.raises(RuntimeError, match="simulated"):
        run_import(load_directory(directory))
    assert history() != expected  # the failure left counters, visits and points undone
    result = run_import(load_directory(directory))
    assert history() == expected
    assert result.rebuilt is not None
    # And a third run finds nothing left to do.
    with WriteCounter() as queries:
        result = run_import(load_directory(directory))
    assert queries.writes == []
    assert result.written == 0


# --- A campaign rejected once its ideas' dates are known ---------------------------------------------
def test_the_ideas_of_a_campaign_rejected_at_the_date_check_each_say_so(tmp_path):
    directory = export(
        tmp_path / "export",
        people=PEOPLE,
        campaigns=(["external_id", "title", "ends_at"], [["k1", "Closed before its ideas", "2021-12-31"]]),
        ideas=(
            ["external_id", "author", "title", "created_at", "campaign"],
            [
                ["i1", "p1", "After the end", "2022-01-05", "k1"],
                ["i2", "p1", "No campaign", "2022-01-06", ""],
            ],
        ),
    )
    result = run_import(load_directory(directory))
    assert [str(issue) for issue in result.plan.issues] == [
        "campaigns.csv:2: rejected: ends_at is not after its ideas' first date",
        "ideas.csv:2: warning: campaign 'k1' was rejected (campaigns.csv line 2): "
        "imported without a campaign",
    ]
    assert not Campaign.objects.exists()
    assert Idea.objects.get(external_id="i1").campaign is None


# --- A date without a time on the idea's own day ------------------------------------------------------
def test_reactions_dated_by_day_on_the_ideas_day_are_kept_at_the_ideas_time(tmp_path):
    people = (PEOPLE[0], [*PEOPLE[1], ["p3", "Cy", ""]])
    directory = export(
        tmp_path / "export",
        people=people,
        ideas=(
            ["external_id", "author", "title", "created_at"],
            [["i1", "p1", "One", "2022-02-01T10:00:00"]],
        ),
        comments=(
            ["external_id", "idea", "author", "body", "created_at"],
            [["c1", "i1", "p2", "Same day", "2022-02-01"], ["c2", "i1", "p2", "Day before", "2022-01-31"]],
        ),
        votes=(
            ["idea", "voter", "created_at"],
            [["i1", "p2", "2022-02-01"], ["i1", "p3", "2022-02-01T09:00:00"]],
        ),
        follows=(["idea", "person", "created_at"], [["i1", "p2", "2022-02-01"]]),
    )
    result = run_import(load_directory(directory))
    assert [str(issue) for issue in result.plan.issues] == [
        "comments.csv:3: rejected: comment dated before its idea (2022-02-01 10:00)",
        "votes.csv:3: rejected: vote dated before its idea",  # a time was given: it is before
    ]
    idea = Idea.objects.get(external_id="i1")
    assert Comment.objects.get(external_id="c1").created_at == idea.created_at
    assert list(Vote.objects.values_list("voter__external_id", "created_at")) == [("p2", idea.created_at)]
    assert Follow.objects.get().created_at == idea.created_at


# --- Languages ---------------------------------------------------------------------------------------------
def test_a_language_ideabox_does_not_speak_is_left_empty_with_a_warning(tmp_path):
    directory = export(
        tmp_path / "export",
        people=(
            ["external_id", "name", "email", "language"],
            [
                ["p1", "Ann", "ann@example.com", "English"],
                ["p2", "Bob", "bob@example.com", "de"],
                ["p3", "Cy", "cy@example.com", "FR"],
                ["p4", "Di", "di@example.com", ""],
            ],
        ),
    )
    result = run_import(load_directory(directory))
    assert [str(issue) for issue in result.plan.issues] == [
        "people.csv:2: warning: unknown language 'English' (expected fr, en): left empty",
        "people.csv:3: warning: unknown language 'de' (expected fr, en): left empty",
    ]
    default = User._meta.get_field("language").default
    assert dict(User.objects.values_list("external_id", "language")) == {
        "p1": default,
        "p2": default,
        "p3": "fr",
        "p4": default,
    }


# --- Misnamed columns ------------------------------------------------------------------------------------
def test_columns_the_format_does_not_know_are_named_once_per_file_with_the_closest_name(tmp_path):
    directory = tmp_path / "export"
    directory.mkdir()
    (directory / "people.csv").write_text(
        "external_id,name,e-mail,department\np1,Ann,ann@example.com,Sales\np2,Bob,bob@example.com,IT\n",
        encoding="utf-8",
    )
    (directory / "ideas.csv").write_text(
        "external_id,author,title,created_at,votes,description,status\n"
        "i1,p1,Idea one,2022-01-01T10:00:00,42,A long body that is lost,deployed\n",
        encoding="utf-8",
    )
    result = run_import(load_directory(directory))
    assert [str(issue) for issue in result.plan.issues] == [
        "people.csv:1: warning: column(s) not in the format, ignored: e-mail (did you mean email?), "
        "department",
        "ideas.csv:1: warning: column(s) not in the format, ignored: votes (did you mean vote_count?), "
        "description, status (did you mean state?)",
    ]
    assert result.plan.rejects == []
    assert result.summary["ideas"] == {"create": 1, "update": 0, "unchanged": 0, "rejected": 0}


# --- Entity names that differ only in case ---------------------------------------------------------
def test_an_entity_spelled_in_another_case_is_the_same_entity(tmp_path):
    from accounts.models import Entity

    write_csv(
        tmp_path / "directory.csv",
        ["email", "name", "entity_path", "manager_email", "job_title", "site", "language", "roles"],
        [["zed@example.com", "Zed", "Acme/Sales", "", "Rep", "Paris", "en", ""]],
    )
    call_command("import_directory", str(tmp_path / "directory.csv"), "--allow-mass-deactivation")
    before = set(Entity.objects.values_list("name", flat=True))
    directory = export(
        tmp_path / "export",
        people=(
            ["external_id", "name", "email", "entity"],
            [
                ["p1", "Ann", "ann@example.com", "ACME/sales"],
                ["p2", "Bob", "bob@example.com", "Acme/Sales "],
                ["p3", "Cy", "cy@example.com", "acme / SALES"],
                ["p4", "Di", "di@example.com", "acme/sales/NEW team"],
                ["p5", "Ed", "ed@example.com", "ACME/Sales/new Team"],
            ],
        ),
    )
    run_import(load_directory(directory))
    sales = Entity.objects.get(name="Sales")
    assert set(User.objects.filter(external_id__in=["p1", "p2", "p3"]).values_list("entity", flat=True)) == {
        sales.pk
    }
    # A new entity is created once, spelled as first met, below the existing one.
    assert set(Entity.objects.values_list("name", flat=True)) - before == {"NEW team"}
    team = Entity.objects.get(name="NEW team")
    assert team.parent_id == sales.pk
    teams = set(User.objects.filter(external_id__in=["p4", "p5"]).values_list("entity", flat=True))
    assert teams == {team.pk}


# --- A co-author's vote ------------------------------------------------------------------------------
def test_a_co_authors_vote_on_their_idea_is_rejected_as_in_ideabox(tmp_path):
    people = (
        ["external_id", "name", "email"],
        [["p1", "Ann", "ann@example.com"], ["p2", "Bob", "bob@example.com"], ["p3", "Cy", "cy@example.com"]],
    )
    directory = export(
        tmp_path / "export",
        people=people,
        ideas=(
            ["external_id", "author", "title", "created_at", "co_authors"],
            [["i1", "p1", "One", "2022-01-01", "p2"]],
        ),
        votes=(["idea", "voter", "created_at"], [["i1", "p2", "2022-01-02"], ["i1", "p3", "2022-01-02"]]),
    )
    result = run_import(load_directory(directory))
    assert "votes.csv:2: rejected: a co-author's vote on their idea (refused in Ideabox)" in issues(result)
    assert list(Vote.objects.values_list("voter__external_id", flat=True)) == ["p3"]
    # The co-authorship may come from an earlier import: the rule holds on the next one too.
    again = export(
        tmp_path / "again",
        people=people,
        votes=(["idea", "voter", "created_at"], [["i1", "p2", "2022-01-03"]]),
    )
    result = run_import(load_directory(again))
    assert "votes.csv:2: rejected: a co-author's vote on their idea (refused in Ideabox)" in issues(result)
    assert Vote.objects.count() == 1


# --- Manager cycles ------------------------------------------------------------------------------
def test_a_manager_cycle_is_broken_with_a_warning_naming_the_chain(tmp_path):
    directory = export(
        tmp_path / "export",
        people=(
            ["external_id", "name", "email", "manager"],
            [
                ["p1", "Ann", "ann@example.com", "p2"],
                ["p2", "Bob", "bob@example.com", "p3"],
                ["p3", "Cy", "cy@example.com", "p1"],
                ["p4", "Di", "di@example.com", "p1"],
            ],
        ),
    )
    result = run_import(load_directory(directory))
    warnings = [text for text in issues(result) if "manager cycle" in text]
    assert warnings == [
        "people.csv:2: warning: manager cycle p1 -> p2 -> p3 -> p1: manager left empty",
        "people.csv:3: warning: manager cycle p2 -> p3 -> p1 -> p2: manager left empty",
        "people.csv:4: warning: manager cycle p3 -> p1 -> p2 -> p3: manager left empty",
    ]
    managers = dict(User.objects.values_list("external_id", "manager__external_id"))
    assert managers == {"p1": None, "p2": None, "p3": None, "p4": "p1"}  # p4 is not in the loop
