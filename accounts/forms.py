from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class SignupExtraForm(forms.Form):
    """Extra fields on allauth's sign-up form."""

    display_name = forms.CharField(label=_("Your name, as colleagues will see it"), max_length=150)

    def signup(self, request, user):
        user.display_name = self.cleaned_data["display_name"].strip()
        user.save(update_fields=["display_name"])


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "job_title", "site", "language", "hide_from_leaderboards"]


class DirectoryImportForm(forms.Form):
    """Admin upload of the HR directory (accounts/directory.py)."""

    file = forms.FileField(
        label=_("Directory file (CSV, UTF-8)"),
        help_text=_(
            "Columns: email, name, entity_path, manager_email, job_title, site, language, roles "
            "(optional: external_id). Entity paths look like Group/Subsidiary A/Dept A1; roles are "
            "separated by semicolons (correspondent; expert; community_manager; executive)."
        ),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: show what would change, write nothing"), required=False, initial=True
    )
    allow_mass_deactivation = forms.BooleanField(
        label=_("Allow mass deactivation (more than half of the people absent from the file)"),
        required=False,
    )
