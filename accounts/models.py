"""People and the organisation: users, the entity tree, functional domains and their correspondents."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Entity(models.Model):
    """A node of the organisation: the group, a subsidiary, a department."""

    class Kind(models.TextChoices):
        GROUP = "group", _("Group")
        SUBSIDIARY = "subsidiary", _("Subsidiary")
        DEPARTMENT = "department", _("Department")
        TEAM = "team", _("Team")
        ORGANISATION = "organisation", _("External organisation")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of ids ("/1/4/17/"), maintained by accounts.services.entity_save, so that
    # "this entity and everything below it" is one indexed prefix query.
    path = models.CharField(max_length=1000, blank=True, db_index=True, editable=False)
    external_id = models.CharField(max_length=200, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("entity")
        verbose_name_plural = _("entities")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="entity_unique_name_per_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return max(self.path.count("/") - 2, 0)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required")
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractBaseUser, PermissionsMixin):
    """An employee. E-mail is the login; roles are flags because one person can hold several."""

    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=150)
    entity = models.ForeignKey(
        Entity,
        verbose_name=_("entity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    manager = models.ForeignKey(
        "self",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    site = models.CharField(_("site"), max_length=200, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    is_correspondent = models.BooleanField(_("functional correspondent"), default=False)
    is_expert = models.BooleanField(_("expert"), default=False)
    is_community_manager = models.BooleanField(_("community manager"), default=False)
    is_executive = models.BooleanField(_("executive"), default=False)

    hide_from_leaderboards = models.BooleanField(
        _("hide me from public leaderboards"),
        default=False,
        help_text=_("Your points and badges stay yours; you are simply not listed on public rankings."),
    )
    external_id = models.CharField(max_length=200, null=True, blank=True, unique=True)
    # Imported people without a known e-mail get a placeholder address and cannot log in until the
    # directory import or SSO claims them by their real e-mail.
    is_claimed = models.BooleanField(default=True)
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [models.Index(fields=["entity", "is_active"], name="user_entity_active_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(manager=models.F("id")), name="user_not_own_manager"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_full_name(self) -> str:
        return str(self)

    def get_short_name(self) -> str:
        return str(self)

    @property
    def roles(self) -> list[str]:
        names = []
        if self.is_correspondent:
            names.append("correspondent")
        if self.is_expert:
            names.append("expert")
        if self.is_community_manager:
            names.append("community_manager")
        if self.is_executive:
            names.append("executive")
        if self.is_superuser:
            names.append("admin")
        return names


class Domain(models.Model):
    """A functional area (IT, HR, finance...) whose correspondents moderate the ideas routed to it."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    sla_days = models.PositiveSmallIntegerField(
        _("SLA (working days)"),
        default=5,
        help_text=_("Working days for a first answer to a submitted idea."),
    )
    community_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("community manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_domains",
    )
    shortlist_vote_threshold = models.PositiveIntegerField(
        _("votes to shortlist automatically"),
        null=True,
        blank=True,
        help_text=_("A published idea with this many votes is shortlisted automatically. Empty: never."),
    )
    correspondents = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="DomainCorrespondent",
        related_name="correspondent_domains",
        blank=True,
    )

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=Q(sla_days__gte=1), name="domain_sla_positive")]

    def __str__(self) -> str:
        return self.name


class DomainCorrespondent(models.Model):
    """A person who moderates a domain's ideas, optionally only for one entity, possibly as a backup."""

    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="domain_memberships"
    )
    entity = models.ForeignKey(
        Entity,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="correspondents",
        help_text=_("Only ideas targeting this entity (and below). Empty: the whole organisation."),
    )
    is_backup = models.BooleanField(_("backup"), default=False)

    class Meta:
        verbose_name = _("domain correspondent")
        verbose_name_plural = _("domain correspondents")
        constraints = [
            models.UniqueConstraint(
                fields=["domain", "user", "entity"],
                condition=Q(entity__isnull=False),
                name="correspondent_unique",
            ),
            models.UniqueConstraint(
                fields=["domain", "user"],
                condition=Q(entity__isnull=True),
                name="correspondent_unique_global",
            ),
        ]

    def __str__(self) -> str:
        scope = f" ({self.entity})" if self.entity_id else ""
        role = " backup" if self.is_backup else ""
        return f"{self.user} → {self.domain}{scope}{role}"


class Notification(models.Model):
    """One event for one person. ``event_key`` makes the same event impossible to deliver twice."""

    class Kind(models.TextChoices):
        COMMENT = "comment", _("New comment")
        REPLY = "reply", pgettext_lazy("notification kind", "Reply")  # the noun, not the button
        MENTION = "mention", _("Mention")
        VOTE_MILESTONE = "vote_milestone", _("Vote milestone")
        STATE_CHANGE = "state_change", _("State change")
        BADGE = "badge", _("Badge earned")
        ASSIGNMENT = "assignment", _("Assignment")
        SLA_REMINDER = "sla_reminder", _("SLA reminder")
        SEGMENT_MESSAGE = "segment_message", _("Message from the community team")
        WELCOME = "welcome", _("Welcome")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    event_key = models.CharField(max_length=200)
    text = models.CharField(max_length=500)
    url = models.CharField(max_length=300, blank=True)
    idea_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "event_key"], name="notification_once_per_event"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.text


class NotificationPreference(models.Model):
    """How a person wants each category by e-mail: at once, daily or weekly digest, or never."""

    class Frequency(models.TextChoices):
        IMMEDIATE = "immediate", _("At once")
        DAILY = "daily", _("Daily digest")
        WEEKLY = "weekly", _("Weekly digest")
        NEVER = "never", _("Never")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs"
    )
    kind = models.CharField(max_length=30, choices=Notification.Kind.choices)
    email = models.CharField(max_length=12, choices=Frequency.choices, default=Frequency.DAILY)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_pref_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind} → {self.email}"


class PersonalDataAudit(models.Model):
    """Append-only: exports and erasures of personal data, and views of another person's analytics."""

    class Action(models.TextChoices):
        EXPORT = "export", _("Export")
        ERASURE = "erasure", _("Erasure")
        PROFILE_VIEW = "profile_view", _("Analytics profile viewed")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.action} of {self.subject_id} by {self.actor_id}"


class EmailOutbox(models.Model):
    """E-mails waiting to be sent, written in the same transaction as the event that caused them.

    The idempotency key makes the same e-mail impossible to queue twice; a Celery task sends it under
    a row lock and marks it sent, and a beat job drains what a lost broker or a killed worker left."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    idempotency_key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=30)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField()
    unsubscribe_url = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"], name="outbox_pending_idx")]

    def __str__(self) -> str:
        return f"{self.idempotency_key} ({self.status})"
