"""Hostile input on every route: the URL resolver's every pattern, its path parameters filled with
valid ids of a small world (tests/security/world.py) and with values no view expects, played by an
anonymous visitor, an employee, a correspondent and the admin, with hostile query strings, htmx
headers and hostile form and JSON bodies. Whatever comes in, the answer is never a server error.

Kept fast (one world for the module, each request in a rolled-back savepoint): what a route cannot
serve (a 404 from the resolver, a 405, the login page) is learnt from a first request and not
repeated with every payload."""

from __future__ import annotations

import contextlib
import copy
import json
import re
import traceback
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.signals import got_request_exception
from django.db import transaction
from django.http import QueryDict
from django.test import override_settings
from django.urls import Resolver404, resolve
from hypothesis import given
from hypothesis import strategies as st

from ideas.models import Idea
from tests.conftest import build_cast
from tests.security.matrix import sign_in_everyone
from tests.security.routes import Route, project_routes
from tests.security.world import build_world

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "employee", "correspondent", "admin")
LONG = "x" * 3000
HOSTILE_IDS = ("0", "-1", str(2**63), "99999999999999999999", "abc", "é☃𝄞", LONG)

# Every name a view of the project reads from GET or POST (grep request.GET / request.POST /
# query_params / request.data), with the admin's own (q, o, p, e, all, _to_field, _popup).
KEYS = (
    "page", "entity", "start", "end", "reason", "version", "realised_gain", "campaign", "body", "action",
    "title", "state", "parent", "days", "comment", "voted", "u", "token", "to_state", "target_entity",
    "target", "tags", "tag", "submit", "subject", "sort", "segment", "q", "period", "next", "name", "mine",
    "last_name", "k", "is_anonymous", "ideas", "idea", "format", "followed", "first_name", "experts",
    "exclude", "estimated_gain", "email", "domain", "decision", "daily_cap", "confirm_erase",
    "confirm_email", "co_authors", "theme", "value", "cost", "feasibility", "risk", "display_name",
    "job_title", "site", "language", "hide_from_leaderboards", "ordering", "search", "limit", "offset",
    "o", "p", "e", "all", "_to_field", "_popup", "login", "password", "remember", "month", "window",
)  # fmt: skip


def _all(value) -> list[tuple[str, str]]:
    return [(key, value) for key in KEYS]


# Hostile values for query strings: every key a view reads gets the same one in a request (so a
# refusal of one key does not hide another: each value is a request of its own). Raw ones are
# already encoded. NUL is answered by a middleware before any view (config/middleware.py).
VALUES = {
    "-1": "-1",
    "0": "0",
    "abc": "abc",
    "10**30": str(10**30),
    "NaN": "NaN",
    "empty": "",
    "unknown choice": "zzz-unknown",
    "sort/SQL injection, markup": "-title; DROP TABLE ideas_idea--' OR '1'='1\"><script>__xss(1)</script>",
    "10k chars": "\u00e9" * 10000,
    "unicode, bad date": "2026-13-45\u202e\ufeff\U0001d11e",
}
RAW_QUERIES = {
    "invalid utf-8": lambda keys: "&".join(f"{k}=%ff%fe%ed%a0%80" for k in keys) + "&%ff=1",
    "repeated": lambda keys: "&".join(f"{k}=1&{k}=2&{k}=" for k in keys),
    "NUL": lambda keys: "&".join(f"{k}=a%00b" for k in keys),
}


def queries(keys) -> list[tuple[str, str]]:
    plays = []
    for label, value in VALUES.items():
        # Long values on a few keys (a search box, a title): on all of them, a 5 MB address.
        chosen = sorted({"q", *keys[:3]}) if len(value) > 1000 else keys
        plays.append((f"query {label}", urlencode([(k, value) for k in chosen])))
    return plays + [(f"query {label}", build(keys)) for label, build in RAW_QUERIES.items()]


SURROGATE = "\ud800"


