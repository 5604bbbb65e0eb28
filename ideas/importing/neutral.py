"""The neutral import format (docs/import.md): validate everything, then import in bulk.

Two phases. ``NeutralImport.plan()`` reads nothing from disk (the rows are given, by
``load_directory`` or by an adapter), checks every row and every reference, compares with what the
database already holds and decides, per table, what to create and what to update; it writes
nothing (this is the dry run). ``apply(plan)`` then writes it: bulk inserts and updates, one
transaction per table, states through ``moderation.workflow.import_states``.

Idempotent by external id: a second run of the same files plans nothing and writes nothing; a
corrected file updates what changed. Votes, follows and links are keyed by what they join.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import CharField, Count, F, Max, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat, Greatest
from django.utils import timezone
from django.utils.text import slugify
from tqdm import tqdm

from accounts.models import Entity, User
from analytics.models import Visit
from ideas.importing.reading import Issue, Row, Table, UnusableFile, ignored_columns_issue, read_csv
from ideas.models import Campaign, Comment, Follow, Idea, IdeaLink, IdeaState, Tag, Theme, Vote
from ideas.rendering import render_markdown, sanitize_html
from moderation import workflow

S = IdeaState
BATCH = 2000
TITLE_MAX = Idea._meta.get_field("title").max_length
PLACEHOLDER_DOMAIN = "unclaimed.invalid"  # RFC 2606: can never receive mail, can never log in
BODY_FORMATS = ("markdown", "html", "text")
LINK_KINDS = (IdeaLink.Kind.BUILT_UPON, IdeaLink.Kind.DUPLICATE_OF)
EXTERNAL_ID_MAX = User._meta.get_field("external_id").max_length  # the same on every imported model
# Entity.path is the ids of every level ("/1/4/17/"): 50 levels of ids up to 19 digits fit its length.
ENTITY_DEPTH_MAX = Entity._meta.get_field("path").max_length // 20

# Table -> (file name, required columns, optional columns). docs/import.md documents each column.
SPEC: dict[str, tuple[str, list[str], list[str]]] = {
    "people": (
        "people.csv",
        ["external_id", "name"],
        ["email", "entity", "entity_kind", "manager", "job_title", "joined_at", "language"],
    ),
    "campaigns": (
        "campaigns.csv",
        ["external_id", "title"],
        ["question", "description", "starts_at", "ends_at", "sponsor"],
    ),
    "ideas": (
        "ideas.csv",
        ["external_id", "author", "title", "created_at"],
        [
            "campaign",
            "co_authors",
            "body",
            "body_format",
            "state",
            "state_changed_at",
            "theme",
            "tags",
            "vote_count",
            "anonymous",
        ],
    ),
    "comments": (
        "comments.csv",
        ["external_id", "idea", "author", "body", "created_at"],
        ["parent", "body_format"],
    ),
    "votes": ("votes.csv", ["idea", "voter"], ["created_at"]),
    "follows": ("follows.csv", ["idea", "person"], ["created_at"]),
    "links": ("links.csv", ["source", "target", "kind"], ["created_at"]),
}
ORDER = list(SPEC)


def load_directory(directory: Path) -> dict[str, Table]:
    """Reads the neutral files of ``directory``. Every unusable file is reported at once."""
    directory = Path(directory)
    if not directory.is_dir():
        raise UnusableFile([(str(directory), "not a directory")])
    tables: dict[str, Table] = {}
    problems: list[tuple[str, str]] = []
    for name, (filename, required, optional) in SPEC.items():
        path = directory / filename
        if not path.exists():
            continue
        try:
            tables[name] = read_csv(path, required=required, optional=optional)
        except UnusableFile as error:
            problems.extend(error.problems)
            continue
        ignored = ignored_columns_issue(tables[name], filename)
        if ignored:
            tables[name].issues.insert(0, ignored)
    if problems:
        raise UnusableFile(problems)
    if not tables:
        expected = ", ".join(spec[0] for spec in SPEC.values())
        raise UnusableFile([(str(directory), f"none of the import files is there (expected: {expected})")])
    return tables


# --- Values ---------------------------------------------------------------------------------------
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    """NFC Unicode without control characters (Postgres refuses NUL; the others only hide text)."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", value))


# Real offsets run from -12:00 to +14:00; campaigns may be planned ahead, not to the year 9999.
MAX_OFFSET = timedelta(hours=14)
LAST_YEAR = 2100


class DateOutOfRange(ValueError):
    """A well-formed date that cannot be true: the message says which bound it crosses, so that
    the customer does not hunt for a format problem that is not there."""


def parse_when(value: str, now: datetime, *, future: bool = False) -> datetime:
    """ISO 8601 date or date and time; without an offset, UTC. Activity (a post, a vote) cannot
    have happened after ``now`` (a day of slack for clocks and offsets); a campaign's dates may be
    planned ahead (``future``). Nothing predates 1970 (a 0001-01-01 is an export's empty value)."""
    when = datetime.fromisoformat(value.strip())
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    offset = when.utcoffset()
    if abs(offset) > MAX_OFFSET:
        hours, minutes = divmod(int(abs(offset).total_seconds()) // 60, 60)
        sign = "-" if offset < timedelta(0) else "+"
        raise DateOutOfRange(f"time zone offset {sign}{hours:02}:{minutes:02} beyond ±14:00")
    # The local year first: 9999-12-31 minus an offset is past what a datetime holds in UTC.
    if when.year < 1969 or (when.year < 1970 and when.astimezone(UTC).year < 1970):
        raise DateOutOfRange("date before 1970")
    if when.year > LAST_YEAR:
        # 9999-12-31 is an export's "no end": a campaign planned that far ahead is not one.
        raise DateOutOfRange(f"date after {LAST_YEAR}, a placeholder such as 9999-12-31?")
    when = when.astimezone(UTC)  # Postgres refuses offsets beyond ±15:59; UTC is what is stored
    if not future and when > now + timedelta(days=1):
        raise DateOutOfRange("date in the future")
    return when


def _date_hint(value: str) -> str:
    """What an unreadable date probably is, for the customer to fix the export."""
    value = value.strip()
    if re.fullmatch(r"\d{5}(\.\d+)?", value):
        return "; an Excel date number? format the column as a date"
    if re.fullmatch(r"\d{9,10}(\.\d+)?|\d{12,13}", value):
        return "; seconds or milliseconds since 1970? write the date itself"
    if re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}.*", value):
        return "; day and month order is ambiguous: write YYYY-MM-DD"
    return ""


def is_date_only(value: str) -> bool:
    """A date without a time of day (``2022-02-01``): the day is known, not the moment."""
    try:
        date.fromisoformat(value.strip())
    except ValueError:
        return False
    return True


