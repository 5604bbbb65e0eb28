"""Who may read and change what: every route of the project against every role of the cast.

The table below is the permission policy of Ideabox, one row per (route, situation). The coverage
test walks the URL resolver: a route without a row (or an explicit exemption with its reason)
fails the build, and so does a row for a route that no longer exists.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from accounts.models import Notification, NotificationPreference, PersonalDataAudit
from analytics.models import SegmentMessage
from ideas.models import Comment, Follow, Idea, IdeaState, Vote
from moderation.models import ContentReport, ExpertAssessment
from tests.conftest import build_cast
from tests.factories import PASSWORD
from tests.security.matrix import (
    BAD,
    DONE,
    FORBIDDEN,
    NOT_ALLOWED,
    NOT_FOUND,
    OK,
    REDIRECT,
    REFUSED,
    UNAUTHORIZED,
    Case,
    admin_cases,
    admin_expected,
    expect,
    only,
    run_case,
    sign_in_everyone,
)
from tests.security.routes import project_routes
from tests.security.world import ADMIN_ONLY_ROLES, ROLES, build_world

# The marker makes pytest-django create the test database; each test then runs in a savepoint of
# the module's world (see the `world` fixture).
pytestmark = pytest.mark.django_db

S = IdeaState
AUTHORS = ("author", "co_author")
HANDLERS = ("correspondent", "community_manager")  # who sees a submitted idea besides its authors
MODERATORS = ("correspondent", "other_correspondent", "manager", "community_manager")  # Bob moderates too
AGGREGATES = ("executive", "community_manager", "admin")
PEOPLE = ("community_manager", "admin")
NON_AUTHORS = tuple(
    r
    for r in (
        "employee",
        "manager",
        "correspondent",
        "other_correspondent",
        "expert",
        "community_manager",
        "executive",
        "admin",
    )
)
LOGGED_IN = expect(OK)
API_LOGGED_IN = expect(OK, anonymous=UNAUTHORIZED)  # the API asks for a token (401)
PUBLIC = expect(OK, anonymous=OK)


def url(name, *args, **kwargs):
    return lambda w: reverse(name, args=[a(w) if callable(a) else a for a in args], kwargs=kwargs or None)


def pk(attr):
    return lambda w: getattr(w, attr).pk


def state(attr):
    return lambda w, user: Idea.objects.get(pk=getattr(w, attr).pk).state


def field_of(model, attr, name):
    return lambda w, user: model.objects.filter(pk=getattr(w, attr).pk).values_list(name, flat=True).first()


def own(model, **filters):
    """How many rows of ``model`` the acting person owns (``filters`` values may take the world)."""

    def probe(w, user):
        resolved = {k: v(w) if callable(v) else v for k, v in filters.items()}
        return (
            model.objects.filter(
                **resolved, **({"user" if model is Follow else _owner(model): user} if user else {})
            ).count()
            if user
            else None
        )

    return probe


def _owner(model):
    return {Vote: "voter", Comment: "author", ContentReport: "reporter", Idea: "author"}[model]


IDEA_FORM = {"title": "Print double-sided, everywhere", "body": "All printers, all floors.", "save": "1"}


def idea_form(w):
    return {**IDEA_FORM, "theme": w.org.theme.pk}


def api_idea(w):
    return {"title": "Badge readers that work", "body": "They fail in the rain.", "theme": w.org.theme.pk}


def _idea_content_type() -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(Idea).pk


def admin_app_list_route() -> str:
    """The admin's app index pattern lists the app labels, so it changes with INSTALLED_APPS."""
    return next(r.pattern for r in project_routes() if r.name == "admin:app_list")


