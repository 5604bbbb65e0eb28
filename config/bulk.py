"""Writing many rows at once, for the demo seed and the rebuilds that follow imports.

``bulk_insert`` takes plain tuples (no model instances: building hundreds of thousands of them,
with their init signals, cost more than the database did). On Postgres the rows go through
``COPY ... FROM STDIN`` (an order of magnitude faster than multi-row INSERTs at 200,000
employees); elsewhere they become model instances for ``bulk_create``. Rows keep their order, so
primary keys are given in the same order as ``bulk_create`` gives them.

``bulk_load_tables`` drops the foreign keys and the plain indexes of tables about to receive a
bulk load and restores them afterwards (PostgreSQL documentation, "Populating a Database":
checking a foreign key once for the whole table, building an index once, is much cheaper than
row by row; deferred foreign keys otherwise queue one check per row until the commit).
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import islice

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

COPY_CHUNK = 50_000  # rows per COPY statement: bounded memory for the text buffer
BULK_CREATE_BATCH = 5000
_NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value) -> str:
    if value is None:
        raise ValueError("bulk_insert: None in a column that is not nullable")
    text = str(value)
    # Most texts need no escape: four scans in C cost less than building a translated copy.
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_ESCAPES)
    return text


def _datetime(value: datetime) -> str:
    if getattr(value, "tzinfo", None) is None:
        raise ValueError(f"bulk_insert: {value!r} is not an aware datetime")
    return value.isoformat()


def _json(encoder) -> Callable[[object], str]:
    def write(value) -> str:
        if value is None:  # json.dumps would write the JSON null, not SQL NULL
            raise ValueError("bulk_insert: None in a column that is not nullable")
        text = json.dumps(value, cls=encoder)  # control characters come out escaped
        return text.replace("\\", "\\\\") if "\\" in text else text

    return write


def _nullable(write: Callable[[object], str]) -> Callable[[object], str]:
    return lambda value: _NULL if value is None else write(value)


def _formatter(field: models.Field) -> Callable[[object], str]:
    """How one column's Python values are written in COPY's text format. Each raises (or writes
    what Postgres refuses) on a None, unless the column is nullable."""
    write = _writer(field)
    return _nullable(write) if field.null else write


def _writer(field: models.Field) -> Callable[[object], str]:
    kind = field.get_internal_type()
    if kind == "BooleanField":
        return {True: "t", False: "f"}.__getitem__
    if kind in ("AutoField", "BigAutoField", "SmallAutoField") or field.is_relation:
        return str
    if kind.endswith("IntegerField"):
        return str
    if kind == "FloatField":
        return lambda v: repr(float(v))
    if kind == "DecimalField":
        return lambda v: str(Decimal(v))
    if kind == "DateTimeField":
        return _datetime
    if kind == "DateField":
        return lambda v: v.isoformat() if isinstance(v, date) else str(v)
    if kind == "JSONField":
        return _json(field.encoder)
    if kind in ("CharField", "TextField", "SlugField", "EmailField", "URLField"):
        return _text
    return lambda v: _text(field.get_db_prep_save(v, connection))


def _complete(model: type[models.Model], columns: Sequence[str]) -> tuple[list[models.Field], list]:
    """The fields given, then the other concrete fields with their defaults (as a model instance
    would have them). Callable defaults are called once for the whole call (one ``now`` for
    every row of a bulk load)."""
    meta = model._meta
    given = [meta.get_field(name) for name in columns]
    given_names = {f.attname for f in given}
    extra_fields, extra_values = [], []
    for field in meta.concrete_fields:
        if field.attname in given_names or (field.primary_key and isinstance(field, models.AutoField)):
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = timezone.now()
        else:
            value = field.get_default()
        extra_fields.append(field)
        extra_values.append(value)
    return given + extra_fields, extra_values


def _chunks(rows: Iterable[Sequence], size: int) -> Iterator[list[Sequence]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _copy(cursor, sql: str, text: str) -> None:
    raw = cursor.cursor
    with connection.wrap_database_errors:  # Django's IntegrityError, as for any other query
        if hasattr(raw, "copy_expert"):  # psycopg2
            raw.copy_expert(sql, io.StringIO(text), size=1 << 20)
        else:  # psycopg 3
            with raw.copy(sql) as copy:
                copy.write(text)


def bulk_insert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence],
    *,
    ignore_conflicts: bool = False,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Inserts ``rows`` (tuples of values for ``columns``, attnames such as ``idea_id``) into
    ``model``'s table in their order; missing fields get their defaults. With ``ignore_conflicts``
    rows that would break a unique constraint are skipped, as by ``bulk_create``. Returns how many
    rows were given. ``progress`` is called with the number of rows of each chunk written."""
    if connection.vendor != "postgresql":
        written = 0  # the model fills its own defaults, as it always did
        names = [model._meta.get_field(name).attname for name in columns]
        for chunk in _chunks(rows, BULK_CREATE_BATCH):
            model.objects.bulk_create(
                [model(**dict(zip(names, row, strict=True))) for row in chunk],
                ignore_conflicts=ignore_conflicts,
            )
            written += len(chunk)
            if progress:
                progress(len(chunk))
        return written
    fields, extra = _complete(model, columns)
    formatters = [_formatter(f) for f in fields[: len(columns)]]
    # The defaults are the same on every row: written once, appended to each line.
    tail = "\t".join(_formatter(f)(v) for f, v in zip(fields[len(columns) :], extra, strict=True))
    table = connection.ops.quote_name(model._meta.db_table)
    column_list = ", ".join(connection.ops.quote_name(f.column) for f in fields)

    reported = 0

    def copy_into(cursor, target: str, rows: Iterable[Sequence]) -> int:
        nonlocal reported
        sql = f"COPY {target} ({column_list}) FROM STDIN"
        count = 0
        for chunk in _chunks(rows, COPY_CHUNK):
            # Column by column (map over each column is three times faster than a call per value).
            columns_in = list(zip(*chunk, strict=True))
            if len(columns_in) != len(formatters):
                raise ValueError(
                    f"bulk_insert: rows of {len(columns_in)} values for {len(formatters)} columns"
                )
            columns_out = [list(map(fmt, values)) for fmt, values in zip(formatters, columns_in, strict=True)]
            if len(fields) > len(formatters):
                columns_out.append([tail] * len(chunk))
            lines = list(map("\t".join, zip(*columns_out, strict=True)))
            lines.append("")
            _copy(cursor, sql, "\n".join(lines))
            count += len(chunk)
            if progress and count > reported:
                progress(count - reported)
                reported = count
        return count

    if not ignore_conflicts:
        with transaction.atomic(), connection.cursor() as cursor:
            return copy_into(cursor, table, rows)
    rows = list(rows)
    # COPY knows no ON CONFLICT. Most loads have no conflict (a first seed, a first rebuild):
    # try straight into the table; on a conflict, copy into a scratch table and insert from it.
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            return copy_into(cursor, table, rows)
    except IntegrityError:
        pass
    scratch = connection.ops.quote_name(f"bulk_{model._meta.db_table}")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {scratch}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {scratch} AS SELECT {column_list} FROM {table} WITH NO DATA"  # noqa: S608  # nosec B608 (names from the model)
        )
        copy_into(cursor, scratch, rows)
        cursor.execute(
            f"INSERT INTO {table} ({column_list}) SELECT {column_list} FROM {scratch} "  # noqa: S608  # nosec B608 (names from the model)
            "ORDER BY ctid ON CONFLICT DO NOTHING"
        )
        cursor.execute(f"DROP TABLE {scratch}")
    return len(rows)


