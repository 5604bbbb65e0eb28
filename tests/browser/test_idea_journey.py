"""The employee's path on a phone: submit with an image and similar-idea suggestions; a colleague
comments with an @mention and votes, and the counts change without a reload."""

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
    assert Notification.objects.filter(recipient=org.alice, kind="mention").exists()

    alice.goto("/me/notifications/")
    assert "mentioned you" in alice.page.inner_text("main")
    alice.shot("notifications")
    for session in (alice, chloe, colin):
        assert session.errors == []