# --- The table -----------------------------------------------------------------------------------
CASES: list[Case] = [
    # Operations and the shell: public.
    Case("healthz", "health", "GET", url("healthz"), PUBLIC),
    Case("healthz/live", "liveness", "GET", url("healthz_live"), PUBLIC),
    Case("", "home", "GET", url("frontend:home"), PUBLIC),
    Case("manifest.webmanifest", "PWA manifest", "GET", url("frontend:manifest"), PUBLIC),
    Case("sw.js", "service worker", "GET", url("frontend:service_worker"), PUBLIC),
    Case("offline/", "offline page", "GET", url("frontend:offline"), PUBLIC),
    Case("robots.txt", "robots", "GET", url("frontend:robots"), PUBLIC),
    Case("favicon.ico", "favicon", "GET", url("frontend:favicon"), expect(REDIRECT, anonymous=REDIRECT)),
    Case("api/schema/", "OpenAPI schema", "GET", url("api-schema"), PUBLIC),
    Case("api/docs/", "API docs", "GET", url("api-docs"), PUBLIC),
    # Sign-in (allauth; one representative per kind of page, the rest is exempted below).
    Case("accounts/login/", "login page", "GET", url("account_login"), expect(REDIRECT, anonymous=OK)),
    Case("accounts/signup/", "sign-up page", "GET", url("account_signup"), expect(REDIRECT, anonymous=OK)),
    Case("accounts/logout/", "logout page", "GET", url("account_logout"), LOGGED_IN),
    Case("accounts/email/", "e-mail addresses", "GET", url("account_email"), LOGGED_IN),
    Case("accounts/password/change/", "change password", "GET", url("account_change_password"), LOGGED_IN),
    # My account.
    Case("me/", "my profile", "GET", url("accounts:me"), LOGGED_IN),
    Case(
        "me/",
        "my profile",
        "POST",
        url("accounts:me"),
        expect(DONE),
        data=lambda w: {"display_name": "Someone else", "language": "en"},
        probe=lambda w, u: type(u).objects.get(pk=u.pk).display_name if u else None,
    ),
    Case("me/notifications/", "my notifications", "GET", url("accounts:notifications"), LOGGED_IN),
    Case(
        "me/notifications/read-all/",
        "mark all read",
        "POST",
        url("accounts:notifications_read_all"),
        expect(DONE),
        probe=lambda w, u: Notification.objects.filter(recipient=u, read_at=None).count() if u else None,
    ),
    Case(
        "me/notifications/<int:pk>/read/",
        "read Alice's notification",
        "POST",
        url("accounts:notification_read", pk("alice_notification")),
        only(DONE, ("author",), others=NOT_FOUND),
        probe=field_of(Notification, "alice_notification", "read_at"),
    ),
    Case(
        "me/notifications/settings/",
        "e-mail settings",
        "GET",
        url("accounts:notification_settings"),
        LOGGED_IN,
    ),
    Case(
        "me/notifications/settings/",
        "e-mail settings",
        "POST",
        url("accounts:notification_settings"),
        expect(DONE),
        data=lambda w: {"comment": "never"},
        probe=lambda w, u: NotificationPreference.objects.filter(user=u).count() if u else None,
    ),
    Case(
        "me/unsubscribe/<str:token>/",
        "unsubscribe page (signed link, no login)",
        "GET",
        lambda w: reverse("accounts:unsubscribe", args=[w.unsubscribe_token]),
        PUBLIC,
    ),
    Case(
        "me/unsubscribe/<str:token>/",
        "one-click unsubscribe (signed link)",
        "POST",
        lambda w: reverse("accounts:unsubscribe", args=[w.unsubscribe_token]),
        expect(DONE, anonymous=DONE),
        probe=lambda w, u: NotificationPreference.objects.filter(user=w.org.alice).count(),
    ),
    Case(
        "me/unsubscribe/<str:token>/",
        "unsubscribe with a forged token",
        "POST",
        lambda w: reverse("accounts:unsubscribe", args=["eyJ1IjoxLCJrIjoiYWxsIn0:forged"]),
        expect(BAD, anonymous=BAD),
        probe=lambda w, u: NotificationPreference.objects.count(),
    ),
    Case(
        "me/data/",
        "download my personal data (JSON, audited)",
        "POST",
        url("accounts:personal_data"),
        expect(DONE),
        probe=lambda w, u: (
            PersonalDataAudit.objects.filter(subject=u, action="export").count() if u else None
        ),
    ),
    Case("me/data/", "my personal data by GET", "GET", url("accounts:personal_data"), expect(NOT_ALLOWED)),
    Case("me/erase/", "erase my account (confirmation page)", "GET", url("accounts:erase"), LOGGED_IN),
    Case(
        "me/erase/",
        "erase my account without typing my address",
        "POST",
        url("accounts:erase"),
        expect(BAD),
        data=lambda w: {"confirm_email": "someone.else@example.com"},
        probe=lambda w, u: type(u).objects.get(pk=u.pk).erased_at if u else None,
    ),
    Case(
        "me/people/<int:pk>/",
        "Alice's public profile",
        "GET",
        lambda w: reverse("accounts:person", args=[w.org.alice.pk]),
        LOGGED_IN,
    ),
    # Ideas: lists and forms.
    Case("ideas/", "idea list", "GET", url("ideas:list"), LOGGED_IN),
    Case(
        "ideas/",
        "idea list (htmx results)",
        "GET",
        url("ideas:list"),
        LOGGED_IN,
        htmx=True,
        headers={"HTTP_HX_TARGET": "idea-results"},
    ),
    Case("ideas/mine/", "my ideas", "GET", url("ideas:mine"), LOGGED_IN),
    Case("ideas/new/", "new idea form", "GET", url("ideas:submit"), LOGGED_IN),
    Case(
        "ideas/new/",
        "save a new draft",
        "POST",
        url("ideas:submit"),
        expect(DONE),
        data=idea_form,
        probe=own(Idea),
    ),
    Case(
        "ideas/similar/",
        "similar ideas (htmx)",
        "GET",
        lambda w: reverse("ideas:similar") + "?title=print",
        LOGGED_IN,
        htmx=True,
    ),
    Case("ideas/campaigns/", "campaigns", "GET", url("ideas:campaigns"), LOGGED_IN),
    Case(
        "ideas/campaigns/<slug:slug>/",
        "a campaign",
        "GET",
        lambda w: reverse("ideas:campaign", args=[w.campaign.slug]),
        LOGGED_IN,
    ),
    # One idea, in each state that changes who sees it.
    Case(
        "ideas/<int:pk>/",
        "Alice's draft",
        "GET",
        url("ideas:detail", pk("draft")),
        only(OK, AUTHORS, others=NOT_FOUND),
    ),
    Case(
        "ideas/<int:pk>/",
        "Alice's submitted idea",
        "GET",
        url("ideas:detail", pk("submitted")),
        only(OK, AUTHORS + HANDLERS, others=NOT_FOUND),
    ),
    Case("ideas/<int:pk>/", "Alice's published idea", "GET", url("ideas:detail", pk("published")), LOGGED_IN),
    Case(
        "ideas/<int:pk>/edit/",
        "edit Alice's draft (form)",
        "GET",
        url("ideas:edit", pk("draft")),
        only(OK, AUTHORS, others=NOT_FOUND),
    ),
    Case(
        "ideas/<int:pk>/edit/",
        "edit Alice's draft",
        "POST",
        url("ideas:edit", pk("draft")),
        only(DONE, AUTHORS, others=NOT_FOUND),
        data=idea_form,
        probe=field_of(Idea, "draft", "title"),
    ),
    Case(
        "ideas/<int:pk>/edit/",
        "edit Alice's published idea",
        "POST",
        url("ideas:edit", pk("published")),
        expect(NOT_FOUND),
        data=idea_form,
        probe=field_of(Idea, "published", "title"),
    ),
    Case(
        "ideas/<int:pk>/submit/",
        "submit Alice's draft",
        "POST",
        url("ideas:submit_idea", pk("draft")),
        only(DONE, AUTHORS, others=NOT_FOUND),
        probe=state("draft"),
    ),
    Case(
        "ideas/<int:pk>/delete/",
        "delete Alice's draft",
        "POST",
        url("ideas:delete", pk("draft")),
        only(DONE, ("author",), others=NOT_FOUND, co_author=REFUSED),
        probe=lambda w, u: Idea.objects.filter(pk=w.draft.pk).exists(),
    ),
    Case(
        "ideas/<int:pk>/vote/",
        "vote for Alice's published idea",
        "POST",
        url("ideas:vote", pk("published")),
        only(DONE, NON_AUTHORS, others=REFUSED),
        probe=own(Vote, idea=lambda w: w.published),
    ),
    Case(
        "ideas/<int:pk>/vote/",
        "vote (htmx) for Alice's published idea",
        "POST",
        url("ideas:vote", pk("published")),
        only(DONE, NON_AUTHORS, others="422"),
        htmx=True,
        probe=own(Vote, idea=lambda w: w.published),
    ),
    Case(
        "ideas/<int:pk>/vote/",
        "vote for Alice's draft",
        "POST",
        url("ideas:vote", pk("draft")),
        only(REFUSED, AUTHORS, others=NOT_FOUND),
        probe=own(Vote, idea=lambda w: w.draft),
    ),
    Case(
        "ideas/<int:pk>/follow/",
        "stop following the popular idea (everyone follows it)",
        "POST",
        url("ideas:follow", pk("popular")),
        expect(DONE),
        data=lambda w: {"action": "unfollow"},
        probe=own(Follow, idea=lambda w: w.popular),
    ),
    Case(
        "ideas/<int:pk>/follow/",
        "follow Alice's submitted idea",
        "POST",
        url("ideas:follow", pk("submitted")),
        only(DONE, AUTHORS + HANDLERS, others=NOT_FOUND),
        probe=own(Follow, idea=lambda w: w.submitted),
    ),
    Case(
        "ideas/<int:pk>/comments/",
        "comment on Alice's published idea",
        "POST",
        url("ideas:comment", pk("published")),
        expect(DONE),
        data=lambda w: {"body": "Agreed."},
        probe=own(Comment, idea=lambda w: w.published),
    ),
    Case(
        "ideas/<int:pk>/comments/",
        "comment (htmx) on Alice's published idea",
        "POST",
        url("ideas:comment", pk("published")),
        expect(DONE),
        htmx=True,
        data=lambda w: {"body": "Agreed."},
        probe=own(Comment, idea=lambda w: w.published),
    ),
    Case(
        "ideas/<int:pk>/comments/",
        "comment on Alice's submitted idea",
        "POST",
        url("ideas:comment", pk("submitted")),
        only(REFUSED, AUTHORS + HANDLERS, others=NOT_FOUND),
        data=lambda w: {"body": "Agreed."},
        probe=own(Comment, idea=lambda w: w.submitted),
    ),
    Case(
        "ideas/comments/<int:comment_pk>/",
        "one comment (live update)",
        "GET",
        url("ideas:comment_fragment", pk("colin_comment")),
        LOGGED_IN,
    ),
    Case(
        "ideas/comments/<int:comment_pk>/edit/",
        "edit Alice's comment",
        "POST",
        url("ideas:comment_edit", pk("alice_comment")),
        only(DONE, ("author",), others=REFUSED),
        data=lambda w: {"body": "Changed."},
        probe=field_of(Comment, "alice_comment", "body"),
    ),
    Case(
        "ideas/comments/<int:comment_pk>/delete/",
        "delete Colin's comment",
        "POST",
        url("ideas:comment_delete", pk("colin_comment")),
        only(DONE, ("employee", "community_manager"), others=REFUSED),
        probe=field_of(Comment, "colin_comment", "deleted_at"),
    ),
    Case(
        "ideas/comments/<int:comment_pk>/helpful/",
        "mark Colin's comment helpful",
        "POST",
        url("ideas:comment_helpful", pk("colin_comment")),
        only(DONE, ("author",), others=REFUSED),
        probe=field_of(Comment, "colin_comment", "helpful_at"),
    ),
    Case(
        "ideas/attachments/<str:token>/",
        "attachment of a published idea",
        "GET",
        lambda w: reverse("ideas:attachment", args=[w.attachment.token]),
        LOGGED_IN,
    ),
    Case(
        "ideas/attachments/<str:token>/",
        "attachment of a draft",
        "GET",
        lambda w: reverse("ideas:attachment", args=[w.draft_attachment.token]),
        only(OK, AUTHORS, others=NOT_FOUND),
    ),
    Case(
        "ideas/attachments/<str:token>/",
        "attachment not yet on an idea",
        "GET",
        lambda w: reverse("ideas:attachment", args=[w.orphan_attachment.token]),
        only(OK, ("author",), others=NOT_FOUND),
    ),
    # Moderation.
    Case(
        "moderation/queue/",
        "moderation queue",
        "GET",
        url("moderation:queue"),
        only(OK, MODERATORS, others=FORBIDDEN),
    ),
    Case(
        "moderation/queue/bulk/",
        "bulk publish from the queue",
        "POST",
        url("moderation:bulk"),
        only(DONE, ("correspondent",), others=REFUSED),
        data=lambda w: {"ideas": [w.submitted.pk]},
        probe=state("submitted"),
    ),
    Case(
        "moderation/ideas/<int:pk>/decide/",
        "publish a submitted idea",
        "POST",
        url("moderation:decide", pk("submitted")),
        only(
            DONE,
            ("correspondent",),
            others=NOT_FOUND,
            author=REFUSED,
            co_author=REFUSED,
            community_manager=REFUSED,
        ),
        data=lambda w: {"to_state": S.PUBLISHED},
        probe=state("submitted"),
    ),
    Case(
        "moderation/ideas/<int:pk>/decide/",
        "make an idea in analysis a project",
        "POST",
        url("moderation:decide", pk("in_analysis")),
        only(DONE, ("executive",), others=REFUSED),
        data=lambda w: {"to_state": S.PROJECT},
        probe=state("in_analysis"),
    ),
    Case(
        "moderation/ideas/<int:pk>/decide/",
        "reject a submitted idea without a reason",
        "POST",
        url("moderation:decide", pk("submitted")),
        only(REFUSED, AUTHORS + HANDLERS, others=NOT_FOUND),
        data=lambda w: {"to_state": S.REJECTED},
        probe=state("submitted"),
    ),
    Case(
        "moderation/ideas/<int:pk>/merge/",
        "merge a submitted idea into a published one",
        "POST",
        url("moderation:merge", pk("submitted")),
        only(
            DONE,
            ("correspondent",),
            others=NOT_FOUND,
            author=REFUSED,
            co_author=REFUSED,
            community_manager=REFUSED,
        ),
        data=lambda w: {"target": w.popular.pk},
        probe=state("submitted"),
    ),
    Case(
        "moderation/merges/<int:record_pk>/undo/",
        "undo a merge",
        "POST",
        url("moderation:merge_undo", pk("merge")),
        only(DONE, HANDLERS, others=REFUSED),
        probe=state("merged"),
    ),
    Case(
        "moderation/ideas/<int:pk>/reassign/",
        "reassign a submitted idea",
        "POST",
        url("moderation:reassign", pk("submitted")),
        only(DONE, HANDLERS, others=NOT_FOUND, author=REFUSED, co_author=REFUSED),
        data=lambda w: {"email": w.org.camille.email, "reason": "holidays"},
        probe=field_of(Idea, "submitted", "assignee"),
    ),
    Case(
        "moderation/ideas/<int:pk>/experts/",
        "ask an expert to assess a shortlisted idea",
        "POST",
        url("moderation:experts", pk("shortlisted")),
        only(DONE, HANDLERS, others=REFUSED),
        data=lambda w: {"experts": w.org.xavier.email},
        probe=lambda w, u: ExpertAssessment.objects.filter(idea=w.shortlisted).count(),
    ),
    Case(
        "moderation/ideas/<int:pk>/assess/",
        "fill the scorecard",
        "POST",
        url("moderation:assess", pk("in_analysis")),
        only(DONE, ("expert",), others=REFUSED),
        data=lambda w: {"value": 4, "cost": 2, "feasibility": 3, "risk": 2},
        probe=lambda w, u: ExpertAssessment.objects.filter(
            idea=w.in_analysis, submitted_at__isnull=False
        ).count(),
    ),
    Case("moderation/assessments/", "my assessments", "GET", url("moderation:assessments"), LOGGED_IN),
    Case(
        "moderation/pipeline/",
        "executive pipeline",
        "GET",
        url("moderation:pipeline"),
        only(OK, ("executive", "community_manager"), others=FORBIDDEN),
    ),
    Case(
        "moderation/report/<str:kind>/<int:pk>/",
        "report a published idea",
        "POST",
        lambda w: reverse("moderation:report", args=["idea", w.published.pk]),
        expect(DONE),
        data=lambda w: {"reason": "off-topic"},
        probe=own(ContentReport, idea=lambda w: w.published),
    ),
    Case(
        "moderation/report/<str:kind>/<int:pk>/",
        "report a comment",
        "POST",
        lambda w: reverse("moderation:report", args=["comment", w.colin_comment.pk]),
        expect(DONE),
        data=lambda w: {"reason": "rude"},
        probe=own(ContentReport, comment=lambda w: w.colin_comment),
    ),
    Case(
        "moderation/report/<str:kind>/<int:pk>/",
        "report Alice's draft",
        "POST",
        lambda w: reverse("moderation:report", args=["idea", w.draft.pk]),
        only(DONE, AUTHORS, others=NOT_FOUND),
        data=lambda w: {"reason": "x"},
        probe=own(ContentReport, idea=lambda w: w.draft),
    ),
    Case(
        "moderation/reports/",
        "review queue",
        "GET",
        url("moderation:reports"),
        only(OK, MODERATORS, others=FORBIDDEN),
    ),
    Case(
        "moderation/reports/",
        "remove a reported comment",
        "POST",
        url("moderation:reports"),
        only(DONE, MODERATORS, others=FORBIDDEN),
        data=lambda w: {"comment": w.reported_comment.pk, "decision": "removed", "reason": "spam"},
        probe=field_of(Comment, "reported_comment", "is_hidden"),
    ),
    Case(
        "moderation/reports/",
        "hide an idea nobody reported",
        "POST",
        url("moderation:reports"),
        only(REFUSED, MODERATORS, others=FORBIDDEN),
        data=lambda w: {"idea": w.popular.pk, "decision": "removed", "reason": "I dislike it"},
        probe=field_of(Idea, "popular", "is_hidden"),
    ),
    Case(
        "moderation/reports/",
        "hide Alice's draft through the review form",
        "POST",
        url("moderation:reports"),
        only(REFUSED, MODERATORS, others=FORBIDDEN),
        data=lambda w: {"idea": w.draft.pk, "decision": "removed", "reason": "x"},
        probe=field_of(Idea, "draft", "is_hidden"),
    ),
    Case("moderation/answer-times/", "public answer times", "GET", url("moderation:sla"), LOGGED_IN),
    # Gamification.
    Case("points/", "my points", "GET", url("gamification:points"), LOGGED_IN),
    Case("points/badges/", "my badges", "GET", url("gamification:badges"), LOGGED_IN),
    Case("points/leaderboard/", "leaderboard", "GET", url("gamification:leaderboard"), LOGGED_IN),
    # Analytics: aggregates for executives, names for community managers.
    Case("analytics/", "dashboard entry", "GET", url("analytics:dashboard"), expect(REDIRECT)),
    Case(
        "analytics/executive/",
        "executive dashboard",
        "GET",
        url("analytics:executive"),
        only(OK, AGGREGATES, others=FORBIDDEN),
    ),
    Case(
        "analytics/community/",
        "community dashboard",
        "GET",
        url("analytics:community"),
        only(OK, PEOPLE, others=FORBIDDEN),
    ),
    Case(
        "analytics/community/message/",
        "message a segment",
        "POST",
        url("analytics:message"),
        only(DONE, ("community_manager",), others=FORBIDDEN),
        data=lambda w: {"segment": "passive", "subject": "Hello", "body": "Come and vote"},
        probe=lambda w, u: SegmentMessage.objects.count(),
    ),
    Case(
        "analytics/segments/<str:segment>/",
        "people of a segment",
        "GET",
        url("analytics:segment", "passive"),
        only(OK, PEOPLE, others=FORBIDDEN),
    ),
    Case(
        "analytics/segments/<str:segment>/",
        "people of a segment (CSV export)",
        "GET",
        lambda w: reverse("analytics:segment", args=["passive"]) + "?format=csv",
        only(OK, PEOPLE, others=FORBIDDEN),
    ),
    Case(
        "analytics/people/<int:pk>/",
        "Colin's segments",
        "GET",
        lambda w: reverse("analytics:person", args=[w.org.colin.pk]),
        only(OK, PEOPLE + ("employee",), others=FORBIDDEN),
    ),
    Case(
        "analytics/people/<int:pk>/",
        "Colin's segments (every view by someone else is audited)",
        "GET",
        lambda w: reverse("analytics:person", args=[w.org.colin.pk]),
        only(DONE, PEOPLE, others=FORBIDDEN, employee=REFUSED),
        probe=lambda w, u: PersonalDataAudit.objects.filter(subject=w.org.colin).count(),
    ),
    Case(
        "analytics/data/<str:name>.json",
        "participation figures (JSON)",
        "GET",
        url("analytics:data", "participation"),
        only(OK, AGGREGATES, others=FORBIDDEN),
    ),
    Case(
        "analytics/data/<str:name>.json",
        "segment migration (JSON)",
        "GET",
        url("analytics:data", "migration"),
        only(OK, PEOPLE, others=FORBIDDEN),
    ),
    Case(
        "analytics/data/<str:name>.csv",
        "participation by entity (CSV export)",
        "GET",
        url("analytics:data_csv", "participation-by-entity"),
        only(OK, AGGREGATES, others=FORBIDDEN),
    ),
]

