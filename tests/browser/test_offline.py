"""Offline, as on a train: the service worker serves the shell and the offline page; an idea written
and sent without network is kept on the device and really sent when the network is back, both on the
same page and after the page was left and opened again."""

import re

import pytest

from ideas.models import Idea, IdeaState
from tests.browser.conftest import PHONE

SENT = re.compile(r"/ideas/\d+/$")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def controlled(session):
    """Waits until the service worker is active and controls the page."""
    session.page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    if not session.page.evaluate("!!navigator.serviceWorker.controller"):
        session.page.reload()
        session.page.wait_for_load_state("networkidle")
    assert session.page.evaluate("!!navigator.serviceWorker.controller")


def write(session, title):
    session.page.fill("#id_title", title)
    session.page.fill("#id_body", "Written in the train, without network.")
    session.page.select_option("#id_theme", label="Process optimisation")
    session.page.click("button[name=submit]")


def test_offline_shell_page_and_draft_sent_when_back(org, session_factory):
    alice = session_factory("offline", PHONE)
    alice.login("alice@example.com")
    controlled(alice)
    alice.goto("/ideas/new/")

    # Same page: sent when the network comes back.
    alice.context.set_offline(True)
    write(alice, "Shuttle timetable on the intranet home page")
    alice.page.wait_for_function("document.getElementById('draft-status').textContent.length > 0")
    assert "Offline" in alice.page.inner_text("#draft-status")
    assert "/ideas/new/" in alice.page.url
    assert not Idea.objects.filter(title__startswith="Shuttle").exists()
    stored = alice.page.evaluate("JSON.stringify(Object.assign({}, localStorage))")
    assert "Shuttle timetable" in stored
    alice.shot("kept-offline")
    alice.context.set_offline(False)
    alice.page.wait_for_url(SENT, timeout=30000)
    alice.page.wait_for_load_state("networkidle")
    idea = Idea.objects.get(title="Shuttle timetable on the intranet home page")
    assert idea.state == IdeaState.SUBMITTED
    assert idea.author == org.alice
    alice.shot("sent-when-back")

    # Left offline: the offline page in the shell; the draft survives and is sent at the next visit.
    alice.goto("/ideas/new/")
    alice.context.set_offline(True)
    write(alice, "Quiet room booking from the phone")
    alice.page.wait_for_function("document.getElementById('draft-status').textContent.length > 0")
    alice.page.goto(alice.base + "/ideas/")
    assert alice.page.locator("[data-offline-page]").count() == 1
    assert alice.page.locator(".topbar").count() == 1
    styled = alice.page.evaluate("getComputedStyle(document.querySelector('.topbar')).position")
    assert styled != "static", "the cached stylesheet is applied"
    assert alice.no_horizontal_scroll()
    alice.shot("offline-page")
    alice.context.set_offline(False)
    alice.page.goto(alice.base + "/ideas/new/")
    alice.page.wait_for_url(SENT, timeout=30000)
    alice.page.wait_for_load_state("networkidle")
    assert Idea.objects.get(title="Quiet room booking from the phone").state == IdeaState.SUBMITTED
    assert alice.page.evaluate("Object.keys(localStorage).filter(k => k.includes('draft')).length") == 0
    alice.shot("draft-sent-next-visit")
    assert alice.errors == []
