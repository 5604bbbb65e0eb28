"""Rendered fragments kept in the cache under a key made of what they show.

The idea list's filter form is 40% of the page's time when rendered by Django's widget templates
(a template per option: entities, domains, campaigns, themes). Its HTML depends only on the
language, the values in the query string and the choices; the choices are summed up by one query
(row counts and highest ids: an import adds rows) plus a version bumped when one of them is saved
or deleted (a rename), and the fragment expires after FILTERS_SECONDS in any case."""

from __future__ import annotations

import hashlib
from functools import lru_cache

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.template.loader import get_template, render_to_string
from django.utils import translation
from django.utils.safestring import SafeString

FILTERS_TEMPLATE = "ideas/_filters.html"
FILTERS_SECONDS = 600
CHOICES_VERSION_KEY = "filters:choices-version"


def _choices_summary() -> tuple:
    """Row count and highest id of each table the filter form offers, in one statement (built by
    the ORM, a union of four aggregates, it cost more to compile than to run)."""
    from accounts.models import Domain, Entity
    from ideas.models import Campaign, Theme

    tables = [model._meta.db_table for model in (Theme, Domain, Entity, Campaign)]
    sql = " UNION ALL ".join(
        f"SELECT %s, COUNT(*), MAX(id) FROM {connection.ops.quote_name(table)}"  # noqa: S608  # nosec B608
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, tables)
        return tuple(sorted(tuple(row) for row in cursor.fetchall()))


def filters_html(form) -> SafeString:
    """The filter form's HTML, rendered once per language, query and set of choices."""
    values = tuple(
        sorted((name, tuple(form.data.getlist(name))) for name in form.fields if name in form.data)
    )
    shown = (
        translation.get_language(),
        values,
        _choices_summary(),
        cache.get(CHOICES_VERSION_KEY, 0),
        template_digest(FILTERS_TEMPLATE),  # a new release's template
    )
    key = content_key("filters", shown)
    html = cache.get(key)
    if html is None:
        html = render_to_string(FILTERS_TEMPLATE, {"form": form})
        cache.set(key, html, FILTERS_SECONDS)
    return html  # a SafeString: the template's output, kept as such by the cache's pickling


def content_key(prefix: str, shown: tuple) -> str:
    """A cache key made of everything a fragment shows: what changes gives another key."""
    return f"{prefix}:" + hashlib.md5(repr(shown).encode(), usedforsecurity=False).hexdigest()


@lru_cache(maxsize=8)
def template_digest(name: str) -> str:
    return hashlib.md5(get_template(name).template.source.encode(), usedforsecurity=False).hexdigest()


def _choices_changed(**_kwargs) -> None:
    cache.add(CHOICES_VERSION_KEY, 0, None)
    cache.incr(CHOICES_VERSION_KEY)


# --- The count of listed ideas ----------------------------------------------------------------
# Counting the ideas everybody sees reads every listed idea (votes and the trending recompute keep
# rewriting their rows, so the index alone cannot answer): 16 ms at 50,000 employees, on every list
# page. The count is cached under a version that goes up whenever an idea is saved, deleted,
# changes state (a Transition row), is hidden or restored, gains or loses co-authors, or ideas are
# imported; the timeout bounds what a path forgotten here could leave stale. The hidden ideas a
# person may see (their own, those they handle) are counted apart, cached per person and roles.
LISTED_VERSION_KEY = "ideas:listed:version"
LISTED_COUNT_SECONDS = 60


def listed_changed(**_kwargs) -> None:
    """Every cached count of listed ideas is outdated (and again after commit, so that a request
    in between cannot store the count from before)."""

    def bump():
        cache.add(LISTED_VERSION_KEY, 0, None)
        cache.incr(LISTED_VERSION_KEY)

    bump()
    transaction.on_commit(bump)


def _co_authors_changed(*, action: str, **_kwargs) -> None:
    if action.startswith("post_"):
        listed_changed()


def listed_counts(shown: tuple, counts: dict) -> list[int]:
    """Each of ``counts`` (a name and a function counting ideas under the filters ``shown``), cached
    by version: one read of the version, one of all the counts."""
    version = cache.get(LISTED_VERSION_KEY, 0)
    keys = {name: content_key("listed-count", (version, name, *shown)) for name in counts}
    found = cache.get_many(list(keys.values()))
    values, missing = [], {}
    for name, count in counts.items():
        value = found.get(keys[name])
        if value is None:
            value = missing[keys[name]] = count()
        values.append(value)
    if missing:
        cache.set_many(missing, LISTED_COUNT_SECONDS)
    return values


def connect_signals() -> None:
    from accounts.models import Domain, Entity
    from ideas.models import Campaign, Idea, Theme
    from moderation.models import Transition

    post_save.connect(listed_changed, sender=Idea, dispatch_uid="listed-idea-save")
    post_delete.connect(listed_changed, sender=Idea, dispatch_uid="listed-idea-delete")
    post_save.connect(listed_changed, sender=Transition, dispatch_uid="listed-transition")
    # Co-authors see their hidden ideas: the count of hidden ideas a person sees changes with them.
    m2m_changed.connect(_co_authors_changed, sender=Idea.co_authors.through, dispatch_uid="listed-co-authors")

    for model in (Theme, Domain, Entity, Campaign):
        post_save.connect(_choices_changed, sender=model, dispatch_uid=f"filters-{model.__name__}-save")
        post_delete.connect(_choices_changed, sender=model, dispatch_uid=f"filters-{model.__name__}-delete")