# --- The API (session authenticated here; token authentication is the same permission code) --------
API: list[Case] = [
    Case("api/v1/", "API root", "GET", url("api-root"), API_LOGGED_IN),
    Case("api/v1/me/", "my profile", "GET", url("api-me"), API_LOGGED_IN),
    Case(
        "api/v1/me/",
        "change my display name",
        "PATCH",
        url("api-me"),
        expect(OK, anonymous=UNAUTHORIZED),
        data=lambda w: {"display_name": "Renamed"},
        probe=lambda w, u: type(u).objects.get(pk=u.pk).display_name if u else None,
    ),
    Case(
        "api/v1/auth/token/",
        "get a token with Alice's password",
        "POST",
        url("api-token"),
        expect(OK, anonymous=OK),
        data=lambda w: {"username": w.org.alice.email, "password": PASSWORD},
    ),
    Case(
        "api/v1/auth/token/",
        "get a token with a wrong password",
        "POST",
        url("api-token"),
        expect(BAD, anonymous=BAD),
        data=lambda w: {"username": w.org.alice.email, "password": "guess"},
    ),
    Case(
        "api/v1/analytics/<str:name>/",
        "participation figures",
        "GET",
        url("api-analytics", "participation"),
        only(OK, AGGREGATES, others=FORBIDDEN, anonymous=UNAUTHORIZED),
    ),
    Case(
        "api/v1/analytics/<str:name>/",
        "born innovators (names)",
        "GET",
        url("api-analytics", "born-innovators"),
        only(OK, PEOPLE, others=FORBIDDEN, anonymous=UNAUTHORIZED),
    ),
    Case(
        "api/v1/analytics/<str:name>/",
        "segment migration (names)",
        "GET",
        url("api-analytics", "migration"),
        only(OK, PEOPLE, others=FORBIDDEN, anonymous=UNAUTHORIZED),
    ),
    Case("api/v1/^ideas/$", "ideas", "GET", url("api-idea-list"), API_LOGGED_IN),
    Case(
        "api/v1/^ideas/$",
        "create a draft",
        "POST",
        url("api-idea-list"),
        expect(OK, anonymous=UNAUTHORIZED),
        data=api_idea,
        probe=own(Idea),
    ),
    Case(
        "api/v1/^ideas/similar/$",
        "similar ideas",
        "GET",
        lambda w: reverse("api-idea-similar") + "?title=print",
        API_LOGGED_IN,
    ),
    Case(
        "api/v1/^ideas/(?P<pk>[^/.]+)/$",
        "Alice's draft",
        "GET",
        url("api-idea-detail", pk("draft")),
        only(OK, AUTHORS, others=NOT_FOUND, anonymous=UNAUTHORIZED),
    ),
    Case(
        "api/v1/^ideas/(?P<pk>[^/.]+)/$",
        "Alice's submitted idea",
        "GET",
        url("api-idea-detail", pk("submitted")),
        only(OK, AUTHORS + HANDLERS, others=NOT_FOUND, anonymous=UNAUTHORIZED),
    ),
    Case(
        "api/v1/^ideas/(?P<pk>[^/.]+)/$",
        "Alice's published idea",
        "GET",
        url("api-idea-detail", pk("published")),
        API_LOGGED_IN,
    ),
    Case(
        "api/v1/^ideas/(?P<pk>[^/.]+)/$",
        "update Alice's draft",
        "PUT",
        url("api-idea-detail", pk("draft")),
        only(OK, AUTHORS, others=NOT_FOUND, anonymous=UNAUTHORIZED),
        data=api_idea,
        probe=field_of(Idea, "draft", "title"),
    ),
    Case(
        "api/v1/^ideas/(?P<pk>[^/.]+)/$",
        "update Alice's published idea",
        "PUT",
        url("api-idea-detail", pk("published")),
        expect(FORBIDDEN, anonymous=UNAUTHORIZED),  # everyone sees it: refused, saying why
        data=api_idea,
        probe=field_of(Idea, "published", "title"),
    ),
    Case(
        "api/v1/^ideas/(?P<pk>[^/.]+)/$",
        "patch an idea (not offered)",
        "PATCH",
        url("api-idea-detail", pk("draft")),
        expect(NOT_ALLOWED, anonymous=UNAUTHORIZED),
        data=api_idea,
        probe=field_of(Idea, "draft", "title"),
    ),
    Case(
        "api/v1/^ideas/(?P<pk>[^/.]+)/$",
        "delete an idea (not offered)",
        "DELETE",
        url("api-idea-detail", pk("draft")),
        expect(NOT_ALLOWED, anonymous=UNAUTHORIZED),
        probe=lambda w, u: Idea.objects.filter(pk=w.draft.pk).exists(),
    ),
    Case(
        "api/v1/^ideas/(?P<pk>[^/.]+)/comments/$",
        "comments of a published idea",
        "GET",
        url("api-idea-comments", pk("published")),
        API_LOGGED_IN,
    ),
    Case(
        "api/v1/^ideas/(?P<pk>[^/.]+)/comments/$",
        "comments of Alice's draft",
        "GET",
        url("api-idea-comments", pk("draft")),
        only(OK, AUTHORS, others=NOT_FOUND, anonymous=UNAUTHORIZED),
    ),
    Case(
        "api/v1/^ideas/(?P<pk>[^/.]+)/comments/$",
        "comment on a published idea",
        "POST",
        url("api-idea-comments", pk("published")),
        expect(OK, anonymous=UNAUTHORIZED),
        data=lambda w: {"body": "Yes."},
        probe=own(Comment, idea=lambda w: w.published),
    ),
    Case(
        "api/v1/^ideas/(?P<pk>[^/.]+)/decide/$",
        "publish a submitted idea",
        "POST",
        url("api-idea-decide", pk("submitted")),
        only(
            OK,
            ("correspondent",),
            others=NOT_FOUND,
            author=FORBIDDEN,
            co_author=FORBIDDEN,
            community_manager=FORBIDDEN,
            anonymous=UNAUTHORIZED,
        ),
        data=lambda w: {"to_state": S.PUBLISHED},
        probe=state("submitted"),
    ),
    Case(
        "api/v1/^ideas/(?P<pk>[^/.]+)/decide/$",
        "make an idea in analysis a project",
        "POST",
        url("api-idea-decide", pk("in_analysis")),
        only(OK, ("executive",), others=FORBIDDEN, anonymous=UNAUTHORIZED),
        data=lambda w: {"to_state": S.PROJECT},
        probe=state("in_analysis"),
    ),
    Case(
        "api/v1/^ideas/(?P<pk>[^/.]+)/follow/$",
        "follow a shortlisted idea",
        "PUT",
        url("api-idea-follow", pk("shortlisted")),
        expect(OK, anonymous=UNAUTHORIZED),
        probe=own(Follow, idea=lambda w: w.shortlisted),
    ),
    Case(
        "api/v1/^ideas/(?P<pk>[^/.]+)/follow/$",
        "stop following the popular idea",
        "DELETE",
        url("api-idea-follow", pk("popular")),
        expect(OK, anonymous=UNAUTHORIZED),
        probe=own(Follow, idea=lambda w: w.popular),
    ),
    Case(
        "api/v1/^ideas/(?P<pk>[^/.]+)/follow/$",
        "follow Alice's draft",
        "PUT",
        url("api-idea-follow", pk("draft")),
        only(OK, AUTHORS, others=NOT_FOUND, anonymous=UNAUTHORIZED),
        probe=own(Follow, idea=lambda w: w.draft),
    ),
    Case(
        "api/v1/^ideas/(?P<pk>[^/.]+)/submit/$",
        "submit Alice's draft",
        "POST",
        url("api-idea-submit", pk("draft")),
        only(OK, AUTHORS, others=NOT_FOUND, anonymous=UNAUTHORIZED),
        probe=state("draft"),
    ),
    Case(
        "api/v1/^ideas/(?P<pk>[^/.]+)/vote/$",
        "vote for a published idea",
        "PUT",
        url("api-idea-vote", pk("published")),
        only(OK, NON_AUTHORS, others=BAD, anonymous=UNAUTHORIZED),
        probe=own(Vote, idea=lambda w: w.published),
    ),
    Case(
        "api/v1/^ideas/(?P<pk>[^/.]+)/vote/$",
        "withdraw a vote",
        "DELETE",
        url("api-idea-vote", pk("popular")),
        only(OK, NON_AUTHORS, others=REFUSED, anonymous=UNAUTHORIZED),
        probe=own(Vote, idea=lambda w: w.popular),
    ),
    Case(
        "api/v1/^ideas/(?P<pk>[^/.]+)/vote/$",
        "vote for a submitted idea",
        "PUT",
        url("api-idea-vote", pk("submitted")),
        only(BAD, AUTHORS + HANDLERS, others=NOT_FOUND, anonymous=UNAUTHORIZED),
        probe=own(Vote, idea=lambda w: w.submitted),
    ),
    Case("api/v1/^themes/$", "themes", "GET", url("api-theme-list"), API_LOGGED_IN),
    Case(
        "api/v1/^themes/(?P<pk>[^/.]+)/$",
        "a theme",
        "GET",
        lambda w: reverse("api-theme-detail", args=[w.org.theme.pk]),
        API_LOGGED_IN,
    ),
    Case("api/v1/^campaigns/$", "campaigns", "GET", url("api-campaign-list"), API_LOGGED_IN),
    Case(
        "api/v1/^campaigns/(?P<pk>[^/.]+)/$",
        "a campaign",
        "GET",
        url("api-campaign-detail", pk("campaign")),
        API_LOGGED_IN,
    ),
    Case("api/v1/^domains/$", "domains", "GET", url("api-domain-list"), API_LOGGED_IN),
    Case(
        "api/v1/^domains/(?P<pk>[^/.]+)/$",
        "a domain",
        "GET",
        lambda w: reverse("api-domain-detail", args=[w.org.ops.pk]),
        API_LOGGED_IN,
    ),
    Case(
        "api/v1/^(?P<path>.*)$",
        "an address of no endpoint",
        "GET",
        lambda w: "/api/v1/nothing-here/",
        expect(NOT_FOUND, anonymous=NOT_FOUND),
    ),
    Case(
        "api/v1/^(?P<path>.*)$",
        "create a draft without the final slash",
        "POST",
        lambda w: reverse("api-idea-list").rstrip("/"),
        expect(NOT_FOUND, anonymous=NOT_FOUND),
        data=api_idea,
        probe=own(Idea),
    ),
]


