"""CSRF on every state-changing route, and the security headers and cookies of production."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.template import engines
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.views import APIView

from tests.conftest import build_cast
from tests.factories import PASSWORD
from tests.security.matrix import CHANGES
from tests.security.routes import project_routes
from tests.security.test_permission_matrix import API, CASES
from tests.security.world import build_world

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
WRITES = ("POST", "PUT", "PATCH", "DELETE")

# Routes that accept a write without Django's CSRF middleware, and why.
CSRF_EXEMPT_VIEWS = {
    "accounts.views.unsubscribe": "RFC 8058 one-click unsubscribe: mail clients POST without a session; "
    "the signed token in the URL is the authorisation, and it only lowers e-mail frequency",
    "config.errors.api_not_found": "an address under /api/v1/ that is no endpoint: it changes nothing and "
    "answers a JSON 404 (a token client's write without its final slash got the CSRF page)",
}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")),
        transaction.atomic(),
    ):
        yield build_world(build_cast())
        transaction.set_rollback(True)


def _allowed_role(case) -> str | None:
    """A signed-in role the matrix lets make this change (so only the missing token can refuse it)."""
    expected = case.expected if isinstance(case.expected, dict) else {}
    for role, outcome in expected.items():
        if role != "anonymous" and outcome in CHANGES:
            return role
    return None


def _csrf_cases():
    cases = []
    for case in CASES + API:
        if case.method not in WRITES or case.probe is None:
            continue
        if case.route == "me/unsubscribe/<str:token>/" or case.route == "api/v1/auth/token/":
            continue  # exempt by design (see CSRF_EXEMPT_VIEWS; the token endpoint has no session)
        role = _allowed_role(case)
        if role:
            cases.append((case, role))
    return cases


CSRF_CASES = _csrf_cases()


@pytest.mark.parametrize(("case", "role"), CSRF_CASES, ids=[f"{c.id} as {r}" for c, r in CSRF_CASES])
def test_write_without_csrf_token_is_refused_and_changes_nothing(case, role, world):
    user = world.user(role)
    with transaction.atomic():
        client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        client.force_login(user)
        before = case.probe(world, user)
        method = getattr(client, case.method.lower())
        data = case.data(world) if case.data else {}
        extra = {"HTTP_HX_REQUEST": "true"} if case.htmx else {}
        if case.api:
            response = method(case.url(world), data=json.dumps(data), content_type="application/json")
        else:
            response = method(case.url(world), data=data, **extra)
        after = case.probe(world, user)
        transaction.set_rollback(True)
    assert response.status_code == 403, (case.id, response.status_code)
    assert b"CSRF" in response.content
    assert before == after, f"{case.id}: changed without a CSRF token"


def test_admin_writes_need_a_csrf_token(world):
    """Add, change and delete of every admin model, as Ada, without the token: 403 each time."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(world.org.ada)
    refused = []
    for model in admin.site._registry:
        meta = model._meta
        obj = model._default_manager.order_by("pk").first()
        urls = [reverse(f"admin:{meta.app_label}_{meta.model_name}_add")]
        if obj is not None:
            urls += [
                reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]),
                reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[obj.pk]),
            ]
        for url in urls:
            with transaction.atomic():
                response = client.post(url, {"post": "yes"})
                transaction.set_rollback(True)
            refused.append((url, response.status_code, b"CSRF" in response.content))
    wrong = [(url, status) for url, status, csrf in refused if status != 403 or not csrf]
    assert not wrong, wrong
    assert len(refused) >= len(admin.site._registry)  # an add page per model, and the rows that exist


def test_sign_in_forms_need_a_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    for name, data in [
        ("account_login", {"login": world.org.alice.email, "password": PASSWORD}),
        ("account_signup", {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD}),
        ("admin:login", {"username": world.org.ada.email, "password": PASSWORD}),
    ]:
        response = client.post(reverse(name), data)
        assert response.status_code == 403, name
        assert b"CSRF" in response.content
        assert "_auth_user_id" not in client.session
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(world.org.alice)
    assert signed_in.post(reverse("account_logout")).status_code == 403
    assert signed_in.post(reverse("account_change_password"), {}).status_code == 403


def test_no_view_is_silently_csrf_exempt():
    """Django-level CSRF exemptions: DRF views (their SessionAuthentication enforces CSRF itself,
    tested above) and the listed views with their reason. Anything else fails."""
    unexpected = []
    for route in project_routes():
        from django.urls import get_resolver  # noqa: F401  (routes come from the same resolver)

        callback = _callback(route)
        if not getattr(callback, "csrf_exempt", False):
            continue
        cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        if cls is not None and issubclass(cls, APIView):
            continue
        if route.view in CSRF_EXEMPT_VIEWS:
            continue
        unexpected.append(f"{route.pattern} ({route.view})")
    assert not unexpected, unexpected


