"""Reading the environment with errors that name the variable.

django-environ parses values but is lenient: ``DEBUG=maybe`` silently becomes False and a
malformed ``DATABASE_URL`` surfaces later as an obscure stack trace. These helpers validate
each value and raise ``ImproperlyConfigured`` with the variable's name and what was expected.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}

DATABASE_SCHEMES = {"sqlite", "postgres", "postgresql", "pgsql", "psql"}
REDIS_SCHEMES = {"redis", "rediss"}

env = environ.Env()


def _raw(name: str) -> str | None:
    """The variable's value, or the content of the file named by ``NAME_FILE`` (Docker secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {file_name!r} ({exc.strerror})") from exc
    return os.environ.get(name)


def get_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = _raw(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(f"{name}: this environment variable is required and is not set")
        return default
    return value


def get_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}: expected a boolean (1/0, true/false, yes/no, on/off), got {value!r}")


def get_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}: expected a whole number, got {value!r}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}: expected a number of at least {minimum}, got {number}")
    return number


def get_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def get_url(name: str, default: str | None, *, schemes: set[str]) -> str | None:
    value = get_str(name, default)
    if value is None:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in schemes:
        expected = ", ".join(sorted(schemes))
        raise ImproperlyConfigured(f"{name}: expected a URL with scheme {expected}, got {value!r}")
    if parsed.scheme != "sqlite" and not parsed.hostname:
        raise ImproperlyConfigured(f"{name}: the URL {value!r} has no host name")
    return value


def get_database(name: str, default: str) -> dict:
    url = get_url(name, default, schemes=DATABASE_SCHEMES)
    try:
        config = env.db_url_config(url)
    except Exception as exc:  # django-environ raises several types on garbage
        raise ImproperlyConfigured(f"{name}: cannot parse {url!r} ({exc})") from exc
    return config


_RATE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(text: str) -> tuple[int, int]:
    """``"20/10m"`` -> (20, 600): at most 20 actions per 10 minutes. Units: s, m, h, d."""
    count, _, period = text.strip().partition("/")
    period = period.strip().lower()
    unit = period[-1:] if period[-1:] in _RATE_UNITS else ""
    multiplier = period[: -len(unit)] if unit else period
    if not (count.strip().isdigit() and unit and (multiplier == "" or multiplier.isdigit())):
        raise ValueError(f"not a rate: {text!r}")
    seconds = _RATE_UNITS[unit] * (int(multiplier) if multiplier else 1)
    if int(count) < 1 or seconds < 1:
        raise ValueError(f"not a rate: {text!r}")
    return int(count), seconds


def get_rate(name: str, default: str) -> str:
    """A rate like ``20/10m`` (count / period with unit s, m, h or d)."""
    value = get_str(name, default)
    try:
        parse_rate(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}: expected a rate such as 20/10m (a count, a slash, a period in s, m, h or d), "
            f"got {value!r}"
        ) from None
    return value
