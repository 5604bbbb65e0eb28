"""Repeated failed sign-ins lock the account on that address (django-axes), on the sign-in page and
on the API token endpoint; allauth's own failure rate limit comes first on the page."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def fast_hashing(settings, org):
    """Each failed guess checks a password: a fast hasher keeps these tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for person in (org.alice, org.bob):
        person.set_password(PASSWORD)
        person.save(update_fields=["password"])


def _login(client, email, password):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, HTTP_ACCEPT_LANGUAGE="en"
    )


@pytest.fixture
def axes_only(settings):
    """allauth's failure limit off, to see axes alone (the page has both in production)."""
    settings.ACCOUNT_RATE_LIMITS = False
    settings.AXES_FAILURE_LIMIT = 5


def test_axes_locks_the_account_on_that_address_after_repeated_failures(client, org, axes_only):
    statuses = [_login(client, org.alice.email, f"guess {n}").status_code for n in range(5)]
    assert statuses[:4] == [200] * 4  # the form again, with its error
    locked = _login(client, org.alice.email, PASSWORD)  # even the right password is refused now
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "locked" in locked.content.decode().lower()
    attempt = AccessAttempt.objects.get()
    assert attempt.username == org.alice.email
    assert attempt.failures_since_start >= 5


def test_the_lock_is_per_person_and_address(client, org, axes_only):
    for n in range(6):
        _login(client, org.alice.email, f"guess {n}")
    response = _login(client, org.bob.email, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(org.bob.pk)
    other_address = client.post(
        reverse("account_login"), {"login": org.alice.email, "password": PASSWORD}, REMOTE_ADDR="10.9.8.7"
    )
    assert other_address.status_code == 302


def test_a_success_before_the_limit_resets_nothing_dangerous(client, org, axes_only):
    for n in range(3):
        _login(client, org.alice.email, f"guess {n}")
    assert _login(client, org.alice.email, PASSWORD).status_code == 302


def test_the_api_token_endpoint_is_locked_too(client, org, axes_only):
    url = reverse("api-token")
    for n in range(5):
        assert client.post(url, {"username": org.alice.email, "password": f"guess {n}"}).status_code in (
            400,
            429,
        )
    # The right password now gets no token (axes refuses inside authenticate(); DRF answers 400).
    response = client.post(url, {"username": org.alice.email, "password": PASSWORD})
    assert response.status_code in (400, 403, 429)
    assert "token" not in response.json()
    assert AccessAttempt.objects.get().username == org.alice.email


def test_with_production_settings_guessing_is_stopped(client, org):
    """allauth counts failures per login (5 per 5 minutes) and refuses further tries with a message,
    before axes' limit of 10: a script is stopped after 5 guesses, and the right password waits too."""
    for n in range(7):
        _login(client, org.alice.email, f"guess {n}")
    _login(client, org.alice.email, PASSWORD)
    assert "_auth_user_id" not in client.session
    client.logout()
    assert _login(client, org.bob.email, PASSWORD).status_code == 302  # Bob is not affected


def test_changing_the_case_of_the_address_does_not_escape_the_lock(client, org, axes_only):
    for n, email in enumerate(["ALICE@example.com", "Alice@Example.com", "alice@EXAMPLE.com"] * 2):
        _login(client, email, f"guess {n}")
    assert _login(client, org.alice.email, PASSWORD).status_code == 429
