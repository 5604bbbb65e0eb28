"""The page shell: compressed pages, the language (profile first, else the browser), the service
worker's cache named after the release."""

import gzip

from django.test import Client

from accounts.models import User


def test_pages_are_sent_compressed(org):
    client = Client(HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    client.force_login(org.alice)
    response = client.get("/ideas/")
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    html = gzip.decompress(response.content).decode()
    assert "</html>" in html
    assert len(response.content) < len(html) / 3


def test_language_from_the_profile_else_the_browser(org):
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert '<html lang="en">' in anonymous.get("/accounts/login/").content.decode()
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert '<html lang="fr">' in anonymous.get("/accounts/login/").content.decode()
    User.objects.filter(pk=org.alice.pk).update(language="fr")
    english_browser = Client(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    english_browser.force_login(org.alice)
    page = english_browser.get("/ideas/").content.decode()
    assert '<html lang="fr">' in page
    assert "Proposer une idée" in page


def test_service_worker_cache_is_named_after_the_shell_files(client, settings):
    body = client.get("/sw.js").content.decode()
    assert "form.js" in body  # escapejs writes the dash as \\u002D
    settings.STATIC_URL = "/assets/"
    other = client.get("/sw.js").content.decode()
    version = [line for line in body.splitlines() if line.startswith("const VERSION")]
    assert version
    assert version[0] not in other


def test_favicon_ico_leads_to_the_icon(client):
    """The admin pages have no icon link: their /favicon.ico request got a 404 in every log."""
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("icons/icon.svg")
    from django.contrib.staticfiles import finders

    assert finders.find("icons/icon.svg")
