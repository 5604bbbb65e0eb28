"""Hostile content: every payload of tests/security/xss_payloads.txt goes into every field people
write (idea title and body, comment, display name, campaign title/question/description, attachment
name, report reason, segment message) and into the notifications they produce; every page that shows
them is loaded in Chromium with the product's CSP on. A payload "executes" when it calls the sentinel
``window.__xss(n)`` or opens a dialog. Defence in depth: a script-src CSP violation (markup that got
through escaping and was only stopped by the CSP) and active markup left in the DOM (event handler
attributes, javascript: URLs, foreign scripts, frames) fail the test as well."""

import io
import time
from pathlib import Path
from unittest import mock

import factory
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from analytics.messaging import deliver_segment_message
from analytics.models import SegmentMessage, SegmentSnapshot
from ideas import services
from ideas.attachments import attachment_create
from ideas.models import Attachment, Campaign, Idea, IdeaState
from ideas.rendering import render_markdown
from moderation.services import report_create
from tests.browser.conftest import DESKTOP
from tests.factories import UserFactory
from tests.helpers import published

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CORPUS = Path(__file__).resolve().parents[1] / "security" / "xss_payloads.txt"
CHUNK = 30  # payloads per carrier idea (its body, comments, attachment names)


def load_payloads() -> list[str]:
    lines = CORPUS.read_text(encoding="utf-8").split("\n")
    raw = [line for line in lines if line and not line.startswith("# ")]
    return [line.replace("§", str(n)).replace("⏎", "\n") for n, line in enumerate(raw)]


INIT_SCRIPT = """
(() => {
  const report = (what) => { try { window.__xssReport(String(what)); } catch (e) {} };
  Object.defineProperty(window, '__xss', {value: (n) => report(n), writable: false});
  document.addEventListener('securitypolicyviolation', (e) => {
    if (String(e.effectiveDirective).startsWith('script-src'))
      report('csp:' + e.effectiveDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''));
  }, true);
})();
"""

AUDIT_SCRIPT = """
() => {
  const bad = [];
  const urlAttrs = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'poster', 'background'];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      const value = a.value.toLowerCase().replace(/[\\s\\u0000-\\u001f]/g, '');
      if (name.startsWith('on') || name.includes('hx-on') || name === 'srcdoc')
        bad.push(el.localName + '[' + name + ']');
      if (urlAttrs.includes(name) && /^(javascript|vbscript|data:text\\/html)/.test(value))
        bad.push(el.localName + '[' + name + '=' + value.slice(0, 40) + ']');
    }
    if (el.localName === 'script' && !(el.type || '').includes('json')
        && !el.nonce && !(el.src && el.src.startsWith(location.origin + '/')))
      bad.push('script ' + (el.src || el.textContent.slice(0, 40)));
    if (['iframe', 'frame', 'frameset', 'object', 'embed', 'base', 'isindex'].includes(el.localName))
      bad.push(el.localName);
    if (el.localName === 'meta' && (el.httpEquiv || '').toLowerCase() === 'refresh') bad.push('meta refresh');
  }
  return bad;
}
"""


class Upload(io.BytesIO):
    """An uploaded file whose name is exactly what the browser sent (Django would trim some)."""

    def __init__(self, name, data):
        super().__init__(data)
        self.name, self.size = name, len(data)


def png(name):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 40, 40)).save(buffer, "PNG")
    return Upload(name, buffer.getvalue())


def seed(org, payloads):
    """Every payload in every field. Carrier ideas, comments, reports, attachments and segment
    messages go through the services people's actions go through (so the notification texts are the
    product's own); the many one-title ideas and campaigns are inserted in bulk, rendered by the same
    sanitiser the services use. Badges and live pushes (not user-written) are left out for speed."""
    now = timezone.now()
    month = now.date().replace(day=1)
    people = UserFactory.create_batch(
        len(payloads), entity=org.dept_a1, display_name=factory.Iterator([p[:150] for p in payloads])
    )
    SegmentSnapshot.objects.bulk_create(
        [SegmentSnapshot(user=person, month=month, segments=["regular"]) for person in people]
        + [SegmentSnapshot(user=org.alice, month=month, segments=["passive"])]
    )
    carriers = []
    for start in range(0, len(payloads), CHUNK):
        chunk = list(enumerate(payloads))[start : start + CHUNK]
        attachments = [
            attachment_create(uploaded_file=png(payload[:250]), user=org.alice) for _n, payload in chunk
        ]
        body = "\n\n".join(payload for _n, payload in chunk)
        idea = published(org.alice, org.theme, title=chunk[0][1][:200], body=body)
        Attachment.objects.filter(pk__in=[a.pk for a in attachments]).update(idea=idea)
        for n, payload in chunk:
            comment = services.comment_create(idea=idea, author=people[n], body=payload)
            report_create(reporter=people[n], reason=payload[:500], comment=comment)
        carriers.append(idea)
    ideas = []
    for n, payload in enumerate(payloads):
        title = payload[:200] if len(payload) >= 5 else f"carrier {payload}"
        for state, body in (
            (IdeaState.PUBLISHED, f"xsscarrier body {n}: {payload}"),
            (IdeaState.SUBMITTED, payload),
        ):
            ideas.append(
                Idea(
                    title=title,
                    body=body,
                    body_html=render_markdown(body),
                    author=people[n],
                    author_entity=org.dept_a1,
                    target_entity=org.dept_a1,
                    theme=org.theme,
                    domain=org.ops,
                    state=state,
                    assignee=org.chloe if state == IdeaState.SUBMITTED else None,
                    submitted_at=now,
                    published_at=now if state == IdeaState.PUBLISHED else None,
                )
            )
    Idea.objects.bulk_create(ideas)
    # Every title on the campaigns page; questions and descriptions CHUNK payloads per campaign page.
    texts = {start: "\n\n".join(payloads[start : start + CHUNK]) for start in range(0, len(payloads), CHUNK)}
    Campaign.objects.bulk_create(
        Campaign(
            title=payload[:200],
            slug=f"xss-{n}",
            question=texts.get(n, "xss question"),
            description=texts.get(n, ""),
            description_html=render_markdown(texts.get(n, "")),
            sponsor=people[n],
            starts_at=now - timezone.timedelta(days=1),
            ends_at=now + timezone.timedelta(days=30),
        )
        for n, payload in enumerate(payloads)
    )
    for payload in payloads:
        message = SegmentMessage.objects.create(
            sender=org.camille, segment="passive", month=month, subject=payload[:200], body=payload
        )
        deliver_segment_message(message_id=message.pk)
    return people, carriers


