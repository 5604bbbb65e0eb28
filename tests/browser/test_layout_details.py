"""Small layout details seen in the README walk-through (screenshots in test-artifacts/)."""

import pytest

from accounts.models import Notification
from tests.browser.conftest import DESKTOP, PHONE
from tests.helpers import submitted

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_queue_filter_button_is_a_button_not_a_cell(org, session_factory):
    submitted(org.alice, org.theme, title="Badge readers that also open the bike shelter")
    chloe = session_factory("chloe-queue", DESKTOP)
    chloe.login("chloe@example.com")
    chloe.goto("/moderation/queue/")
    box = chloe.page.locator("form.filters > button").bounding_box()
    chloe.shot("queue")
    assert box["height"] < 60, f"the Filter button is {box['height']} px high"
    assert box["width"] < 200, f"the Filter button is {box['width']} px wide"


def test_notifications_read_as_lines_on_a_phone(org, session_factory):
    Notification.objects.create(
        recipient=org.alice,
        kind=Notification.Kind.COMMENT,
        event_key="test:comment",
        text="Colin commented on your idea “Motion sensors for the corridor lights of the third floor”",
    )
    alice = session_factory("alice-notifications", PHONE)
    alice.login("alice@example.com")
    alice.goto("/me/notifications/")
    button = alice.page.locator("#notification-list form button").first
    alice.shot("notifications")
    assert button.evaluate("b => getComputedStyle(b).textAlign") in ("left", "start")
    assert button.evaluate("b => getComputedStyle(b).justifyContent") in ("flex-start", "start")
