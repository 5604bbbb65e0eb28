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
