"""Who is being guessed, for django-axes' lock-outs (AXES_USERNAME_CALLABLE).

The forms call the e-mail differently: allauth authenticates with ``email``, the admin and the API
token endpoint with ``username``. Axes' default reads one field name only, so without this the
API's failures were counted under no name at all and never locked the account. The address is
lower-cased: ``ALICE@example.com`` and ``alice@example.com`` are the same account."""

from __future__ import annotations

FIELDS = ("login", "email", "username")


def username_being_tried(request, credentials: dict | None = None) -> str | None:
    sources = [credentials or {}, getattr(request, "data", None) or {}, getattr(request, "POST", None) or {}]
    for source in sources:
        for field in FIELDS:
            value = source.get(field) if hasattr(source, "get") else None
            if isinstance(value, str) and value.strip():
                return value.strip().lower()
    return None
