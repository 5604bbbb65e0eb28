"""Inline SVG icons (no icon font, no request): ``{% icon "home" %}``, a builtin tag (see settings).

A Python dict rather than an included template: an include per icon cost about 0.1 ms, and a page
shows dozens of icons (bench/: the idea list rendered 60)."""

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

_SVG = (
    '<svg aria-hidden="true" focusable="false" viewBox="0 0 24 24" fill="none" stroke="currentColor" '
    'stroke-width="2" stroke-linecap="round" stroke-linejoin="round" width="20" height="20">'
)
PATHS = {
    "home": '<path d="M3 11l9-8 9 8"/><path d="M5 10v10h14V10"/>',
    "bulb": (
        '<path d="M9 18h6"/><path d="M10 22h4"/><path d="M12 2a7 7 0 0 0-4 12.7V16h8v-1.3A7 7 0 0 0 12 2z"/>'
    ),
    "plus": '<path d="M12 5v14M5 12h14"/>',
    "paperclip": '<path d="M21 11l-9 9a5 5 0 0 1-7-7l9-9a3.5 3.5 0 0 1 5 5l-9 9a2 2 0 0 1-3-3l8-8"/>',
    "bell": '<path d="M18 8a6 6 0 1 0-12 0c0 7-3 9-3 9h18s-3-2-3-9"/><path d="M13.7 21a2 2 0 0 1-3.4 0"/>',
    "user": '<circle cx="12" cy="8" r="4"/><path d="M4 21c0-4 4-6 8-6s8 2 8 6"/>',
    "inbox": (
        '<path d="M22 12h-6l-2 3h-4l-2-3H2"/><path d="M5.5 5h13l3.5 7v6a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2v-6z"/>'
    ),
    "chart": '<path d="M3 3v18h18"/><path d="M7 15l4-4 3 3 5-6"/>',
    "trophy": (
        '<path d="M8 21h8M12 17v4M7 4h10v5a5 5 0 0 1-10 0z"/>'
        '<path d="M17 5h3a3 3 0 0 1-3 4M7 5H4a3 3 0 0 0 3 4"/>'
    ),
    "thumb": (
        '<path d="M7 10v11H3V10z"/><path d="M7 10l4-8a3 3 0 0 1 3 3v4h6a2 2 0 0 1 2 2l-2 8a2 2 0 0 1-2 2H7"/>'
    ),
    "comment": '<path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z"/>',
    "eye": '<path d="M1 12s4-8 11-8 11 8 11 8-4 8-11 8S1 12 1 12z"/><circle cx="12" cy="12" r="3"/>',
    "pipeline": '<path d="M4 4h16l-6 8v6l-4 2v-8z"/>',
    "flag": '<path d="M4 22V4h13l-2 4 2 4H4"/>',
    "search": '<circle cx="11" cy="11" r="7"/><path d="M21 21l-5-5"/>',
    "menu": '<path d="M4 6h16M4 12h16M4 18h16"/>',
}
FALLBACK = '<circle cx="12" cy="12" r="9"/>'
PATHS[""] = FALLBACK
# Constant markup, written above: nothing from a request reaches it.
ICONS = {name: mark_safe(f"{_SVG}{body}</svg>") for name, body in PATHS.items()}  # noqa: S308  # nosec B308 B703


@register.simple_tag
def icon(name: str):
    return ICONS.get(name) or ICONS[""]
