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
from django.utils import translation
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
    def login(self, request, user) -> None:
        """Signed in: the rest of this request speaks the person's language, as every later one will
        (UserLanguageMiddleware), so "Successfully signed in" is not in the browser's language."""
        super().login(request, user)
        if user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language

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
    @staticmethod
    def _claims_of(sociallogin) -> dict:
        extra = sociallogin.account.extra_data or {}
        return extra.get("userinfo") or extra.get("id_token") or extra  # OpenID Connect keeps both

    def _email_of(self, sociallogin) -> str:
        email = sociallogin.user.email or ""
        if not email:
            for address in sociallogin.email_addresses:
                email = address.email
                break
        if not email:
            # allauth drops an address our AccountAdapter.clean_email refuses: name it all the same.
            email = str(self._claims_of(sociallogin).get("email") or "")
        return email.strip().lower()

    def pre_social_login(self, request, sociallogin):
        """Refuses other domains; links the directory's account for this e-mail instead of a duplicate.

        allauth has already looked the e-mail up (SOCIALACCOUNT_EMAIL_AUTHENTICATION, with the
        company domains trusted as verified): an account the HR directory or a platform import
        created is the one that logs in, with its entity, manager and job title, and is claimed.
        """
        email = self._email_of(sociallogin)
        if not email_domain_allowed(email):
            domains = ", ".join("@" + d for d in settings.COMPANY_EMAIL_DOMAINS)
            messages.error(
                request,
                _(
                    "Single sign-on refused: %(email)s is not a company address (%(domains)s). "
                    "Sign-up is reserved for company addresses."
                )
                % {"email": email or _("no e-mail address"), "domains": domains},
            )
            raise ImmediateHttpResponse(redirect("account_login"))
        user = sociallogin.user
        if sociallogin.is_existing and not user.is_claimed:
            user.is_claimed = True
            user.save(update_fields=["is_claimed"])

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return email_domain_allowed(self._email_of(sociallogin))

    def populate_user(self, request, sociallogin, data):
        """Just-in-time account for someone the directory does not list (yet): name and language from
        the provider's claims. People the directory knows never get here: pre_social_login links
        their existing account, entity, manager and job title included."""
        user = super().populate_user(request, sociallogin, data)
        user.email = (user.email or "").lower()
        name = " ".join(filter(None, [data.get("first_name"), data.get("last_name")])) or data.get("name")
        user.display_name = (name or user.email.split("@")[0]).strip()[:150]
        locale = str(self._claims_of(sociallogin).get("locale") or "")[:2].lower()
        if locale in dict(settings.LANGUAGES):
            user.language = locale
        return user
