"""The neutral import format: the documented example, idempotency, planted errors, unusable files,
hostile and odd content, states through the workflow, accounts that cannot log in yet."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import Entity, User
from analytics.models import Visit
from gamification.models import PointEntry
from ideas.importing.neutral import _plain_paragraphs, load_directory, render_body
from ideas.importing.reading import UnusableFile
from ideas.importing.runner import run_import
from ideas.models import Campaign, Comment, Follow, Idea, IdeaLink, Vote
from ideas.rendering import render_markdown
from moderation.models import Transition
from tests import factories as f
from tests.imports.helpers import EXAMPLE, WriteCounter, copy_example, write_csv

pytestmark = pytest.mark.django_db


def counts():
    return {
        "people": User.objects.filter(external_id__isnull=False).count(),
        "campaigns": Campaign.objects.count(),
        "ideas": Idea.objects.count(),
        "comments": Comment.objects.count(),
        "votes": Vote.objects.count(),
        "follows": Follow.objects.count(),
        "links": IdeaLink.objects.count(),
    }


EXAMPLE_COUNTS = {
    "people": 4,
    "campaigns": 2,
    "ideas": 3,
    "comments": 3,
    "votes": 3,
    "follows": 2,
    "links": 1,
}


def test_the_documented_example_imports_completely_with_its_history():
    call_command("import_platform", str(EXAMPLE), "--quiet", "--entity-prefix", "Group")
    assert counts() == EXAMPLE_COUNTS
    scan = Idea.objects.get(external_id="idea-1")
    assert scan.state == "deployed"
    assert scan.created_at.isoformat() == "2022-02-01T10:00:00+00:00"  # the original time, kept
    assert scan.historical_support == 42
    assert scan.vote_count == 2
    assert scan.total_support == 44
    assert scan.comment_count == 2
    assert scan.follower_count == 1
    assert list(scan.co_authors.values_list("external_id", flat=True)) == ["is-1003"]
    assert set(scan.tags.values_list("name", flat=True)) == {"paper", "logistics"}
    assert "<li>no printing</li>" in scan.body_html
    # The state came through the workflow's import path: audit rows, reason "imported", no actor.
    steps = list(
        Transition.objects.filter(idea=scan).values_list("from_state", "to_state", "reason", "actor")
    )
    assert steps == [("draft", "published", "imported", None), ("published", "deployed", "imported", None)]
    reply = Comment.objects.get(external_id="c-2")
    assert reply.parent.external_id == "c-1"
    # Entities below the prefix, people in them, managers linked.
    bruno = User.objects.get(external_id="is-1002")
    assert [e.name for e in Entity.objects.filter(pk__in=bruno.entity.path.strip("/").split("/"))] == [
        "Group",
        "Acme",
        "Operations",
        "Logistics",
    ]
    assert bruno.manager.external_id == "is-1001"
    # Points and badges were rebuilt from the history; historical support gave no points.
    assert PointEntry.objects.filter(user=bruno, rule="idea_deployed").exists()
    assert (
        not PointEntry.objects.filter(rule="vote_received").exclude(object_key__contains=":voter:").exists()
    )
    assert (
        PointEntry.objects.filter(rule="vote_received").count() == Vote.objects.count() == 3
    )  # real votes only
    # Activity days count as visits (analytics see the imported people as active).
    assert Visit.objects.filter(user=bruno).exists()
    campaign = Campaign.objects.get(external_id="camp-8")  # no dates given: its ideas' span
    assert campaign.ideas.count() == 0
    assert campaign.ends_at > campaign.starts_at


def test_people_without_email_cannot_log_in_until_claimed(client):
    call_command("import_platform", str(EXAMPLE), "--quiet")
    bruno = User.objects.get(external_id="is-1002")
    amelie = User.objects.get(external_id="is-1001")
    assert not bruno.is_claimed
    assert bruno.email.endswith("@unclaimed.invalid")
    assert not bruno.has_usable_password()
    assert amelie.is_claimed
    assert amelie.email == "amelie.martin@example.com"
    request = RequestFactory().post("/accounts/login/")
    for password in ("", "!", bruno.password):
        assert authenticate(request, email=bruno.email, password=password) is None
    assert authenticate(request, email=amelie.email, password="") is None  # no password yet: reset or SSO


def test_an_existing_account_with_the_same_email_takes_the_history():
    chen = f.UserFactory(email="chen.wei@example.com", display_name="Chen W. (directory)", job_title="Lead")
    call_command("import_platform", str(EXAMPLE), "--quiet")
    chen.refresh_from_db()
    assert chen.external_id == "is-1003"
    assert chen.display_name == "Chen W. (directory)"
    assert chen.job_title == "Lead"
    assert Idea.objects.get(external_id="idea-2").author == chen
    assert User.objects.filter(email="chen.wei@example.com").count() == 1


def test_second_run_writes_nothing_and_a_corrected_file_updates_what_changed(tmp_path):
    directory = copy_example(tmp_path / "export")
    call_command("import_platform", str(directory), "--quiet")
    before = counts()
    with WriteCounter() as queries:
        result = run_import(load_directory(directory))
    assert result.plan.writes == 0
    assert queries.writes == []
    assert counts() == before
    # Correct one title and one state: exactly that changes, with a new audit row.
    text = (directory / "ideas.csv").read_text(encoding="utf-8")
    text = text.replace("A shared calendar for meeting rooms", "One calendar for every meeting room")
    text = text.replace("0,yes", "3,yes").replace(",text,2022-03-10,published,", ",text,2022-03-10,archived,")
    (directory / "ideas.csv").write_text(text, encoding="utf-8")
    result = run_import(load_directory(directory))
    assert result.summary["ideas"] == {"create": 0, "update": 1, "unchanged": 2, "rejected": 0}
    assert sum(t["update"] + t["create"] for n, t in result.summary.items() if n != "ideas") == 0
    calendar = Idea.objects.get(external_id="idea-3")
    assert calendar.title == "One calendar for every meeting room"
    assert calendar.state == "archived"
    assert calendar.historical_support == 3
    assert Transition.objects.filter(idea=calendar, from_state="published", to_state="archived").count() == 1
    assert counts() == before


def test_dry_run_writes_nothing_and_says_what_it_would_do(capsys):
    with WriteCounter() as queries:
        call_command("import_platform", str(EXAMPLE), "--dry-run", "--quiet")
    assert queries.writes == []
    assert counts() == dict.fromkeys(EXAMPLE_COUNTS, 0)
    out = capsys.readouterr().out
    assert "ideas      would create      3" in out
    assert "Dry run: nothing written" in out


# --- Planted errors ---------------------------------------------------------------------------
def planted(directory):
    """The example plus one bad line of each kind; returns the (file, line) expected rejected."""
    copy_example(directory)
    with open(directory / "people.csv", "a", encoding="utf-8") as handle:
        handle.write("is-1003,Chen again,,,,,,,\n")  # line 6: duplicate external id
        handle.write("is-1005,Eva Bad Date,,,,,,2021-13-45,\n")  # line 7: bad optional date (kept)
    with open(directory / "ideas.csv", "a", encoding="utf-8") as handle:
        handle.write(
            "idea-9,camp-7,is-9999,,Ghost idea,Who wrote this?,,2022-02-01,,,,,,\n"
        )  # unknown author
        handle.write("idea-10,camp-99,is-1001,,Lost campaign,Body,,2022-02-01,,,,,,\n")  # unknown campaign
    write_csv(
        directory / "comments.csv",
        ["external_id", "idea", "author", "parent", "body", "body_format", "created_at"],
        [
            ["c-1", "idea-1", "is-1001", "", "Great: the dock team agrees.", "", "2022-02-02T09:00:00Z"],
            ["c-2", "idea-1", "is-1002", "c-1", "Thanks!", "", "2022-02-02T10:30:00Z"],
            ["c-3", "idea-2", "is-1002", "", "Which tool would we use?", "", "2022-02-04"],
            ["c-4", "idea-404", "is-1002", "", "On an unknown idea", "", "2022-02-04"],  # line 5
            ["c-1", "idea-2", "is-1003", "", "Duplicate external id", "", "2022-02-05"],  # line 6
            ["c-5", "idea-2", "is-1003", "", "Before its idea", "", "2022-01-01"],  # line 7
            ["c-6", "idea-2", "is-1003", "", "Bad date", "", "yesterday"],  # line 8
            ["c-7", "idea-2", "is-1003", "c-404", "Unknown parent", "", "2022-02-06"],  # line 9
            ["c-8", "idea-3", "is-1003", "", "A fine comment\nover two lines", "", "2022-03-11"],  # 10-11
            ["c-9", "idea-3", "is-1001", "", "Still fine after the multi-line one", "", "2022-03-12"],  # 12
        ],
    )
    with open(directory / "votes.csv", "a", encoding="utf-8") as handle:
        handle.write("idea-3,is-1004,2022-03-11\n")  # line 5: a vote on one's own idea
        handle.write("idea-2,nobody,2022-03-11\n")  # line 6: unknown voter
    return {
        ("people.csv", 6),
        ("ideas.csv", 8),
        ("ideas.csv", 9),
        ("comments.csv", 5),
        ("comments.csv", 6),
        ("comments.csv", 7),
        ("comments.csv", 8),
        ("comments.csv", 9),
        ("votes.csv", 5),
        ("votes.csv", 6),
    }


def test_planted_errors_are_reported_by_file_and_line_and_nothing_else_is_lost(tmp_path, capsys):
    expected = planted(tmp_path / "export")
    call_command("import_platform", str(tmp_path / "export"), "--quiet", "--report", str(tmp_path / "r.csv"))
    out = capsys.readouterr().out
    assert "10 row(s) rejected, 1 warning(s)" in out
    for needle in (
        "people.csv:6: rejected: duplicate external id 'is-1003' (first on line 4)",
        "people.csv:7: warning: bad date in joined_at: '2021-13-45' (expected ISO 8601): left empty",
        "ideas.csv:8: rejected: unknown author 'is-9999'",
        "ideas.csv:9: rejected: unknown campaign 'camp-99'",
        "comments.csv:5: rejected: unknown idea 'idea-404'",
        "comments.csv:6: rejected: duplicate external id 'c-1' (first on line 2)",
        "comments.csv:7: rejected: comment dated before its idea",
        "comments.csv:8: rejected: bad date in created_at: 'yesterday'",
        "comments.csv:9: rejected: unknown parent comment 'c-404'",
        "votes.csv:5: rejected: a vote on one's own idea",
        "votes.csv:6: rejected: unknown voter 'nobody'",
    ):
        assert needle in out
    report = (tmp_path / "r.csv").read_text(encoding="utf-8").splitlines()
    rejected = {(line.split(",")[0], int(line.split(",")[1])) for line in report[1:] if ",rejected," in line}
    assert rejected == expected
    # The example's 3 comments and the two good new ones; Eva without her unreadable joined_at.
    assert counts() == EXAMPLE_COUNTS | {"comments": 5, "people": 5}
    assert Comment.objects.get(external_id="c-8").body == "A fine comment\nover two lines"


# --- Unusable files: a clear message, nothing imported ------------------------------------------
@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda d: (d / "ideas.csv").write_bytes(
                "external_id,author,title,created_at\nx,é\n".encode("latin-1")
            ),
            "ideas.csv: not UTF-8 (byte 0xe9 on line 2)",
        ),
        (
            lambda d: write_csv(d / "comments.csv", ["external_id", "idea", "text"], [["1", "2", "3"]]),
            "comments.csv: missing required column(s): author, body, created_at",
        ),
        (
            lambda d: (d / "votes.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
            "votes.csv: binary content, or UTF-16 without a byte-order mark: not a CSV text file",
        ),
        (
            lambda d: (d / "links.csv").write_text(
                '{"links": [{"source": 1, "target": 2}]}', encoding="utf-8"
            ),
            "links.csv: missing required column(s): source, target, kind",
        ),
        (
            lambda d: (d / "people.csv").write_text("", encoding="utf-8"),
            "people.csv: empty file: a header row is required",
        ),
        (
            lambda d: (d / "follows.csv").write_text('idea,person\n"idea-1,is-1001\n', encoding="utf-8"),
            "follows.csv: not valid CSV on line 2",
        ),
    ],
    ids=["wrong-encoding", "missing-columns", "binary", "json-not-csv", "empty", "broken-quote"],
)
def test_an_unusable_file_stops_everything_with_a_clear_message(tmp_path, damage, message):
    directory = copy_example(tmp_path / "export")
    damage(directory)
    with pytest.raises(CommandError) as error:
        call_command("import_platform", str(directory), "--quiet")
    assert message in str(error.value)
    assert "Nothing imported" in str(error.value)
    assert counts() == dict.fromkeys(EXAMPLE_COUNTS, 0)


def test_every_unusable_file_is_named_at_once(tmp_path):
    directory = copy_example(tmp_path / "export")
    (directory / "ideas.csv").write_bytes(b"\xff\xfe bad")
    (directory / "votes.csv").write_text("who,what\n", encoding="utf-8")
    with pytest.raises(UnusableFile) as error:
        load_directory(directory)
    assert [name for name, _m in error.value.problems] == ["ideas.csv", "votes.csv"]


def test_a_directory_without_import_files_is_refused(tmp_path):
    with pytest.raises(CommandError, match="none of the import files is there"):
        call_command("import_platform", str(tmp_path), "--quiet")


# --- Hostile and odd content ----------------------------------------------------------------------
def test_hostile_html_long_texts_and_odd_unicode_are_stored_sanitised(tmp_path, client):
    directory = copy_example(tmp_path / "export")
    long_title = "Réduire " + "le papier " * 40  # 407 characters once trimmed: over Idea.title's 200
    long_body = "A very long line without any break " * 6000  # 216,000 characters
    hostile = (
        '<p onclick="steal()">Hello</p><script>alert("x")</script><img src=x onerror=alert(1)>'
        '<a href="javascript:alert(2)">click</a><iframe src="https://evil.example"></iframe>'
    )
    odd = "Zero\u200bwidth, RTL \u202eoverride\u202c, e\u0301 combining, emoji 🚀, NUL\x00here, bell\x07"
    with open(directory / "ideas.csv", "a", encoding="utf-8", newline="") as handle:
        import csv

        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            ["idea-20", "", "is-1001", "", long_title, "Body", "", "2022-04-01", "", "", "", "", "", ""]
        )
        writer.writerow(
            [
                "idea-21",
                "",
                "is-1001",
                "",
                "Hostile HTML",
                hostile,
                "html",
                "2022-04-01",
                "",
                "",
                "",
                "",
                "",
                "",
            ]
        )
        writer.writerow(
            ["idea-22", "", "is-1001", "", "Long text", long_body, "", "2022-04-01", "", "", "", "", "", ""]
        )
        writer.writerow(
            [
                "idea-23",
                "",
                "is-1001",
                "",
                f"Odd {odd}"[:150],
                odd,
                "text",
                "2022-04-01",
                "",
                "",
                "",
                "",
                "",
                "",
            ]
        )
    with open(directory / "comments.csv", "a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow(
            ["c-20", "idea-21", "is-1003", "", "**markdown** then " + hostile, "", "2022-04-02"]
        )
    result = run_import(load_directory(directory))
    warnings = [str(w) for w in result.plan.warnings]
    assert any("ideas.csv:8: warning: title of 407 characters shortened to 200" in w for w in warnings), (
        warnings
    )
    titled = Idea.objects.get(external_id="idea-20")
    assert len(titled.title) <= 200
    assert titled.title.endswith("…")
    assert long_title.strip() in titled.body  # the full title is kept, at the top of the body
    for external_id in ("idea-21",):
        html = Idea.objects.get(external_id=external_id).body_html
        for bad in ("<script", "onclick", "onerror", "javascript:", "<iframe", 'alert("x")'):
            assert bad not in html
        assert "<p>Hello</p>" in html
    comment_html = Comment.objects.get(external_id="c-20").body_html
    assert "<script" not in comment_html
    assert "onerror" not in comment_html
    assert "<strong>markdown</strong>" in comment_html
    long_idea = Idea.objects.get(external_id="idea-22")
    assert len(long_idea.body) == len(long_body.strip())
    odd_idea = Idea.objects.get(external_id="idea-23")
    assert "\x00" not in odd_idea.body
    assert "\x07" not in odd_idea.body
    assert "🚀" in odd_idea.body
    assert "\u202e" in odd_idea.body
    assert "é" in odd_idea.body
    # The idea page shows them escaped or sanitised, never executable.
    client.force_login(f.UserFactory(email="reader@example.com"))
    page = client.get(Idea.objects.get(external_id="idea-21").get_absolute_url()).content.decode()
    assert "<script>alert" not in page
    assert "onerror=alert" not in page
    page = client.get(titled.get_absolute_url()).content.decode()
    assert "incl." not in page  # no historical support on this one
    page = client.get(Idea.objects.get(external_id="idea-1").get_absolute_url()).content.decode()
    assert "incl. 42 from the previous platform" in page


PLAIN_TEXT = st.text(
    alphabet=st.sampled_from(list("abcXYZ019 .,;:!?'\"()/%$@-+=\t\n\r") + ["\u00a0", "é", "\u2028"]),
    max_size=120,
)


@given(PLAIN_TEXT)
def test_the_plain_text_shortcut_renders_exactly_like_markdown(text):
    if _plain_paragraphs(text) is not None:
        assert render_body(text, "markdown") == render_markdown(text)
