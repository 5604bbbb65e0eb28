"""Ideas and what people do with them: comments, votes, follows, campaigns, attachments, links."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Domain, Entity


class Theme(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    domain = models.ForeignKey(
        Domain,
        verbose_name=_("domain"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="themes",
    )

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    """A time-boxed challenge: a question, a sponsor, a theme, an optional entity scope."""

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    question = models.TextField(_("question"))
    description = models.TextField(_("description"), blank=True)
    description_html = models.TextField(blank=True, editable=False)
    sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sponsor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sponsored_campaigns",
    )
    theme = models.ForeignKey(
        Theme, verbose_name=_("theme"), null=True, blank=True, on_delete=models.SET_NULL
    )
    entity = models.ForeignKey(
        Entity,
        verbose_name=_("entity scope"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text=_("Only people of this entity (and below) may answer. Empty: everyone."),
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    external_id = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="campaign_ends_after_start")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("ideas:campaign", kwargs={"slug": self.slug})

    @property
    def is_running(self) -> bool:
        return self.starts_at <= timezone.now() < self.ends_at


class IdeaState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    MERGED = "merged", _("Merged")
    SHORTLISTED = "shortlisted", _("Shortlisted")
    IN_ANALYSIS = "in_analysis", _("In analysis")
    PROJECT = "project", _("Project")
    PILOT = "pilot", _("Pilot")
    DEPLOYED = "deployed", _("Deployed")
    DECLINED = "declined", _("Declined")
    ARCHIVED = "archived", _("Archived")


# States in which an idea is visible to every employee.
PUBLIC_STATES = (
    IdeaState.PUBLISHED,
    IdeaState.SHORTLISTED,
    IdeaState.IN_ANALYSIS,
    IdeaState.PROJECT,
    IdeaState.PILOT,
    IdeaState.DEPLOYED,
    IdeaState.DECLINED,
    IdeaState.ARCHIVED,
    IdeaState.MERGED,
)
# States in which an idea can receive votes and comments.
OPEN_STATES = (
    IdeaState.PUBLISHED,
    IdeaState.SHORTLISTED,
    IdeaState.IN_ANALYSIS,
    IdeaState.PROJECT,
    IdeaState.PILOT,
    IdeaState.DEPLOYED,
)
# "With potential" = shortlisted and every state after it (DESIGN.md section 3).
POTENTIAL_STATES = (
    IdeaState.SHORTLISTED,
    IdeaState.IN_ANALYSIS,
    IdeaState.PROJECT,
    IdeaState.PILOT,
    IdeaState.DEPLOYED,
    IdeaState.DECLINED,
)
# Waiting for a correspondent's first answer.
MODERATION_STATES = (IdeaState.SUBMITTED,)


class IdeaQuerySet(models.QuerySet):
    def public(self):
        return self.filter(state__in=PUBLIC_STATES, is_hidden=False)

    def with_potential(self):
        return self.filter(state__in=POTENTIAL_STATES)


class Idea(models.Model):
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("description"), help_text=_("Markdown: **bold**, _italic_, lists, links."))
    body_html = models.TextField(editable=False, blank=True)
    theme = models.ForeignKey(Theme, verbose_name=_("theme"), null=True, blank=True, on_delete=models.PROTECT)
    domain = models.ForeignKey(
        Domain,
        verbose_name=_("domain"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ideas",
    )
    target_entity = models.ForeignKey(
        Entity,
        verbose_name=_("target entity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="targeted_ideas",
        help_text=_("The part of the company that would benefit. It may differ from yours."),
    )
    author_entity = models.ForeignKey(
        Entity,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authored_ideas",
        editable=False,
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ideas",
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ideas")
    co_authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("co-authors"), blank=True, related_name="co_authored_ideas"
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="ideas")
    is_anonymous = models.BooleanField(
        _("anonymous to colleagues"),
        default=False,
        help_text=_(
            "Colleagues see “an employee of <your entity>”; the correspondent handling it sees your name."
        ),
    )
    estimated_gain = models.DecimalField(
        _("estimated gain (EUR per year)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    realised_gain = models.DecimalField(
        _("realised gain (EUR per year)"), max_digits=14, decimal_places=2, null=True, blank=True
    )

    # Workflow: only moderation.workflow writes these.
    state = models.CharField(_("state"), max_length=20, choices=IdeaState.choices, default=IdeaState.DRAFT)
    version = models.PositiveIntegerField(default=1, editable=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_ideas",
        editable=False,
    )
    assigned_at = models.DateTimeField(null=True, blank=True, editable=False)
    assignment_flagged = models.BooleanField(default=False, editable=False)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_ideas", editable=False
    )
    decision_reason = models.TextField(blank=True, editable=False)
    is_hidden = models.BooleanField(default=False, editable=False)  # pending review after reports

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_answered_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    state_changed_at = models.DateTimeField(default=timezone.now, editable=False)
    last_activity_at = models.DateTimeField(default=timezone.now, editable=False)

    # Denormalised counters: changed only with F() expressions or recounted in SQL.
    vote_count = models.PositiveIntegerField(default=0, editable=False)
    comment_count = models.PositiveIntegerField(default=0, editable=False)
    follower_count = models.PositiveIntegerField(default=0, editable=False)
    historical_support = models.PositiveIntegerField(
        default=0, editable=False, help_text=_("Votes counted on a previous platform, voters unknown.")
    )
    trending_score = models.FloatField(default=0, editable=False)
    external_id = models.CharField(max_length=200, null=True, blank=True, unique=True)

    objects = IdeaQuerySet.as_manager()

    class Meta:
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "-created_at"], name="idea_state_created_idx"),
            models.Index(fields=["state", "-trending_score"], name="idea_state_trending_idx"),
            models.Index(fields=["state", "-vote_count"], name="idea_state_votes_idx"),
            models.Index(fields=["state", "-comment_count"], name="idea_state_comments_idx"),
            models.Index(fields=["assignee", "state"], name="idea_assignee_state_idx"),
            models.Index(fields=["author", "state"], name="idea_author_state_idx"),
            models.Index(fields=["campaign", "state"], name="idea_campaign_state_idx"),
            # The list's sort orders (selectors.SORTS): the first page is read in index order and
            # stops after 20 rows, instead of sorting every visible idea (bench/, at 40,000 ideas).
            models.Index(fields=["-trending_score", "-created_at", "-id"], name="idea_trending_order_idx"),
            models.Index(fields=["-created_at", "-id"], name="idea_newest_order_idx"),
            models.Index(fields=["-vote_count", "-created_at", "-id"], name="idea_votes_order_idx"),
            models.Index(fields=["-comment_count", "-created_at", "-id"], name="idea_comments_order_idx"),
            # The list's count (selectors.idea_list_count): the ideas everybody sees, read from the
            # index alone, and the few hidden ones.
            models.Index(fields=["state"], condition=Q(is_hidden=False), name="idea_listed_state_idx"),
            models.Index(fields=["state"], condition=Q(is_hidden=True), name="idea_hidden_state_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("ideas:detail", kwargs={"pk": self.pk})

    @property
    def total_support(self) -> int:
        return self.vote_count + self.historical_support


class IdeaLink(models.Model):
    class Kind(models.TextChoices):
        BUILT_UPON = "built_upon", _("built upon")
        DUPLICATE_OF = "duplicate_of", _("duplicate of")
        MERGED_INTO = "merged_into", _("merged into")

    # source is the earlier idea; target built upon it / duplicates it / absorbed it.
    source = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="idea_link_unique"),
            models.CheckConstraint(condition=~Q(source=F("target")), name="idea_link_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class Comment(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )  # one level: a reply's parent is always a top-level comment
    body = models.TextField(_("comment"))
    body_html = models.TextField(editable=False, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    is_hidden = models.BooleanField(default=False)
    helpful_at = models.DateTimeField(null=True, blank=True)  # marked helpful by the idea's author
    external_id = models.CharField(max_length=200, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["idea", "created_at"], name="comment_idea_created_idx"),
            models.Index(fields=["author", "created_at"], name="comment_author_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.author} on {self.idea_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class CommentRevision(models.Model):
    """Edit history: the text a comment had before each edit."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-replaced_at"]

    def __str__(self) -> str:
        return f"revision of comment {self.comment_id}"


class Vote(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="votes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["idea", "voter"], name="vote_once_per_idea")]
        indexes = [
            models.Index(fields=["voter", "created_at"], name="vote_voter_created_idx"),
            models.Index(fields=["idea", "created_at"], name="vote_idea_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.voter_id} → {self.idea_id}"


class Follow(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["idea", "user"], name="follow_once_per_idea")]
        indexes = [models.Index(fields=["user", "created_at"], name="follow_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.idea_id}"


def attachment_path(instance, filename: str) -> str:
    # The stored name is ours; the uploader's name is kept only as metadata.
    return f"attachments/{timezone.now():%Y/%m}/{instance.token}.{instance.extension}"


class Attachment(models.Model):
    idea = models.ForeignKey(
        Idea, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    token = models.CharField(max_length=40, unique=True)
    original_name = models.CharField(max_length=255)
    extension = models.CharField(max_length=10)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    is_image = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("ideas:attachment", kwargs={"token": self.token})
