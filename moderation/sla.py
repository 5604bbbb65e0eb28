"""The moderation SLA in working days (Monday to Friday): the clock on each queued idea, the
reminder at 80% and the escalation past 100% (run by Celery beat), and the public median time to
first answer per domain."""

from __future__ import annotations

import statistics
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Domain, DomainCorrespondent
from accounts.notifications import notify
from ideas.models import Idea, IdeaState
from moderation.models import Assignment

REMINDER_SHARE = 0.8


def working_days_between(start: datetime, end: datetime) -> float:
    """Working time elapsed between two instants, in days, counting only Monday to Friday (local
    wall-clock time). Constant time: the pipeline dashboard asks it for every queued idea."""
    if end <= start:
        return 0.0
    start = timezone.localtime(start).replace(tzinfo=None)
    end = timezone.localtime(end).replace(tzinfo=None)
    if start.date() == end.date():
        return (end - start).total_seconds() / 86400 if start.weekday() < 5 else 0.0
    day = timedelta(days=1)
    total = 0.0
    if start.weekday() < 5:  # the rest of the first day
        total += (datetime.combine(start.date() + day, time()) - start).total_seconds() / 86400
    if end.weekday() < 5:  # the beginning of the last one
        total += (end - datetime.combine(end.date(), time())).total_seconds() / 86400
    between = (end.date() - start.date()).days - 1  # whole days in between
    weeks, rest = divmod(between, 7)
    first = (start.weekday() + 1) % 7
    return total + weeks * 5 + sum(1 for n in range(rest) if (first + n) % 7 < 5)


def annotate_clock(ideas) -> None:
    now = timezone.now()
    for idea in ideas:
        since = idea.assigned_at or idea.submitted_at or idea.created_at
        used = working_days_between(since, now)
        sla_days = idea.domain.sla_days if idea.domain_id else 5
        idea.sla_used = round(used, 1)
        idea.sla_days = sla_days
        idea.sla_share = used / sla_days if sla_days else 0
        idea.sla_late = used > sla_days


def _deadline_share(assignment: Assignment, now: datetime) -> float:
    sla_days = assignment.idea.domain.sla_days if assignment.idea.domain_id else 5
    return working_days_between(assignment.assigned_at, now) / sla_days


def run_sla_checks(*, now: datetime | None = None) -> dict:
    """Sends each reminder and each escalation once (their timestamps are the guard)."""
    now = now or timezone.now()
    reminded = escalated = 0
    open_assignments = Assignment.objects.filter(
        closed_at__isnull=True, idea__state=IdeaState.SUBMITTED
    ).select_related("idea__domain")
    for assignment in open_assignments:
        share = _deadline_share(assignment, now)
        idea = assignment.idea
        if share >= 1 and assignment.escalated_at is None:
            with transaction.atomic():
                if Assignment.objects.filter(pk=assignment.pk, escalated_at__isnull=True).update(
                    escalated_at=now
                ):
                    _escalate(assignment=assignment, idea=idea)
                    escalated += 1
        elif share >= REMINDER_SHARE and assignment.reminded_at is None and assignment.escalated_at is None:
            with transaction.atomic():
                if Assignment.objects.filter(pk=assignment.pk, reminded_at__isnull=True).update(
                    reminded_at=now
                ):
                    title = idea.title
                    notify(
                        recipient_ids=[assignment.correspondent_id],
                        kind="sla_reminder",
                        event_key=f"sla-reminder:{assignment.pk}",
                        text=lambda title=title: (
                            _("Reminder: “%(title)s” is waiting for your answer.") % {"title": title}
                        ),
                        url=idea.get_absolute_url(),
                        idea_id=idea.pk,
                    )
                    reminded += 1
    return {"reminded": reminded, "escalated": escalated}


def _escalate(*, assignment: Assignment, idea: Idea) -> None:
    from moderation.routing import assign, ineligible_ids

    excluded = ineligible_ids(idea=idea) | {assignment.correspondent_id}
    backup = (
        DomainCorrespondent.objects.filter(domain_id=idea.domain_id, is_backup=True, user__is_active=True)
        .exclude(user_id__in=excluded)
        .select_related("user")
        .order_by("user_id")
        .first()
    )
    manager_id = idea.domain.community_manager_id if idea.domain_id else None
    if backup is not None:
        new = assign(idea=idea, correspondent=backup.user, reason="SLA escalation")
        Assignment.objects.filter(pk=new.pk).update(escalated_at=timezone.now())
    title = idea.title
    recipients = [
        pk for pk in (backup.user_id if backup else None, manager_id, assignment.correspondent_id) if pk
    ]
    notify(
        recipient_ids=recipients,
        kind="sla_reminder",
        event_key=f"sla-escalation:{assignment.pk}",
        text=lambda: _("Escalation: “%(title)s” has waited past its deadline.") % {"title": title},
        url=idea.get_absolute_url(),
        idea_id=idea.pk,
    )


def median_first_answer_by_domain() -> list[dict]:
    rows = []
    for domain in Domain.objects.order_by("name"):
        pairs = Idea.objects.filter(
            domain=domain, first_answered_at__isnull=False, submitted_at__isnull=False
        ).values_list("submitted_at", "first_answered_at")[:5000]
        durations = [working_days_between(a, b) for a, b in pairs]
        waiting = Idea.objects.filter(domain=domain, state=IdeaState.SUBMITTED).count()
        rows.append(
            {
                "domain": domain,
                "median": round(statistics.median(durations), 1) if durations else None,
                "answered": len(durations),
                "waiting": waiting,
                "sla_days": domain.sla_days,
            }
        )
    return rows


def add_working_days(start: date, days: int) -> date:
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current