def reserve_ids(model: type[models.Model], n: int) -> list[int]:
    """The next ``n`` primary keys of ``model``'s table, taken now (the ids an INSERT of ``n`` rows
    would get, in order), for rows written later with their ids: rows that refer to them can be
    built first. Postgres takes them from the sequence; SQLite after the largest id ever given
    (one writer: the seed)."""
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, n],
            )
            return sorted(pk for (pk,) in cursor.fetchall())
        if connection.vendor != "sqlite":
            raise NotImplementedError(f"reserve_ids: not written for {connection.vendor}")
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        quoted = connection.ops.quote_name
        cursor.execute(f"SELECT MAX({quoted(column)}) FROM {quoted(table)}")  # noqa: S608  # nosec B608 (names from the model)
        last = max(row[0] if row else 0, cursor.fetchone()[0] or 0)
    return list(range(last + 1, last + 1 + n))


def _check_pending(cursor, tables: set[str]) -> None:
    """Runs now the deferred foreign-key checks queued on these tables (Postgres refuses to alter
    a table with pending trigger events), then defers again those declared INITIALLY DEFERRED."""
    cursor.execute(
        "SELECT DISTINCT c.conname, c.condeferred FROM pg_constraint c "
        "WHERE c.contype = 'f' AND c.condeferrable "
        "AND (c.conrelid::regclass::text = ANY(%(t)s) OR c.confrelid::regclass::text = ANY(%(t)s))",
        {"t": sorted(tables)},
    )
    constraints = cursor.fetchall()
    if not constraints:
        return
    quote = connection.ops.quote_name
    cursor.execute(f"SET CONSTRAINTS {', '.join(quote(name) for name, _d in constraints)} IMMEDIATE")
    deferred = [quote(name) for name, initially_deferred in constraints if initially_deferred]
    if deferred:
        cursor.execute(f"SET CONSTRAINTS {', '.join(deferred)} DEFERRED")


