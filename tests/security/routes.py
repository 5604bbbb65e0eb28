"""The project's routes, read from the URL resolver (recursively through includes)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    pattern: str  # the full pattern, e.g. "ideas/<int:pk>/vote/": the key of the matrix
    name: str  # "ideas:vote" ("" when the route has no name)
    view: str  # dotted path of the callback, for messages


def _walk(resolver: URLResolver, prefix: str, namespace: str):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            callback = entry.callback
            view = f"{callback.__module__}.{getattr(callback, '__name__', callback.__class__.__name__)}"
            yield Route(prefix + str(entry.pattern), f"{namespace}{entry.name}" if entry.name else "", view)


def project_routes() -> list[Route]:
    """Every route of ROOT_URLCONF, in resolver order."""
    return list(_walk(get_resolver(), "", ""))
