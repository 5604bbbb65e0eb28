"""Login, logout and sign-up with a wrong domain, in a real browser."""

import pytest

from accounts.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_logout_and_wrong_domain_signup(org, session_factory, settings):
    settings.COMPANY_EMAIL_DOMAINS = ["example.com"]
    alice = session_factory("login")
    alice.goto("/")
    alice.shot("home-anonymous")
    alice.login("alice@example.com", "wrong password")
    assert "login" in alice.page.url
    assert alice.page.locator(".errorlist, [role=alert], .alert").count() > 0
    alice.shot("wrong-password")
    alice.login("alice@example.com")
    assert alice.page.locator("h1").inner_text().startswith("Hello Alice")
    alice.shot("logged-in")
    alice.goto("/me/")
    alice.page.click("text=Sign out")
    alice.page.wait_for_load_state("networkidle")
    if "logout" in alice.page.url:  # allauth's confirmation page
        alice.page.click("main button[type=submit]")
        alice.page.wait_for_load_state("networkidle")
    alice.goto("/ideas/")
    assert "/accounts/login/" in alice.page.url
    alice.goto("/accounts/signup/")
    alice.page.fill("input[name=email]", "intruder@gmail.com")
    alice.page.fill("input[name=password1]", "a-long-Passphrase-42")
    alice.page.fill("input[name=password2]", "a-long-Passphrase-42")
    alice.page.fill("input[name=display_name]", "Intruder")
    alice.page.click("main button[type=submit]")
    alice.page.wait_for_load_state("networkidle")
    assert "reserved for company addresses" in alice.page.content()
    assert alice.page.input_value("input[name=email]") == "intruder@gmail.com"
    alice.shot("signup-wrong-domain")
    assert not User.objects.filter(email="intruder@gmail.com").exists()
    assert alice.errors == []
