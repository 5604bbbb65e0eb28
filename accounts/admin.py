from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

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


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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
