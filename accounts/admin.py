import json
import secrets

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.directory import DirectoryFileError, directory_import
from accounts.forms import DirectoryImportForm
from accounts.models import Domain, DomainCorrespondent, Entity, User
from accounts.services import entity_save

# A previewed file waits here (the cache is Redis in production, shared by every web replica).
PREVIEW_KEY = "directory-import:{token}"
PREVIEW_SECONDS = 3600


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
    change_list_template = "admin/accounts/user/change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_directory_view)
        return [path("import-directory/", view, name="accounts_user_import_directory"), *super().get_urls()]

    def import_directory_view(self, request):
        """Upload the HR directory: a dry run shows the report, then "Apply" imports the same file."""
        if not (request.user.has_perm("accounts.add_user") and request.user.has_perm("accounts.change_user")):
            raise PermissionDenied
        report, error, token = None, None, None
        form = DirectoryImportForm()
        if request.method == "POST" and "apply" in request.POST:
            token = request.POST.get("token", "")
            preview = cache.get(PREVIEW_KEY.format(token=token)) if token.isalnum() else None
            if preview is None:
                messages.error(request, gettext("The preview has expired: upload the file again."))
                return redirect("admin:accounts_user_import_directory")
            cache.delete(PREVIEW_KEY.format(token=token))
            data, allow = preview
            report, error = self._run_import(data, dry_run=False, allow_mass_deactivation=allow)
            token = None
        elif request.method == "POST":
            form = DirectoryImportForm(request.POST, request.FILES)
            if form.is_valid():
                data = form.cleaned_data["file"].read()
                dry_run = form.cleaned_data["dry_run"]
                allow = form.cleaned_data["allow_mass_deactivation"]
                report, error = self._run_import(data, dry_run=dry_run, allow_mass_deactivation=allow)
                if report is not None and dry_run and not (report.warnings and not allow):
                    token = secrets.token_hex(16)
                    cache.set(PREVIEW_KEY.format(token=token), (data, allow), PREVIEW_SECONDS)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import the HR directory"),
            "form": form,
            "report": report,
            "error": error,
            "token": token,
        }
        return TemplateResponse(request, "admin/accounts/user/import_directory.html", context)

    @staticmethod
    def _run_import(data: bytes, *, dry_run: bool, allow_mass_deactivation: bool):
        try:
            report = directory_import(
                data=data, dry_run=dry_run, allow_mass_deactivation=allow_mass_deactivation
            )
            return report, None
        except DirectoryFileError as exc:
            return None, str(exc)


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