def login(session, user):
    client = Client()
    client.force_login(user)
    session.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": session.base,
            }
        ]
    )


def test_no_payload_executes_on_any_page(org, session_factory):
    payloads = load_payloads()
    assert len(payloads) >= 150
    started = time.monotonic()
    with (
        mock.patch("gamification.events._badges_later"),
        mock.patch("accounts.notifications.push_unread"),
        mock.patch("ideas.services.broadcast_idea_updated"),
    ):
        people, carriers = seed(org, payloads)
    print(f"seeded in {time.monotonic() - started:.1f}s")
    n = len(payloads)
    ideas_pages = (n + 19) // 20
    executed, active_markup, visited, busy = [], {}, [], []

    def sweep(user, paths, label, fast=True):
        """``fast``: the page's own markup, checked 50 ms after "load" (no fetch fills these pages);
        otherwise (dashboards drawn from JSON) after the network went idle."""
        session = session_factory(label, DESKTOP)
        hits = []
        session.context.expose_function("__xssReport", lambda what: hits.append(what))
        session.context.add_init_script(INIT_SCRIPT)
        session.page.on("dialog", lambda dialog: (hits.append(f"dialog:{dialog.message}"), dialog.dismiss()))
        login(session, user)
        began = time.monotonic()
        for path in paths:
            session.page.goto(session.base + path, wait_until="load")
            if fast:
                session.page.wait_for_timeout(50)
            else:
                try:
                    session.page.wait_for_load_state("networkidle", timeout=5000)
                except PlaywrightTimeoutError:
                    busy.append(path)
            found = session.page.evaluate(AUDIT_SCRIPT)
            if found:
                active_markup[path] = found
            visited.append(path)
            if hits:
                executed.extend(f"{path}: {hit}" for hit in hits)
                hits.clear()
        print(f"{label}: {len(paths)} pages in {time.monotonic() - began:.1f}s")

    sweep(
        org.alice,
        ["/", "/ideas/campaigns/", "/points/leaderboard/?period=all", "/ideas/mine/"]
        + [f"/ideas/{idea.pk}/" for idea in carriers]
        + [f"/ideas/?page={p}" for p in range(1, ideas_pages + 2)]
        + [f"/ideas/?q=xsscarrier&page={p}" for p in range(1, ideas_pages + 2)]
        + [f"/me/notifications/?page={p}" for p in range(1, (2 * n + 29) // 30 + 1)],
        "alice",
    )
    sweep(org.chloe, [f"/moderation/queue/?page={p}" for p in range(1, (n + 29) // 30 + 1)], "chloe")
    sweep(
        org.camille,
        ["/analytics/community/", "/analytics/segments/regular/", "/moderation/reports/", "/analytics/"],
        "camille",
        fast=False,
    )
    sweep(org.eve, ["/analytics/executive/"], "eve", fast=False)
    sweep(
        org.ada,
        [f"/admin/ideas/idea/?p={p}" for p in range(1, (3 * n) // 100 + 2)]
        + [f"/admin/accounts/user/?p={p}" for p in range(1, n // 100 + 2)]
        + [f"/admin/ideas/comment/?p={p}" for p in range(1, n // 100 + 2)]
        + ["/admin/ideas/campaign/", "/admin/moderation/contentreport/"],
        "ada",
    )
    sweep(people[0], ["/me/", "/points/"], "payload-person")
    sweep(
        org.colin,
        # Names are on many multi-payload pages above; one person page per payload of the first chunk.
        [f"/me/people/{person.pk}/" for person in people[:CHUNK]]
        + [f"/ideas/campaigns/xss-{start}/" for start in range(0, n, CHUNK)],
        "colin",
    )
    print(f"payloads tried {n}, executed {len(executed)} ({len(visited)} page loads)")
    print("pages that never went network-idle:", busy)
    assert executed == []
    assert active_markup == {}
