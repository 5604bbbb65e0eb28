"""allauth customised: sign-up only for company e-mail domains, SSO mapped to the HR directory."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from config.tasks import delay_or_run


def email_domain_allowed(email: str) -> bool:
    domain = email.rsplit("@", 1)[-1].lower() if "@" in email else ""
    return domain in settings.COMPANY_EMAIL_DOMAINS


def domain_error_message() -> str:
    domains = ", ".join("@" + d for d in settings.COMPANY_EMAIL_DOMAINS)
    return _("Sign-up is reserved for company addresses (%(domains)s). Use your work e-mail.") % {
        "domains": domains
    }


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return bool(settings.COMPANY_EMAIL_DOMAINS) and not settings.SOCIALACCOUNT_ONLY

    def clean_email(self, email: str) -> str:
        email = super().clean_email(email)
        if not email_domain_allowed(email):
            raise ValidationError(domain_error_message())
        return email

    def populate_username(self, request, user) -> None:
        # No username field: e-mail is the login.
        return None

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        if not user.display_name:
            user.display_name = user.email.split("@")[0].replace(".", " ").title()[:150]
        user.language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)[:2]
        if commit:
            user.save()
            from accounts.tasks import send_welcome_email

            user_id = user.pk
            transaction.on_commit(lambda: delay_or_run(send_welcome_email, user_id))
        return user


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def _email_of(self, sociallogin) -> str:
        email = sociallogin.user.email or ""
        if not email:
            for address in sociallogin.email_addresses:
                email = address.email
                break
        return email

    def pre_social_login(self, request, sociallogin):
        email = self._email_of(sociallogin)
        if not email_domain_allowed(email):
            messages.error(request, domain_error_message())
            raise ImmediateHttpResponse(redirect("account_login"))

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return email_domain_allowed(self._email_of(sociallogin))

    def populate_user(self, request, sociallogin, data):
        """Just-in-time account: name from the provider, organisation from the directory when known."""
        user = super().populate_user(request, sociallogin, data)
        user.email = (user.email or "").lower()
        name = " ".join(filter(None, [data.get("first_name"), data.get("last_name")])) or data.get("name")
        user.display_name = (name or user.email.split("@")[0]).strip()[:150]
        return user
