"""Company SSO end to end: headless Chromium signs in through a real OpenID Connect provider.

The provider is panva/node-oidc-provider (tests/deploy/oidc/provider.js, run with Node on
127.0.0.1); Ideabox is the live server, configured from the OIDC_* environment variables exactly
as config/settings.py reads them in production.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from allauth.socialaccount.models import SocialAccount

from accounts.directory import directory_import
from accounts.models import User
from tests.support.processes import stop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[2]
PROVIDER_DIR = REPO / "tests" / "deploy" / "oidc"
PASSWORD = "idp-Passphrase-42"
ACCOUNTS = {
    # In the HR directory already (entity, manager, job title): the SSO login must land on that account.
    "jeanne.dupont@example.com": {"password": PASSWORD, "name": "Jeanne Dupont", "sub": "hr-1001"},
    # A platform import's unclaimed account with the real e-mail: claimed at the first login.
    "paul.martin@example.com": {"password": PASSWORD, "name": "Paul Martin", "sub": "hr-1002"},
    # Unknown to the directory: a just-in-time account.
    "nina.leroy@example.com": {
        "password": PASSWORD,
        "given_name": "Nina",
        "family_name": "Leroy",
        "locale": "en-GB",
        "sub": "hr-1003",
    },
    # Not a company domain: refused.
    "outsider@gmail.com": {"password": PASSWORD, "name": "Out Sider", "sub": "ext-1"},
}
CLIENT_ID = "ideabox"


def _settings_from_environment(environment: dict[str, str]) -> dict:
    """SOCIALACCOUNT_PROVIDERS as config/settings.py builds it from these variables (a fresh process)."""
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps(settings.SOCIALACCOUNT_PROVIDERS))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **environment}
    command = [sys.executable, "-c", code]
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def oidc_provider(live_server, tmp_path_factory):
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is not installed: the SSO test runs a real OpenID Connect provider with it")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail(
            f"oidc-provider is not installed: run `npm ci` in {PROVIDER_DIR.relative_to(REPO)} "
            "(.ci/run does it before the tests)"
        )
    secret = secrets.token_urlsafe(32)
    tmp_path = tmp_path_factory.mktemp("oidc")
    log = tmp_path / "oidc-provider.log"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "OIDC_PORT": "0",
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": secret,
        "OIDC_REDIRECT_URI": f"{live_server.url}/accounts/oidc/company/login/callback/",
        "OIDC_ACCOUNTS": json.dumps(ACCOUNTS),
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [node, "provider.js"],
            cwd=PROVIDER_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=out,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        issuer = None
        while time.monotonic() < deadline and issuer is None:
            line = process.stdout.readline().decode()
            if line.startswith("listening "):
                issuer = line.split()[1]
            elif not line and process.poll() is not None:
                break
        if issuer is None:
            pytest.fail(f"the OpenID Connect provider did not start:\n{log.read_text(errors='replace')}")
        yield {"issuer": issuer, "secret": secret}
    finally:
        stop(process)


@pytest.fixture(scope="module")
def sso_settings(oidc_provider):
    """SOCIALACCOUNT_PROVIDERS that config/settings.py builds from the OIDC_* environment."""
    environment = {
        "OIDC_ISSUER": oidc_provider["issuer"],
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": oidc_provider["secret"],
        "OIDC_PROVIDER_ID": "company",
        "OIDC_NAME": "Company SSO",
        "COMPANY_EMAIL_DOMAINS": "example.com",
    }
    providers = _settings_from_environment(environment)
    app = providers["openid_connect"]["APPS"][0]
    assert app["settings"]["server_url"] == oidc_provider["issuer"]
    assert app["secret"] == oidc_provider["secret"]
    assert app["provider_id"] == "company"
    return providers


@pytest.fixture
def sso(settings, sso_settings):
    """Ideabox configured from the OIDC_* environment, as in production."""
    settings.SOCIALACCOUNT_PROVIDERS = sso_settings
    settings.COMPANY_EMAIL_DOMAINS = ["example.com"]


def _sign_in_through_the_provider(session, email: str, password: str = PASSWORD) -> None:
    session.goto("/accounts/login/")
    session.page.get_by_role("link", name="Company SSO").click()
    session.page.wait_for_load_state("networkidle")
    if "/accounts/oidc/" in session.page.url:  # allauth asks before leaving (no login on GET)
        session.page.click("main button[type=submit], main form button")
        session.page.wait_for_load_state("networkidle")
    assert session.page.url.startswith("http://127.0.0.1:"), session.page.url
    assert session.page.locator("h1").inner_text() == "Company sign-in"
    session.page.fill("input[name=email]", email)
    session.page.fill("input[name=password]", password)
    session.page.click("button[type=submit]")
    session.page.wait_for_load_state("networkidle")


def _directory():
    rows = [
        "email,name,entity_path,manager_email,job_title,site,language,roles",
        "marc.bernard@example.com,Marc Bernard,Group/Subsidiary A,,Director,Paris,fr,executive",
        "jeanne.dupont@example.com,Jeanne Dupont,Group/Subsidiary A/Dept A1,marc.bernard@example.com,"
        "Process engineer,Lyon,fr,expert",
    ]
    report = directory_import(data=("\n".join(rows) + "\n").encode())
    assert not report.rejected


def test_sso_login_lands_on_the_directory_account(sso, session_factory):
    _directory()
    users = User.objects.count()
    jeanne = session_factory("sso-directory", viewport={"width": 1280, "height": 900})

    jeanne.goto("/accounts/login/")
    jeanne.shot("login-page")
    # A wrong password at the provider keeps us there.
    _sign_in_through_the_provider(jeanne, "jeanne.dupont@example.com", "wrong")
    assert "Wrong e-mail or password" in jeanne.page.content()
    jeanne.page.fill("input[name=email]", "jeanne.dupont@example.com")
    jeanne.page.fill("input[name=password]", PASSWORD)
    jeanne.page.click("button[type=submit]")
    jeanne.page.wait_for_load_state("networkidle")

    assert jeanne.page.url.rstrip("/") == jeanne.base, jeanne.page.url
    assert jeanne.page.locator("h1").inner_text() == "Bonjour Jeanne Dupont"  # her language: fr
    jeanne.shot("logged-in")
    assert User.objects.count() == users, "the directory's account was duplicated"
    account = SocialAccount.objects.get(provider="company", uid="hr-1001")
    person = User.objects.select_related("entity", "manager").get(email="jeanne.dupont@example.com")
    assert account.user_id == person.pk
    assert (person.entity.name, person.manager.email, person.job_title) == (
        "Dept A1",
        "marc.bernard@example.com",
        "Process engineer",
    )
    assert person.is_expert
    assert person.is_claimed
    assert jeanne.errors == []


def test_sso_claims_an_unclaimed_account_and_creates_unknown_people(sso, session_factory):
    paul = User.objects.create_user(
        email="paul.martin@example.com", display_name="P. Martin", external_id="openideo:7", is_claimed=False
    )
    session = session_factory("sso-claim")
    _sign_in_through_the_provider(session, "paul.martin@example.com")
    assert session.page.locator("h1").inner_text() == "Bonjour P. Martin"
    paul.refresh_from_db()
    assert paul.is_claimed
    assert SocialAccount.objects.get(uid="hr-1002").user_id == paul.pk
    assert User.objects.filter(email="paul.martin@example.com").count() == 1

    nina = session_factory("sso-jit")
    _sign_in_through_the_provider(nina, "nina.leroy@example.com")
    assert nina.page.locator("h1").inner_text().startswith("Hello Nina")
    created = User.objects.get(email="nina.leroy@example.com")
    assert created.display_name == "Nina Leroy"
    assert created.language == "en"
    assert created.is_claimed
    assert SocialAccount.objects.get(uid="hr-1003").user_id == created.pk


def test_sso_login_from_another_domain_is_refused(sso, session_factory):
    users = User.objects.count()
    outsider = session_factory("sso-refused")
    _sign_in_through_the_provider(outsider, "outsider@gmail.com")

    assert "/accounts/login/" in outsider.page.url
    assert "Single sign-on refused: outsider@gmail.com is not a company address" in outsider.page.content()
    outsider.shot("refused")
    assert User.objects.count() == users
    assert not User.objects.filter(email="outsider@gmail.com").exists()
    assert not SocialAccount.objects.exists()
    outsider.goto("/ideas/")
    assert "/accounts/login/" in outsider.page.url, "the refused person must not be logged in"
