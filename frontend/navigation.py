"""Role-aware navigation: each role sees the entry points of its work, with counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext as _


@dataclass
class NavItem:
    label: str
    url: str
    icon: str
    count: int = 0
    current: bool = False


@dataclass
class Shell:
    nav: list[NavItem] = field(default_factory=list)
    bottom_nav: list[NavItem] = field(default_factory=list)
    # What the phone's bottom bar has no room for (the role's pages, the leaderboard): its "More" menu.
    more_nav: list[NavItem] = field(default_factory=list)
    unread: int = 0
    notifications_url: str = ""
    me_url: str = ""

    @property
    def more_count(self) -> int:
        return sum(item.count for item in self.more_nav)

    @property
    def more_current(self) -> bool:
        return any(item.current for item in self.more_nav)


def _url(name: str) -> str | None:
    """``reverse(name)``, remembered: the shell asks for about ten addresses on every page, and
    each ``reverse`` took 16 microseconds."""
    return _reversed(name, get_script_prefix(), get_urlconf())


@lru_cache(maxsize=128)
def _reversed(name: str, _prefix: str, _urlconf) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


# Providers of counts, registered by the apps that own the data (so frontend imports no app internals).
COUNTERS: dict[str, callable] = {}


def register_counter(name: str, function) -> None:
    COUNTERS[name] = function


def _count(name: str, user) -> int:
    function = COUNTERS.get(name)
    return function(user) if function else 0


def build_shell(request) -> Shell:
    user = request.user
    path = request.path
    entries = [
        (_("Home"), "frontend:home", "home", None),
        (_("Ideas"), "ideas:list", "bulb", None),
        (_("Submit"), "ideas:submit", "plus", None),
    ]
    if user.is_correspondent or user.is_community_manager:
        entries.append((_("My queue"), "moderation:queue", "inbox", "queue"))
    if user.is_expert:
        entries.append((_("Assessments"), "moderation:assessments", "inbox", "assessments"))
    if user.is_executive:
        entries.append((_("Pipeline"), "moderation:pipeline", "pipeline", None))
    if user.is_community_manager or user.is_executive:
        entries.append((_("Analytics"), "analytics:dashboard", "chart", None))
        if user.is_community_manager:
            entries.append((_("Reports"), "moderation:reports", "flag", None))
    entries.append((_("Leaderboard"), "gamification:leaderboard", "trophy", None))

    shell = Shell()
    for label, name, icon, counter in entries:
        url = _url(name)
        if url is None:
            continue
        current = path == url if name == "frontend:home" else path.startswith(url)
        if name == "ideas:list" and path.startswith(_url("ideas:submit") or "\0"):
            current = False
        shell.nav.append(NavItem(label, url, icon, _count(counter, user) if counter else 0, current))
    shell.unread = _count("unread", user)
    shell.notifications_url = _url("accounts:notifications") or "#"
    shell.me_url = _url("accounts:me") or "#"
    shell.bottom_nav = [
        *shell.nav[:3],
        NavItem(
            _("Alerts"),
            shell.notifications_url,
            "bell",
            shell.unread,
            path.startswith(shell.notifications_url),
        ),
        NavItem(_("Me"), shell.me_url, "user", 0, path.startswith(shell.me_url)),
    ]
    shell.more_nav = shell.nav[3:]
    return shell
