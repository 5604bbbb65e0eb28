"""Exports as other customers' tools write them, and the oddities of real data, one reproducer each:
bad input is reported by file and line, and loses nothing else; nothing crashes."""

from __future__ import annotations

import pytest

from accounts.models import User
from ideas.importing.neutral import load_directory
from ideas.importing.reading import UnusableFile
from ideas.importing.runner import run_import
from ideas.models import Campaign, Comment, Idea
from tests.imports.helpers import export, issues, write_csv

pytestmark = pytest.mark.django_db

PEOPLE = (["external_id", "name"], [["p1", "Ann"], ["p2", "Bob"]])


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
        "people.csv:2: warning: bad date in joined_at: '2021-03-01T00:00:00+23:59' "
        "(time zone offset +23:59 beyond ±14:00): left empty",
        "campaigns.csv:2: rejected: bad date in ends_at: '9999-12-31T23:59:59-05:00' "
        "(date after 2100, a placeholder such as 9999-12-31?)",
        "campaigns.csv:3: rejected: bad date in starts_at: '9999-12-31T23:59:30' "
        "(date after 2100, a placeholder such as 9999-12-31?)",
    ]
    # 1969-12-31T23:00-05:00 is 1970-01-01T04:00 UTC: not before 1970, and stored in UTC.
    bob = User.objects.get(external_id="p2")
    assert bob.date_joined.isoformat() == "1970-01-01T04:00:00+00:00"
    assert Idea.objects.count() == 1
    assert User.objects.filter(external_id="p1").exists()


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
        "campaigns.csv:2: rejected: bad date in starts_at: '12/03/2022' "
        "(expected ISO 8601; day and month order is ambiguous: write YYYY-MM-DD)",
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


# --- Files as spreadsheets and other tools save them -----------------------------------------------
EXPORT_ROWS = [["p1", "Amélie", "Acme/Sales"], ["p2", "Bob", "Acme/Sales"]]


@pytest.mark.parametrize(
    ("encoding", "delimiter", "newline"),
    [
        ("utf-16", "\t", "\r\n"),  # Excel "Unicode text"
        ("utf-16", ",", "\n"),
        ("utf-8-sig", ";", "\r\n"),  # Excel "CSV UTF-8" in French
        ("utf-8", "\t", "\r"),  # tab-separated, old Mac line ends
    ],
)
def test_utf16_semicolons_tabs_and_any_line_end_are_read(tmp_path, encoding, delimiter, newline):
    """UTF-16 files were refused as "binary content (NUL bytes)" and semicolon or tab separated ones
    as missing every column: each is read as it is, as the HR directory reads semicolons."""
    directory = tmp_path / "export"
    directory.mkdir()
    lines = [delimiter.join(["External ID", "Name", "Entity"])] + [delimiter.join(r) for r in EXPORT_ROWS]
    (directory / "people.csv").write_bytes((newline.join(lines) + newline).encode(encoding))
    result = run_import(load_directory(directory), rebuild=False)
    assert issues(result) == []
    assert sorted(User.objects.values_list("external_id", "display_name", "entity__name")) == [
        ("p1", "Amélie", "Sales"),
        ("p2", "Bob", "Sales"),
    ]


def test_nul_characters_in_a_text_are_removed_with_a_warning_wherever_they_are(tmp_path):
    """A NUL in the first 64 kB refused the whole file as "binary"; one further down reached
    Postgres (which refuses NUL) in an external id, in the middle of the write."""
    long_body = "x" * 70_000
    directory = export(
        tmp_path / "export",
        people=PEOPLE,
        ideas=(
            ["external_id", "author", "title", "created_at", "body"],
            [["i\x001", "p1", "One\x00", "2022-02-01", ""], ["i2", "p1", "Two", "2022-02-01", long_body]],
        ),
        comments=(
            ["external_id", "idea", "author", "body", "created_at"],
            [["c1", "i2", "p2", long_body, "2022-02-02"], ["c\x002", "i1", "p2", "N\x00ice", "2022-02-02"]],
        ),
    )
    result = run_import(load_directory(directory), rebuild=False)
    assert issues(result) == [
        "ideas.csv:2: warning: 2 NUL character(s) removed (line(s) 2)",
        "comments.csv:3: warning: 2 NUL character(s) removed (line(s) 3)",
    ]
    assert set(Idea.objects.values_list("external_id", flat=True)) == {"i1", "i2"}
    assert Idea.objects.get(external_id="i1").title == "One"
    assert Comment.objects.get(external_id="c2").body == "Nice"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), "an Excel workbook (.xlsx) or a zip archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200), "an Excel 97-2003 workbook (.xls)"),
        ("idea,voter\n".encode("utf-16-le"), "binary content, or UTF-16 without a byte-order mark"),
    ],
)
def test_a_workbook_or_a_utf16_file_without_bom_is_named_as_such(tmp_path, content, message):
    directory = tmp_path / "export"
    directory.mkdir()
    (directory / "votes.csv").write_bytes(content)
    with pytest.raises(UnusableFile) as error:
        load_directory(directory)
    assert error.value.problems[0][0] == "votes.csv"
    assert error.value.problems[0][1].startswith(message)