def forms(world) -> list[tuple[str, dict]]:
    """Form bodies (urlencoded by the client; the test client skips the CSRF check)."""
    valid_ids = {
        "idea": world.published.pk,
        "comment": world.colin_comment.pk,
        "target": world.popular.pk,
        "theme": world.org.theme.pk,
        "parent": world.colin_comment.pk,
        "ideas": world.submitted.pk,
    }
    return [
        ("form empty", {}),
        ("form markup", dict(_all('<script>__xss(1)</script>"><img src=x onerror=__xss(2)>'))),
        (
            "form wrong types",
            {**dict(_all("abc")), **{k: ["1", "2", "x"] for k in ("ideas", "experts", "tags", "co_authors")}},
        ),
        (
            "form numbers",
            {**dict(_all("-99999999999999999999")), "realised_gain": "1e999999", "estimated_gain": "NaN"},
        ),
        (
            "form NaN gains",
            {"realised_gain": "NaN", "estimated_gain": "sNaN", "to_state": "deployed", "reason": "x"},
        ),
        ("form oversized", {**dict(_all("y" * 30_000)), **valid_ids}),
        ("form NUL", {**dict(_all("a\x00b")), **valid_ids}),
        (
            "form valid ids, hostile text",
            {
                **dict(_all("=1+1 <b>bold</b> \u202e \ufeff")),
                **valid_ids,
                "to_state": "published",
                "decision": "hide",
            },
        ),
    ]


def api_bodies(world) -> list[tuple[str, object]]:
    """JSON bodies for the API (lone surrogates only fit here: forms decode bytes with replacement)."""
    theme = world.org.theme.pk
    return [
        ("json empty object", {}),
        ("json not an object", [1, 2, 3]),
        ("json null", None),
        ("json markup", {**dict(_all("<script>__xss(1)</script> long enough")), "theme": theme}),
        ("json wrong types", {k: {"nested": [1, {"a": None}]} for k in KEYS}),
        ("json numbers", dict(_all(10**30))),
        ("json lone surrogate", {**dict(_all(f"A lone surrogate {SURROGATE} in a text")), "theme": theme}),
        ("json lone surrogate key", {SURROGATE: 1, "title": "Short"}),
        ("json NUL", {**dict(_all("a\x00b long enough")), "theme": theme}),
    ]


HTMX = {
    "HTTP_HX_REQUEST": "true",
    "HTTP_HX_TARGET": "idea-results",
    "HTTP_HX_TRIGGER": '"><script>',
    "HTTP_HX_CURRENT_URL": "javascript:alert(1)",
    "HTTP_HX_PROMPT": "\u00e9" * 50,
}


# --- Filling the patterns ------------------------------------------------------------------------
PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>|\(\?P<(?P<rname>\w+)>(?:[^()]|\([^()]*\))*\)")


def params_of(pattern: str) -> list[str]:
    return [m.group("name") or m.group("rname") for m in PARAM.finditer(pattern)]


def fill(pattern: str, values: dict[str, str]) -> str:
    def one(match):
        name = match.group("name") or match.group("rname")
        return quote(str(values[name]), safe="")

    path = PARAM.sub(one, pattern)
    path = path.replace("^", "").replace("$", "").replace("/?", "/").replace("\\.", ".")
    return "/" + path


def _admin_model(pattern: str):
    for model in admin.site._registry:
        meta = model._meta
        if pattern.startswith(f"admin/{meta.app_label}/{meta.model_name}/"):
            return model
    return None


def valid_values(route: Route, world) -> dict[str, str]:
    """One valid value per parameter of ``route``: rows the world holds, reachable by someone."""
    org, p = world.org, route.pattern
    pk = world.published.pk
    if p.startswith("me/notifications/"):
        pk = world.alice_notification.pk
    elif p.startswith(("me/people/", "analytics/people/")):
        pk = org.alice.pk
    elif p.startswith("moderation/ideas/"):
        pk = world.submitted.pk
    elif "themes" in p:
        pk = org.theme.pk
    elif "campaigns" in p:
        pk = world.campaign.pk
    elif "domains" in p:
        pk = org.ops.pk
    model = _admin_model(p)
    first = model._default_manager.order_by("pk").first() if model is not None else None
    return {
        "pk": pk,
        "comment_pk": world.colin_comment.pk,
        "record_pk": world.merge.pk,
        "token": world.unsubscribe_token if "unsubscribe" in p else world.attachment.token,
        "slug": world.campaign.slug,
        "segment": "passive",
        "kind": "idea",
        "name": "participation",
        "format": "json" if "drf_format_suffix" not in p else ".json",
        "object_id": first.pk if first is not None else 1,
        "id": org.alice.pk,
        "content_type_id": ContentType.objects.get_for_model(Idea).pk,
        "object_id_on_site": world.published.pk,
        "app_label": "ideas",
        "url": "nothing-here",
        "provider_id": "nope",
        "key": "abc-def",
        "uidb36": "1",
        "path": "no-such-address",  # the API's JSON 404 for any other address
    }