def shorten(title: str, limit: int = TITLE_MAX) -> str:
    """At most ``limit`` characters, cut at a word boundary when one is near, with an ellipsis."""
    if len(title) <= limit:
        return title
    cut = title[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


# Text with nothing Markdown or HTML would interpret (most comments on other platforms): rendering
# it is only paragraphs and escaping. This gives the same HTML as the Markdown renderer (checked in
# tests/imports on the OpenIDEO texts and by a property test) at a twentieth of the cost.
_PLAIN = re.compile(r"[^*_\[\]<>#&`~|\\]*")
_ODD_SPACE = re.compile(r"[^\S \t\n]")  # Unicode spaces (no-break...): Markdown trims them
_NOT_PLAIN_LINE = re.compile(r"^(?: {4}|\t| {0,3}(?:[-+=]|\d{1,9}[.)]))|  $|\t$", re.MULTILINE)


def _plain_paragraphs(source: str) -> str | None:
    text = source.replace("\r\n", "\n").replace("\r", "\n")
    if not _PLAIN.fullmatch(text) or _NOT_PLAIN_LINE.search(text) or _ODD_SPACE.search(text):
        return None
    text = text.strip(" \t\n")
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", text) if p.strip(" \t\n")]
    return "".join(
        "<p>"
        + "\n".join(line.strip(" \t") for line in p.strip(" \t\n").split("\n")).replace('"', "&quot;")
        + "</p>\n"
        for p in paragraphs
    )


def render_body(source: str, body_format: str) -> str:
    """Sanitised HTML, exactly as typed content is (ideas.rendering)."""
    if body_format == "markdown":
        plain = _plain_paragraphs(source)
        if plain is not None:
            return sanitize_html(plain)
    if body_format == "html":
        return sanitize_html(source)
    if body_format == "text":
        paragraphs = [p for p in re.split(r"\n\s*\n", source.strip()) if p.strip()]
        return sanitize_html(
            "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)
        )
    return render_markdown(source)


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def _chunks(items: list, size: int = 5000):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing(model, external_ids, *fields) -> dict[str, tuple]:
    found: dict[str, tuple] = {}
    for chunk in _chunks(sorted(external_ids)):
        for row in model.objects.filter(external_id__in=chunk).values_list("external_id", "pk", *fields):
            found[row[0]] = row[1:]
    return found


# --- The plan --------------------------------------------------------------------------------------
@dataclass
class TablePlan:
    create: list[dict] = field(default_factory=list)
    update: list[dict] = field(default_factory=list)
    unchanged: int = 0
    rejected: int = 0


@dataclass
class Plan:
    tables: dict[str, TablePlan] = field(default_factory=lambda: {name: TablePlan() for name in ORDER})
    issues: list[Issue] = field(default_factory=list)
    new_entities: list[tuple[str, ...]] = field(default_factory=list)  # paths, parents first
    entity_kinds: dict[tuple[str, ...], str] = field(default_factory=dict)
    # Every accepted row, written by this run or not, for what a rerun after a failure completes.
    ideas_in_files: set[str] = field(default_factory=set)  # ideas with a row, a comment, a vote...
    activity: set[tuple[str, datetime]] = field(default_factory=set)  # (person, when) posted, voted

    @property
    def rejects(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.rejected]

    @property
    def warnings(self) -> list[Issue]:
        return [issue for issue in self.issues if not issue.rejected]

    @property
    def writes(self) -> int:
        return len(self.new_entities) + sum(len(t.create) + len(t.update) for t in self.tables.values())

    def summary(self) -> dict[str, dict[str, int]]:
        return {
            name: {
                "create": len(t.create),
                "update": len(t.update),
                "unchanged": t.unchanged,
                "rejected": t.rejected,
            }
            for name, t in self.tables.items()
        }


class NeutralImport:
    """Rows in the neutral format (by table) to a plan, and a plan to the database."""

    def __init__(self, tables: dict[str, Table], *, entity_prefix: str = "", now: datetime | None = None):
        self.tables = tables
        self.prefix = tuple(p.strip() for p in entity_prefix.split("/") if p.strip())
        self.now = now or timezone.now()

    # Each check_* method validates one table against what is known so far (file and database).
    def plan(self) -> Plan:
        plan = Plan()
        for table in self.tables.values():
            plan.issues.extend(table.issues)
        for name, table in self.tables.items():
            plan.tables[name].rejected += sum(1 for issue in table.issues if issue.rejected)
        self._person_ids: dict[str, int | None] = {}  # external id -> pk (None: created by this run)
        self._idea_info: dict[str, tuple[datetime, str]] = {}  # external id -> (created, author)
        self._co_authors: dict[str, set[str]] = {}  # idea external id -> its co-authors' external ids
        self._idea_rows: dict[str, Row] = {}  # external id -> its accepted row in ideas.csv
        self._comment_info: dict[str, tuple[str, str | None]] = {}  # external id -> (idea, parent)
        self._campaign_ids: set[str] = set()
        self._extra_links: list[tuple[int, list[str], list[str]]] = []  # existing ideas: co-authors, tags
        self._rejected_lines: dict[str, dict[str, Row]] = {}  # table -> external id -> its rejected line
        self._plan_people(plan)
        campaign_rows = self._plan_campaigns_first(plan)
        self._plan_ideas(plan)
        self._plan_comments(plan)
        self._plan_campaigns_dates(plan, campaign_rows)
        self._plan_votes(plan)
        self._plan_follows(plan)
        self._plan_links(plan)
        plan.issues.sort(key=lambda i: (ORDER_FILES.get(i.file, 99), i.file, i.line))
        return plan

    def _rows(self, name: str) -> list[Row]:
        table = self.tables.get(name)
        return table.rows if table else []

    @staticmethod
    def _lines_rejected(rows: list[Row], known) -> dict[str, Row]:
        """External id -> the first line of it, for the ids of ``rows`` that ended up unknown."""
        lines: dict[str, Row] = {}
        for row in rows:
            ext = row.get("external_id")
            if ext and ext not in known:
                lines.setdefault(ext, row)
        return lines

    def _reject(self, plan: Plan, table: str, row: Row, reason: str) -> None:
        plan.issues.append(Issue(row.file, row.line, reason))
        plan.tables[table].rejected += 1

    def _when(
        self, plan, table, row, column, *, required=True, future=False, warn=False
    ) -> datetime | None | bool:
        """The parsed date, None when empty and allowed, False after rejecting the row. With
        ``warn`` (an optional date with a default), a bad date is a warning and left empty: a
        person's unreadable joined_at cost them their account and every idea, comment and vote."""
        value = row.get(column)
        if not value:
            if required:
                self._reject(plan, table, row, f"{column} is empty")
                return False
            return None
        try:
            return parse_when(value, self.now, future=future)
        except DateOutOfRange as error:
            reason = f"bad date in {column}: {value[:40]!r} ({error})"
        except ValueError:
            reason = f"bad date in {column}: {value[:40]!r} (expected ISO 8601{_date_hint(value)})"
        if warn:
            plan.issues.append(Issue(row.file, row.line, f"{reason}: left empty", rejected=False))
            return None
        self._reject(plan, table, row, reason)
        return False

    def _unknown(self, what: str, ext: str, table: str) -> str:
        """ "unknown author 'x'", saying so when x's own line was rejected (the reason is there)."""
        line = self._rejected_lines.get(table, {}).get(ext)
        if line is None:
            return f"unknown {what} {ext!r}"
        return f"unknown {what} {ext!r} (its line, {line.file} line {line.line}, was rejected)"

    @staticmethod
    def _not_before_idea(row: Row, column: str, when: datetime, idea_created: datetime) -> datetime | None:
        """``when``, or None when it is before its idea's creation. A date without a time on the day
        the idea was created is that day, not its midnight (exports often drop the time of
        reactions): it is taken as the idea's creation time instead of being rejected."""
        if when >= idea_created:
            return when
        if is_date_only(row.get(column)) and idea_created < when + timedelta(days=1):
            return idea_created
        return None

    def _required(self, plan, table, row, columns) -> bool:
        empty = [c for c in columns if not row.get(c)]
        if empty:
            self._reject(plan, table, row, f"required value missing: {', '.join(empty)}")
            return False
        if len(row.get("external_id")) > EXTERNAL_ID_MAX:
            # Postgres refused it in the middle of the write (varchar); a reference this long is
            # unknown anyway.
            reason = f"external_id of {len(row.get('external_id'))} characters (at most {EXTERNAL_ID_MAX})"
            self._reject(plan, table, row, reason)
            return False
        return True

    def _dedupe(self, plan, table, row, key, seen: dict, what="external id") -> bool:
        if key in seen:
            self._reject(plan, table, row, f"duplicate {what} {key!r} (first on line {seen[key]})")
            return False
        seen[key] = row.line
        return True

    # People ------------------------------------------------------------------------------------
    def _entity_tree(self) -> dict[tuple[str, ...], int]:
        rows = list(Entity.objects.order_by("pk").values_list("pk", "parent_id", "name"))
        by_pk = {pk: (parent, name) for pk, parent, name in rows}
        paths: dict[int, tuple[str, ...]] = {}

        def path_of(pk):
            if pk not in paths:
                parent, name = by_pk[pk]
                paths[pk] = (path_of(parent) if parent else ()) + (name,)
            return paths[pk]

        return {path_of(pk): pk for pk in by_pk}

    def _spelled(self, path: tuple[str, ...]) -> tuple[str, ...]:
        """``path`` as the entities already known (or met earlier in the file) spell it, whatever its
        case: the HR directory matches entities so, and "ACME/sales" beside "Acme/Sales" made a
        second tree that split participation by entity."""
        spelled: tuple[str, ...] = ()
        for name in path:
            candidate = (*spelled, name)
            spelled = self._spellings.setdefault(tuple(part.casefold() for part in candidate), candidate)
        return spelled

    def _plan_people(self, plan: Plan) -> None:
        rows = self._rows("people")
        self._tree = self._entity_tree()
        self._spellings: dict[tuple[str, ...], tuple[str, ...]] = {}
        for known in self._tree:  # in creation order: the oldest spelling wins
            self._spellings.setdefault(tuple(part.casefold() for part in known), known)
        known_people = set(
            User.objects.filter(external_id__isnull=False).values_list("external_id", flat=True)
        )
        seen: dict[str, int] = {}
        emails_seen: dict[str, int] = {}
        accepted: list[tuple[Row, dict]] = []
        for row in rows:
            if not self._required(plan, "people", row, ["external_id", "name"]):
                continue
            ext = row.get("external_id")
            if not self._dedupe(plan, "people", row, ext, seen):
                continue
            email = row.get("email").lower()
            if email:
                try:
                    validate_email(email)
                except ValidationError:
                    self._reject(plan, "people", row, f"bad e-mail address {email[:80]!r}")
                    continue
                if not self._dedupe(plan, "people", row, email, emails_seen, what="e-mail"):
                    continue
            joined = self._when(plan, "people", row, "joined_at", required=False, warn=True)
            if joined is False:
                continue
            path = self._spelled(
                self.prefix
                + tuple(clean_text(p).strip()[:200] for p in row.get("entity").split("/") if p.strip())
            )
            kind = row.get("entity_kind").lower() or Entity.Kind.DEPARTMENT
            if kind not in Entity.Kind.values:
                self._reject(plan, "people", row, f"unknown entity_kind {kind!r}")
                continue
            if len(path) > ENTITY_DEPTH_MAX:
                # Entity.path holds the ids of every level: Postgres refused a deeper tree mid-write.
                reason = f"entity path of {len(path)} levels (at most {ENTITY_DEPTH_MAX}): left empty"
                plan.issues.append(Issue(row.file, row.line, reason, rejected=False))
                path = ()
            language = self._language(plan, row)
            accepted.append(
                (
                    row,
                    {
                        "external_id": ext,
                        "display_name": clean_text(row.get("name"))[:150],
                        "email": email,
                        "entity_path": path or None,
                        "job_title": clean_text(row.get("job_title"))[:200],
                        "date_joined": joined,
                        "language": language,
                        "manager": row.get("manager") or None,
                    },
                )
            )
        self._break_manager_cycles(plan, accepted)
        file_ids = {values["external_id"] for _row, values in accepted}
        existing = _existing(
            User,
            file_ids,
            "display_name",
            "email",
            "entity_id",
            "manager__external_id",
            "job_title",
            "date_joined",
            "language",
            "is_claimed",
        )
        emails = [v["email"] for _r, v in accepted if v["email"]]
        by_email: dict[str, tuple] = {}
        for chunk in _chunks(emails):
            for email, pk, ext in User.objects.filter(email__in=chunk).values_list(
                "email", "pk", "external_id"
            ):
                by_email[email] = (pk, ext)
        table = plan.tables["people"]
        for row, values in accepted:
            ext = values["external_id"]
            email = values["email"]
            owner = by_email.get(email) if email else None
            current = existing.get(ext)
            if owner and owner[1] not in (None, ext):
                self._reject(plan, "people", row, f"e-mail {email} already belongs to another person")
                continue
            if owner and current is not None and owner[0] != current[0]:
                # Imported earlier without this e-mail, while the directory (or SSO) made an account
                # with it: two accounts, each with its own history. Claiming only gives a new row's
                # history to an account; merging two accounts is not an import's decision (and
                # setting the e-mail would break its uniqueness half-way through the write).
                self._reject(
                    plan,
                    "people",
                    row,
                    f"e-mail {email} belongs to another account (not from an import); "
                    f"{ext!r} was imported earlier without it and is left as it was: "
                    "the two accounts are not merged",
                )
                continue
            manager = values["manager"]
            if manager and (manager == ext or (manager not in file_ids and manager not in known_people)):
                plan.issues.append(
                    Issue(row.file, row.line, f"unknown manager {manager!r}: left empty", rejected=False)
                )
                values["manager"] = manager = None
            path = values.pop("entity_path")
            if path:
                for depth in range(1, len(path) + 1):
                    prefix = path[:depth]
                    if prefix not in self._tree and prefix not in plan.entity_kinds:
                        plan.new_entities.append(prefix)
                        plan.entity_kinds[prefix] = (
                            row.get("entity_kind").lower() or Entity.Kind.DEPARTMENT
                            if depth == len(path)
                            else (Entity.Kind.GROUP if depth == 1 else Entity.Kind.DEPARTMENT)
                        )
            values["entity_path"] = path
            claiming = current is None and owner is not None
            if claiming:
                # An account that exists already (directory, SSO) takes this row's history: same e-mail.
                current = User.objects.filter(pk=owner[0]).values_list(
                    "pk",
                    "display_name",
                    "email",
                    "entity_id",
                    "manager__external_id",
                    "job_title",
                    "date_joined",
                    "language",
                    "is_claimed",
                )[0]
            if current is None:
                values["is_claimed"] = bool(email)
                values["email"] = email or self._placeholder(ext)  # date_joined None: first activity
                table.create.append(values)
                self._person_ids[ext] = None
                continue
            pk, name, old_email, entity_id, manager_ext, job, joined, language, claimed = current
            self._person_ids[ext] = pk
            new_entity = self._tree.get(path) if path else entity_id
            wanted = {
                "display_name": name if claiming else values["display_name"],
                "email": email or old_email,
                # A claimed directory account keeps its own job title and language.
                "job_title": (job or values["job_title"]) if claiming else (values["job_title"] or job),
                "date_joined": min(filter(None, [values["date_joined"], joined]))
                if claiming
                else (values["date_joined"] or joined),
                "language": language if claiming else (values["language"] or language),
                "is_claimed": claimed or bool(email),
            }
            # Only what the file says is compared: no column, no change (a directory's manager stays).
            changed = (
                (name, old_email, job, joined, language, claimed)
                != tuple(
                    wanted[k]
                    for k in ("display_name", "email", "job_title", "date_joined", "language", "is_claimed")
                )
                or new_entity != entity_id
                or (manager is not None and manager != manager_ext)
                or claiming
            )
            if changed:
                table.update.append(values | wanted | {"pk": pk, "entity_id": entity_id})
            else:
                table.unchanged += 1
        self._known_people = known_people | set(self._person_ids)
        self._rejected_lines["people"] = self._lines_rejected(rows, self._known_people)

    @staticmethod
    def _break_manager_cycles(plan: Plan, accepted: list[tuple[Row, dict]]) -> None:
        """A person managed, through the chain, by themselves (the files' managers over those
        already in the database) keeps no manager from this file, with a warning naming the
        chain: the HR directory refuses such cycles too, and reporting lines would loop."""
        managers = dict(
            User.objects.filter(external_id__isnull=False, manager__external_id__isnull=False).values_list(
                "external_id", "manager__external_id"
            )
        )
        managers.update({values["external_id"]: values["manager"] for _row, values in accepted})
        for row, values in accepted:
            chain, person = [values["external_id"]], values["manager"]
            while person and person not in chain:
                chain.append(person)
                person = managers.get(person)
            if person == values["external_id"]:
                cycle = " -> ".join([*chain, person])
                plan.issues.append(
                    Issue(row.file, row.line, f"manager cycle {cycle}: manager left empty", rejected=False)
                )
                values["manager"] = None

    @staticmethod
    def _language(plan: Plan, row: Row) -> str | None:
        """One of the languages Ideabox speaks (settings.LANGUAGES, as the HR directory checks), or
        None: a person is better served in the default language than by a code no page has."""
        language = row.get("language").lower()
        languages = [code for code, _label in settings.LANGUAGES]
        if language and language not in languages:
            reason = (
                f"unknown language {row.get('language')[:40]!r} (expected {', '.join(languages)}): left empty"
            )
            plan.issues.append(Issue(row.file, row.line, reason, rejected=False))
            return None
        return language or None

    @staticmethod
    def _placeholder(ext: str) -> str:
        import hashlib

        return f"imported-{hashlib.sha256(ext.encode()).hexdigest()[:20]}@{PLACEHOLDER_DOMAIN}"

    # Campaigns ---------------------------------------------------------------------------------
    def _plan_campaigns_first(self, plan: Plan) -> list[tuple[Row, dict]]:
        """Campaign rows are checked before ideas (ideas refer to them); their dates may come from
        their ideas and comments, so the plan is finished in ``_plan_campaigns_dates``."""
        seen: dict[str, int] = {}
        accepted = []
        for row in self._rows("campaigns"):
            if not self._required(plan, "campaigns", row, ["external_id", "title"]):
                continue
            ext = row.get("external_id")
            if not self._dedupe(plan, "campaigns", row, ext, seen):
                continue
            # A campaign may be running or planned: its dates may be ahead, its ideas' may not.
            starts = self._when(plan, "campaigns", row, "starts_at", required=False, future=True)
            if starts is False:
                continue
            ends = self._when(plan, "campaigns", row, "ends_at", required=False, future=True)
            if ends is False:
                continue
            if starts and ends and ends <= starts:
                self._reject(plan, "campaigns", row, "ends_at is not after starts_at")
                continue
            sponsor = row.get("sponsor") or None
            if sponsor and sponsor not in self._known_people:
                plan.issues.append(
                    Issue(row.file, row.line, f"unknown sponsor {sponsor!r}: left empty", rejected=False)
                )
                sponsor = None
            title = clean_text(row.get("title"))
            if len(title) > TITLE_MAX:
                plan.issues.append(
                    Issue(row.file, row.line, f"title of {len(title)} characters shortened", rejected=False)
                )
            description = clean_text(row.raw("description")).strip()
            accepted.append(
                (
                    row,
                    {
                        "external_id": ext,
                        "title": shorten(title),
                        "question": clean_text(row.raw("question")).strip() or title,
                        "description": description,
                        "starts_at": starts,
                        "ends_at": ends,
                        "sponsor": sponsor,
                    },
                )
            )
        self._campaign_ids = {v["external_id"] for _r, v in accepted} | set(
            Campaign.objects.filter(external_id__isnull=False).values_list("external_id", flat=True)
        )
        # Lines rejected here (a bad date...): their ideas are kept without a campaign, not lost.
        self._rejected_campaigns: dict[str, Row] = {}
        for row in self._rows("campaigns"):
            ext = row.get("external_id")
            if ext and ext not in self._campaign_ids:
                self._rejected_campaigns.setdefault(ext, row)
        self._campaign_span: dict[str, list[datetime]] = defaultdict(list)
        return accepted

    def _plan_campaigns_dates(self, plan: Plan, accepted: list[tuple[Row, dict]]) -> None:
        existing = _existing(
            Campaign,
            {v["external_id"] for _r, v in accepted},
            "title",
            "question",
            "description",
            "starts_at",
            "ends_at",
            "sponsor__external_id",
        )
        table = plan.tables["campaigns"]
        rejected: dict[str, Row] = {}
        for row, values in accepted:
            ext = values["external_id"]
            span = self._campaign_span.get(ext) or []
            current = existing.get(ext)
            if values["starts_at"] is None:
                values["starts_at"] = min(span) if span else (current[4] if current else self.now)
            if values["ends_at"] is None:
                values["ends_at"] = (max(span) if span else values["starts_at"]) + timedelta(minutes=1)
                if current and not span:
                    values["ends_at"] = current[5]
            if values["ends_at"] <= values["starts_at"]:
                self._reject(plan, "campaigns", row, "ends_at is not after its ideas' first date")
                if current is None:
                    rejected[ext] = row
                continue
            if current is None:
                table.create.append(values)
                continue
            wanted = tuple(
                values[k] for k in ("title", "question", "description", "starts_at", "ends_at", "sponsor")
            )
            if wanted != current[1:]:
                table.update.append(values | {"pk": current[0]})
            else:
                table.unchanged += 1
        self._detach_from_rejected_campaigns(plan, rejected)

    def _detach_from_rejected_campaigns(self, plan: Plan, rejected: dict[str, Row]) -> None:
        """A campaign's dates are checked once its ideas are known (they give its span), so ideas
        were accepted into a campaign that is then rejected. They are kept, without a campaign, and
        each one says so: the customer sees which ideas to re-file once the campaign is fixed."""
        if not rejected:
            return
        for values in plan.tables["ideas"].create + plan.tables["ideas"].update:
            campaign = values["campaign"]
            if campaign in rejected:
                row = self._idea_rows[values["external_id"]]
                reason = (
                    f"campaign {campaign!r} was rejected ({rejected[campaign].file} line "
                    f"{rejected[campaign].line}): imported without a campaign"
                )
                plan.issues.append(Issue(row.file, row.line, reason, rejected=False))
                values["campaign"] = None

    # Ideas --------------------------------------------------------------------------------------
    def _plan_ideas(self, plan: Plan) -> None:
        seen: dict[str, int] = {}
        accepted = []
        themes = {}
        for pk, name, slug in Theme.objects.values_list("pk", "name", "slug"):
            themes[name.lower()] = pk
            themes[slug.lower()] = pk
        for row in self._rows("ideas"):
            if not self._required(plan, "ideas", row, ["external_id", "author", "title", "created_at"]):
                continue
            ext = row.get("external_id")
            if not self._dedupe(plan, "ideas", row, ext, seen):
                continue
            author = row.get("author")
            if author not in self._known_people:
                self._reject(plan, "ideas", row, self._unknown("author", author, "people"))
                continue
            campaign = row.get("campaign") or None
            if campaign and campaign in self._rejected_campaigns:
                line = self._rejected_campaigns[campaign]
                reason = (
                    f"campaign {campaign!r} was rejected ({line.file} line {line.line}): "
                    "imported without a campaign"
                )
                plan.issues.append(Issue(row.file, row.line, reason, rejected=False))
                campaign = None
            if campaign and campaign not in self._campaign_ids:
                self._reject(plan, "ideas", row, f"unknown campaign {campaign!r}")
                continue
            created = self._when(plan, "ideas", row, "created_at")
            if created is False:
                continue
            state_at = self._when(plan, "ideas", row, "state_changed_at", required=False, warn=True)
            if state_at is False:
                continue
            state = row.get("state").lower() or S.PUBLISHED
            if state not in workflow.IMPORTABLE_STATES:
                allowed = ", ".join(workflow.IMPORTABLE_STATES)
                self._reject(plan, "ideas", row, f"unknown state {state!r} (one of: {allowed})")
                continue
            body_format = row.get("body_format").lower() or "markdown"
            if body_format not in BODY_FORMATS:
                self._reject(plan, "ideas", row, f"unknown body_format {body_format!r}")
                continue
            # A spreadsheet writes counts as 12.0; a count that is no count costs the count (warned),
            # not the idea with its comments, votes and links.
            votes = re.sub(r"(?<=\d)\.0+$", "", row.get("vote_count")) or "0"
            if not (votes.isascii() and votes.isdigit() and len(votes) <= 9):
                problem = f"vote_count is not a whole number below a billion: {votes[:20]!r}: left at 0"
                plan.issues.append(Issue(row.file, row.line, problem, rejected=False))
                votes = "0"
            title = re.sub(r"\s+", " ", clean_text(row.get("title"))).strip()
            body = clean_text(row.raw("body")).strip()
            if len(title) > TITLE_MAX:
                plan.issues.append(
                    Issue(
                        row.file,
                        row.line,
                        f"title of {len(title)} characters shortened to {TITLE_MAX}; "
                        "the full title opens the body",
                        rejected=False,
                    )
                )
                if body_format == "html":
                    body = f"<p><strong>{html.escape(title)}</strong></p>\n{body}"
                else:
                    body = f"**{title}**\n\n{body}"
                title = shorten(title)
            co_authors = []
            for person in _split(row.get("co_authors")):
                if person not in self._known_people or person == author:
                    plan.issues.append(
                        Issue(row.file, row.line, f"unknown co-author {person!r}: left out", rejected=False)
                    )
                else:
                    co_authors.append(person)
            theme = None
            if row.get("theme"):
                theme = themes.get(row.get("theme").lower())
                if theme is None:
                    plan.issues.append(
                        Issue(
                            row.file,
                            row.line,
                            f"unknown theme {row.get('theme')!r}: left empty",
                            rejected=False,
                        )
                    )
            values = {
                "external_id": ext,
                "author": author,
                "campaign": campaign,
                "title": title,
                "body": body,
                "body_format": body_format,
                "created_at": created,
                "state": state,
                "state_at": state_at or created,
                "theme_id": theme,
                "historical_support": int(votes),
                "is_anonymous": row.get("anonymous").lower() in ("1", "true", "yes"),
                "co_authors": co_authors,
                "tags": [clean_text(t)[:50] for t in _split(row.get("tags"))],
            }
            accepted.append((row, values))
            self._idea_rows[ext] = row
            self._idea_info[ext] = (created, author)
            self._co_authors[ext] = set(co_authors)
            plan.ideas_in_files.add(ext)
            plan.activity.add((author, created))
            if campaign:
                self._campaign_span[campaign].append(created)
        existing = _existing(
            Idea,
            {v["external_id"] for _r, v in accepted},
            "author__external_id",
            "campaign__external_id",
            "title",
            "body",
            "created_at",
            "state",
            "theme_id",
            "historical_support",
            "is_anonymous",
        )
        known = set(
            Idea.objects.filter(external_id__isnull=False).values_list(
                "external_id", "created_at", "author__external_id"
            )
        )
        for ext, created, author in known:
            self._idea_info.setdefault(ext, (created, author))
        self._rejected_lines["ideas"] = self._lines_rejected(self._rows("ideas"), self._idea_info)
        for ext, person in Idea.co_authors.through.objects.filter(
            idea__external_id__isnull=False, user__external_id__isnull=False
        ).values_list("idea__external_id", "user__external_id"):
            self._co_authors.setdefault(ext, set()).add(person)
        table = plan.tables["ideas"]
        for _row, values in accepted:
            current = existing.get(values["external_id"])
            if current is None:
                table.create.append(values)
                continue
            wanted = tuple(
                values[k]
                for k in (
                    "author",
                    "campaign",
                    "title",
                    "body",
                    "created_at",
                    "state",
                    "theme_id",
                    "historical_support",
                    "is_anonymous",
                )
            )
            if wanted != current[1:]:
                table.update.append(
                    values | {"pk": current[0], "old_body": current[4], "old_state": current[6]}
                )
            else:
                table.unchanged += 1
            # Co-authors and tags are only ever added (never removed by an import): see apply.
            if values["co_authors"] or values["tags"]:
                self._extra_links.append((current[0], values["co_authors"], values["tags"]))

    # Comments -----------------------------------------------------------------------------------
    def _plan_comments(self, plan: Plan) -> None:
        seen: dict[str, int] = {}
        accepted = []
        rows = self._rows("comments")
        file_parents = {row.get("external_id"): row for row in rows}
        db_comments = {
            ext: (idea, parent)
            for ext, idea, parent in Comment.objects.filter(external_id__isnull=False).values_list(
                "external_id", "idea__external_id", "parent__external_id"
            )
        }
        for row in rows:
            if not self._required(plan, "comments", row, ["external_id", "idea", "author", "created_at"]):
                continue
            ext = row.get("external_id")
            if not self._dedupe(plan, "comments", row, ext, seen):
                continue
            idea = row.get("idea")
            if idea not in self._idea_info:
                self._reject(plan, "comments", row, self._unknown("idea", idea, "ideas"))
                continue
            author = row.get("author")
            if author not in self._known_people:
                self._reject(plan, "comments", row, self._unknown("author", author, "people"))
                continue
            created = self._when(plan, "comments", row, "created_at")
            if created is False:
                continue
            created = self._not_before_idea(row, "created_at", created, self._idea_info[idea][0])
            if created is None:
                self._reject(
                    plan,
                    "comments",
                    row,
                    f"comment dated before its idea ({self._idea_info[idea][0]:%Y-%m-%d %H:%M})",
                )
                continue
            body_format = row.get("body_format").lower() or "markdown"
            if body_format not in BODY_FORMATS:
                self._reject(plan, "comments", row, f"unknown body_format {body_format!r}")
                continue
            body = clean_text(row.raw("body")).strip()
            if not body:
                self._reject(plan, "comments", row, "empty comment text")
                continue
            accepted.append(
                (
                    row,
                    {
                        "external_id": ext,
                        "idea": idea,
                        "author": author,
                        "body": body,
                        "body_format": body_format,
                        "created_at": created,
                        "parent": row.get("parent") or None,
                    },
                )
            )
        # Parents: known, on the same idea; a reply to a reply is attached to its thread's top
        # comment (Ideabox threads are one level deep), whatever the order of the lines.
        threads = db_comments | {v["external_id"]: (v["idea"], v["parent"]) for _r, v in accepted}
        tops = _thread_tops(threads)
        table = plan.tables["comments"]
        checked = []
        for row, values in accepted:
            parent = values["parent"]
            if parent:
                top, reason = tops[values["external_id"]]
                if top is None:
                    if parent in file_parents and parent not in threads:
                        reason += " (its own line was rejected)"
                    self._reject(plan, "comments", row, reason)
                    continue
                if top != parent:
                    values["parent"] = top
                    plan.issues.append(
                        Issue(
                            row.file,
                            row.line,
                            f"reply to a reply: attached to the first comment of the thread ({top!r})",
                            rejected=False,
                        )
                    )
            checked.append(values)
        existing = _existing(
            Comment,
            {v["external_id"] for v in checked},
            "idea__external_id",
            "author__external_id",
            "body",
            "created_at",
            "parent__external_id",
        )
        for values in checked:
            plan.ideas_in_files.add(values["idea"])
            plan.activity.add((values["author"], values["created_at"]))
            if values["idea"] in self._idea_info and self._campaign_of(values["idea"]):
                self._campaign_span[self._campaign_of(values["idea"])].append(values["created_at"])
            current = existing.get(values["external_id"])
            if current is None:
                table.create.append(values)
                continue
            wanted = tuple(values[k] for k in ("idea", "author", "body", "created_at", "parent"))
            if wanted != current[1:]:
                table.update.append(values | {"pk": current[0], "old_body": current[3]})
            else:
                table.unchanged += 1

    def _campaign_of(self, idea_ext: str) -> str | None:
        if not hasattr(self, "_idea_campaign"):
            self._idea_campaign = {
                row.get("external_id"): row.get("campaign") or None for row in self._rows("ideas")
            }
        return self._idea_campaign.get(idea_ext)

    # Votes, follows, links -------------------------------------------------------------------------
    def _plan_pairs(self, plan, name, person_column, model, person_field):
        seen: dict[tuple, int] = {}
        accepted = []
        for row in self._rows(name):
            if not self._required(plan, name, row, ["idea", person_column]):
                continue
            idea, person = row.get("idea"), row.get(person_column)
            if idea not in self._idea_info:
                self._reject(plan, name, row, self._unknown("idea", idea, "ideas"))
                continue
            if person not in self._known_people:
                self._reject(plan, name, row, self._unknown(person_column, person, "people"))
                continue
            if name == "votes" and person == self._idea_info[idea][1]:
                self._reject(plan, name, row, "a vote on one's own idea (refused in Ideabox)")
                continue
            if name == "votes" and person in self._co_authors.get(idea, ()):
                self._reject(plan, name, row, "a co-author's vote on their idea (refused in Ideabox)")
                continue
            if not self._dedupe(plan, name, row, (idea, person), seen, what=f"{name[:-1]} of {person!r} on"):
                continue
            when = self._when(plan, name, row, "created_at", required=False)
            if when is False:
                continue
            if when:
                when = self._not_before_idea(row, "created_at", when, self._idea_info[idea][0])
                if when is None:
                    self._reject(plan, name, row, f"{name[:-1]} dated before its idea")
                    continue
            accepted.append({"idea": idea, "person": person, "created_at": when or self._idea_info[idea][0]})
        existing = set()
        ideas = sorted({v["idea"] for v in accepted})
        for chunk in _chunks(ideas):
            existing |= set(
                model.objects.filter(idea__external_id__in=chunk).values_list(
                    "idea__external_id", f"{person_field}__external_id"
                )
            )
        table = plan.tables[name]
        for values in accepted:
            plan.ideas_in_files.add(values["idea"])
            if name == "votes":
                plan.activity.add((values["person"], values["created_at"]))
            if (values["idea"], values["person"]) in existing:
                table.unchanged += 1
            else:
                table.create.append(values)

    def _plan_votes(self, plan):
        self._plan_pairs(plan, "votes", "voter", Vote, "voter")

    def _plan_follows(self, plan):
        self._plan_pairs(plan, "follows", "person", Follow, "user")

    def _plan_links(self, plan):
        seen: dict[tuple, int] = {}
        accepted = []
        for row in self._rows("links"):
            if not self._required(plan, "links", row, ["source", "target", "kind"]):
                continue
            source, target, kind = row.get("source"), row.get("target"), row.get("kind").lower()
            if kind not in LINK_KINDS:
                self._reject(plan, "links", row, f"unknown kind {kind!r} (built_upon or duplicate_of)")
                continue
            missing = [ext for ext in (source, target) if ext not in self._idea_info]
            if missing:
                self._reject(plan, "links", row, self._unknown("idea", missing[0], "ideas"))
                continue
            if source == target:
                self._reject(plan, "links", row, "an idea linked to itself")
                continue
            if not self._dedupe(plan, "links", row, (source, target, kind), seen, what="link"):
                continue
            when = self._when(plan, "links", row, "created_at", required=False)
            if when is False:
                continue
            accepted.append(
                {
                    "source": source,
                    "target": target,
                    "kind": kind,
                    "created_at": when or self._idea_info[target][0],
                }
            )
        existing = set()
        for chunk in _chunks(sorted({v["target"] for v in accepted})):
            existing |= set(
                IdeaLink.objects.filter(target__external_id__in=chunk).values_list(
                    "source__external_id", "target__external_id", "kind"
                )
            )
        table = plan.tables["links"]
        for values in accepted:
            if (values["source"], values["target"], values["kind"]) in existing:
                table.unchanged += 1
            else:
                table.create.append(values)

    # --- Writing ---------------------------------------------------------------------------------
    def apply(self, plan: Plan, *, progress: bool = False, stream=None) -> dict[str, dict[str, int]]:
        """Writes the plan: one transaction per table, bulk statements only. Returns the summary.
        Then completes what depends on the whole history, for every row of the files and not only
        those written now, so that a run after a failure finishes the job (``completed`` says what
        that wrote: nothing on a second run of the same files)."""
        self._bar_args = {"disable": not progress, "file": stream, "leave": False}
        self._apply_people(plan)
        self._apply_campaigns(plan)
        self._apply_ideas(plan)
        self._apply_comments(plan)
        self._apply_pairs(plan, "votes", Vote, "voter_id")
        self._apply_pairs(plan, "follows", Follow, "user_id")
        self._apply_links(plan)
        self.completed = {"counters": self._recount(plan), "visits": self._add_visits(plan)}
        if plan.writes or any(self.completed.values()):
            from ideas.fragments import listed_changed

            listed_changed()  # bulk statements send no signals: the cached list counts are outdated
        return plan.summary()

    def _bar(self, name, total):
        return tqdm(total=total, desc=name, unit="row", **self._bar_args)

    @staticmethod
    def _ids(model, external_ids) -> dict[str, int]:
        found = {}
        for chunk in _chunks(sorted(set(external_ids))):
            found.update(model.objects.filter(external_id__in=chunk).values_list("external_id", "pk"))
        return found

    def _apply_people(self, plan: Plan) -> None:
        table = plan.tables["people"]
        if not (table.create or table.update or plan.new_entities):
            return
        bar = self._bar("people", len(table.create) + len(table.update))
        with transaction.atomic():
            tree = self._entity_tree()
            self._create_entities(plan, tree)
            # Entities are few; people are many: those go in bulk.
            password = make_password(None)
            first_activity = self._first_activity()
            new = []
            for values in table.create:
                joined = values["date_joined"] or first_activity.get(values["external_id"]) or self.now
                new.append(
                    User(
                        external_id=values["external_id"],
                        email=values["email"],
                        display_name=values["display_name"],
                        entity_id=tree.get(values["entity_path"]) if values["entity_path"] else None,
                        job_title=values["job_title"],
                        date_joined=joined,
                        language=values["language"] or User._meta.get_field("language").default,
                        is_claimed=values["is_claimed"],
                        password=password,
                    )
                )
            for chunk in _chunks(new, BATCH):
                User.objects.bulk_create(chunk)
                bar.update(len(chunk))
            updates = []
            for values in table.update:
                user = User(pk=values["pk"])
                user.display_name = values["display_name"]
                user.email = values["email"]
                user.job_title = values["job_title"]
                user.external_id = values["external_id"]
                user.entity_id = (
                    tree.get(values["entity_path"]) if values["entity_path"] else values["entity_id"]
                )
                user.date_joined = (
                    values["date_joined"] or first_activity.get(values["external_id"]) or self.now
                )
                user.language = values["language"] or User._meta.get_field("language").default
                user.is_claimed = values.get("is_claimed", True)
                updates.append(user)
            fields = [
                "display_name",
                "email",
                "job_title",
                "external_id",
                "entity_id",
                "date_joined",
                "language",
                "is_claimed",
            ]
            for chunk in _chunks(updates, BATCH):
                User.objects.bulk_update(chunk, fields)
                bar.update(len(chunk))
            ids = self._ids(
                User,
                [v["external_id"] for v in table.create + table.update]
                + [v["manager"] for v in table.create + table.update if v["manager"]],
            )
            managed = [
                User(pk=ids[v["external_id"]], manager_id=ids.get(v["manager"]))
                for v in table.create + table.update
                if v["manager"]
            ]
            for chunk in _chunks(managed, BATCH):
                User.objects.bulk_update(chunk, ["manager_id"])
        bar.close()

    @staticmethod
    def _create_entities(plan: Plan, tree: dict[tuple[str, ...], int]) -> None:
        """New entities level by level: one insert and one path update per level of the tree."""
        todo = [path for path in plan.new_entities if path not in tree]
        for depth in sorted({len(path) for path in todo}):
            level = [path for path in todo if len(path) == depth]
            objects = [
                Entity(
                    name=path[-1],
                    parent_id=tree.get(path[:-1]) if depth > 1 else None,
                    kind=plan.entity_kinds[path],
                )
                for path in level
            ]
            Entity.objects.bulk_create(objects, batch_size=BATCH)
            ids = Entity.objects.filter(path="", name__in=[p[-1] for p in level]).values_list(
                "parent_id", "name", "pk"
            )
            by_key = {(parent, name): pk for parent, name, pk in ids}
            for path in level:
                tree[path] = by_key[(tree.get(path[:-1]) if depth > 1 else None, path[-1])]
            parent_path = Subquery(Entity.objects.filter(pk=OuterRef("parent_id")).values("path")[:1])
            new = Entity.objects.filter(pk__in=[tree[path] for path in level])
            new.filter(parent__isnull=True).update(
                path=Concat(Value("/"), Cast("id", CharField()), Value("/"))
            )
            new.filter(parent__isnull=False).update(
                path=Concat(parent_path, Cast("id", CharField()), Value("/"), output_field=CharField())
            )

    def _first_activity(self) -> dict[str, datetime]:
        first: dict[str, datetime] = {}
        for name, column in (("ideas", "author"), ("comments", "author")):
            for row in self._rows(name):
                try:
                    when = parse_when(row.get("created_at"), self.now)
                except ValueError:
                    continue
                person = row.get(column)
                if person not in first or when < first[person]:
                    first[person] = when
        return first

    def _apply_campaigns(self, plan: Plan) -> None:
        table = plan.tables["campaigns"]
        if not (table.create or table.update):
            return
        people = self._ids(User, [v["sponsor"] for v in table.create + table.update if v["sponsor"]])
        used = set(Campaign.objects.values_list("slug", flat=True))

        def slug_for(values):
            base = slugify(values["title"])[:200] or "campaign"
            slug, n = base, 2
            while slug in used:
                slug, n = f"{base}-{n}", n + 1
            used.add(slug)
            return slug

        def build(values, pk=None):
            campaign = Campaign(
                pk=pk,
                external_id=values["external_id"],
                title=values["title"],
                question=values["question"],
                description=values["description"],
                description_html=render_markdown(values["description"]) if values["description"] else "",
                starts_at=values["starts_at"],
                ends_at=values["ends_at"],
                sponsor_id=people.get(values["sponsor"]) if values["sponsor"] else None,
                created_at=min(values["starts_at"], self.now),  # a planned campaign exists from today
            )
            if pk is None:
                campaign.slug = slug_for(values)
            return campaign

        with transaction.atomic():
            Campaign.objects.bulk_create([build(v) for v in table.create], batch_size=BATCH)
            Campaign.objects.bulk_update(
                [build(v, v["pk"]) for v in table.update],
                [
                    "title",
                    "question",
                    "description",
                    "description_html",
                    "starts_at",
                    "ends_at",
                    "sponsor_id",
                ],
                batch_size=BATCH,
            )

    def _apply_ideas(self, plan: Plan) -> None:
        table = plan.tables["ideas"]
        extra = self._extra_links
        if not (table.create or table.update or extra):
            return
        rows = table.create + table.update
        people_ext = {v["author"] for v in rows} | {p for v in rows for p in v["co_authors"]}
        people_ext |= {p for _pk, co, _t in extra for p in co}
        people = dict(
            (ext, (pk, entity))
            for chunk in _chunks(sorted(people_ext))
            for ext, pk, entity in User.objects.filter(external_id__in=chunk).values_list(
                "external_id", "pk", "entity_id"
            )
        )
        campaigns = self._ids(Campaign, [v["campaign"] for v in rows if v["campaign"]])
        bar = self._bar("ideas", len(rows))

        def build(values, pk=None):
            author, entity = people[values["author"]]
            idea = Idea(
                pk=pk,
                external_id=values["external_id"],
                title=values["title"],
                body=values["body"],
                author_id=author,
                author_entity_id=entity,
                campaign_id=campaigns.get(values["campaign"]) if values["campaign"] else None,
                theme_id=values["theme_id"],
                historical_support=values["historical_support"],
                is_anonymous=values["is_anonymous"],
                created_at=values["created_at"],
                updated_at=values["created_at"],
                state_changed_at=values["created_at"],
                last_activity_at=values["created_at"],
            )
            if pk is None or values["body"] != values.get("old_body"):
                idea.body_html = render_body(values["body"], values["body_format"])
            return idea

        with transaction.atomic():
            for chunk in _chunks(table.create, BATCH):
                changes = []
                for values in chunk:
                    idea = build(values)
                    changes.append((idea, workflow.import_prepare(idea=idea, item=_imported_state(values))))
                Idea.objects.bulk_create([idea for idea, _steps in changes])
                workflow.import_record(changes=changes)
                bar.update(len(chunk))
            for chunk in _chunks(table.update, BATCH):
                objects = [build(v, v["pk"]) for v in chunk]
                same_body = [o for o, v in zip(objects, chunk, strict=True) if v["body"] == v.get("old_body")]
                fields = ["title", "body", "author_id", "author_entity_id", "campaign_id", "theme_id"]
                fields += ["historical_support", "is_anonymous", "created_at"]
                Idea.objects.bulk_update([o for o in objects if o not in same_body], [*fields, "body_html"])
                Idea.objects.bulk_update(same_body, fields)
                bar.update(len(chunk))
            ids = self._ids(Idea, [v["external_id"] for v in rows])
            # Co-authors and tags: added, never removed, by an import; only the missing pairs are
            # written, so that a second run writes nothing.
            through = Idea.co_authors.through
            co_pairs = {(ids[v["external_id"]], people[p][0]) for v in rows for p in v["co_authors"]}
            co_pairs |= {(pk, people[p][0]) for pk, co, _t in extra for p in co}
            names = {t for v in rows for t in v["tags"]} | {t for _pk, _c, tags in extra for t in tags}
            self._ensure_tags(names)
            tags = dict(Tag.objects.filter(name__in=names).values_list("name", "pk")) if names else {}
            tag_through = Idea.tags.through
            tag_pairs = {(ids[v["external_id"]], tags[t]) for v in rows for t in v["tags"]}
            tag_pairs |= {(pk, tags[t]) for pk, _c, ts in extra for t in ts}
            old_ideas = [v["pk"] for v in table.update] + [pk for pk, _c, _t in extra]
            for chunk in _chunks(old_ideas):
                co_pairs -= set(through.objects.filter(idea_id__in=chunk).values_list("idea_id", "user_id"))
                tag_pairs -= set(
                    tag_through.objects.filter(idea_id__in=chunk).values_list("idea_id", "tag_id")
                )
            through.objects.bulk_create(
                [through(idea_id=i, user_id=u) for i, u in sorted(co_pairs)],
                batch_size=BATCH,
                ignore_conflicts=True,
            )
            tag_through.objects.bulk_create(
                [tag_through(idea_id=i, tag_id=t) for i, t in sorted(tag_pairs)],
                batch_size=BATCH,
                ignore_conflicts=True,
            )
            workflow.import_states(
                items=[
                    _imported_state(v, idea_id=v["pk"]) for v in table.update if v["state"] != v["old_state"]
                ]
            )
        bar.close()

    @staticmethod
    def _ensure_tags(names: set[str]) -> None:
        if not names:
            return
        have = set(Tag.objects.filter(name__in=names).values_list("name", flat=True))
        slugs = set(Tag.objects.values_list("slug", flat=True))
        new = []
        for name in sorted(names - have):
            base = slugify(name)[:55] or "tag"
            slug, n = base, 2
            while slug in slugs:
                slug, n = f"{base[:52]}-{n}", n + 1
            slugs.add(slug)
            new.append(Tag(name=name, slug=slug))
        Tag.objects.bulk_create(new, batch_size=BATCH)

    def _apply_comments(self, plan: Plan) -> None:
        table = plan.tables["comments"]
        if not (table.create or table.update):
            return
        rows = table.create + table.update
        ideas = self._ids(Idea, [v["idea"] for v in rows])
        people = self._ids(User, [v["author"] for v in rows])
        bar = self._bar("comments", len(rows))

        def build(values, pk=None, parent=None):
            comment = Comment(
                pk=pk,
                external_id=values["external_id"],
                idea_id=ideas[values["idea"]],
                author_id=people[values["author"]],
                body=values["body"],
                created_at=values["created_at"],
                parent_id=parent,
            )
            if pk is None or values["body"] != values.get("old_body"):
                comment.body_html = render_body(values["body"], values["body_format"])
            return comment

        with transaction.atomic():
            # Top-level comments first: replies need their parent's id.
            top = [v for v in table.create if not v["parent"]]
            replies = [v for v in table.create if v["parent"]]
            for chunk in _chunks(top, BATCH):
                Comment.objects.bulk_create([build(v) for v in chunk])
                bar.update(len(chunk))
            parents = self._ids(Comment, [v["parent"] for v in rows if v["parent"]])
            for chunk in _chunks(replies, BATCH):
                Comment.objects.bulk_create([build(v, parent=parents[v["parent"]]) for v in chunk])
                bar.update(len(chunk))
            for chunk in _chunks(table.update, BATCH):
                objects = [
                    build(v, v["pk"], parents.get(v["parent"]) if v["parent"] else None) for v in chunk
                ]
                fields = ["idea_id", "author_id", "body", "created_at", "parent_id"]
                changed_body = [
                    o for o, v in zip(objects, chunk, strict=True) if v["body"] != v.get("old_body")
                ]
                same_body = [o for o in objects if o not in changed_body]
                Comment.objects.bulk_update(changed_body, [*fields, "body_html"])
                Comment.objects.bulk_update(same_body, fields)
                bar.update(len(chunk))
        bar.close()

    def _apply_pairs(self, plan: Plan, name: str, model, person_field: str) -> None:
        table = plan.tables[name]
        if not table.create:
            return
        ideas = self._ids(Idea, [v["idea"] for v in table.create])
        people = self._ids(User, [v["person"] for v in table.create])
        objects = [
            model(idea_id=ideas[v["idea"]], **{person_field: people[v["person"]]}, created_at=v["created_at"])
            for v in table.create
        ]
        with transaction.atomic():
            model.objects.bulk_create(objects, batch_size=BATCH, ignore_conflicts=True)

    def _apply_links(self, plan: Plan) -> None:
        table = plan.tables["links"]
        if not table.create:
            return
        ideas = self._ids(Idea, [v["source"] for v in table.create] + [v["target"] for v in table.create])
        with transaction.atomic():
            IdeaLink.objects.bulk_create(
                [
                    IdeaLink(
                        source_id=ideas[v["source"]],
                        target_id=ideas[v["target"]],
                        kind=v["kind"],
                        created_at=v["created_at"],
                    )
                    for v in table.create
                ],
                batch_size=BATCH,
                ignore_conflicts=True,
            )

    def _recount(self, plan: Plan) -> int:
        """Counters recounted in SQL for every idea of the files; only the ideas whose counters are
        off are written (none on a second run; those a failed run left behind on a rerun).
        ``last_activity_at`` only moves forward: activity in Ideabox since an earlier import stays.
        Returns the number of ideas written."""

        def count(model, **filters):
            return Coalesce(
                Subquery(
                    model.objects.filter(idea=OuterRef("pk"), **filters)
                    .order_by()
                    .values("idea")
                    .annotate(n=Count("id"))
                    .values("n")
                ),
                Value(0),
            )

        last_comment = Subquery(
            Comment.objects.filter(idea=OuterRef("pk"))
            .order_by()
            .values("idea")
            .annotate(m=Max("created_at"))
            .values("m")
        )
        expected = {
            "comment_count": count(Comment, deleted_at__isnull=True),
            "vote_count": count(Vote),
            "follower_count": count(Follow),
        }
        last_activity = Greatest("created_at", Coalesce(last_comment, "created_at"))
        written = 0
        ids = sorted(self._ids(Idea, plan.ideas_in_files).values())
        with transaction.atomic():
            for chunk in _chunks(ids):
                stale = list(
                    Idea.objects.filter(pk__in=chunk)
                    .annotate(
                        **{f"expected_{k}": v for k, v in expected.items()}, expected_last=last_activity
                    )
                    .exclude(
                        last_activity_at__gte=F("expected_last"),
                        **{k: F(f"expected_{k}") for k in expected},
                    )
                    .values_list("pk", flat=True)
                )
                if stale:
                    written += Idea.objects.filter(pk__in=stale).update(
                        **expected, last_activity_at=Greatest("last_activity_at", last_activity)
                    )
        return written

    def _add_visits(self, plan: Plan) -> int:
        """A visit on each day someone of the files posted, commented or voted (they were there that
        day), so that analytics see them; only the missing ones are inserted. Returns how many."""
        people = self._ids(User, {person for person, _at in plan.activity})
        days = {(people[person], timezone.localdate(at)) for person, at in plan.activity if person in people}
        if not days:
            return 0
        first, last = min(day for _u, day in days), max(day for _u, day in days)
        for chunk in _chunks(sorted({user for user, _day in days})):
            days -= set(
                Visit.objects.filter(user_id__in=chunk, day__gte=first, day__lte=last).values_list(
                    "user_id", "day"
                )
            )
        if days:
            with transaction.atomic():
                Visit.objects.bulk_create(
                    [Visit(user_id=user, day=day) for user, day in sorted(days)],
                    batch_size=5000,
                    ignore_conflicts=True,
                )
        return len(days)


def _thread_tops(threads: dict[str, tuple[str, str | None]]) -> dict[str, tuple[str | None, str]]:
    """For each comment of ``threads`` (external id -> (idea, parent)): ``(top, "")``, the top-level
    comment of its thread, or ``(None, reason)`` when its chain of parents is broken: a parent
    unknown, on another idea, rejected, or a loop of replies. Walks up with a loop, not a
    recursion (a thread may be thousands deep), and each comment is resolved once."""
    tops: dict[str, tuple[str | None, str]] = {}
    for start in threads:
        path: list[str] = []  # comments walked through, each the reply of the next
        node = start
        while node not in tops:
            idea, parent = threads[node]
            if not parent:
                tops[node] = (node, "")
            elif parent == node or parent in path:
                loop = [*path[path.index(parent) :], node, parent] if parent != node else [node, node]
                reason = "replies form a loop: " + " -> ".join(loop)
                tops.update({member: (None, reason) for member in loop})
            elif parent not in threads:
                tops[node] = (None, f"unknown parent comment {parent!r}")
            elif threads[parent][0] != idea:
                tops[node] = (None, f"parent comment {parent!r} is on another idea")
            else:
                path.append(node)
                node = parent
        # Back down the chain: a reply belongs to its parent's thread, or falls with it.
        for child in reversed(path):
            if child not in tops:
                parent = threads[child][1]
                top, _reason = tops[parent]
                tops[child] = (top, "") if top else (None, f"its parent comment {parent!r} was rejected")
    return tops


def _imported_state(values: dict, idea_id: int | None = None) -> workflow.ImportedState:
    return workflow.ImportedState(
        state=values["state"], created_at=values["created_at"], state_at=values["state_at"], idea_id=idea_id
    )


ORDER_FILES = {spec[0]: i for i, spec in enumerate(SPEC.values())}
