"""The employee's path on a phone: submit with an image and similar-idea suggestions; a colleague
comments with an @mention and votes, and the counts change without a reload; the live socket pings,
shows when live updates are paused and reconnects (against a stand-in for daphne)."""

import json
import re
import time

import pytest
from PIL import Image

from accounts.models import Notification
from ideas.models import Idea, IdeaState
from tests.browser.conftest import DESKTOP, PHONE
from tests.helpers import published

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def photo(tmp_path):
    path = tmp_path / "whiteboard.jpg"
    Image.new("RGB", (800, 600), (40, 120, 200)).save(path, "JPEG")
    return path


class FakeLiveServer:
    """Stands in for daphne behind /ws/ (the live server speaks no websocket): answers pings with
    the pong of config/consumers.py, live or paused as the test says, and records each socket."""

    def __init__(self, page):
        self.sockets = []  # (path, route)
        self.pings = {}
        self.mode = "live"
        page.route_web_socket(re.compile(r"/ws/"), self._accept)

    def _accept(self, route):
        path = re.sub(r"^\w+://[^/]+", "", route.url)
        self.sockets.append((path, route))
        route.on_message(lambda message: self._receive(path, route, message))

    def _receive(self, path, route, message):
        if json.loads(message).get("type") != "ping":
            return
        self.pings[path] = self.pings.get(path, 0) + 1
        if self.mode != "silent":
            route.send(json.dumps({"type": "pong", "live": self.mode == "live"}))

    def opened(self, path):
        return [route for opened, route in self.sockets if opened == path]

    def wait(self, page, condition, what, timeout=10):
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, what
            page.wait_for_timeout(50)


def check_live_updates(colin, idea):
    """The socket protocol of ideabox.js: pings on a short interval, the paused status from the
    pong, an event applied to the page, a reconnect when the server closes or stops answering."""
    live, page = colin.live, colin.page
    idea_path = f"/ws/ideas/{idea.pk}/"
    live.wait(page, lambda: live.pings.get(idea_path, 0) >= 3, "no ping every 300 ms on the idea socket")
    assert live.pings.get("/ws/notifications/", 0) >= 3
    status = page.locator("#live-status")
    assert status.get_attribute("aria-live") == "polite"
    assert "visually-hidden" in status.get_attribute("class")
    live.mode = "paused"  # Redis down: the server keeps the socket and says so
    page.wait_for_selector("#live-status:not(.visually-hidden)")
    assert "Live updates paused" in status.inner_text()
    live.mode = "live"
    page.wait_for_selector("#live-status.visually-hidden", state="attached")
    live.opened(idea_path)[-1].send(json.dumps({"type": "idea", "idea": idea.pk, "votes": 7, "comments": 1}))
    page.wait_for_function("document.querySelector('[data-live=votes]').textContent.trim() === '7'")
    assert page.locator("[data-live-plural=votes]").inner_text() == "votes"
    live.opened(idea_path)[-1].send(json.dumps({"type": "idea", "idea": idea.pk, "votes": 1, "comments": 1}))
    page.wait_for_function("document.querySelector('[data-live-plural=votes]').textContent.trim() === 'vote'")
    live.opened(idea_path)[-1].close(code=1011)
    live.wait(page, lambda: len(live.opened(idea_path)) == 2, "no reconnect after the server closed")
    live.mode = "silent"  # a dead connection: the client gives up on it and opens another
    live.wait(page, lambda: len(live.opened(idea_path)) >= 3, "no new socket when pongs stopped")
    live.mode = "live"


def test_a_pasted_title_brings_similar_ideas_too(org, session_factory):
    """A title pasted, dictated or auto-completed fires no keyup: the suggestions still come."""
    published(org.cora, org.theme, title="Print double-sided by default in every office")
    alice = session_factory("alice-paste", DESKTOP)
    alice.login("alice@example.com")
    alice.goto("/ideas/new/")
    alice.page.fill("#id_title", "Print double-sided")  # an input event, no key pressed
    alice.page.wait_for_selector("#similar a", timeout=10000)
    assert "Print double-sided by default in every office" in alice.page.inner_text("#similar")


def test_employee_journey_on_a_phone(org, session_factory, tmp_path):
    published(org.cora, org.theme, title="Print double-sided by default in every office")
    alice = session_factory("alice", PHONE)
    alice.login("alice@example.com")
    alice.goto("/ideas/new/")
    alice.page.locator("#id_title").press_sequentially("Print double-sided", delay=30)
    alice.page.wait_for_selector("#similar a", timeout=10000)
    assert "Print double-sided by default in every office" in alice.page.inner_text("#similar")
    alice.shot("similar-suggestions")
    alice.page.fill("#id_title", "Print double-sided on the new printers too")
    alice.page.fill("#id_body", "The new **printers** print one side only. Set duplex as the default.")
    alice.page.select_option("#id_theme", label="Process optimisation")
    alice.page.set_input_files("#id_attachments", str(photo(tmp_path)))
    assert alice.no_horizontal_scroll()
    alice.shot("form-filled")
    alice.page.click("button[name=submit]")
    alice.page.wait_for_load_state("networkidle")
    idea = Idea.objects.get(title="Print double-sided on the new printers too")
    assert idea.state == IdeaState.SUBMITTED
    assert idea.attachments.get().is_image
    assert alice.page.locator("img[alt='whiteboard.jpg']").count() == 1
    alice.shot("submitted")

    chloe = session_factory("chloe", DESKTOP)
    chloe.login("chloe@example.com")
    chloe.goto("/moderation/queue/")
    chloe.page.click(f"text={idea.title}")
    chloe.page.click("button[data-state=published]")
    chloe.page.wait_for_load_state("networkidle")
    idea.refresh_from_db()
    assert idea.state == IdeaState.PUBLISHED

    colin = session_factory("colin", PHONE)
    colin.context.add_init_script("window.ideaboxLivePingMs = 300")
    colin.live = FakeLiveServer(colin.page)
    colin.login("colin@example.com")
    colin.goto(f"/ideas/{idea.pk}/")
    colin.page.evaluate("window.__noReload = true")
    colin.page.fill("#comment-form textarea", "Great idea, @alice: could we also do it for the plotters?")
    colin.page.click("#comment-form button[type=submit]")
    colin.page.wait_for_selector("#comments .comment a[href*='/me/people/']")
    assert "could we also do it for the plotters" in colin.page.inner_text("#comments")
    assert colin.page.inner_text("[data-live=comments]") == "1"
    colin.page.click("#vote-box button")
    colin.page.wait_for_selector("#vote-box button[aria-pressed=true]")
    assert colin.page.inner_text("[data-live=votes]") == "1"
    assert colin.page.evaluate("window.__noReload") is True  # the page was never reloaded
    assert colin.no_horizontal_scroll()
    colin.shot("commented-and-voted")
    check_live_updates(colin, idea)
    assert Notification.objects.filter(recipient=org.alice, kind="mention").exists()

    alice.goto("/me/notifications/")
    assert "mentioned you" in alice.page.inner_text("main")
    alice.shot("notifications")
    for session in (alice, chloe, colin):
        assert session.errors == []
