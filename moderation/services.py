"""Moderation writes beyond a plain decision: merge and its undo, expert scorecards, gains,
content reports. State changes still go through moderation.workflow.transition."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.notifications import notify
from ideas.fragments import listed_changed
from ideas.models import Comment, Follow, Idea, IdeaLink, IdeaState, Vote
from ideas.realtime import broadcast_idea_updated
from moderation import workflow
from moderation.models import ContentReport, ExpertAssessment, MergeRecord

S = IdeaState
REPORTS_TO_HIDE = 3


def decision_record(
    *,
    idea: Idea,
    actor: User,
    to_state: str,
    reason: str = "",
    expected_version: int | None = None,
    realised_gain: Decimal | None = None,
) -> Idea:
    """A correspondent's or executive's decision (publish, request changes, reject, shortlist,
    start analysis, project, pilot, deploy, decline). The decision and its gain land together or
    not at all: a gain refused after the idea moved used to leave it deployed without one."""
    if realised_gain is not None and to_state == S.DEPLOYED:
        realised_gain = _checked_gain(realised_gain)
    with transaction.atomic():
        idea = workflow.transition(
            idea=idea, actor=actor, to_state=to_state, reason=reason, expected_version=expected_version
        )
        if realised_gain is not None and to_state == S.DEPLOYED:
            gain_record(idea=idea, actor=actor, realised_gain=realised_gain)
    return idea


GAIN_MAX = Decimal("999999999999.99")  # the column: 14 digits, 2 after the point


def _checked_gain(value: Decimal) -> Decimal:
    """A finite amount between 0 and GAIN_MAX, rounded to the cent ("NaN" and "1E+9999" parse as
    decimals: comparing the first raised, storing the second overflowed the column)."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValidationError({"realised_gain": _("The realised gain must be a number.")})
    if value < 0:
        raise ValidationError({"realised_gain": _("A gain cannot be negative.")})
    if value > GAIN_MAX + Decimal("0.005"):  # rounded to the cent below
        raise ValidationError(
            {"realised_gain": _("A gain is at most %(max)s EUR a year.") % {"max": f"{GAIN_MAX:,.2f}"}}
        )
    return min(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), GAIN_MAX)


def gain_record(*, idea: Idea, actor: User, realised_gain: Decimal) -> Idea:
    if not actor.is_executive:
        raise PermissionDenied(_("Only executives record realised gains."))
    if idea.state != S.DEPLOYED:
        raise ValidationError(_("A realised gain is recorded once the idea is deployed."))
    realised_gain = _checked_gain(realised_gain)
    Idea.objects.filter(pk=idea.pk).update(realised_gain=realised_gain, updated_at=timezone.now())
    idea.realised_gain = realised_gain
    return idea


@transaction.atomic
def idea_merge(
    *, source: Idea, target: Idea, actor: User, expected_version: int | None = None
) -> MergeRecord:
    """Merges ``source`` (a duplicate) into ``target``: votes move without double counting a voter,
    followers move, a link stays, everyone affected is told. ``merge_undo`` reverses it exactly."""
    if source.pk == target.pk:
        raise ValidationError({"target": _("An idea cannot be merged into itself.")})
    target = Idea.objects.select_for_update().get(pk=target.pk)
    if target.state not in (S.PUBLISHED, S.SHORTLISTED, S.IN_ANALYSIS, S.PROJECT, S.PILOT):
        raise ValidationError({"target": _("Merge into a published idea.")})
    source_state = Idea.objects.filter(pk=source.pk).values_list("state", flat=True).first()
    existing_voters = set(Vote.objects.filter(idea=target).values_list("voter_id", flat=True))
    source_voters = set(Vote.objects.filter(idea=source).values_list("voter_id", flat=True))
    moved_voters = sorted(source_voters - existing_voters - {target.author_id})
    existing_followers = set(Follow.objects.filter(idea=target).values_list("user_id", flat=True))
    moved_followers = sorted(
        set(Follow.objects.filter(idea=source).values_list("user_id", flat=True)) - existing_followers
    )
    source = workflow.transition(
        idea=source,
        actor=actor,
        to_state=S.MERGED,
        reason=_("Merged into #%(id)d") % {"id": target.pk},
        expected_version=expected_version,
        via="merge",
    )
    Idea.objects.filter(pk=source.pk).update(merged_into=target)
    Vote.objects.bulk_create([Vote(idea=target, voter_id=pk) for pk in moved_voters], ignore_conflicts=True)
    Follow.objects.bulk_create(
        [Follow(idea=target, user_id=pk) for pk in moved_followers], ignore_conflicts=True
    )
    IdeaLink.objects.get_or_create(source=target, target=source, kind=IdeaLink.Kind.MERGED_INTO)
    _recount(target)
    record = MergeRecord.objects.create(
        source=source,
        target=target,
        actor=actor,
        source_state=source_state,
        moved_voter_ids=moved_voters,
        moved_follower_ids=moved_followers,
    )
    affected = {source.author_id, target.author_id, *source_voters, *moved_followers}
    title, target_title = source.title, target.title
    notify(
        recipient_ids=affected,
        kind="state_change",
        event_key=f"merge:{record.pk}",
        text=lambda: (
            _("“%(a)s” was merged into “%(b)s”: the discussion continues there.")
            % {"a": title, "b": target_title}
        ),
        url=target.get_absolute_url(),
        idea_id=target.pk,
        exclude_ids=[actor.pk],
    )
    broadcast_idea_updated(idea_id=target.pk)
    return record


