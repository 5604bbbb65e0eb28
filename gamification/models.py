"""The points ledger and its rules."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PointRule(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=200)
    description = models.CharField(_("in plain words"), max_length=300, blank=True)
    points = models.IntegerField(_("points"))
    daily_cap = models.PositiveIntegerField(
        _("daily cap (points)"), null=True, blank=True, help_text=_("Empty: no cap.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.label


class PointEntry(models.Model):
    """One award or one reversal. (user, rule, object, is_reversal) is unique: never twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="point_entries")
    rule = models.CharField(max_length=40)
    points = models.IntegerField()
    object_key = models.CharField(max_length=100)
    is_reversal = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    idea_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "rule", "object_key", "is_reversal"], name="award_once"),
            models.CheckConstraint(
                condition=Q(is_reversal=False) | Q(points__lte=0), name="reversal_not_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "created_at"], name="points_user_created_idx"),
            models.Index(fields=["created_at"], name="points_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.rule} {self.points:+d}"
