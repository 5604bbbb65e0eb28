from badgify.apps import BadgifyConfig as BaseBadgifyConfig


class BadgifyConfig(BaseBadgifyConfig):
    default = True
    default_auto_field = "django.db.models.AutoField"