# The suffix routes reach the same view methods as the plain ones (the full table above): they are
# played by a sample of roles, enough to catch a method that does not take ``format`` (it answered
# 500) or a suffix route that would skip the permission code.
SUFFIX_ROLES = ("anonymous", "employee", "author", "correspondent", "executive")


def _suffixed(case: Case) -> Case | None:
    """The same request through DRF's format suffix route (``/api/v1/ideas/5.json``)."""
    if case.route == "api/v1/":
        route, suffix = "api/v1/<drf_format_suffix:format>", lambda u: u + ".json"
    elif case.route.startswith("api/v1/^") and case.route.endswith("/$"):
        route, suffix = case.route[:-2] + r"\.(?P<format>[a-z0-9]+)/?$", lambda u: u.rstrip("/") + ".json"
    else:
        return None
    return Case(
        route,
        case.label + " (.json)",
        case.method,
        lambda w, c=case, s=suffix: s(c.url(w)),
        {role: outcome for role, outcome in case.expected.items() if role in SUFFIX_ROLES},
        data=case.data,
        probe=case.probe,
        api=True,
    )


for _case in API:
    _case.api = True
API += [variant for variant in map(_suffixed, API) if variant]

# Ada is staff and superuser; Sid is staff without any permission; nobody else is staff.
ADMIN_SITE: list[Case] = [
    Case("admin/", "admin index", "GET", url("admin:index"), admin_expected(admin=OK, staff=OK)),
    Case(
        "admin/login/",
        "admin login page",
        "GET",
        url("admin:login"),
        {**expect(OK, anonymous=OK, admin=REDIRECT), "staff": REDIRECT},
    ),
    Case(
        "admin/logout/",
        "admin logout",
        "POST",
        url("admin:logout"),
        {**expect(REDIRECT, anonymous=REDIRECT, admin=OK), "staff": OK},
    ),
    Case(
        "admin/password_change/",
        "admin password change",
        "GET",
        url("admin:password_change"),
        admin_expected(admin=OK, staff=OK),
    ),
    Case(
        "admin/password_change/done/",
        "admin password changed",
        "GET",
        url("admin:password_change_done"),
        admin_expected(admin=OK, staff=OK),
    ),
    Case(
        "admin/autocomplete/",
        "admin autocomplete without a field",
        "GET",
        url("admin:autocomplete"),
        admin_expected(admin=FORBIDDEN, staff=FORBIDDEN),
    ),
    Case(
        "admin/accounts/user/import-directory/",
        "HR directory upload page",
        "GET",
        url("admin:accounts_user_import_directory"),
        admin_expected(admin=OK, staff=FORBIDDEN),
    ),
    Case(
        "admin/jsi18n/", "admin translations", "GET", url("admin:jsi18n"), admin_expected(admin=OK, staff=OK)
    ),
    Case(
        "admin/r/<path:content_type_id>/<path:object_id>/",
        "admin view on site",
        "GET",
        lambda w: reverse("admin:view_on_site", args=[_idea_content_type(), w.published.pk]),
        admin_expected(admin=REDIRECT, staff=REDIRECT),  # to the idea's page, which checks who sees it
    ),
    Case(
        "admin/accounts/user/<id>/password/",
        "admin sets Alice's password (form)",
        "GET",
        lambda w: reverse("admin:auth_user_password_change", args=[w.org.alice.pk]),
        admin_expected(admin=OK, staff=FORBIDDEN),
    ),
    Case(
        admin_app_list_route(),
        "admin app index",
        "GET",
        lambda w: reverse("admin:app_list", args=["ideas"]),
        admin_expected(admin=OK, staff=NOT_FOUND),  # no permission in the app: Django answers 404
    ),
    Case(
        "admin/(?P<url>.*)$",
        "admin unknown page",
        "GET",
        lambda w: "/admin/nothing-here/",
        admin_expected(admin=NOT_FOUND, staff=NOT_FOUND),
    ),
]


