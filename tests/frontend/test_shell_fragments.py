"""The page shell's header and phone bar come from a per-process cache (frontend/templatetags/shell.py):
whatever they show must change on the next page, and a cached fragment equals a fresh render."""

import re

import pytest
from django.template.loader import get_template
from django.test import Client, RequestFactory
from django.utils import translation

from accounts.models import Notification, User
from frontend.navigation import build_shell
from frontend.templatetags import shell as fragments
from tests import factories as f


def _page(user, path="/ideas/", **headers) -> str:
    client = Client(**headers)
    if user is not None:
        client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def _header(html: str) -> str:
    return html[html.index('<header class="topbar">') : html.index("</header>")]


def _phone_bar(html: str) -> str:
    return html[html.index('<nav class="bottomnav"') : html.index('<div class="toasts"')]


@pytest.mark.parametrize("who", ["alice", "chloe", "xavier", "eve", "camille", "ada"])
def test_a_cached_fragment_is_the_fragment_rendered_afresh(org, who):
    user = getattr(org, who)
    fragments.fragments_forget()
    first = _page(user)
    second = _page(user)  # from the cache
    assert _header(first) == _header(second)
    assert _phone_bar(first) == _phone_bar(second)
    request = RequestFactory().get("/ideas/")
    request.user = user
    values = {"signed_in": True, "shell": build_shell(request), "initial": user.display_name[:1].upper()}
    fresh = get_template("components/topbar.html").render(values)
    assert fresh.strip() in second
    assert f'<span class="avatar" aria-hidden="true">{user.display_name[:1].upper()}</span>' in second


def test_each_role_sees_its_own_navigation_from_the_cache(org):
    employee, correspondent = _header(_page(org.alice)), _header(_page(org.chloe))
    assert "/moderation/queue/" not in employee
    assert "/moderation/queue/" in correspondent
    # Same roles, another person: the same items, but their own initial.
    assert ">A</span>" in employee
    assert ">C</span>" in _header(_page(org.cora))


def test_a_role_given_shows_on_the_next_page(org):
    assert "/moderation/pipeline/" not in _header(_page(org.alice))
    User.objects.filter(pk=org.alice.pk).update(is_executive=True)
    org.alice.refresh_from_db()
    assert "/moderation/pipeline/" in _header(_page(org.alice))


def test_a_new_notification_shows_its_count_on_the_next_page(org, django_capture_on_commit_callbacks):
    from accounts.notifications import notify

    before = _header(_page(org.alice))
    assert re.search(r'id="bell-count" aria-live="polite" hidden>0<', before)
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient_ids=[org.alice.pk], kind="comment", event_key="t:1", text=lambda: "Hello")
    assert Notification.objects.filter(recipient=org.alice).count() == 1
    after = _page(org.alice)
    assert re.search(r'id="bell-count" aria-live="polite">1<', _header(after))
    assert '<span class="count">1</span>' in _phone_bar(after)  # the phone's "Alerts"


def test_the_current_page_and_the_language_are_part_of_the_key(org):
    ideas, home = _header(_page(org.alice, "/ideas/")), _header(_page(org.alice, "/"))
    assert re.search(r'href="/ideas/" aria-current="page"', ideas)
    assert not re.search(r'href="/ideas/" aria-current="page"', home)
    assert re.search(r'href="/" aria-current="page"', home)
    User.objects.filter(pk=org.alice.pk).update(language="fr")
    org.alice.refresh_from_db()
    french = _header(_page(org.alice, "/ideas/"))
    assert "Classement" in french
    assert "Leaderboard" not in french
    translation.activate("en")


def test_signed_out_pages_show_the_sign_in_button(db):
    page = _page(None, "/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Sign in" in _header(page)
    assert "Se connecter" in _header(_page(None, "/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr"))
    assert 'class="bottomnav"' not in page
    someone = f.UserFactory(display_name="Zoé")
    assert ">Z</span>" in _header(_page(someone))


def test_the_cache_is_bounded(org, monkeypatch):
    monkeypatch.setattr(fragments, "FRAGMENTS_KEPT", 3)
    fragments.fragments_forget()
    for path in ("/", "/ideas/", "/points/leaderboard/", "/ideas/new/"):
        _page(org.alice, path)
    assert len(fragments._fragments) == 3
