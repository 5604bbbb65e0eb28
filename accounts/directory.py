"""HR directory import: one CSV of the whole company, applied to users, entities, managers and roles.

The file is the source of truth for the people it lists. ``directory_import`` is idempotent (the
same file twice changes nothing the second time), all or nothing at the file level (a wrong
encoding or wrong columns imports nothing) and line by line otherwise: a bad line is reported with
its number and reason and skipped, the good lines are applied. People absent from the file are
deactivated, never deleted, so their ideas, comments and points stay.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils.translation import gettext as _

from accounts.models import Entity, User
from accounts.services import entity_save

COLUMNS = ("email", "name", "entity_path", "manager_email", "job_title", "site", "language", "roles")
# Optional: the id a platform import gave a placeholder account, so the directory can claim it.
OPTIONAL_COLUMNS = ("external_id",)
ROLE_FLAGS = {
    "correspondent": "is_correspondent",
    "expert": "is_expert",
    "community_manager": "is_community_manager",
    "executive": "is_executive",
}
ROLE_SEPARATORS = (";", "|", ",")
PATH_SEPARATOR = "/"
MAX_FILE_BYTES = 50 * 1024 * 1024
BATCH_SIZE = 1000
# Entity.path is the ids of every level ("/1/4/17/"): 50 levels of ids up to 19 digits fit its length.
MAX_ENTITY_DEPTH = Entity._meta.get_field("path").max_length // 20
# Deactivating more than this share of the active people (and more than this many) needs a confirmation.
MASS_DEACTIVATION_SHARE = 0.5
MASS_DEACTIVATION_MINIMUM = 20
ADVISORY_LOCK = 0x1DEA_B0C5  # pg_advisory_xact_lock key of the directory import
# Fields the import owns on an existing account; the person's own choices (language, leaderboard
# visibility, notification preferences) are theirs once the account exists.
USER_FIELDS = (
    "email",
    "display_name",
    "entity_id",
    "manager_id",
    "job_title",
    "site",
    "is_correspondent",
    "is_expert",
    "is_community_manager",
    "is_executive",
    "is_active",
    "is_claimed",
)


class DirectoryFileError(Exception):
    """The file as a whole cannot be read (encoding, columns, size): nothing was imported."""


@dataclass
class RejectedLine:
    line: int
    email: str
    reason: str


@dataclass
class DirectoryReport:
    dry_run: bool = False
    lines: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    claimed: int = 0
    reactivated: int = 0
    deactivated: int = 0
    entities_created: int = 0
    rejected: list[RejectedLine] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> int:
        """Accounts and entities written (created, updated or deactivated)."""
        return self.created + self.updated + self.deactivated + self.entities_created

    def summary(self) -> str:
        text = _(
            "%(lines)d lines: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
            "%(deactivated)d deactivated, %(entities)d entities created, %(rejected)d rejected; "
            "%(changed)d changed."
        ) % {
            "lines": self.lines,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deactivated": self.deactivated,
            "entities": self.entities_created,
            "rejected": len(self.rejected),
            "changed": self.changed,
        }
        if self.dry_run:
            text = _("Dry run, nothing was written. %(summary)s") % {"summary": text}
        return text


@dataclass
class _Row:
    line: int
    email: str
    name: str
    path: tuple[str, ...]
    manager_email: str
    job_title: str
    site: str
    language: str
    roles: frozenset[str]
    external_id: str


# --- Reading the file ----------------------------------------------------------------------------
def _decode(data: bytes) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise DirectoryFileError(
            _("The file is larger than %(mb)d MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
        )
    if not data.strip():
        raise DirectoryFileError(_("The file is empty."))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DirectoryFileError(
            _("The file is encoded in UTF-16; save it as “CSV UTF-8” and upload it again.")
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise DirectoryFileError(
            _(
                "The file is not UTF-8 encoded: byte 0x%(byte)02x on line %(line)d cannot be read "
                "(probably Windows-1252 or Latin-1). Save it as “CSV UTF-8” and upload it again."
            )
            % {"byte": data[error.start], "line": line}
        ) from error


def _header(text: str) -> tuple[str, list[str]]:
    first = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]  # any line end: old Macs write a bare CR
    # Spreadsheets set to a French locale export with semicolons.
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = next(csv.reader([first], delimiter=delimiter))
    return delimiter, [name.strip().lower() for name in header]


def _check_columns(header: list[str]) -> None:
    expected = ", ".join(COLUMNS)
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise DirectoryFileError(_("Columns appear twice: %(columns)s.") % {"columns": ", ".join(duplicates)})
    missing = [name for name in COLUMNS if name not in header]
    unknown = [name for name in header if name not in COLUMNS and name not in OPTIONAL_COLUMNS]
    problems = []
    if missing:
        problems.append(_("missing columns: %(columns)s") % {"columns": ", ".join(missing)})
    if unknown:
        problems.append(
            _("unknown columns: %(columns)s") % {"columns": ", ".join(name or '""' for name in unknown)}
        )
    if problems:
        raise DirectoryFileError(
            _("The header line does not match the directory format (%(problems)s). Expected: %(expected)s.")
            % {"problems": "; ".join(problems), "expected": expected}
        )


def _parse_roles(value: str) -> frozenset[str]:
    for separator in ROLE_SEPARATORS:
        value = value.replace(separator, " ")
    return frozenset(part.strip().lower() for part in value.split() if part.strip())


def _validate(values: dict[str, str], line: int) -> _Row:
    email = values["email"].strip().lower()
    if not email:
        raise ValidationError(_("the e-mail is empty"))
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(_("“%(email)s” is not a valid e-mail address") % {"email": email}) from None
    name = " ".join(values["name"].split())
    if not name:
        raise ValidationError(_("the name is empty"))
    if len(name) > 150:
        raise ValidationError(_("the name is longer than 150 characters"))
    path = tuple(part.strip() for part in values["entity_path"].split(PATH_SEPARATOR))
    if not any(path):
        raise ValidationError(_("the entity path is empty"))
    if not all(path):
        raise ValidationError(
            _("the entity path “%(path)s” has an empty part") % {"path": values["entity_path"].strip()}
        )
    if any(len(part) > 200 for part in path):
        raise ValidationError(_("an entity name is longer than 200 characters"))
    if len(path) > MAX_ENTITY_DEPTH:
        # Entity.path holds the ids of every level: Postgres refused a deeper tree in the middle.
        raise ValidationError(
            _("the entity path has %(levels)d levels (at most %(max)d)")
            % {"levels": len(path), "max": MAX_ENTITY_DEPTH}
        )
    manager_email = values["manager_email"].strip().lower()
    if manager_email:
        try:
            validate_email(manager_email)
        except ValidationError:
            raise ValidationError(
                _("the manager e-mail “%(email)s” is not a valid address") % {"email": manager_email}
            ) from None
    job_title = " ".join(values["job_title"].split())
    site = " ".join(values["site"].split())
    if len(job_title) > 200 or len(site) > 200:
        raise ValidationError(_("the job title or the site is longer than 200 characters"))
    language = values["language"].strip().lower()
    languages = [code for code, _label in settings.LANGUAGES]
    if language and language not in languages:
        raise ValidationError(
            _("unknown language “%(language)s” (expected %(expected)s)")
            % {"language": language, "expected": ", ".join(languages)}
        )
    roles = _parse_roles(values["roles"])
    unknown = sorted(roles - set(ROLE_FLAGS))
    if unknown:
        raise ValidationError(
            _("unknown role “%(role)s” (expected %(expected)s)")
            % {"role": unknown[0], "expected": ", ".join(ROLE_FLAGS)}
        )
    external_id = (values.get("external_id") or "").strip()
    return _Row(line, email, name, path, manager_email, job_title, site, language, roles, external_id)


def directory_parse(data: bytes) -> tuple[list[_Row], list[RejectedLine], int]:
    """Reads and checks the file: the valid rows, the rejected lines, the number of data lines.

    Raises DirectoryFileError when the file as a whole is unusable.
    """
    text = _decode(data)
    delimiter, header = _header(text)
    _check_columns(header)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    next(reader)
    rows: list[_Row] = []
    rejected: list[RejectedLine] = []
    first_line: dict[str, int] = {}
    lines = 0
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue  # blank lines, as spreadsheets leave at the end
            lines += 1
            if len(record) != len(header):
                rejected.append(
                    RejectedLine(
                        line,
                        record[0].strip() if record else "",
                        _("expected %(expected)d fields, found %(found)d")
                        % {"expected": len(header), "found": len(record)},
                    )
                )
                continue
            values = dict(zip(header, record, strict=True))
            try:
                if any("\x00" in cell for cell in record):
                    # Postgres refuses NUL in text: it failed the whole import at the write.
                    raise ValidationError(_("the line contains a NUL character (0x00); remove it"))
                row = _validate(values, line)
            except ValidationError as error:
                rejected.append(RejectedLine(line, values["email"].strip(), error.messages[0]))
                continue
            if row.email in first_line:
                rejected.append(
                    RejectedLine(
                        line,
                        row.email,
                        _("the e-mail already appears on line %(line)d") % {"line": first_line[row.email]},
                    )
                )
                continue
            first_line[row.email] = line
            rows.append(row)
    except csv.Error as error:
        raise DirectoryFileError(
            _("The file is not a valid CSV file (line %(line)d: %(error)s).")
            % {"line": reader.line_num, "error": error}
        ) from error
    return rows, rejected, lines


def _check_managers(rows: list[_Row], rejected: list[RejectedLine]) -> list[_Row]:
    """Drops (and reports) people whose manager is unknown, in a cycle, or on a rejected line."""
    valid = {row.email: row for row in rows}
    rejected_line = {item.email.lower(): item.line for item in rejected if item.email}

    def drop(row: _Row, reason: str) -> None:
        rejected.append(RejectedLine(row.line, row.email, reason))
        rejected_line[row.email] = row.line
        del valid[row.email]

    # Cycles first, so that their members are reported as such rather than as each other's victims.
    state: dict[str, int] = {}  # 1: on the current walk, 2: done
    for start in list(valid):
        walk: list[str] = []
        email = start
        while email in valid and state.get(email) is None:
            state[email] = 1
            walk.append(email)
            email = valid[email].manager_email
        if email in valid and state.get(email) == 1:
            cycle = walk[walk.index(email) :]
            names = " → ".join([*cycle, email])
            for member in cycle:
                if len(cycle) == 1:
                    reason = _("the person is their own manager")
                else:
                    reason = _("manager cycle: %(cycle)s") % {"cycle": names}
                drop(valid[member], reason)
        for email in walk:
            state[email] = 2

    changed = True
    while changed:
        changed = False
        for row in list(valid.values()):
            manager = row.manager_email
            if not manager or manager in valid:
                continue
            if manager in rejected_line:
                reason = _("the manager %(email)s is on line %(line)d, which was rejected") % {
                    "email": manager,
                    "line": rejected_line[manager],
                }
            else:
                reason = _("unknown manager: %(email)s is not in the file") % {"email": manager}
            drop(row, reason)
            changed = True
    return [row for row in rows if row.email in valid]


# --- Applying it ---------------------------------------------------------------------------------
class _Entities:
    """Entity paths ("Group/Subsidiary A/Dept A1") to entities, creating the missing ones."""

    KINDS = (Entity.Kind.GROUP, Entity.Kind.SUBSIDIARY)

    def __init__(self, report: DirectoryReport):
        self.report = report
        self.by_parent_and_name: dict[tuple[int | None, str], Entity] = {}
        for entity in Entity.objects.order_by("pk"):
            self.by_parent_and_name.setdefault((entity.parent_id, entity.name.casefold()), entity)
        self.by_path: dict[tuple[str, ...], Entity] = {}

    def get(self, path: tuple[str, ...]) -> Entity:
        if path in self.by_path:
            return self.by_path[path]
        parent = self.get(path[:-1]) if len(path) > 1 else None
        key = (parent.pk if parent else None, path[-1].casefold())
        entity = self.by_parent_and_name.get(key)
        if entity is None:
            depth = len(path) - 1
            kind = self.KINDS[depth] if depth < len(self.KINDS) else Entity.Kind.DEPARTMENT
            entity = entity_save(entity=Entity(name=path[-1], parent=parent, kind=kind))
            self.by_parent_and_name[key] = entity
            self.report.entities_created += 1
        self.by_path[path] = entity
        return entity


def _roles_of(row: _Row, user: User | None, correspondent_ids: set[int]) -> dict[str, bool]:
    flags = {flag: role in row.roles for role, flag in ROLE_FLAGS.items()}
    # Someone named correspondent of a domain in the admin stays one until removed from it there.
    if user is not None and user.pk in correspondent_ids:
        flags["is_correspondent"] = True
    return flags


@transaction.atomic
def directory_import(
    *, data: bytes, dry_run: bool = False, allow_mass_deactivation: bool = False
) -> DirectoryReport:
    """Applies the directory file; with ``dry_run`` computes the same report and writes nothing.

    A file that would deactivate more than half of the people (a truncated export, the wrong
    file) is refused, nothing imported, unless ``allow_mass_deactivation``; a dry run warns.

    Guarantees: idempotent (a second run of the same file reports 0 changed); a DirectoryFileError
    (encoding, columns) imports nothing; each rejected line is reported with its number and reason
    and leaves that person untouched; people absent from the file are deactivated, never deleted
    (administrators, staff and unclaimed placeholder accounts excepted); an unclaimed account with
    the line's e-mail, or with its external_id, is claimed instead of creating a second one.
    """
    from accounts.models import DomainCorrespondent

    started = time.perf_counter()
    if connection.vendor == "postgresql":
        # One import at a time (a double click in the admin, a cron overlapping a manual run).
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])
    report = DirectoryReport(dry_run=dry_run)
    rows, rejected, report.lines = directory_parse(data)
    rows = _check_managers(rows, rejected)

    users = list(User.objects.all())
    by_email = {user.email.lower(): user for user in users}
    placeholders = {user.external_id: user for user in users if user.external_id and not user.is_claimed}
    correspondent_ids = set(DomainCorrespondent.objects.values_list("user_id", flat=True).distinct())
    entities = _Entities(report)

    # Resolve each row to its account, refusing lines that would take another person's address.
    matched: list[tuple[_Row, User | None]] = []
    for row in rows:
        user = by_email.get(row.email)
        placeholder = placeholders.get(row.external_id) if row.external_id else None
        if placeholder is not None and user is not None and placeholder.pk != user.pk:
            rejected.append(
                RejectedLine(
                    row.line,
                    row.email,
                    _("external_id %(id)s belongs to another account than %(email)s")
                    % {"id": row.external_id, "email": row.email},
                )
            )
            continue
        matched.append((row, user or placeholder))
    # A person rejected here may manage others: check the managers again.
    kept = _check_managers([row for row, _user in matched], rejected)
    kept_emails = {row.email for row in kept}
    matched = [(row, user) for row, user in matched if row.email in kept_emails]

    # New people are inserted manager first, one bulk insert per level of the management tree, so
    # that each row is written once with its manager (an update of thousands of rows costs more).
    account_of: dict[str, User] = {row.email: user for row, user in matched if user is not None}
    pending = {row.email: row for row, user in matched if user is None}
    level_of: dict[str, int] = {}

    def level(email: str) -> int:
        chain = []
        while email in pending and email not in level_of:
            chain.append(email)
            email = pending[email].manager_email
        depth = level_of.get(email, -1)  # an existing account, no manager, or a known level
        for member in reversed(chain):
            depth += 1
            level_of[member] = depth
        return level_of.get(chain[0], depth) if chain else depth

    levels: dict[int, list[_Row]] = {}
    for email, row in pending.items():
        levels.setdefault(level(email), []).append(row)
    created_ids: set[int] = set()
    for depth in sorted(levels):
        batch = [
            User(
                email=row.email,
                display_name=row.name,
                entity=entities.get(row.path),
                manager_id=account_of[row.manager_email].pk if row.manager_email else None,
                job_title=row.job_title,
                site=row.site,
                language=row.language or settings.LANGUAGE_CODE,
                # Unusable, as make_password(None) makes it: they sign in through SSO or a reset.
                password=UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30),
                **_roles_of(row, None, correspondent_ids),
            )
            for row in levels[depth]
        ]
        User.objects.bulk_create(batch, batch_size=BATCH_SIZE)
        missing = [user.email for user in batch if user.pk is None]
        if missing:  # databases that return no ids from a bulk insert: read them back
            ids: dict[str, int] = {}
            for start in range(0, len(missing), BATCH_SIZE):
                chunk = missing[start : start + BATCH_SIZE]
                ids.update(User.objects.filter(email__in=chunk).values_list("email", "pk"))
            for user in batch:
                user.pk = user.pk or ids[user.email]
        for user in batch:
            account_of[user.email] = user
            created_ids.add(user.pk)
    report.created = len(created_ids)

    changed_users: list[User] = []
    changed_fields: set[str] = set()
    for row, _user in matched:
        user = account_of[row.email]
        if user.pk in created_ids:
            continue
        wanted = {
            "manager_id": account_of[row.manager_email].pk if row.manager_email else None,
            "email": row.email,
            "display_name": row.name,
            "entity_id": entities.get(row.path).pk,
            "job_title": row.job_title,
            "site": row.site,
            "is_active": True,
            "is_claimed": True,
            **_roles_of(row, user, correspondent_ids),
        }
        fields = [name for name, value in wanted.items() if getattr(user, name) != value]
        if not fields:
            report.unchanged += 1
            continue
        if "is_claimed" in fields:
            report.claimed += 1
        if "is_active" in fields:
            report.reactivated += 1
        for name in fields:
            setattr(user, name, wanted[name])
        changed_fields.update(fields)
        changed_users.append(user)
        report.updated += 1
    if changed_users:
        fields = [name.removesuffix("_id") for name in USER_FIELDS if name in changed_fields]
        User.objects.bulk_update(changed_users, fields, batch_size=BATCH_SIZE)

    # Everyone the directory manages but the file no longer lists.
    listed = {user.pk for user in account_of.values()}
    rejected_emails = {item.email.lower() for item in rejected}
    absent = [
        user.pk
        for user in users
        if user.is_active
        and user.is_claimed
        and not (user.is_staff or user.is_superuser)
        and user.pk not in listed
        and user.email.lower() not in rejected_emails  # a bad line is no proof of departure
    ]
    managed = sum(
        1 for user in users if user.is_active and user.is_claimed and not (user.is_staff or user.is_superuser)
    )
    if len(absent) > MASS_DEACTIVATION_MINIMUM and len(absent) > managed * MASS_DEACTIVATION_SHARE:
        message = _(
            "The file would deactivate %(absent)d of the %(managed)d active people (more than half): "
            "is it the complete directory?"
        ) % {"absent": len(absent), "managed": managed}
        if not (allow_mass_deactivation or dry_run):
            raise DirectoryFileError(
                message
                + " "
                + _("Import it with “allow mass deactivation” (--allow-mass-deactivation) if it is.")
            )
        if not allow_mass_deactivation:
            report.warnings.append(message)
    for start in range(0, len(absent), BATCH_SIZE):
        User.objects.filter(pk__in=absent[start : start + BATCH_SIZE]).update(is_active=False)
    report.deactivated = len(absent)

    report.rejected = sorted(rejected, key=lambda item: item.line)
    report.seconds = time.perf_counter() - started
    if dry_run:
        transaction.set_rollback(True)
    return report
