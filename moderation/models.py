"""The idea pipeline's records: the append-only audit log, assignments, expert scorecards, reports."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ideas.models import Idea, IdeaState


class TransitionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only")

    def delete(self):
        raise PermissionError("The audit log is append-only")


class Transition(models.Model):
    """One state change of an idea. Append-only: written by moderation.workflow, never edited."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="transitions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_role = models.CharField(max_length=30)
    from_state = models.CharField(max_length=20, choices=IdeaState.choices)
    to_state = models.CharField(max_length=20, choices=IdeaState.choices)
    reason = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    snapshot_hash = models.CharField(max_length=64)

    objects = TransitionQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["idea", "at"], name="transition_idea_at_idx")]

    def __str__(self) -> str:
        return f"{self.idea_id}: {self.from_state} → {self.to_state}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only")


class Assignment(models.Model):
    """Who moderates an idea, and since when. The open one is also on Idea.assignee for fast queues."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="assignments")
    correspondent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    flagged = models.BooleanField(
        default=False, help_text=_("No eligible correspondent: sent to the community manager.")
    )
    reason = models.CharField(max_length=200, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assigned_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["idea"], condition=Q(closed_at__isnull=True), name="one_open_assignment"
            ),
        ]
        indexes = [models.Index(fields=["correspondent", "closed_at"], name="assignment_open_idx")]

    def __str__(self) -> str:
        return f"{self.idea_id} → {self.correspondent_id}"


class ExpertAssessment(models.Model):
    """An expert's weighted scorecard on an idea in analysis (scores 1 to 5)."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="assessments")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assessments")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    value = models.PositiveSmallIntegerField(_("value"), null=True, blank=True)
    cost = models.PositiveSmallIntegerField(_("cost (5 = cheap)"), null=True, blank=True)
    feasibility = models.PositiveSmallIntegerField(_("feasibility"), null=True, blank=True)
    risk = models.PositiveSmallIntegerField(_("risk (5 = safe)"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["idea", "expert"], name="assessment_once_per_expert"),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{f}__isnull": True}) | Q(**{f"{f}__range": (1, 5)}),
                    name=f"assessment_{f}_1_5",
                )
                for f in ("value", "cost", "feasibility", "risk")
            ],
        ]

    def __str__(self) -> str:
        return f"{self.expert_id} on {self.idea_id}"


class MergeRecord(models.Model):
    """What a merge moved, so that it can be undone exactly."""

    source = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_state = models.CharField(max_length=20, choices=IdeaState.choices)
    moved_voter_ids = models.JSONField(default=list)
    moved_follower_ids = models.JSONField(default=list)
    at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.source_id} merged into {self.target_id}"


class ContentReport(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESTORED = "restored", _("Restored")
        REMOVED = "removed", _("Removed")

    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    idea = models.ForeignKey(Idea, null=True, blank=True, on_delete=models.CASCADE, related_name="reports")
    comment = models.ForeignKey(
        "ideas.Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(idea__isnull=False, comment__isnull=True)
                | Q(idea__isnull=True, comment__isnull=False),
                name="report_one_target",
            ),
            models.UniqueConstraint(
                fields=["reporter", "idea"], condition=Q(idea__isnull=False), name="report_idea_once"
            ),
            models.UniqueConstraint(
                fields=["reporter", "comment"], condition=Q(comment__isnull=False), name="report_comment_once"
            ),
        ]

    def __str__(self) -> str:
        return f"report by {self.reporter_id}: {self.status}"
