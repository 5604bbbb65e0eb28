"""Reading values from query strings and forms: ids a database key can hold, and addresses of
this site to go back to; anything else reads as nothing."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme

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


def local_url(request, target: str | None) -> str | None:
    """``target`` if it is an address of this site (a path, or a URL on this host): something to
    redirect to. Else None: another site's address would be an open redirect, and a bare word
    ("foo") is taken by ``redirect()`` for a view name (a server error, found by a sweep)."""
    target = (target or "").strip()
    if not (target.startswith("/") or "://" in target):
        return None
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else None