def _recount(idea: Idea) -> None:
    Idea.objects.filter(pk=idea.pk).update(
        vote_count=Vote.objects.filter(idea=idea).count(),
        follower_count=Follow.objects.filter(idea=idea).count(),
        comment_count=Comment.objects.filter(idea=idea, deleted_at__isnull=True).count(),
    )


@transaction.atomic
def merge_undo(*, record: MergeRecord, actor: User) -> Idea:
    """Restores both ideas exactly as they were before the merge."""
    record = MergeRecord.objects.select_for_update().get(pk=record.pk)
    if record.undone_at:
        raise ValidationError(_("This merge was already undone."))
    source = Idea.objects.get(pk=record.source_id)
    workflow.transition(
        idea=source, actor=actor, to_state=record.source_state, reason=_("Merge undone"), via="merge_undo"
    )
    Idea.objects.filter(pk=source.pk).update(merged_into=None)
    Vote.objects.filter(idea_id=record.target_id, voter_id__in=record.moved_voter_ids).delete()
    Follow.objects.filter(idea_id=record.target_id, user_id__in=record.moved_follower_ids).delete()
    IdeaLink.objects.filter(
        source_id=record.target_id, target_id=source.pk, kind=IdeaLink.Kind.MERGED_INTO
    ).delete()
    target = Idea.objects.get(pk=record.target_id)
    _recount(target)
    record.undone_at = timezone.now()
    record.save(update_fields=["undone_at"])
    broadcast_idea_updated(idea_id=target.pk)
    source.refresh_from_db()
    return source


# --- Analysis -------------------------------------------------------------------------------
@transaction.atomic
def experts_assign(*, idea: Idea, actor: User, experts: list[User]) -> list[ExpertAssessment]:
    roles = workflow.roles_for(user=actor, idea=idea)
    if not roles & {workflow.CORRESPONDENT, workflow.COMMUNITY_MANAGER}:
        raise PermissionDenied(_("Only the correspondent or a community manager assigns experts."))
    if idea.state not in (S.SHORTLISTED, S.IN_ANALYSIS):
        raise ValidationError(_("Experts are assigned to a shortlisted idea or one in analysis."))
    if not experts:
        raise ValidationError({"experts": _("Choose at least one expert.")})
    from moderation.routing import ineligible_ids

    excluded = ineligible_ids(idea=idea)
    created = []
    for expert in experts:
        if expert.pk in excluded:
            raise ValidationError(
                {
                    "experts": _("%(name)s is the author or in the author's management chain.")
                    % {"name": expert.display_name}
                }
            )
        assessment, was_created = ExpertAssessment.objects.get_or_create(
            idea=idea, expert=expert, defaults={"assigned_by": actor}
        )
        if was_created:
            created.append(assessment)
            title = idea.title
            notify(
                recipient_ids=[expert.pk],
                kind="assignment",
                event_key=f"assess:{assessment.pk}",
                text=lambda title=title: _("Your assessment is requested on “%(title)s”") % {"title": title},
                url=idea.get_absolute_url(),
                idea_id=idea.pk,
            )
        if not expert.is_expert:
            User.objects.filter(pk=expert.pk).update(is_expert=True)
    if idea.state == S.SHORTLISTED:
        workflow.transition(idea=idea, actor=actor, to_state=S.IN_ANALYSIS)
    return created