@contextlib.contextmanager
def bulk_load_tables(models_: Iterable[type[models.Model]], *, unique: bool = False):
    """On Postgres, inside a transaction: drops the foreign keys (from and to these tables) and the
    plain indexes, and puts them back as they were on leaving (each foreign key then checked once
    over the table, each index built once, by a sort), then analyzes the tables. With ``unique``
    the unique constraints and indexes go too (primary keys stay): keeping a unique index up to
    date row by row, in random key order, was most of the time of a load (the 3.3 million ledger
    rows of 200,000 employees went in in 60 s with their indexes, in 7.6 s with the primary key
    alone, and the unique index took 4 s to build afterwards). The rows
    must then have no duplicates: one makes restoring the constraint fail and the transaction roll
    back (nothing is skipped as ``ignore_conflicts`` would). Meant for tables filled from almost
    nothing, by one writer (the seed); does nothing on other databases."""
    if connection.vendor != "postgresql":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("bulk_load_tables: run it inside transaction.atomic()")
    tables = sorted({m._meta.db_table for m in models_})
    # A savepoint of its own: an error inside rolls the dropped keys and indexes back with it.
    with transaction.atomic():
        yield from _without_keys_and_indexes(tables, unique=unique)


def _without_keys_and_indexes(tables: list[str], *, unique: bool):
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), "
            "c.confrelid::regclass::text "
            "FROM pg_constraint c WHERE c.contype = 'f' "
            "AND (c.conrelid::regclass::text = ANY(%s) OR c.confrelid::regclass::text = ANY(%s)) "
            "ORDER BY 1, 2",
            [tables, tables],
        )
        rows = cursor.fetchall()
        foreign_keys = [(table, name, definition) for table, name, definition, _parent in rows]
        # Dropping or adding a foreign key alters both tables (their triggers).
        altered = {table for table, *_rest in rows} | {parent for *_rest, parent in rows}
        unique_constraints = []
        if unique:
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'u' AND conrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
                [tables],
            )
            unique_constraints = cursor.fetchall()
        # Indexes that back no constraint (those come back with their constraint); unique ones
        # (conditional unique constraints are indexes) only with ``unique``.
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid::regclass::text = ANY(%s) AND (NOT i.indisunique OR %s) "
            "AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
            [tables, unique],
        )
        indexes = cursor.fetchall()
        _check_pending(cursor, altered)
        for table, name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        for table, name, _definition in unique_constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        _check_pending(cursor, altered)
        for table, name, definition in unique_constraints:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
    analyze(tables)


def analyze(tables: Iterable[str] | None = None) -> None:
    """Fresh statistics for the planner after a bulk load (of these tables, or of every table).
    Without them Postgres plans for a few rows (autovacuum may be off, or not have run yet): at
    200,000 employees a DISTINCT over the votes, hashed for 3,000 groups instead of 400,000,
    ran for minutes instead of seconds."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        names = ", ".join(connection.ops.quote_name(t) for t in tables or ())
        cursor.execute(f"ANALYZE {names}")
