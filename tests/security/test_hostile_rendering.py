"""Hostile text typed into the forms people use (idea title and body, comment, profile, campaign,
entity and theme in the admin, moderation and report reasons, segment message, search) is shown
escaped or sanitised everywhere it appears: the idea page, the lists, the search, notifications,
the moderation queue and reports, people's pages, htmx fragments, e-mails, the admin, and the CSV
exports, whose cells never start a spreadsheet formula.

Without a browser (tests/browser/test_hostile_content.py runs the whole corpus in Chromium): each
page is parsed, and markup that came from a payload (every payload names "xss") must be text, not
an element, an event handler, a script or a javascript: address."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import Entity, User
from analytics.models import SegmentSnapshot
from ideas.models import Campaign, Comment, Idea, IdeaState, Theme
from moderation.models import ContentReport
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>xss(1)</script>",
    '"><img src=x onerror=xss(2)>',
    "'><svg onload=xss(3)>",
    "[click](javascript:xss(4))",
    "</textarea></title><script>xss(5)</script>",
    '<a href="javascript:xss(6)">a</a>',
    '<div hx-get="/xss/7" hx-trigger="load" hx-on:click="xss(7)">x</div>',
    '" autofocus onfocus="xss(8)',
    "<iframe src=javascript:xss(9)></iframe>",
    "<meta http-equiv=refresh content='0;url=javascript:xss(10)'>",
    "{{ xss }} {% csrf_token %} ${xss(11)}",
]
BODY = "A hostile body, long enough.\n\n" + "\n\n".join(PAYLOADS)
TEXT = " ".join(PAYLOADS)
TITLE = '=HYPERLINK("http://evil") "><script>xss(1)</script>'  # 5..200 characters
NAME = "=1+2 <img src=x onerror=xss(2)>"  # display names: 150 characters at most
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"}
FORMULA = ("=", "+", "-", "@", "\t", "\r")


class Audit(HTMLParser):
    """Active markup that came from a payload: every payload carries "xss"."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.script: str | None = None  # the type of the script being read

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = (value or "").strip().lower()
            if "xss" not in value:
                continue
            if name.startswith(("on", "hx-", "data-hx")) or name == "srcdoc":
                self.found.append(f"<{tag} {name}={value[:40]}>")
            if name in URL_ATTRS and value.replace(" ", "").startswith(("javascript:", "data:text/html")):
                self.found.append(f"<{tag} {name}={value[:40]}>")
            if tag == "meta" and name == "content":
                self.found.append(f"<meta content={value[:40]}>")
        if tag == "script":
            self.script = dict(attrs).get("type") or "text/javascript"
        if tag in ("iframe", "frame", "object", "embed", "base"):
            self.found.append(f"<{tag}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self.script = None

    def handle_data(self, data):
        if self.script is not None and "json" not in self.script and "xss" in data:
            self.found.append(f"<script>{data.strip()[:40]}")


def audit(html: str) -> list[str]:
    parser = Audit()
    parser.feed(html)
    parser.close()
    return parser.found


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    client.force_login(user)
    return client


def formula_cells(content: bytes) -> list[str]:
    """Cells a spreadsheet would run as a formula (a number such as -3 is a number)."""
    bad = []
    for row in csv.reader(io.StringIO(content.decode("utf-8"))):
        for cell in row:
            if cell[:1] in FORMULA:
                try:
                    float(cell)
                except ValueError:
                    bad.append(cell[:60])
    return bad


@pytest.fixture
def hostile(org, settings, tmp_path, django_capture_on_commit_callbacks):
    """Everyone types the payloads into the product's own forms."""
    settings.MEDIA_ROOT = tmp_path
    alice, colin, chloe, camille, ada = (
        client_for(u) for u in (org.alice, org.colin, org.chloe, org.camille, org.ada)
    )
    now = timezone.localtime()

    def ok(response):
        assert response.status_code < 400, (response.status_code, response.content[:500])
        form = (response.context or {}).get("adminform")
        assert response.status_code == 302 or form is None, form.form.errors
        return response

    with django_capture_on_commit_callbacks(execute=True):  # notifications and e-mails go after commit
        return _story(org, ok, alice, colin, chloe, camille, ada, now)


def _story(org, ok, alice, colin, chloe, camille, ada, now):
    # The admin: an entity, a theme and a campaign.
    ok(ada.post("/admin/accounts/entity/add/", {"name": NAME, "kind": "department", "parent": org.sub_a.pk}))
    entity = Entity.objects.get(name=NAME)
    ok(ada.post("/admin/ideas/theme/add/", {"name": TITLE[:60], "slug": "hostile", "domain": org.ops.pk}))
    ok(
        ada.post(
            "/admin/ideas/campaign/add/",
            {
                "title": TITLE,
                "slug": "hostile-campaign",
                "question": TEXT,
                "description": BODY,
                "theme": org.theme.pk,
                "starts_at_0": (now - timezone.timedelta(days=1)).strftime("%Y-%m-%d"),
                "starts_at_1": "00:00:00",
                "ends_at_0": (now + timezone.timedelta(days=30)).strftime("%Y-%m-%d"),
                "ends_at_1": "00:00:00",
                "created_at_0": now.strftime("%Y-%m-%d"),
                "created_at_1": "00:00:00",
            },
        )
    )
    campaign = Campaign.objects.get(slug="hostile-campaign")
    # A person of that entity, whose address itself starts a formula (valid: = and + are allowed).
    mallory = UserFactory(email="=2+5@example.com", display_name="Mallory", entity=entity, manager=org.bob)
    # Profiles.
    ok(alice.post("/me/", {"display_name": NAME, "job_title": TEXT[:200], "site": TITLE, "language": "en"}))
    # An idea, submitted to Chloé, who publishes it with a hostile reason.
    ok(
        alice.post(
            "/ideas/new/",
            {"title": TITLE, "body": BODY, "theme": org.theme.pk, "tags": "xss, script", "submit": "1"},
        )
    )
    idea = Idea.objects.get(author=org.alice, title=TITLE)
    assert idea.state == IdeaState.SUBMITTED
    idea.assignee = org.chloe  # routing may pick Bob's backup; Chloé moderates in this story
    idea.save(update_fields=["assignee"])
    ok(chloe.post(f"/moderation/ideas/{idea.pk}/decide/", {"to_state": "published", "reason": TEXT}))
    idea.refresh_from_db()
    assert idea.state == IdeaState.PUBLISHED
    # A comment, @mentioning nobody real, and a report of it.
    ok(colin.post(f"/ideas/{idea.pk}/comments/", {"body": TEXT}))
    comment = Comment.objects.get(idea=idea, author=org.colin)
    ok(camille.post(f"/moderation/report/comment/{comment.pk}/", {"reason": TEXT[:500]}))
    assert ContentReport.objects.filter(comment=comment).exists()
    # A second idea, rejected with a hostile reason (the author sees it).
    ok(
        alice.post(
            "/ideas/new/", {"title": "Reject me please", "body": BODY, "theme": org.theme.pk, "submit": "1"}
        )
    )
    rejected = Idea.objects.get(title="Reject me please")
    rejected.assignee = org.chloe
    rejected.save(update_fields=["assignee"])
    ok(chloe.post(f"/moderation/ideas/{rejected.pk}/decide/", {"to_state": "rejected", "reason": TEXT}))
    # A message to a segment.
    month = now.date().replace(day=1)
    SegmentSnapshot.objects.bulk_create(
        SegmentSnapshot(user=user, month=month, segments=["passive"], reasons={"passive": {"why": NAME}})
        for user in (org.alice, org.colin, mallory)
    )
    ok(camille.post("/analytics/community/message/", {"segment": "passive", "subject": TITLE, "body": TEXT}))
    return {
        "idea": idea,
        "rejected": rejected,
        "comment": comment,
        "campaign": campaign,
        "entity": entity,
        "theme": Theme.objects.get(slug="hostile"),
        "clients": {"alice": alice, "colin": colin, "chloe": chloe, "camille": camille, "ada": ada},
    }


def test_hostile_text_is_escaped_on_every_page_that_shows_it(org, hostile):
    c = hostile["clients"]
    idea, comment, campaign = hostile["idea"], hostile["comment"], hostile["campaign"]
    pages = {
        "colin": [
            f"/ideas/{idea.pk}/",
            "/ideas/",
            f"/ideas/?q={TITLE[:40]}",
            f"/ideas/?q={PAYLOADS[1]}&sort={PAYLOADS[7]}",
            f"/ideas/?theme={hostile['theme'].pk}",
            f"/ideas/similar/?title={PAYLOADS[1]}",
            "/ideas/campaigns/",
            f"/ideas/campaigns/{campaign.slug}/",
            f"/ideas/comments/{comment.pk}/",
            f"/me/people/{org.alice.pk}/",
            "/points/leaderboard/?period=all",
            "/",
            "/me/notifications/",
        ],
        "alice": [
            f"/ideas/{idea.pk}/",
            f"/ideas/{hostile['rejected'].pk}/",
            "/ideas/mine/",
            "/me/",
            "/me/notifications/",
        ],
        "chloe": ["/moderation/queue/", f"/ideas/{idea.pk}/", "/me/notifications/"],
        "camille": [
            "/moderation/reports/",
            "/moderation/pipeline/",
            "/analytics/community/",
            "/analytics/segments/passive/",
            f"/analytics/people/{org.alice.pk}/",
        ],
        "ada": [
            "/admin/ideas/idea/",
            f"/admin/ideas/idea/{idea.pk}/change/",
            "/admin/ideas/comment/",
            f"/admin/ideas/comment/{comment.pk}/change/",
            "/admin/ideas/campaign/",
            f"/admin/ideas/campaign/{campaign.pk}/change/",
            "/admin/accounts/user/",
            f"/admin/accounts/user/{org.alice.pk}/change/",
            "/admin/accounts/entity/",
            "/admin/moderation/contentreport/",
            "/admin/moderation/transition/",
            "/admin/ideas/theme/",
            f"/admin/ideas/idea/?q={PAYLOADS[0]}",
        ],
    }
    problems, shown = {}, 0
    for who, paths in pages.items():
        for path in paths:
            response = c[who].get(path)
            assert response.status_code == 200, (who, path, response.status_code)
            html = response.content.decode()
            shown += "xss" in html
            found = audit(html)
            if found:
                problems[f"{who} {path}"] = found
    # The htmx fragments: a comment posted and the vote box.
    fragment = c["colin"].post(f"/ideas/{idea.pk}/comments/", {"body": PAYLOADS[1]}, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    problems.update(
        {"htmx comment": audit(fragment.content.decode())} if audit(fragment.content.decode()) else {}
    )
    edit = c["colin"].post(
        f"/ideas/comments/{comment.pk}/edit/", {"body": "x" * 6000 + PAYLOADS[0]}, HTTP_HX_REQUEST="true"
    )  # refused (too long): the form comes back with what was typed
    if audit(edit.content.decode()):
        problems["htmx edit"] = audit(edit.content.decode())
    assert problems == {}
    assert shown >= 30  # the payloads were on the pages (as text), not silently dropped


def test_hostile_text_is_escaped_in_every_email(org, hostile):
    assert mail.outbox, "the story sends e-mails (comment, decision, segment message)"
    problems = {}
    for message in mail.outbox:
        assert "\n" not in message.subject
        assert "\r" not in message.subject
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html" and audit(content):
                problems[message.subject] = audit(content)
    assert problems == {}
    assert any("xss" in str(m.alternatives) for m in mail.outbox if getattr(m, "alternatives", None))


CSV_EXPORTS = [
    "/analytics/segments/passive/?format=csv",
    "/analytics/data/participation-by-entity.csv",
    "/analytics/data/participation.csv",
    "/analytics/data/participation-over-time.csv",
    "/analytics/data/gains.csv",
    "/analytics/data/campaigns.csv",
    "/analytics/data/pipeline.csv",
    "/analytics/data/segments.csv",
    "/analytics/data/migration.csv",
]


def test_no_csv_export_cell_starts_a_formula(org, hostile):
    """Every CSV export of the project (analytics.urls: the segment list and every data set)."""
    found = {}
    for path in CSV_EXPORTS:
        response = hostile["clients"]["camille"].get(path)
        assert response.status_code == 200, path
        content = b"".join(response.streaming_content) if response.streaming else response.content
        if formula_cells(content):
            found[path] = formula_cells(content)
    assert found == {}


def test_the_segment_export_neutralises_names_entities_and_addresses(org, hostile):
    response = hostile["clients"]["camille"].get("/analytics/segments/passive/?format=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    by_email = {row[1].lstrip("'"): row for row in rows[1:]}
    mallory = by_email["=2+5@example.com"]
    assert mallory[1] == "'=2+5@example.com"  # still readable, never run
    assert by_email["alice@example.com"][0] == "'" + NAME
    assert mallory[2] == "'" + NAME  # her entity's name
    assert User.objects.filter(email="=2+5@example.com").exists()


def test_the_audit_finds_active_markup_and_lets_escaped_text_pass():
    """The checks above are only as good as this parser."""
    for active in PAYLOADS[:3] + ['<a href="javascript:xss(6)">', '<p hx-on:click="xss(7)">', "<iframe>"]:
        assert audit(f"<p>{active}</p>"), active
    assert audit('<script type="application/json">{"a": "xss"}</script>') == []
    assert (
        audit("<p>&lt;script&gt;xss(1)&lt;/script&gt; &quot;&gt;&lt;img src=x onerror=xss(2)&gt;</p>") == []
    )
    assert formula_cells(b"name,n\r\n=1+2,-3\r\n'=1+2,4\r\n") == ["=1+2"]