def _callback(route):
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(resolver, prefix=""):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern), entry.callback

    return dict(walk(get_resolver()))[route.pattern]


def test_figure_csrf_routes_checked(capsys):
    routes = {case.route for case, _role in CSRF_CASES}
    with capsys.disabled():
        print(
            f"\ncsrf: {len(CSRF_CASES)} page and API writes on {len(routes)} routes refused without a "
            f"token, plus admin add/change/delete of {len(admin.site._registry)} models and the sign-in forms"
        )
    assert len(routes) >= 30


# --- Production settings ---------------------------------------------------------------------
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 20 + "Qz9!" * 10,
    "ALLOWED_HOSTS": "ideas.example.com",
    "IDEABOX_TESTING": "0",
}
SHOWN = [
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_SAMESITE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_SSL_REDIRECT",
    "X_FRAME_OPTIONS",
]


@pytest.fixture(scope="module")
def production_settings():
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(PRODUCTION_ENV)
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {SHOWN!r}}}))"
    )
    result = subprocess.run(  # noqa: S603 (fixed command)
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_cookies_and_transport(production_settings):
    s = production_settings
    assert s["SESSION_COOKIE_SECURE"] is True
    assert s["CSRF_COOKIE_SECURE"] is True
    assert s["SESSION_COOKIE_HTTPONLY"] is True
    assert s["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert s["CSRF_COOKIE_SAMESITE"] in (
        "Lax",
        "Strict",
    )
    assert s["SECURE_HSTS_SECONDS"] >= 31536000
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert s["SECURE_REFERRER_POLICY"] in ("same-origin", "strict-origin-when-cross-origin", "no-referrer")
    assert s["X_FRAME_OPTIONS"] == "DENY"


def test_production_responses_carry_the_headers_and_secure_cookies(production_settings, world):
    with override_settings(**{k: v for k, v in production_settings.items() if k != "SECURE_SSL_REDIRECT"}):
        client = Client()
        page = client.get(reverse("account_login"), secure=True)
        assert page.status_code == 200
        assert page["Strict-Transport-Security"].startswith("max-age=31536000")
        assert page["X-Content-Type-Options"] == "nosniff"
        assert page["Referrer-Policy"] == production_settings["SECURE_REFERRER_POLICY"]
        assert page["X-Frame-Options"] == "DENY"
        csp = dict(
            part.strip().split(" ", 1) for part in page["Content-Security-Policy"].split(";") if part.strip()
        )
        assert "'unsafe-inline'" not in csp["script-src"]
        assert "'unsafe-eval'" not in csp["script-src"]
        assert re.search(r"'nonce-[\w-]+'", csp["script-src"])
        assert csp["object-src"] == "'none'"
        assert csp["frame-ancestors"] == "'none'"
        csrf_cookie = page.cookies[settings.CSRF_COOKIE_NAME]
        assert csrf_cookie["secure"]
        assert csrf_cookie["samesite"] == production_settings["CSRF_COOKIE_SAMESITE"]

        response = client.post(
            reverse("account_login"), {"login": world.org.alice.email, "password": PASSWORD}, secure=True
        )
        assert response.status_code == 302
        session = response.cookies[settings.SESSION_COOKIE_NAME]
        assert session["secure"]
        assert session["httponly"]
        assert session["samesite"] == production_settings["SESSION_COOKIE_SAMESITE"]


# --- Templates: no inline script without a nonce, no inline event handlers ------------------------
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)


def _templates():
    folders = set()
    for engine in engines.all():
        for loader in engine.engine.template_loaders:
            for folder in loader.get_dirs():
                # The project's own templates: a virtualenv inside the checkout holds other people's.
                resolved = Path(folder).resolve()
                if resolved.is_dir() and ROOT in resolved.parents and "site-packages" not in resolved.parts:
                    folders.add(resolved)
    return sorted({path for folder in folders for path in folder.rglob("*.html")})


def test_templates_have_no_inline_script_without_nonce_nor_event_handler():
    templates = _templates()
    assert len(templates) > 30
    problems = []
    for path in templates:
        text = path.read_text()
        for match in SCRIPT_TAG.finditer(text):
            attributes = match.group(1)
            if "src=" not in attributes and "nonce=" not in attributes:
                problems.append(f"{path.relative_to(ROOT)}: inline <script> without a nonce")
        if EVENT_HANDLER.search(text):
            problems.append(f"{path.relative_to(ROOT)}: inline on*= event handler")
        if JS_URL.search(text):
            problems.append(f"{path.relative_to(ROOT)}: javascript: URL")
    assert not problems, problems
