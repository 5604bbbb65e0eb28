"""Moderation pages: the correspondent's queue, decisions, merge, experts, the executive pipeline,
content reports and the public SLA page."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Domain, User
from config.params import as_id, local_url
from config.ratelimit import rate_limit_hit
from ideas.models import Comment, Idea, IdeaState
from ideas.selectors import idea_get_for_user
from moderation import routing, selectors, services, sla
from moderation.models import ContentReport, ExpertAssessment, MergeRecord
from moderation.workflow import IdeaMoved

S = IdeaState
PIPELINE_COLUMN_SIZE = 25


def _error_text(error) -> str:
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return " ".join(" ".join(m) for m in error.message_dict.values())
        return " ".join(error.messages)
    return str(error) or _("You are not allowed to do this.")


@login_required
@require_GET
def queue(request):
    if not (request.user.is_correspondent or request.user.is_community_manager):
        raise PermissionDenied(_("The queue is for functional correspondents."))
    ideas = selectors.queue_for(user=request.user)
    domain, entity, state = (
        as_id(request.GET.get("domain")),
        as_id(request.GET.get("entity")),
        request.GET.get("state"),
    )
    if domain:
        ideas = ideas.filter(domain_id=domain)
    if entity:
        ideas = ideas.filter(target_entity_id=entity)
    if state in (S.SUBMITTED,):
        ideas = ideas.filter(state=state)
    page = Paginator(ideas, 30).get_page(request.GET.get("page"))
    sla.annotate_clock(page.object_list)
    return render(
        request,
        "moderation/queue.html",
        {
            "page": page,
            "domains": Domain.objects.filter(memberships__user=request.user).distinct(),
            "flagged": Idea.objects.filter(assignment_flagged=True, state=S.SUBMITTED).count()
            if request.user.is_community_manager
            else None,
            "reports_open": ContentReport.objects.filter(status=ContentReport.Status.OPEN).count(),
        },
    )


@login_required
@require_POST
def decide(request, pk):
    idea = idea_get_for_user(user=request.user, idea_id=pk)
    gain = None
    if request.POST.get("realised_gain"):
        try:
            gain = Decimal(request.POST["realised_gain"])
        except InvalidOperation:
            messages.error(request, _("The realised gain must be a number."))
            return redirect(idea)
    try:
        services.decision_record(
            idea=idea,
            actor=request.user,
            to_state=request.POST.get("to_state", ""),
            reason=request.POST.get("reason", ""),
            expected_version=as_id(request.POST.get("version")),
            realised_gain=gain,
        )
    except IdeaMoved as error:
        messages.warning(request, _error_text(error))
        return redirect(idea)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
        return redirect(idea)
    messages.success(request, _("Decision recorded; the author is notified."))
    return redirect(local_url(request, request.POST.get("next")) or idea.get_absolute_url())


@login_required
@require_POST
def bulk_decide(request):
    """Bulk publish from the queue (the only decision that needs no reason)."""
    ids = [pk for pk in map(as_id, request.POST.getlist("ideas")) if pk][:100]
    done = failed = 0
    for idea in Idea.objects.filter(pk__in=ids, assignee=request.user):
        try:
            services.decision_record(idea=idea, actor=request.user, to_state=S.PUBLISHED)
            done += 1
        except (ValidationError, PermissionDenied):
            failed += 1
    messages.info(request, _("%(done)d published, %(failed)d refused.") % {"done": done, "failed": failed})
    return redirect("moderation:queue")


@login_required
@require_POST
def merge(request, pk):
    idea = idea_get_for_user(user=request.user, idea_id=pk)
    target_id = as_id(request.POST.get("target"))
    target = Idea.objects.filter(pk=target_id).first() if target_id else None
    if target is None:
        messages.error(request, _("Give the number of the idea to merge into."))
        return redirect(idea)
    try:
        services.idea_merge(
            source=idea,
            target=target,
            actor=request.user,
            expected_version=as_id(request.POST.get("version")),
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
        return redirect(idea)
    messages.success(request, _("Merged. You can undo it from the idea's page."))
    return redirect(target)


@login_required
@require_POST
def merge_undo(request, record_pk):
    record = get_object_or_404(MergeRecord, pk=record_pk)
    idea_get_for_user(user=request.user, idea_id=record.source_id)
    try:
        source = services.merge_undo(record=record, actor=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
        return redirect("ideas:detail", pk=record.source_id)
    messages.success(request, _("Merge undone: both ideas are back as they were."))
    return redirect(source)


@login_required
@require_POST
def reassign(request, pk):
    idea = idea_get_for_user(user=request.user, idea_id=pk)
    to_user = User.objects.filter(email__iexact=request.POST.get("email", "").strip(), is_active=True).first()
    if to_user is None:
        messages.error(request, _("No active person has this e-mail address."))
        return redirect(idea)
    try:
        routing.reassign(
            idea=idea, actor=request.user, to_user=to_user, reason=request.POST.get("reason", "")
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
        return redirect(idea)
    messages.success(request, _("Reassigned to %(name)s.") % {"name": to_user.display_name})
    return redirect("moderation:queue")


@login_required
@require_POST
def assign_experts(request, pk):
    idea = idea_get_for_user(user=request.user, idea_id=pk)
    emails = [e.strip().lower() for e in request.POST.get("experts", "").split(",") if e.strip()]
    experts = list(User.objects.filter(email__in=emails, is_active=True))
    unknown = set(emails) - {u.email.lower() for u in experts}
    if unknown:
        messages.error(request, _("Unknown: %(list)s") % {"list": ", ".join(sorted(unknown))})
        return redirect(idea)
    try:
        services.experts_assign(idea=idea, actor=request.user, experts=experts)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
        return redirect(idea)
    messages.success(request, _("Experts asked for their assessment."))
    return redirect(idea)


@login_required
@require_POST
def assess(request, pk):
    idea = idea_get_for_user(user=request.user, idea_id=pk)
    scores = {name: as_id(request.POST.get(name)) for name in services.SCORE_FIELDS}
    try:
        services.assessment_submit(
            idea=idea, expert=request.user, scores=scores, comment=request.POST.get("comment", "")
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
        return redirect(idea)
    messages.success(request, _("Thank you: your assessment is recorded."))
    return redirect(idea)


@login_required
@require_GET
def assessments(request):
    rows = (
        ExpertAssessment.objects.filter(expert=request.user)
        .select_related("idea")
        .order_by("submitted_at", "-assigned_at")
    )
    return render(request, "moderation/assessments.html", {"rows": rows})


@login_required
@require_GET
def pipeline(request):
    if not (request.user.is_executive or request.user.is_community_manager):
        raise PermissionDenied(_("The pipeline board is for executives and community managers."))
    columns = []
    for state in (S.SHORTLISTED, S.IN_ANALYSIS, S.PROJECT, S.PILOT, S.DEPLOYED, S.DECLINED):
        ideas = list(
            Idea.objects.filter(state=state)
            .select_related("theme", "target_entity")
            .order_by("-vote_count", "-id")[:PIPELINE_COLUMN_SIZE]
        )
        count = Idea.objects.filter(state=state).count()
        # A full column links to the idea list filtered on its state, which shows them all.
        columns.append(
            {
                "state": state,
                "label": S(state).label,
                "ideas": ideas,
                "count": count,
                "more": count > len(ideas),
            }
        )
    scores = selectors.scorecards_for([idea.pk for column in columns for idea in column["ideas"]])
    for column in columns:
        for idea in column["ideas"]:
            idea.score = scores.get(idea.pk)
    return render(request, "moderation/pipeline.html", {"columns": columns})


@login_required
@require_POST
def report(request, kind, pk):
    if kind not in ("idea", "comment"):
        raise Http404
    if kind == "idea":
        target = {"idea": idea_get_for_user(user=request.user, idea_id=pk)}
        back = target["idea"]
    else:
        comment = get_object_or_404(Comment, pk=pk)
        back = idea_get_for_user(user=request.user, idea_id=comment.idea_id)
        target = {"comment": comment}
    rate_limit_hit(action="report", user=request.user)
    try:
        services.report_create(reporter=request.user, reason=request.POST.get("reason", ""), **target)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Thank you. The moderators will look at it."))
    return redirect(back)


@login_required
def reports(request):
    if not (request.user.is_community_manager or request.user.is_correspondent):
        raise PermissionDenied(_("The review queue is for correspondents and community managers."))
    if request.method == "POST":
        idea = Idea.objects.filter(pk=as_id(request.POST.get("idea"))).first()
        comment = Comment.objects.filter(pk=as_id(request.POST.get("comment"))).first()
        try:
            services.report_review(
                actor=request.user,
                decision=request.POST.get("decision", ""),
                reason=request.POST.get("reason", ""),
                idea=idea if not comment else None,
                comment=comment,
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("Review recorded."))
        return redirect("moderation:reports")
    open_reports = (
        ContentReport.objects.filter(status=ContentReport.Status.OPEN)
        .values("idea_id", "comment_id")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    items = []
    for row in open_reports[:100]:
        item = {"n": row["n"], "idea": None, "comment": None}
        if row["idea_id"]:
            item["idea"] = Idea.objects.filter(pk=row["idea_id"]).first()
        else:
            item["comment"] = (
                Comment.objects.select_related("idea", "author").filter(pk=row["comment_id"]).first()
            )
        item["reasons"] = list(
            ContentReport.objects.filter(
                status=ContentReport.Status.OPEN, idea_id=row["idea_id"], comment_id=row["comment_id"]
            ).values_list("reason", flat=True)[:5]
        )
        items.append(item)
    return render(request, "moderation/reports.html", {"items": items})


@login_required
@require_GET
def sla_page(request):
    return render(request, "moderation/sla.html", {"rows": sla.median_first_answer_by_domain()})
