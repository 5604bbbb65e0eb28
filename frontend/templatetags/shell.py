"""The page shell's header and phone bar, rendered once per what they show: ``{% shell_fragment %}``.

Both are on every page, and rendering them (the role's navigation, its icons and counts, plural
labels) was about 1 ms of CPU per page, a tenth of the idea list's (bench/profile_pages.py). What
they show is small and known: whether someone is signed in, the language, the navigation items
(label, address, icon, count, current), the unread count, the profile's and the notifications'
addresses and the avatar's initial. The HTML is kept per process, in a bounded LRU, under exactly
those values, so a new notification or a role given shows on the next page as before.

The fragments get only these values: a template that read ``user`` or ``request`` would render
them empty (tests/frontend/test_shell_fragments.py compares every role with a plain render).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from django import template
from django.core.signals import setting_changed
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.autoreload import file_changed

register = template.Library()

FRAGMENTS_KEPT = 2048
_fragments: OrderedDict[tuple, str] = OrderedDict()
_lock = threading.Lock()


def _items(items) -> tuple:
    return tuple((item.label, item.url, item.icon, item.count, item.current) for item in items)


def fragment_values(context) -> dict:
    """What the fragments may show, from the page's context."""
    user = context.get("user")
    shell = context.get("shell")
    if user is None or not user.is_authenticated or shell is None:
        return {"signed_in": False}
    return {"signed_in": True, "shell": shell, "initial": (user.display_name or "")[:1].upper()}


def _key(template_name: str, values: dict) -> tuple:
    key = (template_name, translation.get_language(), get_script_prefix(), values["signed_in"])
    if not values["signed_in"]:
        return key
    shell = values["shell"]
    return (
        *key,
        values["initial"],
        _items(shell.nav),
        _items(shell.bottom_nav),
        _items(shell.more_nav),
        shell.unread,
        shell.notifications_url,
        shell.me_url,
    )


@register.simple_tag(takes_context=True)
def shell_fragment(context, template_name: str):
    values = fragment_values(context)
    key = _key(template_name, values)
    with _lock:
        html = _fragments.get(key)
        if html is not None:
            _fragments.move_to_end(key)
            return html
    html = get_template(template_name).render(values)
    with _lock:
        _fragments[key] = html
        while len(_fragments) > FRAGMENTS_KEPT:
            _fragments.popitem(last=False)
    return html


def fragments_forget() -> None:
    """Tests, and a deploy's new templates (a restart does it too)."""
    with _lock:
        _fragments.clear()


def _forget_on_change(**_kwargs) -> None:
    fragments_forget()


# A setting changed (tests: ROOT_URLCONF, LANGUAGES...) or, under runserver, a template edited.
setting_changed.connect(_forget_on_change, dispatch_uid="shell-fragments-settings")
file_changed.connect(_forget_on_change, dispatch_uid="shell-fragments-files")
