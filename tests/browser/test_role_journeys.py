"""The main journey of each role, on a phone (360 px) and on a desktop: the employee submits, the
correspondent publishes from the queue, the expert fills the scorecard, the community manager reads
the dashboards and writes to a segment, the executive moves an idea on from the pipeline board.
Every page is screenshotted (test-artifacts/) and checked for horizontal overflow. The phone run
is in English, the desktop run in French (the people's profile language)."""

import pytest
from django.core.management import call_command

from accounts.models import Notification, User
from analytics.models import SegmentMessage
from analytics.segments import SEGMENTS
from analytics.snapshots import latest_month, members
from ideas import services
from ideas.models import Idea, IdeaState
from moderation import services as moderation
from moderation.models import ExpertAssessment
from tests.browser.conftest import Session
from tests.helpers import published, submitted

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = IdeaState
DEVICES = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}
# Elements reaching past the right edge of the viewport, except inside a box that scrolls or clips
# horizontally on its own (a wide table in .table-wrap): the page itself never scrolls sideways.
OVERFLOW = """() => {
  const inScroller = (e) => {
    for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if (x === 'auto' || x === 'scroll' || x === 'hidden') return true;
    }
    return false;
  };
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && e.offsetParent !== null)
    .filter(e => !inScroller(e))
    .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + e.className).slice(0, 5);
  if (document.documentElement.scrollWidth > window.innerWidth + 1) wide.push('html scrollWidth');
  return wide;
}"""


def visit(session: Session, path: str, label: str, problems: list):
    session.goto(path)
    see(session, label, problems)


def see(session: Session, label: str, problems: list):
    wide = session.page.evaluate(OVERFLOW)
    if wide:
        problems.append(f"{session.name} {session.page.url}: wider than the viewport: {wide}")
    session.shot(label)


def decide(session: Session, state: str):
    session.page.locator(f"form.decision-form:has(button[data-state={state}]) button[type=submit]").click()
    session.page.wait_for_load_state("networkidle")