def urls_for(route: Route, world) -> tuple[str, list[tuple[str, str]]]:
    """The valid address, and (label, address) with each parameter in turn hostile."""
    names = params_of(route.pattern)
    values = valid_values(route, world)
    if "view_on_site" in route.name:
        values["object_id"] = values["object_id_on_site"]
    valid = fill(route.pattern, values)
    hostile = []
    for name in names:
        for bad in HOSTILE_IDS:
            hostile.append((f"{name}={bad[:20]}", fill(route.pattern, {**values, name: bad})))
    return valid, hostile


# --- Which keys a request reads ------------------------------------------------------------------
class Reads:
    """Records the keys read from request.GET and request.POST (QueryDict) while it is on: a view
    that reads no key is not sent every hostile value (it never looks at them)."""

    EVERYTHING = "*"
    WHOLE = ("items", "lists", "dict", "copy", "keys", "values", "urlencode", "__iter__")
    BY_KEY = ("__getitem__", "get", "getlist", "__contains__", "pop", "setdefault")

    def __init__(self):
        self.keys: set[str] | None = None
        self.last: set[str] = set()

    def __enter__(self):
        self.keys = set()
        self._saved = {}
        for name in self.WHOLE + self.BY_KEY:
            self._saved[name] = QueryDict.__dict__.get(name)
            setattr(QueryDict, name, self._wrap(name, getattr(QueryDict, name)))
        return self

    def _wrap(self, name, original):
        reads = self

        def wrapper(qd, *args, **kwargs):
            if reads.keys is not None:
                if name in Reads.BY_KEY and args:
                    reads.keys.add(str(args[0]))
                elif name in Reads.WHOLE:
                    reads.keys.add(Reads.EVERYTHING)
            return original(qd, *args, **kwargs)

        return wrapper

    def __exit__(self, *exc):
        for name, saved in self._saved.items():
            if saved is None:
                delattr(QueryDict, name)
            else:
                setattr(QueryDict, name, saved)
        self.last, self.keys = self.keys, None


# --- Playing ---------------------------------------------------------------------------------------
@dataclass
class Tally:
    requests: int = 0
    payloads: set = field(default_factory=set)
    routes: set = field(default_factory=set)
    pairs: set = field(default_factory=set)  # (route, payload)


TALLY = Tally()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=tmp_path_factory.mktemp("media"),
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
        transaction.atomic(),
    ):
        world = build_world(build_cast())
        world.clients = sign_in_everyone(world)
        yield world
        transaction.set_rollback(True)


class Player:
    """Sends the requests of one route, each in a savepoint rolled back afterwards, and collects
    what broke ("GET /x?y [payload] as employee: 500 ValueError: ...")."""

    def __init__(self, world, route):
        self.world, self.route, self.problems = world, route, []
        self.errors: list[str] = []

    def _on_exception(self, sender, request=None, **kwargs):
        self.errors.append(traceback.format_exc(limit=-3))

    def send(self, role, method, url, *, label, data=None, json_body=None, htmx=False, reads=None):
        from django.contrib.auth import SESSION_KEY
        from django.core.cache import cache

        client = self.world.clients[role]
        user = self.world.user(role)
        cache.clear()  # rate limits would otherwise answer 429 to the rest of the sweep
        extra = dict(HTMX) if htmx else {}
        self.errors = []
        cookies = copy.deepcopy(client.cookies)
        got_request_exception.connect(self._on_exception)
        try:
            with transaction.atomic(), reads or contextlib.nullcontext():
                if user is not None and client.session.get(SESSION_KEY) != str(user.pk):
                    raise AssertionError(f"the {role}'s client is no longer signed in")
                call = getattr(client, method.lower())
                if json_body is not None:
                    response = call(url, data=json.dumps(json_body), content_type="application/json", **extra)
                elif method in ("GET", "OPTIONS"):
                    response = call(url, **extra)
                else:
                    response = call(url, data=data or {}, **extra)
                transaction.set_rollback(True)
        finally:
            got_request_exception.disconnect(self._on_exception)
        client.cookies = cookies
        TALLY.requests += 1
        TALLY.payloads.add(label)
        TALLY.pairs.add((self.route.pattern, label))
        if response.status_code >= 500:
            where = self.errors[-1].strip().splitlines()[-1] if self.errors else response.content[:200]
            self.problems.append(f"{method} {url[:120]} [{label}] as {role}: {response.status_code} {where}")
        if htmx and response.status_code < 500:
            self.problems += [
                f"{method} {url[:120]} [{label}] as {role}: {p}" for p in htmx_problems(response, self.route)
            ]
        return response


