"""The OpenIDEO adapter: the example of an adapter from another platform's export (docs/import.md).

An adapter only translates rows: it reads the platform's files strictly (``reading.read_csv``),
maps each record to the neutral columns and keeps the record's own file and line, so that every
reject is reported against the file the customer gave us. Validation, idempotency and writing are
the neutral importer's job.

Mapping (the data's README: ../shared/data/openideo/README.md):
- a challenge is a campaign, from its first idea to the minute after its last (the export has no
  dates; comments go on for years after the submissions closed);
- a person (users.csv has one row per person and challenge) is one account without e-mail, named
  "OpenIDEO member <first 6 characters of the id>", in the entity of their ``company_id`` (a hashed
  organisation) below the prefix, or in "OpenIDEO (unknown organisation)" when it is unknown;
- an idea's ``applause`` is its historical support (voters unknown: no votes are invented);
- a winner is deployed when its challenge closed (the minute after its last idea), every other idea
  is published;
- the idea ``type`` (inspiration, concept) and ``themes`` become tags;
- a "built upon" link (the target was built upon the source) is a ``built_upon`` idea link;
- comments are flat in the export (their reply structure was lost), so none has a parent;
- ``social_edges.csv`` is derived from the comments and is not imported (analytics recompute it).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

from ideas.importing.reading import Row, Table, UnusableFile, read_csv

PREFIX = "openideo"
UNKNOWN_ORGANISATION = "OpenIDEO (unknown organisation)"
DEFAULT_ENTITY_PREFIX = "OpenIDEO"
WINNER = ("1", "1.0", "true", "yes")

FILES = {
    "challenges.csv": (["challenge_no", "title"], ["link", "sponsor", "start_date", "end_date"]),
    "users.csv": (["challenge_no", "user_id"], ["company_id", "joined"]),
    "ideas.csv": (
        ["challenge_no", "idea_id", "creator_user_id", "created", "title"],
        ["type", "applause", "views", "comment_count", "winner", "themes", "url", "description"],
    ),
    "comments.csv": (["challenge_no", "idea_id", "seq", "user_id", "date", "text"], ["applause"]),
    "idea_links.csv": (["challenge_no", "source_idea_id", "target_idea_id"], []),
}


def person_id(user_id: str) -> str:
    return f"{PREFIX}:user:{user_id}"


def campaign_id(challenge: str) -> str:
    return f"{PREFIX}:challenge:{challenge}"


def idea_id(challenge: str, idea: str) -> str:
    # Idea ids are slugs that repeat across challenges (23 do): the challenge is part of the key.
    return f"{PREFIX}:idea:{challenge}:{idea}"


def comment_id(challenge: str, idea: str, seq: str) -> str:
    return f"{PREFIX}:comment:{challenge}:{idea}:{seq}"


def organisation_name(company_id: str) -> str:
    return f"Organisation {company_id[:8]}"


def _minute_after(when: str) -> str:
    """The minute after an export's timestamp (``2010-07-02T11:45:00``), or "" if it is unreadable
    (the importer then says so on the rows that carry it)."""
    try:
        return (datetime.fromisoformat(when) + timedelta(minutes=1)).isoformat()
    except ValueError:
        return ""


def load_openideo(directory: Path) -> dict[str, Table]:
    """The OpenIDEO export of ``directory`` as neutral tables (rows keep their source file and line)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise UnusableFile([(str(directory), "not a directory")])
    source: dict[str, Table] = {}
    problems = []
    for filename, (required, optional) in FILES.items():
        path = directory / filename
        if not path.exists():
            problems.append((filename, "missing from the OpenIDEO export"))
            continue
        try:
            source[filename] = read_csv(path, required=required, optional=optional)
        except UnusableFile as error:
            problems.extend(error.problems)
    if problems:
        raise UnusableFile(problems)

    def table(name, rows):
        return Table(rows=rows, issues=source[name].issues)

    # People: one per user_id; the earliest "joined" of their challenges; their organisation.
    first: dict[str, Row] = {}
    joined: dict[str, str] = {}
    company: dict[str, str] = {}
    for row in source["users.csv"].rows:
        user = row.get("user_id")
        first.setdefault(user, row)
        when = row.get("joined")
        if when and (user not in joined or when < joined[user]):
            joined[user] = when
        if row.get("company_id"):
            company.setdefault(user, row.get("company_id"))
    people = []
    for user, row in first.items():
        organisation = company.get(user)
        people.append(
            Row(
                row.file,
                row.line,
                {
                    "external_id": person_id(user) if user else "",
                    "name": f"OpenIDEO member {user[:6]}",
                    "entity": organisation_name(organisation) if organisation else UNKNOWN_ORGANISATION,
                    "entity_kind": "organisation",
                    "joined_at": joined.get(user, ""),
                },
            )
        )

    # The export has no challenge dates. A challenge's submissions close with its last idea, and its
    # winners are chosen then: comments go on for years on a few ideas (challenge 0's last idea is
    # of 2010-07-02, its last comment of 2013-03-19), and dating the end by them made every winner
    # deployed in 2013 and every challenge run for about three years.
    closed: dict[str, str] = defaultdict(str)
    for row in source["ideas.csv"].rows:
        if _minute_after(row.get("created")):  # an unreadable date (its row says so) closes nothing
            closed[row.get("challenge_no")] = max(closed[row.get("challenge_no")], row.get("created"))
    closed = {challenge: _minute_after(last) for challenge, last in closed.items()}

    campaigns = [
        Row(
            row.file,
            row.line,
            {
                "external_id": campaign_id(row.get("challenge_no")),
                "title": row.get("title"),
                "question": row.get("title"),
                "description": f"OpenIDEO challenge: <{row.get('link')}>" if row.get("link") else "",
                "starts_at": row.get("start_date"),
                "ends_at": row.get("end_date") or closed.get(row.get("challenge_no"), ""),
            },
        )
        for row in source["challenges.csv"].rows
    ]
    ideas = []
    for row in source["ideas.csv"].rows:
        challenge = row.get("challenge_no")
        # As exported (1), or as a spreadsheet or a data frame re-saves it (1.0, True).
        winner = row.get("winner").lower() in WINNER
        tags = [row.get("type")] + [t for t in row.get("themes").split(",") if t.strip()]
        ideas.append(
            Row(
                row.file,
                row.line,
                {
                    "external_id": idea_id(challenge, row.get("idea_id")),
                    "campaign": campaign_id(challenge),
                    "author": person_id(row.get("creator_user_id")),
                    "title": row.raw("title"),
                    "body": row.raw("description"),
                    "body_format": "markdown",  # plain text with HTML fragments: Markdown keeps both
                    "created_at": row.get("created"),
                    "state": "deployed" if winner else "published",
                    "state_changed_at": closed.get(challenge, "") if winner else "",
                    "vote_count": row.get("applause") or "0",
                    "tags": ";".join(t.strip().replace(";", " ") for t in tags if t and t.strip()),
                },
            )
        )
    comments = [
        Row(
            row.file,
            row.line,
            {
                "external_id": comment_id(row.get("challenge_no"), row.get("idea_id"), row.get("seq")),
                "idea": idea_id(row.get("challenge_no"), row.get("idea_id")),
                "author": person_id(row.get("user_id")),
                "body": row.raw("text"),
                "body_format": "markdown",
                "created_at": row.get("date"),
            },
        )
        for row in source["comments.csv"].rows
    ]
    links = [
        Row(
            row.file,
            row.line,
            {
                "source": idea_id(row.get("challenge_no"), row.get("source_idea_id")),
                "target": idea_id(row.get("challenge_no"), row.get("target_idea_id")),
                "kind": "built_upon",
            },
        )
        for row in source["idea_links.csv"].rows
    ]
    return {
        "people": table("users.csv", people),
        "campaigns": table("challenges.csv", campaigns),
        "ideas": table("ideas.csv", ideas),
        "comments": table("comments.csv", comments),
        "links": table("idea_links.csv", links),
    }