# --- Routes without a row of their own, and why ------------------------------------------------------
ALLAUTH_REASON = (
    "allauth internals: e-mail confirmation, password reset and social sign-in flows protected by "
    "signed one-time keys or provider state; the sign-in pages above are their representatives"
)
EXEMPT = {
    route: ALLAUTH_REASON
    for route in (
        "accounts/inactive/",
        "accounts/reauthenticate/",
        "accounts/confirm-email/",
        "accounts/password/set/",
        "accounts/password/reset/",
        "accounts/login/code/confirm/",
        "accounts/^confirm-email/(?P<key>[-:\\w]+)/$",
        "accounts/password/reset/key/done/",
        "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        "accounts/password/reset/done/",
        "accounts/3rdparty/login/cancelled/",
        "accounts/3rdparty/login/error/",
        "accounts/3rdparty/signup/",
        "accounts/3rdparty/",
        "accounts/social/login/cancelled/",
        "accounts/social/login/error/",
        "accounts/social/signup/",
        "accounts/social/connections/",
        "accounts/oidc/^(?P<provider_id>[^/]+)/login/",
        "accounts/oidc/^(?P<provider_id>[^/]+)/login/callback/",
    )
}

ALL_CASES = CASES + API + ADMIN_SITE + admin_cases()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """One world for the whole table: each (row, role) runs in a savepoint that is rolled back, and
    the world itself is rolled back at the end of the module."""
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")),
        transaction.atomic(),
    ):
        world = build_world(build_cast())
        world.clients = sign_in_everyone(world)
        yield world
        transaction.set_rollback(True)


