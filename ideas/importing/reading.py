"""Reading CSV files strictly: UTF-8 (a BOM is accepted), a header row with the required columns,
every record with as many fields as the header. A file that cannot be used at all raises
``UnusableFile`` (nothing gets imported); a bad record is only that record's problem."""

from __future__ import annotations

import csv
import difflib
import io
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

# Very long texts are fine (a comment of 10,000 characters is real), a 20 MB field is not a text.
FIELD_LIMIT = 20_000_000
csv.field_size_limit(FIELD_LIMIT)


@dataclass(frozen=True)
class Row:
    """One record: the file it came from, the line where it starts, its values by column."""

    file: str
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return (self.values.get(column) or "").strip()

    def raw(self, column: str) -> str:
        return self.values.get(column) or ""


@dataclass
class Issue:
    file: str
    line: int
    reason: str
    rejected: bool = True  # False: a warning, the row was imported (e.g. a title shortened)

    def __str__(self) -> str:
        kind = "rejected" if self.rejected else "warning"
        return f"{self.file}:{self.line}: {kind}: {self.reason}"


class UnusableFile(Exception):
    """One or more files cannot be used at all. ``problems`` lists (file, message)."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{name}: {message}" for name, message in problems))


@dataclass
class Table:
    rows: list[Row] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)  # records unreadable as such (field count)
    ignored: list[str] = field(default_factory=list)  # header columns not in the format
    known: list[str] = field(default_factory=list)  # the format's columns absent from the header


def ignored_columns_issue(table: Table, name: str) -> Issue | None:
    """One warning for a file whose header has columns the format does not know: their values
    would be dropped without a word (``votes`` for ``vote_count``...), so each is named, with the
    closest column the header lacks when one is near (a cutoff of 0.5 still finds ``vote_count``
    for ``votes``; ``description`` in ideas.csv finds nothing, and is only listed)."""
    if not table.ignored:
        return None
    parts = []
    for column in table.ignored:
        close = difflib.get_close_matches(column, table.known, n=1, cutoff=0.5)
        parts.append(f"{column} (did you mean {close[0]}?)" if close else column)
    return Issue(name, 1, f"column(s) not in the format, ignored: {', '.join(parts)}", rejected=False)


# Files that are not text at all, by their first bytes: what to tell the customer instead.
SIGNATURES = {
    b"PK\x03\x04": "an Excel workbook (.xlsx) or a zip archive",
    b"\xd0\xcf\x11\xe0": "an Excel 97-2003 workbook (.xls)",
    b"%PDF": "a PDF document",
}
DELIMITERS = (",", ";", "\t")  # comma; semicolon (Excel in French); tab (Excel "Unicode text")


def _decode(raw: bytes, name: str) -> tuple[str, list[Issue]]:
    """The text of ``raw`` and the warnings about it. UTF-8 (with or without a BOM), or UTF-16 with
    its BOM as Excel saves "Unicode text"; a few NUL characters in a text are removed, with a
    warning (they used to make the whole file "binary", while one later in the file reached
    Postgres, which refuses them, in the middle of the write)."""
    for signature, what in SIGNATURES.items():
        if raw.startswith(signature):
            raise UnusableFile([(name, f"{what}, not a CSV text file: save it as CSV UTF-8")])
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as error:
            problem = f"not valid UTF-16 ({error.reason}); save it as CSV UTF-8"
            raise UnusableFile([(name, problem)]) from error
        text = text.removeprefix("\ufeff")
    else:
        sample = raw[:65536]
        if sample.count(b"\x00") > len(sample) // 10:
            raise UnusableFile(
                [(name, "binary content, or UTF-16 without a byte-order mark: not a CSV text file")]
            )
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            raise UnusableFile(
                [
                    (
                        name,
                        f"not UTF-8 (byte 0x{raw[error.start]:02x} on line {line}); "
                        "save the file as UTF-8 and run again",
                    )
                ]
            ) from error
    issues = []
    if "\x00" in text:
        count = text.count("\x00")
        first = [m.start() for m in itertools.islice(re.finditer("\x00", text), 10)]
        lines = sorted({text.count("\n", 0, at) + 1 for at in first})
        shown = ", ".join(map(str, lines)) + ("…" if count > len(first) else "")
        reason = f"{count} NUL character(s) removed (line(s) {shown})"
        issues.append(Issue(name, lines[0], reason, rejected=False))
        text = text.replace("\x00", "")
    return text, issues


def _delimiter(text: str, required: list[str]) -> str:
    """The separator under which the header names the required columns: a comma, else a semicolon
    or a tab (a French Excel, or "Unicode text"), else a comma (and the header check says why)."""
    first = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]
    for delimiter in DELIMITERS:
        names = {_column(cell) for cell in next(csv.reader([first], delimiter=delimiter), [])}
        if all(column in names for column in required):
            return delimiter
    return ","


def _column(cell: str) -> str:
    """A header cell as a column name: case, surrounding spaces, and inner spaces or hyphens
    (``Created At``, ``created-at``) do not matter."""
    return re.sub(r"[\s-]+", "_", cell.strip().lower())


def read_csv(path: Path, *, required: list[str], optional: list[str], label: str | None = None) -> Table:
    """The records of ``path``; raises ``UnusableFile`` for a file that is not usable at all."""
    name = label or path.name
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise UnusableFile([(name, f"cannot be read ({error.strerror})")]) from error
    text, warnings = _decode(raw, name)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True, delimiter=_delimiter(text, required))
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise UnusableFile([(name, f"not CSV: {error} on line {reader.line_num}")]) from error
    if not header or not any(cell.strip() for cell in header):
        raise UnusableFile([(name, "empty file: a header row is required")])
    columns = [_column(cell) for cell in header]
    duplicates = sorted({c for c in columns if columns.count(c) > 1 and c})
    if duplicates:
        raise UnusableFile([(name, f"column(s) given twice in the header: {', '.join(duplicates)}")])
    missing = [c for c in required if c not in columns]
    if missing:
        found = ", ".join(c for c in columns[:8] if c) + ("…" if len(columns) > 8 else "")
        raise UnusableFile(
            [
                (
                    name,
                    f"missing required column(s): {', '.join(missing)} (header found: {found[:200]}); "
                    "is this a CSV file with a header row?",
                )
            ]
        )
    known = set(required) | set(optional)
    table = Table(
        ignored=[cell.strip() for cell, c in zip(header, columns, strict=True) if c and c not in known],
        known=[c for c in [*required, *optional] if c not in columns],
        issues=warnings,
    )
    wanted = [(i, c) for i, c in enumerate(columns) if c in known]
    line = reader.line_num + 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise UnusableFile([(name, f"not valid CSV on line {line}: {error}")]) from error
        start, line = line, reader.line_num + 1
        if not record or (len(record) == 1 and not record[0].strip()):
            continue  # blank line
        if len(record) != len(columns):
            table.issues.append(
                Issue(name, start, f"{len(record)} fields where the header has {len(columns)}")
            )
            continue
        table.rows.append(Row(name, start, {c: record[i] for i, c in wanted}))
    return table