# The views that answer htmx with a fragment (ideas/views.py, `request.htmx`): whatever they are sent,
# a success is a fragment for the target, never a whole page swapped into it.
HTMX_FRAGMENTS = {
    "ideas:list", "ideas:similar", "ideas:vote", "ideas:follow", "ideas:comment", "ideas:comment_edit",
    "ideas:comment_fragment",
}  # fmt: skip


def htmx_problems(response, route: Route) -> list[str]:
    """What an htmx request must not get: a redirect off the site (htmx follows it inside its XHR),
    or, from a view that answers fragments, a whole page with a success status."""
    problems = []
    location = response.get("Location", "") if 300 <= response.status_code < 400 else ""
    if location.startswith(("//", "http:", "https:")) and not location.startswith("http://testserver/"):
        problems.append(f"htmx redirected off the site to {location[:60]}")
    whole = not response.streaming and b"<html" in response.content[:2000].lower()
    if route.name in HTMX_FRAGMENTS and 200 <= response.status_code < 300 and whole:
        problems.append(f"htmx got a whole page ({response.status_code}) instead of a fragment")
    return problems


def _is_admin(route: Route) -> bool:
    return route.pattern.startswith("admin/")


def _same_route(path: str, route: Route) -> bool:
    """Whether ``path`` reaches ``route`` (a hostile id that the converter refuses is the resolver's
    404, the same for every route: played once, by test_unresolvable_addresses_are_404)."""
    try:
        match = resolve(path.split("?")[0])
    except Resolver404:
        return False
    return match.route == route.pattern


def _rotate(items, players, offset):
    """Deals ``items`` to ``players`` in turn, starting at ``offset``: each item is played once."""
    if not players:
        return []
    return [(players[(offset + i) % len(players)], item) for i, item in enumerate(items)]


def _lived(response) -> bool:
    """The view ran for this role (not the login page, an unknown address or a refused method)."""
    if response.status_code in (404, 405):
        return False
    location = response.get("Location", "") if response.status_code in (301, 302) else ""
    return not ("/login/" in location and response.status_code == 302)


def play_admin(route: Route, world, index: int) -> list[str]:
    """An admin page, as the admin (everyone else meets the admin login: the permission matrix
    checks it). These are Django's views, the same for every model: each page gets its turn of the
    hostile queries, forms and ids, and the sweep over the ~40 models plays all of them."""
    player = Player(world, route)
    valid, hostile = urls_for(route, world)
    view = route.pattern.rstrip("/").rsplit("/", 1)[-1]
    if view not in ("add", "history", "<path:object_id>"):
        for label, query in _slice(queries(list(KEYS)), index, 1):
            player.send("admin", "GET", f"{valid}?{query}", label=label)
    if view in ("add", "change"):
        for label, data in _slice(forms(world), index, 1):
            player.send("admin", "POST", valid, label=label, data=data)
    if view in ("history", "<path:object_id>"):
        hostile = [(label, address) for label, address in hostile if _same_route(address, route)]
        for label, address in _slice(hostile, index, 1):
            player.send("admin", "GET", address, label=f"path {label.split('=', 1)[1]}")
    TALLY.routes.add(route.pattern)
    return player.problems


FRAMEWORK_KEYS = {"format"}  # read by DRF's content negotiation on every API request


