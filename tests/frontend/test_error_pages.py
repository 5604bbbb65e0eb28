"""A refused page (403) and a request a page cannot answer (400) are pages of the product: the
shell with its navigation, the reason, a way home; the status codes stay what they were."""

import pytest
from django.urls import reverse

from tests.conftest import client_for


def _is_shell_page(html: str) -> bool:
    return all(
        marker in html
        for marker in ('class="topnav"', 'class="bottomnav"', "· Ideabox</title>", 'href="/"', 'role="alert"')
    )


@pytest.mark.parametrize(
    ("person", "url", "message"),
    [
        ("colin", "moderation:queue", "The queue is for functional correspondents."),
        ("colin", "moderation:pipeline", "The pipeline board is for executives and community managers."),
        ("colin", "moderation:reports", "The review queue is for correspondents and community managers."),
        ("colin", "analytics:executive", "The dashboards are for executives and community managers."),
        ("eve", "analytics:community", "Segments and people are shown to community managers only."),
    ],
)
def test_a_refused_page_shows_the_shell_and_the_reason(client, org, person, url, message):
    client_for(client, getattr(org, person))
    response = client.get(reverse(url))
    assert response.status_code == 403
    html = response.content.decode()
    assert _is_shell_page(html), html[:500]
    assert message in html
    assert "Back to the home page" in html


def test_the_other_refusals_of_analytics_are_styled_too(client, org):
    client_for(client, org.eve)
    response = client.get(reverse("analytics:segment", args=["regular"]))
    assert response.status_code == 403
    assert "Lists of names are shown to community managers only." in response.content.decode()
    response = client.get(reverse("analytics:person", args=[org.alice.pk]))
    assert response.status_code == 403
    assert _is_shell_page(response.content.decode())
    assert "Only community managers see other people&#x27;s analytics." in response.content.decode()
    message = {"segment": "regular", "subject": "Hi", "body": "Hello"}
    response = client.post(reverse("analytics:message"), message)
    assert response.status_code == 403
    assert "Only community managers write to a segment." in response.content.decode()


def test_a_refusal_is_in_the_persons_language(client, org):
    org.colin.language = "fr"
    org.colin.save(update_fields=["language"])
    client_for(client, org.colin)
    response = client.get(reverse("moderation:queue"))
    assert response.status_code == 403
    assert '<html lang="fr">' in response.content.decode()
    assert "The queue is for functional correspondents." not in response.content.decode()


def test_a_window_the_dashboard_cannot_read_answers_400_in_a_page(client, org):
    client_for(client, org.eve)
    response = client.get(reverse("analytics:executive"), {"days": "many"})
    assert response.status_code == 400
    html = response.content.decode()
    assert _is_shell_page(html)
    assert "Give the window as days=N, or start and end dates (YYYY-MM-DD)." in html
