"""One row written in one statement, where the ORM takes several round trips.

``insert_once``: INSERT ... ON CONFLICT DO NOTHING RETURNING id, where ``create()`` inside a savepoint
to catch the unique constraint's IntegrityError costs a savepoint, the insert and its release.
``insert_many_once``: the same for many rows, returning which were written.
``add_returning``: UPDATE ... SET counter = counter + n ... RETURNING, where ``update()`` with F()
then ``refresh_from_db()`` is two statements, and the row stays locked in between.
Both run on PostgreSQL and SQLite (3.35 and later read RETURNING).
"""

from __future__ import annotations

from django.db import connection, models


def _values(model: type[models.Model], fields: dict) -> tuple[list[str], list]:
    columns, values = [], []
    for name, value in fields.items():
        field = model._meta.get_field(name)
        if field.is_relation and isinstance(value, models.Model):
            value = value.pk  # ``idea=idea`` as ``create()`` takes it
        columns.append(connection.ops.quote_name(field.column))
        values.append(field.get_db_prep_save(value, connection))
    return columns, values


def insert_once(model: type[models.Model], **fields) -> int | None:
    """Inserts the row unless one of the table's unique constraints holds it already (a repeat, or a
    concurrent request). Returns the new row's id, or None."""
    columns, values = _values(model, fields)
    table = connection.ops.quote_name(model._meta.db_table)
    placeholders = ", ".join(["%s"] * len(values))
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}) "  # noqa: S608  # nosec B608
        "ON CONFLICT DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    return row[0] if row else None


def insert_many_once(
    model: type[models.Model], rows: list[dict], *, returning: str, batch: int = 500
) -> list:
    """``insert_once`` for many rows of the same fields: the rows that a unique constraint does not
    hold already are written, and their ``returning`` field is returned (one statement per batch,
    where a SELECT of the existing rows then ``bulk_create(ignore_conflicts=True)`` were two)."""
    if not rows:
        return []
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    back = quote(model._meta.get_field(returning).column)
    written = []
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        columns, values = [], []
        for row in chunk:
            columns, row_values = _values(model, row)
            values.extend(row_values)
        placeholders = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(chunk))
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES {placeholders} "  # noqa: S608  # nosec B608
            f"ON CONFLICT DO NOTHING RETURNING {back}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            written.extend(value for (value,) in cursor.fetchall())
    return written


def create_once(model: type[models.Model], **fields) -> models.Model | None:
    """``insert_once``, returning the saved instance (as ``create()`` would), or None."""
    pk = insert_once(model, **fields)
    if pk is None:
        return None
    instance = model(pk=pk, **fields)
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance


def add_returning(
    model: type[models.Model], pk: int, *, add: dict[str, int], set: dict, returning: list[str]
) -> dict | None:
    """Adds ``add``'s amounts to those counters of row ``pk`` and sets ``set``'s fields, in one
    statement; returns the ``returning`` fields as they are after it (None if no such row)."""
    quote = connection.ops.quote_name
    meta = model._meta
    added = [quote(meta.get_field(name).column) for name in add]
    assignments = [f"{column} = {column} + %s" for column in added]
    set_columns, set_values = _values(model, set)
    assignments += [f"{column} = %s" for column in set_columns]
    columns = [meta.get_field(name) for name in returning]
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {', '.join(assignments)} "  # noqa: S608  # nosec B608
        f"WHERE {quote(meta.pk.column)} = %s RETURNING {', '.join(quote(field.column) for field in columns)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*add.values(), *set_values, pk])
        row = cursor.fetchone()
    if row is None:
        return None
    result = {}
    for field, value in zip(columns, row, strict=True):
        column = field.get_col(meta.db_table)  # read as a query would (SQLite's dates, booleans...)
        for converter in connection.ops.get_db_converters(column) + column.get_db_converters(connection):
            value = converter(value, column, connection)
        result[field.name] = value
    return result