# --- Values longer than the database holds ---------------------------------------------------------
def test_an_overlong_external_id_and_a_too_deep_entity_are_reported_not_a_database_error(tmp_path):
    """An external id over 200 characters and an entity path of 300 levels (Entity.path holds the
    ids of every level in 1,000 characters) were Postgres DataErrors half-way through the write."""
    deep = "/".join(f"L{i}" for i in range(300))
    directory = export(
        tmp_path / "export",
        people=(
            ["external_id", "name", "entity"],
            [["p" * 201, "Long", ""], ["p1", "Ann", deep], ["p2", "Bob", "Acme"]],
        ),
        ideas=(
            ["external_id", "author", "title", "created_at"],
            [["i" * 300, "p1", "One", "2022-02-01"], ["i2", "p1", "Two", "2022-02-01"]],
        ),
    )
    result = run_import(load_directory(directory), rebuild=False)
    assert issues(result) == [
        "people.csv:2: rejected: external_id of 201 characters (at most 200)",
        "people.csv:3: warning: entity path of 300 levels (at most 50): left empty",
        "ideas.csv:2: rejected: external_id of 300 characters (at most 200)",
    ]
    assert User.objects.get(external_id="p1").entity is None
    assert list(Idea.objects.values_list("external_id", flat=True)) == ["i2"]


# --- A bad optional value costs that value, not the row and everything hanging from it --------------
def test_an_unreadable_optional_date_is_left_empty_and_dependents_say_why_they_are_rejected(tmp_path):
    """A person's unreadable joined_at (an optional column) rejected the person, then their ideas,
    comments and votes as by an "unknown author", without a word of why; an idea's unreadable
    state_changed_at did the same to the idea. Both are now warnings, the value left to its
    default; rows hanging from a row rejected for a reason of its own name that row's line."""
    directory = export(
        tmp_path / "export",
        people=(
            ["external_id", "name", "email", "joined_at"],
            [
                ["p1", "Ann", "ann@example.com", "31/12/2021"],
                ["p2", "Bob", "", "44600"],
                ["p3", "Cat", "ANN@example.com", ""],
            ],
        ),
        ideas=(
            ["external_id", "author", "title", "created_at", "state", "state_changed_at"],
            [
                ["i1", "p1", "One", "2022-02-01", "deployed", "1643900000"],
                ["i2", "p3", "Two", "2022-02-01", "", ""],
            ],
        ),
        votes=(["idea", "voter"], [["i1", "p2"], ["i2", "p2"], ["i1", "p3"]]),
    )
    result = run_import(load_directory(directory), rebuild=False)
    assert issues(result) == [
        "people.csv:2: warning: bad date in joined_at: '31/12/2021' (expected ISO 8601; day and month "
        "order is ambiguous: write YYYY-MM-DD): left empty",
        "people.csv:3: warning: bad date in joined_at: '44600' (expected ISO 8601; an Excel date number? "
        "format the column as a date): left empty",
        "people.csv:4: rejected: duplicate e-mail 'ann@example.com' (first on line 2)",
        "ideas.csv:2: warning: bad date in state_changed_at: '1643900000' (expected ISO 8601; seconds or "
        "milliseconds since 1970? write the date itself): left empty",
        "ideas.csv:3: rejected: unknown author 'p3' (its line, people.csv line 4, was rejected)",
        "votes.csv:3: rejected: unknown idea 'i2' (its line, ideas.csv line 3, was rejected)",
        "votes.csv:4: rejected: unknown voter 'p3' (its line, people.csv line 4, was rejected)",
    ]
    idea = Idea.objects.get(external_id="i1")
    assert (idea.state, idea.state_changed_at.date().isoformat(), idea.vote_count) == (
        "deployed",
        "2022-02-01",
        1,
    )
    # No joined_at: the first activity, as documented.
    assert User.objects.get(external_id="p1").date_joined.date().isoformat() == "2022-02-01"


def test_a_spreadsheet_count_is_read_and_a_count_that_is_no_count_costs_only_the_count(tmp_path):
    """``12.0`` (a count saved by a spreadsheet, as in a reshaped OpenIDEO export) rejected the idea,
    its comments and the links built upon it; ``-3`` or ``1,234`` did the same."""
    directory = export(
        tmp_path / "export",
        people=PEOPLE,
        ideas=(
            ["external_id", "author", "title", "created_at", "vote_count"],
            [["i1", "p1", "One", "2022-02-01", "12.0"], ["i2", "p1", "Two", "2022-02-01", "1,234"]],
        ),
        comments=(
            ["external_id", "idea", "author", "body", "created_at"],
            [["c1", "i2", "p2", "Yes", "2022-02-02"]],
        ),
    )
    result = run_import(load_directory(directory), rebuild=False)
    assert issues(result) == [
        "ideas.csv:3: warning: vote_count is not a whole number below a billion: '1,234': left at 0"
    ]
    assert dict(Idea.objects.values_list("external_id", "historical_support")) == {"i1": 12, "i2": 0}
    assert Comment.objects.get(external_id="c1").idea.external_id == "i2"