@pytest.fixture
def stage(org):
    """Ideas waiting at each step of the pipeline, so each role finds work to do."""
    for n in range(3):
        idea = published(org.cora, org.theme, title=f"Reuse meeting-room screens for signage {n}")
        services.vote_cast(idea=idea, voter=org.colin)
    submitted(org.colin, org.theme, title="Badge readers that also open the bike shelter")
    analysed = published(org.cora, org.theme, title="One shared calendar for the delivery docks")
    for person in (org.colin, org.alice, org.oscar):
        services.vote_cast(idea=analysed, voter=person)
    from moderation.workflow import transition

    transition(idea=analysed, actor=org.chloe, to_state=S.SHORTLISTED)
    analysed.refresh_from_db()
    moderation.experts_assign(idea=analysed, actor=org.chloe, experts=[org.xavier])
    call_command("recompute_analytics", months=2, quiet=True, stdout=open("/dev/null", "w"))  # noqa: SIM115
    return analysed


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_each_role_does_its_main_job(org, stage, session_factory, device):
    analysed = stage
    language = "en" if device == "phone" else "fr"
    User.objects.update(language=language)
    viewport = DEVICES[device]
    problems = []

    # Employee: home, the ideas, the form, the idea sent.
    alice = session_factory(f"{device}-employee", viewport)
    alice.login("alice@example.com")
    see(alice, "home", problems)
    visit(alice, "/ideas/", "ideas", problems)
    visit(alice, "/ideas/new/", "form", problems)
    alice.page.fill("#id_title", f"Water fountains instead of bottles ({device})")
    alice.page.fill("#id_body", "Each floor buys 300 plastic bottles a week.")
    alice.page.select_option("#id_theme", label="Process optimisation")
    alice.page.click("button[name=submit]")
    alice.page.wait_for_load_state("networkidle")
    mine = Idea.objects.get(title__startswith="Water fountains")
    assert mine.state == S.SUBMITTED
    see(alice, "submitted", problems)
    visit(alice, "/me/", "profile", problems)

    # Correspondent: the queue (with its count in the navigation), one idea published.
    chloe = session_factory(f"{device}-correspondent", viewport)
    chloe.login("chloe@example.com")
    visit(chloe, "/moderation/queue/", "queue", problems)
    queue = Idea.objects.filter(assignee=org.chloe, state=S.SUBMITTED)
    assert queue.count() >= 1
    count = chloe.page.locator("a[href='/moderation/queue/'] .count").first.inner_text()
    assert int(count) == queue.count()
    waiting = queue.order_by("id").first()
    chloe.page.click(f"main a[href='{waiting.get_absolute_url()}']")
    chloe.page.wait_for_load_state("networkidle")
    see(chloe, "to-decide", problems)
    decide(chloe, "published")
    waiting.refresh_from_db()
    assert waiting.state == S.PUBLISHED
    see(chloe, "published", problems)

    # Expert: the assessments asked, the scorecard filled.
    xavier = session_factory(f"{device}-expert", viewport)
    xavier.login("xavier@example.com")
    visit(xavier, "/moderation/assessments/", "assessments", problems)
    xavier.page.click(f"main a[href='{analysed.get_absolute_url()}']")
    xavier.page.wait_for_load_state("networkidle")
    for field, value in (("#s-value", "5"), ("#s-cost", "4"), ("#s-feas", "4"), ("#s-risk", "2")):
        xavier.page.fill(field, value)
    xavier.page.fill("#s-comment", "Cheap and quick.")
    see(xavier, "scorecard", problems)
    xavier.page.click("form:has(#s-comment) button[type=submit]")
    xavier.page.wait_for_load_state("networkidle")
    assert ExpertAssessment.objects.get(idea=analysed, expert=org.xavier).submitted_at is not None
    see(xavier, "assessed", problems)

    # Community manager: both dashboards, then a message to a segment.
    camille = session_factory(f"{device}-community", viewport)
    camille.login("camille@example.com")
    visit(camille, "/analytics/community/", "community-dashboard", problems)
    camille.page.wait_for_selector("#migration-table tr")
    month = latest_month()
    segment = max(SEGMENTS, key=lambda key: members(segment=key, month=month).count())
    camille.page.select_option("#msg-segment", segment)
    camille.page.fill("#msg-subject", "Your first idea?")
    camille.page.fill("#msg-body", "Two minutes from your phone: tell us what slows you down.")
    camille.page.click("form:has(#msg-body) button[type=submit]")
    camille.page.wait_for_load_state("networkidle")
    message = SegmentMessage.objects.get(subject="Your first idea?")
    assert message.reached > 0
    assert camille.page.locator(".alert--success").count() == 1
    see(camille, "message-sent", problems)
    assert Notification.objects.filter(kind="segment_message").count() == message.reached
    visit(camille, "/analytics/executive/", "executive-dashboard", problems)
    visit(camille, "/moderation/reports/", "reports", problems)

    # Executive: the pipeline board, one idea moved to a pilot.
    eve = session_factory(f"{device}-executive", viewport)
    eve.login("eve@example.com")
    visit(eve, "/moderation/pipeline/", "pipeline", problems)
    eve.page.click(f"main a[href='{analysed.get_absolute_url()}']")
    eve.page.wait_for_load_state("networkidle")
    see(eve, "scorecard-read", problems)
    decide(eve, "pilot")
    analysed.refresh_from_db()
    assert analysed.state == S.PILOT
    see(eve, "pilot", problems)
    visit(eve, "/analytics/executive/", "dashboard", problems)

    for session in (alice, chloe, xavier, camille, eve):
        assert session.errors == [], (session.name, session.errors)
        assert session.page.evaluate("document.documentElement.lang") == language
    assert problems == [], "\n".join(problems)
