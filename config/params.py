"""Reading ids from query strings and forms: whole numbers a database key can hold, or nothing."""

from __future__ import annotations

# A BigAutoField (and SQLite's INTEGER) holds at most 2**63 - 1: a longer number is no id of ours,
# and given to the database it ended as a server error (OverflowError on SQLite, found by
# schemathesis on /api/v1/ideas/?theme=722750253460193935360).
ID_MAX = 2**63 - 1


def as_id(value) -> int | None:
    """``value`` as a positive id, or None when it is empty, not ASCII digits ("²" passes
    ``str.isdigit``), zero, or too large for a key."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= ID_MAX else None
