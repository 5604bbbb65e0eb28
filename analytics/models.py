"""Usage records (visits, idea views) and monthly segment snapshots."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Visit(models.Model):
    """One row per person per day they used the product (web or API)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="visits")
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="visit_once_per_day")]
        indexes = [models.Index(fields=["day"], name="visit_day_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.day}"


class IdeaView(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    idea = models.ForeignKey("ideas.Idea", on_delete=models.CASCADE, related_name="views")
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "idea", "day"], name="idea_view_once_per_day")]

    def __str__(self) -> str:
        return f"{self.user_id} viewed {self.idea_id} on {self.day}"


class SegmentSnapshot(models.Model):
    """A person's segments for one month, with the figures that put them there."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="segment_snapshots"
    )
    month = models.DateField()
    segments = models.JSONField(default=list)
    reasons = models.JSONField(default=dict)
    influence = models.FloatField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "month"], name="segment_snapshot_unique")]
        indexes = [models.Index(fields=["month"], name="segment_month_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.month:%Y-%m}: {', '.join(self.segments)}"


class SegmentMessage(models.Model):
    """A community manager's message to everyone in a segment (in-app and e-mail)."""

    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    segment = models.CharField(max_length=30)
    month = models.DateField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    reached = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.subject} → {self.segment}"
