from django.apps import AppConfig


class GamificationConfig(AppConfig):
    name = "gamification"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from gamification.models import PointRule
        from gamification.services import rules_forget

        post_save.connect(rules_forget, sender=PointRule, dispatch_uid="point-rules-forget-save")
        post_delete.connect(rules_forget, sender=PointRule, dispatch_uid="point-rules-forget-delete")
