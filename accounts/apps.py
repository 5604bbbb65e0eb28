from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("People and organisation")

    def ready(self):
        from accounts.notifications import unread_count
        from frontend.navigation import register_counter

        register_counter("unread", lambda user: unread_count(user.pk))
