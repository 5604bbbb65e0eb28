from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from ideas.models import Campaign, Comment, Idea, IdeaState, Tag, Theme


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "domain"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["title", "starts_at", "ends_at", "theme", "sponsor"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["sponsor", "entity"]
    search_fields = ["title"]

    def save_model(self, request, obj, form, change):
        from ideas.rendering import render_markdown

        obj.description_html = render_markdown(obj.description)
        super().save_model(request, obj, form, change)


def _move(modeladmin, request, queryset, to_state):
    """Admin actions go through the one state machine, like pages and the API."""
    from moderation.workflow import transition

    done = refused = 0
    for idea in queryset:
        try:
            transition(idea=idea, actor=request.user, to_state=to_state)
            done += 1
        except (ValidationError, PermissionDenied):
            refused += 1
    level = messages.SUCCESS if not refused else messages.WARNING
    modeladmin.message_user(
        request,
        _("%(done)d moved, %(refused)d refused by the workflow.") % {"done": done, "refused": refused},
        level,
    )


@admin.action(description=_("Publish (through the workflow)"))
def publish(modeladmin, request, queryset):
    _move(modeladmin, request, queryset, IdeaState.PUBLISHED)


@admin.action(description=_("Shortlist (through the workflow)"))
def shortlist(modeladmin, request, queryset):
    _move(modeladmin, request, queryset, IdeaState.SHORTLISTED)


@admin.register(Idea)
class IdeaAdmin(admin.ModelAdmin):
    list_display = ["title", "state", "author", "domain", "assignee", "vote_count", "created_at"]
    list_filter = ["state", "domain", "theme"]
    search_fields = ["title", "external_id"]
    list_select_related = ["author", "domain", "assignee"]
    autocomplete_fields = ["author", "target_entity", "campaign"]
    # The state is never edited here: moderation.workflow owns it.
    readonly_fields = [
        "state",
        "assignee",
        "version",
        "vote_count",
        "comment_count",
        "created_at",
        "published_at",
    ]
    exclude = ["co_authors", "tags"]
    actions = [publish, shortlist]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["idea", "author", "created_at", "deleted_at", "is_hidden"]
    search_fields = ["body"]
    list_select_related = ["idea", "author"]
    raw_id_fields = ["idea", "author", "parent"]
