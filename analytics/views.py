"""Dashboards (executives: aggregates; community managers: segments and people), their JSON and CSV
data, and each person's own segments. Charts are drawn by Chart.js from the JSON endpoints."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Entity, PersonalDataAudit, User
from analytics import funnels, snapshots
from analytics.messaging import segment_message_send
from analytics.models import SegmentMessage
from analytics.segments import SEGMENTS
from config.params import as_id
from ideas.fragments import content_key
from ideas.models import Idea
from moderation.models import Transition

SEGMENT_LABELS = {
    "influencer": gettext_lazy("Influencers"),
    "idea_developer": gettext_lazy("Idea developers"),
    "facilitator": gettext_lazy("Facilitators"),
    "big_contributor": gettext_lazy("Big contributors"),
    "top_manager": gettext_lazy("Top managers"),
    "regular": gettext_lazy("Regulars"),
    "occasional": gettext_lazy("Occasional contributors"),
    "passive": gettext_lazy("Passive users"),
    "inactive": gettext_lazy("Inactive"),
}


# What the figures behind a segment mean (analytics.segments writes them under these keys).
REASON_LABELS = {
    "visits": pgettext_lazy("segment reason", "visits"),
    "ideas": pgettext_lazy("segment reason", "ideas"),
    "comments": pgettext_lazy("segment reason", "comments"),
    "votes": pgettext_lazy("segment reason", "votes"),
    "months_with_contributions": pgettext_lazy("segment reason", "months with contributions"),
    "of_months": pgettext_lazy("segment reason", "months considered"),
    "score": pgettext_lazy("segment reason", "contribution score"),
    "influence": pgettext_lazy("segment reason", "influence"),
    "colleagues_reached": pgettext_lazy("segment reason", "colleagues reached"),
    "entities_reached": pgettext_lazy("segment reason", "entities reached"),
    "authors_helped": pgettext_lazy("segment reason", "authors helped"),
    "share_on_others": pgettext_lazy("segment reason", "share of comments on others' ideas"),
    "helpful_comments": pgettext_lazy("segment reason", "comments marked helpful"),
    "ideas_advanced_after_contribution": pgettext_lazy(
        "segment reason", "ideas advanced after a contribution"
    ),
    "dormant_ideas_revived": pgettext_lazy("segment reason", "dormant ideas revived"),
    "decisions": pgettext_lazy("segment reason", "decisions"),
}


def _can_see_aggregates(user) -> bool:
    return user.is_executive or user.is_community_manager or user.is_superuser


def _can_see_people(user) -> bool:
    return user.is_community_manager or user.is_superuser


WINDOW_YEARS = (1900, 2999)


def window_from(request) -> tuple[datetime, datetime]:
    """?days=N (default 365) or ?start=YYYY-MM-DD&end=YYYY-MM-DD, dates between 1900 and 2999
    (year 1 or 9999 overflowed once converted to UTC or moved by a day: found by a sweep)."""
    now = timezone.now()
    try:
        if request.GET.get("start") and request.GET.get("end"):
            first = datetime.fromisoformat(request.GET["start"])
            last = datetime.fromisoformat(request.GET["end"])
            if not (WINDOW_YEARS[0] <= first.year <= last.year <= WINDOW_YEARS[1]):
                raise ValueError
            start = timezone.make_aware(first)
            end = timezone.make_aware(last) + timedelta(days=1)
            if end <= start:
                raise ValueError
            return start, end
        days = int(request.GET.get("days", 365))
    except (ValueError, OverflowError) as exc:
        raise ValidationError(_("Give the window as days=N, or start and end dates (YYYY-MM-DD).")) from exc
    days = min(max(days, 1), 3650)
    return now - timedelta(days=days), now + timedelta(minutes=1)


@login_required
@require_GET
def dashboard(request):
    if _can_see_people(request.user):
        return redirect("analytics:community")
    if _can_see_aggregates(request.user):
        return redirect("analytics:executive")
    return redirect("accounts:me")


@login_required
@require_GET
def executive(request):
    if not _can_see_aggregates(request.user):
        raise PermissionDenied(_("The dashboards are for executives and community managers."))
    try:
        window_from(request)
    except ValidationError as error:
        return render(request, "400.html", {"message": " ".join(error.messages)}, status=400)
    # The chosen window is passed on to the charts' data URLs: ?days=N, or ?start=&end= (imported
    # history lies years back, beyond the tabs).
    if request.GET.get("start") and request.GET.get("end"):
        query = urlencode({"start": request.GET["start"], "end": request.GET["end"]})
        days = ""
    else:
        days = request.GET.get("days", "365")
        query = urlencode({"days": days})
    return render(request, "analytics/executive.html", {"days": days, "window_query": query})


DRAFT_KEY = "segment_message_draft"


@login_required
@require_GET
def community(request):
    if not _can_see_people(request.user):
        raise PermissionDenied(_("Segments and people are shown to community managers only."))
    return render(
        request,
        "analytics/community.html",
        {
            "segments": [(s, SEGMENT_LABELS[s]) for s in SEGMENTS],
            "month": snapshots.latest_month(),
            "messages_sent": SegmentMessage.objects.order_by("-created_at")[:5],
            # What was typed in a message that could not be sent, to correct rather than retype.
            "draft": request.session.pop(DRAFT_KEY, None) or {},
        },
    )


SEGMENT_PAGE_SIZE = 100


class _Echo:
    """A file-like object that hands back what is written: csv.writer's output, row by row."""

    def write(self, value: str) -> str:
        return value


