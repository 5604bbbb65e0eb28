"""Posting comments through htmx in a browser: no htmx:oobErrorNoTarget from the second comment
on, and the follow button turns to "Following" without a reload."""

import pytest

from tests.helpers import published

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_two_comments_log_no_htmx_error_and_follow_at_once(org, session_factory):
    idea = published(org.alice, org.theme, title="Refill stations for water bottles")
    session = session_factory("comment-oob")
    page = session.page
    console = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    session.login(org.colin.email)
    session.goto(idea.get_absolute_url())
    follow = page.locator("#follow-box button")
    assert follow.get_attribute("aria-pressed") == "false"
    for n, text in enumerate(("One per floor would do.", "Near the lifts."), start=1):
        page.fill("#id_body", text)
        with page.expect_response(lambda r: r.url.endswith(f"/ideas/{idea.pk}/comments/")):
            page.click("#comment-form button[type=submit]")
        page.locator(f"#comments .comment:nth-of-type({n})").wait_for()
        page.locator("#comments .prose", has_text=text).wait_for()
    assert page.locator("#no-comments").count() == 0
    assert page.locator("#follow-box button").get_attribute("aria-pressed") == "true"
    assert page.locator("#comment-count").inner_text() == "2"
    session.shot("two-comments")
    assert not [line for line in console if "oobErrorNoTarget" in line], console
    assert not session.errors