def test_every_route_has_a_row_in_the_matrix(capsys, world):
    played = sum(len(c.expected(world) if callable(c.expected) else c.expected) for c in ALL_CASES)
    routes = {route.pattern: route for route in project_routes()}
    rows = {case.route for case in ALL_CASES}
    missing = sorted(set(routes) - rows - set(EXEMPT))
    stale = sorted((rows | set(EXEMPT)) - set(routes))
    covered = len(set(routes) & (rows | set(EXEMPT)))
    with capsys.disabled():
        print(
            f"\npermission matrix: routes covered {covered} / {len(routes)} routes in the project "
            f"({100 * covered / len(routes):.0f}%; {len(set(routes) & rows)} with rows, "
            f"{len(set(routes) & set(EXEMPT))} exempted with a reason); "
            f"{len(ALL_CASES)} rows, {played} (row, role) cases over {len(ROLES)} roles "
            f"(and {', '.join(ADMIN_ONLY_ROLES)} on the admin pages)"
        )
    assert not missing, "routes without a row in the permission matrix: " + ", ".join(
        f"{p} ({routes[p].view})" for p in missing
    )
    assert not stale, f"matrix rows or exemptions for routes that no longer exist: {stale}"


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda case: case.id)
def test_permission_matrix(case, world):
    problems = run_case(case, world)
    assert not problems, f"{case.id} ({case.route}):\n  " + "\n  ".join(problems)