def _segment_csv_rows(rows, segment: str):
    writer = csv.writer(_Echo())
    yield writer.writerow(["name", "email", "entity", "segments", "reasons"])
    for row in rows.iterator(chunk_size=2000):
        yield writer.writerow(
            [
                _csv_safe(row.user.display_name),
                _csv_safe(row.user.email),  # "=2+5@example.com" is a valid address
                _csv_safe(str(row.user.entity or "")),
                " ".join(row.segments),
                _csv_safe(json.dumps(row.reasons.get(segment, {}), sort_keys=True)),
            ]
        )


@login_required
@require_GET
def segment_people(request, segment):
    """The people of a segment, a page at a time; the CSV streams every one of them (a segment of
    a large organisation holds tens of thousands of people)."""
    if not _can_see_people(request.user):
        raise PermissionDenied(_("Lists of names are shown to community managers only."))
    if segment not in SEGMENTS:
        raise Http404
    rows = snapshots.members(segment=segment).select_related("user__entity").order_by("-influence", "user_id")
    if request.GET.get("format") == "csv":
        response = StreamingHttpResponse(
            _segment_csv_rows(rows, segment), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="segment-{segment}.csv"'
        return response
    page = Paginator(rows, SEGMENT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "analytics/segment.html",
        {
            "segment": segment,
            "label": SEGMENT_LABELS[segment],
            "page": page,
            "rows": page.object_list,
            "month": snapshots.latest_month(),
        },
    )


def _csv_safe(value: str) -> str:
    """No spreadsheet formula injection from what people typed or the directory holds (names, and
    addresses too: = + - are valid in an address's local part)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@login_required
@require_POST
def message_segment(request):
    try:
        message = segment_message_send(
            sender=request.user,
            segment=request.POST.get("segment", ""),
            subject=request.POST.get("subject", ""),
            body=request.POST.get("body", ""),
        )
    except PermissionDenied as error:
        raise PermissionDenied(_("Only community managers write to a segment.")) from error
    except ValidationError as error:
        messages.error(
            request,
            " ".join(" ".join(m) for m in error.message_dict.values())
            if hasattr(error, "error_dict")
            else " ".join(error.messages),
        )
        request.session[DRAFT_KEY] = {
            name: request.POST.get(name, "")[:limit]
            for name, limit in (("segment", 40), ("subject", 200), ("body", 5000))
        }
        return redirect("analytics:community")
    message.refresh_from_db()
    messages.success(request, _("Message sent to %(n)d people.") % {"n": message.reached})
    return redirect("analytics:community")


@login_required
@require_GET
def person(request, pk):
    """A person's segments and reasons: for themselves, or for community managers (logged)."""
    subject = get_object_or_404(User, pk=pk)
    if subject.pk != request.user.pk:
        if not _can_see_people(request.user):
            raise PermissionDenied(_("Only community managers see other people's analytics."))
        PersonalDataAudit.objects.create(
            actor=request.user, subject=subject, action=PersonalDataAudit.Action.PROFILE_VIEW
        )
    snapshot = snapshots.person_segments(user=subject)
    return render(
        request, "analytics/person.html", {"subject": subject, "snapshot": snapshot, "labels": SEGMENT_LABELS}
    )


# --- JSON and CSV data ----------------------------------------------------------------------
def _data(request, name):
    """The figures of ``name``, kept ANALYTICS_CACHE_SECONDS in the cache (aggregates of a whole
    company cost up to seconds at 50,000 people, and executives reload their dashboard). The key
    holds the query, the language and the latest idea and transition: a new idea or a decision
    shows at once; votes, comments and visits within the cache's lifetime."""
    seconds = settings.ANALYTICS_CACHE_SECONDS
    if not seconds:
        return _compute(request, name)
    latest = (
        Idea.objects.aggregate(top=Max("id"))["top"],
        Transition.objects.aggregate(top=Max("id"))["top"],
    )
    shown = (name, sorted(request.GET.lists()), translation.get_language(), latest)
    key = content_key("analytics-data", shown)
    payload = cache.get(key)
    if payload is None:
        payload = {**_compute(request, name), "computed_at": timezone.now().isoformat()}
        cache.set(key, payload, seconds)
    return payload


def _compute(request, name):
    start, end = window_from(request)
    if name == "participation":
        entity = None
        if as_id(request.GET.get("entity")):
            entity = Entity.objects.filter(pk=as_id(request.GET["entity"])).first()
        return funnels.participation(start=start, end=end, entity=entity)
    if name == "participation-by-entity":
        return {"rows": funnels.participation_by_entity(start=start, end=end)}
    if name == "participation-over-time":
        return {"rows": funnels.participation_over_time(start=start, end=end)}
    if name == "pipeline":
        return funnels.pipeline()
    if name == "gains":
        return {"by_theme": funnels.gains(by="theme"), "by_entity": funnels.gains(by="entity")}
    if name == "campaigns":
        return {"rows": funnels.vote_concentration_by_campaign()}
    if name == "segments":
        rows = snapshots.segment_map()
        return {
            "month": str(snapshots.latest_month() or ""),
            "rows": rows,
            "message": "" if rows else _("Segments are not computed yet: run recompute_analytics."),
        }
    if name == "migration":
        months = snapshots.latest_two_months()
        return snapshots.migration_matrix(from_month=months[0], to_month=months[1])
    raise Http404


FLAT = {
    "participation-by-entity": lambda data: [
        {
            "entity": r["entity"],
            "headcount": r["headcount"],
            **{k: r[k]["percent"] for k in ("logged_in", "voted", "commented", "posted")},
        }
        for r in data["rows"]
    ],
    "participation-over-time": lambda data: data["rows"],
    "pipeline": lambda data: data["stages"],
    "gains": lambda data: (
        [{"by": "theme", **r} for r in data["by_theme"]] + [{"by": "entity", **r} for r in data["by_entity"]]
    ),
    "campaigns": lambda data: data["rows"],
    "segments": lambda data: data["rows"],
    "participation": lambda data: [{"measure": k, **v} for k, v in data.items() if isinstance(v, dict)],
    "migration": lambda data: [
        {"from": a, **dict(zip(data["segments"], row, strict=True))}
        for a, row in zip(data["segments"], data["matrix"], strict=True)
    ],
}


@login_required
@require_GET
def data(request, name, fmt="json"):
    if not _can_see_aggregates(request.user):
        return JsonResponse({"error": _("Aggregates are for executives and community managers.")}, status=403)
    if name == "migration" and not _can_see_people(request.user):
        return JsonResponse({"error": _("Shown to community managers only.")}, status=403)
    try:
        payload = _data(request, name)
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    if fmt == "csv":
        rows = FLAT[name](payload)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        if rows:
            writer = csv.DictWriter(response, fieldnames=list(rows[0].keys()))
            writer.writeheader()
            for row in rows:
                writer.writerow({k: _csv_safe(str(v)) if isinstance(v, str) else v for k, v in row.items()})
        return response
    return JsonResponse(payload)
