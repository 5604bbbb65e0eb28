from django.contrib import admin

from moderation.models import Assignment, ContentReport, ExpertAssessment, Transition


@admin.register(Transition)
class TransitionAdmin(admin.ModelAdmin):
    """The audit log: readable, never editable or deletable."""

    list_display = ["idea", "from_state", "to_state", "actor", "actor_role", "at"]
    list_filter = ["to_state", "actor_role"]
    list_select_related = ["idea", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["idea", "correspondent", "assigned_at", "closed_at", "flagged"]
    list_select_related = ["idea", "correspondent"]
    readonly_fields = [
        "idea",
        "correspondent",
        "assigned_at",
        "closed_at",
        "flagged",
        "reminded_at",
        "escalated_at",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(ExpertAssessment)
class ExpertAssessmentAdmin(admin.ModelAdmin):
    list_display = ["idea", "expert", "value", "cost", "feasibility", "risk", "submitted_at"]
    list_select_related = ["idea", "expert"]


@admin.register(ContentReport)
class ContentReportAdmin(admin.ModelAdmin):
    list_display = ["reporter", "idea", "comment", "status", "created_at"]
    list_filter = ["status"]
    readonly_fields = [
        "reporter",
        "idea",
        "comment",
        "reason",
        "status",
        "reviewed_by",
        "reviewed_at",
        "review_reason",
    ]
