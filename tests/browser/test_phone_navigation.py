"""On a phone the top navigation is hidden: the bottom bar's "More" menu reaches the pages of each
role (the correspondent's queue here), with the keyboard as with a tap."""

import pytest

from tests.helpers import submitted

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def test_a_correspondent_reaches_the_queue_from_the_bottom_bar(org, session_factory):
    idea = submitted(org.alice, org.theme, title="Label the recycling bins in every kitchen")
    assert idea.assignee_id == org.chloe.pk
    session = session_factory("phone-more", viewport=PHONE)
    session.login(org.chloe.email)
    page = session.page
    assert not page.locator(".topnav").is_visible()
    toggle = page.locator("#more-menu > summary")
    assert toggle.is_visible()
    menu = page.locator("#more-menu .bottomnav__menu")
    assert not menu.is_visible()
    assert page.locator("#more-menu summary .count").inner_text() == "1"  # the queue's count

    # Keyboard: focus the toggle, open it with Enter, Escape closes it and keeps the focus.
    toggle.focus()
    page.keyboard.press("Enter")
    assert menu.is_visible()
    session.shot("more-open")
    assert page.evaluate("document.activeElement === document.querySelector('#more-menu > summary')")
    page.keyboard.press("Escape")
    assert not menu.is_visible()
    assert page.evaluate("document.activeElement === document.querySelector('#more-menu > summary')")

    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()").startswith("My queue")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/moderation/queue/")
    assert page.get_by_text("Label the recycling bins in every kitchen").first.is_visible()
    # The toggle says where we are; every link of the menu fits the phone's width.
    assert "is-current" in (toggle.get_attribute("class") or "")
    toggle.click()
    box = menu.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    assert session.no_horizontal_scroll()
    labels = [text.strip() for text in menu.locator("a").all_inner_texts()]
    assert any(label.startswith("My queue") for label in labels)
    assert "Leaderboard" in labels
    session.shot("queue")
    assert not session.errors
