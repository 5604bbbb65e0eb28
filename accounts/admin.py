import json

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import Domain, DomainCorrespondent, Entity, User
from accounts.services import entity_save


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "external_id"]
    autocomplete_fields = ["parent"]

    def save_model(self, request, obj, form, change):
        entity_save(entity=obj)


@admin.action(description=_("Export personal data (JSON)"), permissions=["view"])
def export_personal_data(modeladmin, request, queryset):
    """Audited per person, with the admin as the actor."""
    from accounts.privacy import personal_data_export

    people = [personal_data_export(user=user, actor=request.user) for user in queryset.order_by("pk")]
    response = HttpResponse(
        json.dumps(people[0] if len(people) == 1 else people, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="ideabox-personal-data-{timezone.now():%Y%m%d-%H%M%S}.json"'
    )
    response["Cache-Control"] = "no-store"
    return response


@admin.action(description=_("Erase personal data (anonymise)…"), permissions=["change"])
def erase_personal_data(modeladmin, request, queryset):
    """Asks for confirmation first, like Django's own delete action."""
    from accounts.privacy import personal_data_erase

    if request.POST.get("confirm_erase") == "yes":
        people = list(queryset.exclude(pk=request.user.pk))
        for user in people:
            personal_data_erase(user=user, actor=request.user)
        if queryset.filter(pk=request.user.pk).exists():
            modeladmin.message_user(request, _("You cannot erase your own account here."), messages.WARNING)
        modeladmin.message_user(
            request,
            ngettext("%(n)d person erased.", "%(n)d people erased.", len(people)) % {"n": len(people)},
            messages.SUCCESS,
        )
        return None
    return TemplateResponse(
        request,
        "admin/accounts/user/erase_confirmation.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": _("Erase personal data?"),
            "queryset": queryset,
            "opts": modeladmin.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    actions = [export_personal_data, erase_personal_data]
    ordering = ["email"]
    list_display = [
        "email",
        "display_name",
        "entity",
        "manager",
        "is_correspondent",
        "is_expert",
        "is_community_manager",
        "is_executive",
        "is_active",
    ]
    list_filter = [
        "is_correspondent",
        "is_expert",
        "is_community_manager",
        "is_executive",
        "is_staff",
        "is_active",
        "language",
    ]
    search_fields = ["email", "display_name", "job_title", "external_id"]
    autocomplete_fields = ["entity", "manager"]
    list_select_related = ["entity", "manager"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Profile"),
            {"fields": ("display_name", "job_title", "site", "language", "hide_from_leaderboards")},
        ),
        (_("Organisation"), {"fields": ("entity", "manager", "external_id", "is_claimed")}),
        (_("Roles"), {"fields": ("is_correspondent", "is_expert", "is_community_manager", "is_executive")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined", "erased_at")}),
    )
    readonly_fields = ["erased_at", "last_login"]
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "display_name", "password1", "password2")}),
    )


class DomainCorrespondentInline(admin.TabularInline):
    model = DomainCorrespondent
    extra = 1
    autocomplete_fields = ["user", "entity"]


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["name", "sla_days", "community_manager", "shortlist_vote_threshold"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
    autocomplete_fields = ["community_manager"]
    inlines = [DomainCorrespondentInline]


@admin.register(DomainCorrespondent)
class DomainCorrespondentAdmin(admin.ModelAdmin):
    list_display = ["user", "domain", "entity", "is_backup"]
    list_filter = ["domain", "is_backup"]
    autocomplete_fields = ["user", "entity", "domain"]
