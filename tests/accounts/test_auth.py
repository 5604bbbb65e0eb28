"""Login, logout, sign-up restricted to company domains, password reset."""

import pytest
from django.core import mail
from django.test import override_settings

from accounts.models import User
from tests.factories import PASSWORD


@pytest.mark.django_db
def test_login_and_logout(client, org):
    response = client.post("/accounts/login/", {"login": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["user"] == org.alice
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert not client.get("/").context["user"].is_authenticated


@pytest.mark.django_db
def test_wrong_password_is_refused(client, org):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post("/accounts/login/", {"login": "alice@example.com", "password": "nope"})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()


@pytest.mark.django_db
@override_settings(COMPANY_EMAIL_DOMAINS=["example.com"])
def test_signup_with_a_company_address_creates_the_account_and_sends_welcome(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/signup/",
            {
                "email": "new.person@example.com",
                "password1": "a-long-Passphrase-42",
                "password2": "a-long-Passphrase-42",
                "display_name": "New Person",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="new.person@example.com")
    assert user.display_name == "New Person"
    assert any("Ideabox" in message.subject for message in mail.outbox)


@pytest.mark.django_db
@override_settings(COMPANY_EMAIL_DOMAINS=["example.com"])
def test_signup_with_another_domain_gets_a_clear_error_and_keeps_the_form(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(
        "/accounts/signup/",
        {
            "email": "someone@gmail.com",
            "password1": "a-long-Passphrase-42",
            "password2": "a-long-Passphrase-42",
            "display_name": "Some One",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "reserved for company addresses" in page
    assert "@example.com" in page
    assert 'value="someone@gmail.com"' in page
    assert not User.objects.filter(email="someone@gmail.com").exists()


@pytest.mark.django_db
def test_password_reset_sends_an_email(client, org):
    response = client.post("/accounts/password/reset/", {"email": "alice@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "alice@example.com" in mail.outbox[0].to


@pytest.mark.django_db
def test_pages_need_login(client):
    response = client.get("/ideas/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_signing_in_speaks_the_persons_language_at_once(client, org):
    """A French-speaking person on an English browser: the sign-in message is French, and so is the
    sign-in page after they sign out (the language cookie keeps their choice)."""
    User.objects.filter(pk=org.alice.pk).update(language="fr")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(
        "/accounts/login/", {"login": "alice@example.com", "password": PASSWORD}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["Connexion avec Alice réussie."]
    client.post("/accounts/logout/")
    page = client.get("/accounts/login/")
    assert page.context["LANGUAGE_CODE"] == "fr"


@pytest.mark.django_db
def test_switching_language_on_the_profile_answers_in_the_new_language(client, org):
    client.force_login(org.alice)  # English
    response = client.post(
        "/me/", {"display_name": "Alice", "job_title": "", "site": "", "language": "fr"}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["Votre profil est enregistré."]
