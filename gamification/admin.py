from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gamification.models import PointEntry, PointRule


class PointRuleForm(forms.ModelForm):
    class Meta:
        model = PointRule
        fields = ["code", "label", "description", "points", "daily_cap", "is_active"]

    def clean_daily_cap(self):
        cap = self.cleaned_data.get("daily_cap")
        if cap is not None and cap < 0:
            raise forms.ValidationError(_("A daily cap cannot be negative."))
        return cap


@admin.register(PointRule)
class PointRuleAdmin(admin.ModelAdmin):
    form = PointRuleForm
    list_display = ["code", "label", "points", "daily_cap", "is_active"]
    list_editable = ["points", "daily_cap", "is_active"]


@admin.register(PointEntry)
class PointEntryAdmin(admin.ModelAdmin):
    """The ledger is read-only in the admin: corrections are reversal rows written by the services."""

    list_display = ["user", "rule", "points", "object_key", "is_reversal", "created_at"]
    list_filter = ["rule", "is_reversal"]
    search_fields = ["user__email", "object_key"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