def play(route: Route, world, index: int) -> list[str]:
    """A page or an API endpoint. Each role first sends every key set to a harmless value, once by
    GET and once by POST: which roles the view runs for, and which keys it reads. Then each hostile
    value, on the keys it reads, is dealt in turn to the roles it runs for."""
    if _is_admin(route):
        return play_admin(route, world, index)
    player = Player(world, route)
    api = route.pattern.startswith("api/")
    # A format suffix (ideas.json) is the same view as the route without it: its own parameter only.
    twin = "(?P<format>" in route.pattern or "<drf_format_suffix:" in route.pattern
    valid, hostile = urls_for(route, world)
    getters, posters, get_keys, post_keys, methods = [], [], set(), set(), set()
    for role in ROLES:
        reads = Reads()
        first = player.send(role, "GET", f"{valid}?{urlencode(_all('1'))}", label="all keys", reads=reads)
        if _lived(first):
            getters.append(role)
            get_keys |= reads.last - FRAMEWORK_KEYS
        if role == "anonymous" and not _lived(first) and first.status_code != 405:
            continue  # the login page, whatever the method
        reads = Reads()
        if _lived(player.send(role, "POST", valid, label="all keys POST", data=dict(_all("1")), reads=reads)):
            posters.append(role)
            post_keys |= reads.last
    if api and not twin:
        allow = player.send("admin", "OPTIONS", valid, label="OPTIONS").get("Allow", "")
        methods = {m.strip() for m in allow.split(",")} & {"POST", "PUT", "PATCH", "DELETE"}

    def keys_of(seen):
        return list(KEYS) if Reads.EVERYTHING in seen else sorted(seen & set(KEYS)) or list(KEYS)

    if getters and not twin:
        # A view that reads nothing of the query still gets the raw oddities (middleware parses them).
        plays = queries(keys_of(get_keys)) if get_keys else queries(list(KEYS))[-3:]
        for role, (label, query) in _rotate(plays, getters, index):
            player.send(role, "GET", f"{valid}?{query}", label=label)
        player.send(getters[-1], "GET", f"{valid}?{urlencode(_all('zzz'))}", label="htmx GET", htmx=True)
    if posters and not api:
        plays = forms(world) if post_keys else forms(world)[:2]
        for role, (label, data) in _rotate(plays, posters, index):
            player.send(role, "POST", valid, label=label, data=data)
        player.send(posters[-1], "POST", valid, label="htmx POST", data=forms(world)[1][1], htmx=True)
    for method in sorted(methods):
        for role, (label, body) in _rotate(api_bodies(world), ["employee", "correspondent", "admin"], index):
            player.send(role, method, valid, label=f"{label} ({method})", json_body=body)
    hostile = [(label, address) for label, address in hostile if _same_route(address, route)]
    for n, (role, (label, address)) in enumerate(
        _rotate(hostile, ["employee", "correspondent", "admin"], index)
    ):
        value = label.split("=", 1)[1]
        if posters and n % 2:
            player.send(role, "POST", address, label=f"path {value} POST", data={})
        else:
            player.send(role, "GET", address, label=f"path {value}")
    TALLY.routes.add(route.pattern)
    return player.problems


def _slice(items, index, budget):
    """``budget`` of ``items`` for the route at ``index``, taken in turn (all of them without a budget):
    consecutive routes take the next ones, so the sweep plays each item on some routes."""
    if budget is None or budget >= len(items):
        return items
    start = (index * budget) % len(items)
    return [items[(start + i) % len(items)] for i in range(budget)]


ROUTES = project_routes()


@pytest.mark.parametrize(("index", "route"), list(enumerate(ROUTES)), ids=[r.pattern for r in ROUTES])
def test_no_hostile_request_is_a_server_error(index, route, world):
    problems = play(route, world, index)
    assert not problems, f"{route.pattern} ({route.view}):\n  " + "\n  ".join(problems)


def test_unresolvable_addresses_are_404(world):
    """What the sweep leaves out: hostile ids that an <int:...> converter refuses never reach a view."""
    client = world.clients["admin"]
    for value in HOSTILE_IDS:
        for path in ("/ideas/{}/", "/me/notifications/{}/read/", "/moderation/ideas/{}/decide/"):
            address = path.format(quote(value, safe=""))
            try:
                resolve(address)
                continue  # 0 and the huge numbers are digits: the sweep played them
            except Resolver404:
                pass
            assert client.get(address).status_code == 404, address
            assert client.post(address).status_code == 404, address


# Random queries on the pages that read the most keys, as the community manager (who may open them).
SEARCHED = [
    "/ideas/",
    "/ideas/similar/",
    "/moderation/queue/",
    "/points/leaderboard/",
    "/analytics/data/participation.json",
    "/analytics/segments/passive/",
    "/api/v1/ideas/",
    "/api/v1/ideas/similar/",
]


@given(
    path=st.sampled_from(SEARCHED),
    query=st.lists(st.tuples(st.sampled_from(KEYS), st.text(max_size=200)), max_size=8),
    htmx=st.booleans(),
)
def test_random_query_strings_are_never_a_server_error(world, path, query, htmx):
    player = Player(world, Route(path, "", ""))
    player.send("community_manager", "GET", f"{path}?{urlencode(query)}", label="hypothesis query", htmx=htmx)
    assert not player.problems


def test_report_coverage(capsys, world):
    with capsys.disabled():
        print(
            f"\nfuzz: {len(TALLY.routes)} / {len(ROUTES)} routes, {len(TALLY.payloads)} kinds of payload, "
            f"{len(TALLY.pairs)} (route, payload) pairs, {TALLY.requests} requests"
        )
