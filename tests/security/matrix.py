"""The permission matrix: for every route, what each role gets.

Outcomes (what the client sees, and whether the data changed):
  OK        2xx, and for a write: the change happened
  DONE      2xx or a redirect other than to the login page, and the change happened (writes)
  REDIRECT  a redirect other than to the login page (reads)
  LOGIN     a redirect to the login page (web pages, anonymous); nothing changed
  ADMIN     a redirect to the admin login page; nothing changed
  REFUSED   the request is answered without a server error but nothing changed (the page says why)
  400, 401, 403, 404, 405  that status; nothing changed (401: the API, to a request without credentials)
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tests.security.world import ADMIN_ONLY_ROLES, ROLES, World

OK, DONE, REDIRECT, LOGIN, ADMIN, REFUSED = "OK", "DONE", "REDIRECT", "LOGIN", "ADMIN", "REFUSED"
BAD, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, NOT_ALLOWED = "400", "401", "403", "404", "405"
CHANGES = {OK, DONE}


def expect(default: str, *, anonymous: str = LOGIN, **overrides: str) -> dict[str, str]:
    """The answer for each role: ``default`` unless overridden (role names of world.ROLES)."""
    unknown = set(overrides) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")
    table = {role: default for role in ROLES}
    table["anonymous"] = anonymous
    table.update(overrides)
    return table


def only(
    allowed: str, roles: tuple[str, ...], *, others: str, anonymous: str = LOGIN, **overrides: str
) -> dict[str, str]:
    """``allowed`` for ``roles``, ``others`` for everyone else (``overrides`` win)."""
    return expect(others, anonymous=anonymous, **{role: allowed for role in roles}, **overrides)


@dataclass
class Case:
    route: str  # the resolver pattern this case exercises (key of the coverage check)
    label: str
    method: str
    url: Callable[[World], str]
    expected: dict[str, str] | Callable[[World], dict[str, str]]
    data: Callable[[World], dict] | None = None
    probe: Callable[[World, object], object] | None = None  # what a write changes (before/after)
    api: bool = False
    htmx: bool = False
    headers: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.method} {self.label}"


def _login_url() -> str:
    return reverse(settings.LOGIN_URL)


def classify(case: Case, response, changed: bool) -> str:
    status = response.status_code
    location = response.get("Location", "") if 300 <= status < 400 else ""
    if location.startswith(reverse("admin:login")):
        return ADMIN if not changed else f"ADMIN but changed ({status})"
    if location.startswith(_login_url()):
        return LOGIN if not changed else f"LOGIN but changed ({status})"
    if status >= 500:
        return f"server error {status}"
    if case.probe is not None:
        if changed:
            return (
                OK if 200 <= status < 300 and case.api else DONE if status < 400 else f"{status} but changed"
            )
        if status in (400, 401, 403, 404, 405, 409, 422, 429):
            return str(status)
        return REFUSED
    if 200 <= status < 300:
        return OK
    if 300 <= status < 400:
        return REDIRECT
    return str(status)


def acceptable(expected: str, got: str) -> bool:
    if expected == got:
        return True
    # For a refused write, the exact way of refusing (an error status or a message) is secondary:
    # what matters is that nothing changed and nothing broke.
    return expected == REFUSED and got in (BAD, FORBIDDEN, NOT_FOUND, "409", "422")


def sign_in_everyone(world: World) -> dict[str, Client]:
    """One client per role, signed in once for the module, in the world's transaction (a sign-in
    writes a session row and an access log row: as much work as many of the requests)."""
    clients = {}
    for role in [*ROLES, *ADMIN_ONLY_ROLES]:
        client = Client(raise_request_exception=False)
        user = world.user(role)
        if user is not None:
            client.force_login(user)
        clients[role] = client
    return clients


def run_case(case: Case, world: World) -> list[str]:
    """Plays ``case`` once per role, each inside a savepoint rolled back afterwards; returns the
    mismatches ("role: expected X, got Y"). The role's client is reused: the rollback restores its
    session row, and its cookies are put back, so a case that signs out or rotates the session key
    leaves nothing behind for the next one."""
    from django.contrib.auth import SESSION_KEY
    from django.core.cache import cache

    problems = []
    expected = case.expected(world) if callable(case.expected) else case.expected
    for role, wanted in expected.items():
        user = world.user(role)
        client = world.clients[role]
        cookies = copy.deepcopy(client.cookies)
        cache.clear()
        with transaction.atomic():
            # A lost session would make the role an anonymous visitor, who gets the same answer as
            # a signed-in employee on the admin pages: never let that pass silently.
            if user is not None and client.session.get(SESSION_KEY) != str(user.pk):
                raise AssertionError(f"the {role}'s client is no longer signed in")
            before = case.probe(world, user) if case.probe else None
            url = case.url(world)
            data = case.data(world) if case.data else {}
            extra = dict(case.headers)
            if case.htmx:
                extra["HTTP_HX_REQUEST"] = "true"
            method = getattr(client, case.method.lower())
            if case.api and case.method != "GET":
                response = method(url, data=json.dumps(data), content_type="application/json", **extra)
            else:
                response = method(url, data=data, **extra)
            after = case.probe(world, user) if case.probe else None
            got = classify(case, response, changed=before != after)
            transaction.set_rollback(True)
        client.cookies = cookies
        if not acceptable(wanted, got):
            problems.append(f"{role}: expected {wanted}, got {got}")
    return problems


# --- The admin: one rule for every registered model --------------------------------------------
def admin_expected(*, admin: str, staff: str) -> dict[str, str]:
    """The admin site's answers: ``admin`` for Ada (staff, superuser), ``staff`` for Sid (staff,
    no permission); everyone else, who is not staff, is sent to the admin login."""
    return {**only(admin, ("admin",), others=ADMIN, anonymous=ADMIN), "staff": staff}


def _ada_may(view: str, model_admin, obj, ada) -> bool:
    """Whether the ModelAdmin lets a superuser in (read-only admins refuse writes even to her)."""
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = ada
    if view == "list":
        return model_admin.has_view_or_change_permission(request)
    if view == "add":
        return model_admin.has_add_permission(request)
    if view == "delete":
        return model_admin.has_delete_permission(request, obj)
    return model_admin.has_view_or_change_permission(request, obj)


def _admin_answer(view: str, obj, allowed: bool) -> str:
    """What Django's ModelAdmin views answer a staff member, checks in their order."""
    if view == "redirect":  # <object_id>/ only redirects to <object_id>/change/
        return REDIRECT
    if view == "history" and obj is None:  # history looks the object up before the permission
        return REDIRECT
    if not allowed:
        return FORBIDDEN
    if view in ("list", "add") or obj is not None:
        return OK
    return REDIRECT  # a missing row redirects to the index


