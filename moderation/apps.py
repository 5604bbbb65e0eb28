from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self):
        from frontend.navigation import register_counter
        from moderation.selectors import assessments_pending_count, queue_count

        register_counter("queue", queue_count)
        register_counter("assessments", assessments_pending_count)