SCORE_FIELDS = ("value", "cost", "feasibility", "risk")


@transaction.atomic
def assessment_submit(*, idea: Idea, expert: User, scores: dict, comment: str = "") -> ExpertAssessment:
    assessment = ExpertAssessment.objects.select_for_update().filter(idea=idea, expert=expert).first()
    if assessment is None:
        raise PermissionDenied(_("You were not asked to assess this idea."))
    if idea.state != S.IN_ANALYSIS:
        raise ValidationError(_("This idea is no longer in analysis."))
    errors = {}
    for name in SCORE_FIELDS:
        value = scores.get(name)
        if not isinstance(value, int) or not 1 <= value <= 5:
            errors[name] = _("Give a score from 1 to 5.")
    if errors:
        raise ValidationError(errors)
    for name in SCORE_FIELDS:
        setattr(assessment, name, scores[name])
    assessment.comment = (comment or "").strip()[:5000]
    assessment.submitted_at = timezone.now()
    assessment.save()
    return assessment


# --- Content reports ------------------------------------------------------------------------
@transaction.atomic
def report_create(
    *, reporter: User, reason: str, idea: Idea | None = None, comment: Comment | None = None
) -> ContentReport:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say what is wrong with this content.")})
    if (idea is None) == (comment is None):
        raise ValidationError(_("Report an idea or a comment."))
    report, _created = ContentReport.objects.get_or_create(
        reporter=reporter, idea=idea, comment=comment, defaults={"reason": reason[:2000]}
    )
    target = {"idea": idea} if idea else {"comment": comment}
    reporters = (
        ContentReport.objects.filter(status=ContentReport.Status.OPEN, **target).values("reporter").distinct()
    )
    if reporters.count() >= REPORTS_TO_HIDE:
        if idea is not None:
            Idea.objects.filter(pk=idea.pk).update(is_hidden=True)
            listed_changed()
        else:
            Comment.objects.filter(pk=comment.pk).update(is_hidden=True)
    return report


@transaction.atomic
def report_review(
    *, actor: User, decision: str, reason: str, idea: Idea | None = None, comment: Comment | None = None
) -> int:
    """Restores or removes reported content; every open report on it is closed with the reason."""
    if not (actor.is_community_manager or actor.is_correspondent):
        raise PermissionDenied(_("Only correspondents and community managers review reports."))
    if decision not in (ContentReport.Status.RESTORED, ContentReport.Status.REMOVED):
        raise ValidationError({"decision": _("Choose restore or remove.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason of your decision.")})
    if (idea is None) == (comment is None):
        raise ValidationError(_("Review an idea or a comment."))
    target = {"idea": idea} if idea else {"comment": comment}
    # Only reported content is reviewed here: without this check any correspondent could hide (or
    # bring back) any idea or comment, a draft included, by posting its number to the review form.
    open_reports = ContentReport.objects.filter(status=ContentReport.Status.OPEN, **target)
    if not open_reports.exists():
        raise ValidationError(_("There is no open report on this content: nothing to review."))
    removed = decision == ContentReport.Status.REMOVED
    if idea is not None:
        Idea.objects.filter(pk=idea.pk).update(is_hidden=removed)
        listed_changed()
        if removed:
            from gamification.services import reverse_for_idea

            reverse_for_idea(idea_id=idea.pk)
    else:
        Comment.objects.filter(pk=comment.pk).update(is_hidden=removed)
        if removed:
            from gamification import events

            events.on_comment_deleted(comment=comment)
            Idea.objects.filter(pk=comment.idea_id, comment_count__gt=0).update(
                comment_count=F("comment_count") - 1
            )
    return open_reports.update(
        status=decision, reviewed_by=actor, reviewed_at=timezone.now(), review_reason=reason.strip()[:2000]
    )