def admin_cases() -> list[Case]:
    """Every model admin page, played by every role: staff only; everyone else is sent to the admin
    login. What Ada (a superuser) gets follows each ModelAdmin's own permission methods (read-only
    admins refuse adding, changing or deleting) and whether a row exists (a missing one redirects
    to the index). Sid (staff without permission) is refused every page: that is the policy, not
    read from the ModelAdmin, so an admin that lets any staff member in fails here."""
    cases = []
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        base = f"admin/{meta.app_label}/{meta.model_name}/"
        name = f"admin:{meta.app_label}_{meta.model_name}"

        def first(model=model):
            return model._default_manager.order_by("pk").first()

        def rule(view, model_admin=model_admin, first=first):
            def expected(world):
                obj = first()
                return admin_expected(
                    admin=_admin_answer(view, obj, _ada_may(view, model_admin, obj, world.org.ada)),
                    staff=_admin_answer(view, obj, allowed=False),
                )

            return expected

        def pk(world, first=first):
            obj = first()
            return obj.pk if obj is not None else 0

        cases += [
            Case(
                base,
                f"admin {meta.label} list",
                "GET",
                lambda w, n=name: reverse(f"{n}_changelist"),
                rule("list"),
            ),
            Case(
                f"{base}add/",
                f"admin {meta.label} add",
                "GET",
                lambda w, n=name: reverse(f"{n}_add"),
                rule("add"),
            ),
            Case(
                f"{base}<path:object_id>/",
                f"admin {meta.label} object",
                "GET",
                lambda w, b=base, pk=pk: f"/{b}{pk(w)}/",
                rule("redirect"),
            ),
        ]
        for view in ("change", "history", "delete"):
            cases.append(
                Case(
                    f"{base}<path:object_id>/{view}/",
                    f"admin {meta.label} {view}",
                    "GET",
                    lambda w, n=name, v=view, pk=pk: reverse(f"{n}_{v}", args=[pk(w)]),
                    rule(view),
                )
            )
    return cases
