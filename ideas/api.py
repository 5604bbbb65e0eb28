"""The ideas API (/api/v1/): ideas, comments, votes, follows, themes, campaigns. Every read goes
through ideas.selectors (visibility), every write through ideas.services."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from accounts.models import Domain, Entity, User
from config.api_schema import ErrorSerializer
from config.params import ID_MAX, as_id
from config.ratelimit import rate_limit_hit
from ideas import selectors, services
from ideas.models import Campaign, Comment, Idea, IdeaState, Theme


def drf_error(error: DjangoValidationError) -> ValidationError:
    """The service's refusal as DRF's: messages per field, or one ``detail`` string for the request
    as a whole, as every other error of the API says it (it was a list here only)."""
    if hasattr(error, "error_dict"):
        return ValidationError(error.message_dict)
    return ValidationError({"detail": " ".join(error.messages)})


class ThemeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Theme
        fields = ["id", "name", "slug", "domain"]


class CampaignSerializer(serializers.ModelSerializer):
    is_running = serializers.BooleanField(read_only=True)

    class Meta:
        model = Campaign
        fields = ["id", "title", "slug", "question", "theme", "entity", "starts_at", "ends_at", "is_running"]


class IdeaSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    votes = serializers.IntegerField(source="total_support", read_only=True)
    voted = serializers.SerializerMethodField()
    followed = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta:
        model = Idea
        fields = [
            "id",
            "title",
            "body",
            "body_html",
            "state",
            "theme",
            "domain",
            "target_entity",
            "campaign",
            "is_anonymous",
            "estimated_gain",
            "realised_gain",
            "author",
            "votes",
            "historical_support",
            "comment_count",
            "created_at",
            "published_at",
            "voted",
            "followed",
            "url",
            "tags",
        ]
        read_only_fields = fields

    def get_author(self, idea) -> str:
        return selectors.author_label(user=self.context["request"].user, idea=idea)

    def get_voted(self, idea) -> bool:
        return bool(getattr(idea, "voted", False))

    def get_followed(self, idea) -> bool:
        return bool(getattr(idea, "followed", False))


class IdeaWriteSerializer(serializers.Serializer):
    """A new idea, or the new version of one (PUT). On PUT a field left out keeps its value: the
    defaults replaced them, so fixing a typo made an anonymous idea signed and dropped its
    co-authors (which a client cannot even read back), tags, gain and campaign."""

    title = serializers.CharField(max_length=services.TITLE_MAX)
    body = serializers.CharField(max_length=services.BODY_MAX)
    theme = serializers.PrimaryKeyRelatedField(queryset=Theme.objects.all())
    target_entity = serializers.PrimaryKeyRelatedField(
        queryset=Entity.objects.all(), required=False, allow_null=True
    )
    campaign = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.all(), required=False, allow_null=True
    )
    is_anonymous = serializers.BooleanField(required=False, help_text="Default false; on PUT: unchanged")
    estimated_gain = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    co_authors = serializers.ListField(
        child=serializers.EmailField(), required=False, max_length=10, help_text="E-mails; on PUT: unchanged"
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50),
        required=False,
        max_length=10,
        help_text="On PUT: unchanged",
    )
    submit = serializers.BooleanField(
        required=False,
        default=False,
        write_only=True,
        help_text="Send to moderation right away instead of keeping a draft.",
    )

    def validate_co_authors(self, emails):
        users = list(User.objects.filter(email__in=[e.lower() for e in emails], is_active=True))
        unknown = {e.lower() for e in emails} - {u.email.lower() for u in users}
        if unknown:
            raise ValidationError(_("Unknown colleague(s): %(list)s") % {"list": ", ".join(sorted(unknown))})
        return users


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.display_name", read_only=True)
    body = serializers.SerializerMethodField()
    body_html = serializers.SerializerMethodField()
    helpful = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = ["id", "idea", "parent", "author", "body", "body_html", "created_at", "edited_at", "helpful"]
        read_only_fields = fields

    def _shown(self, comment) -> bool:
        return comment.deleted_at is None and not comment.is_hidden

    def get_body(self, comment) -> str:
        return comment.body if self._shown(comment) else ""

    def get_body_html(self, comment) -> str:
        return comment.body_html if self._shown(comment) else ""

    def get_helpful(self, comment) -> bool:
        return comment.helpful_at is not None


class DecisionSerializer(serializers.Serializer):
    to_state = serializers.ChoiceField(choices=IdeaState.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    version = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="The version you saw; refused with 409 if the idea moved since.",
    )
    realised_gain = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )


class CommentWriteSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=services.COMMENT_MAX)
    parent = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=ID_MAX)


class IdeaFilterSerializer(serializers.Serializer):
    """The list's filters. A value none of them can take is refused (400), where it was ignored: a
    mistyped ``state=publised`` or ``theme=abc`` answered every idea as if it were the ones asked for
    (found by schemathesis)."""

    q = serializers.CharField(
        required=False, allow_blank=True, help_text="Full-text search of ideas and comments (200 characters)"
    )
    theme = serializers.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    domain = serializers.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    campaign = serializers.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    state = serializers.ChoiceField(choices=IdeaState.choices, required=False)
    mine = serializers.BooleanField(required=False, help_text="Only the ideas you wrote or co-wrote")
    followed = serializers.BooleanField(required=False, help_text="Only the ideas you follow")
    voted = serializers.BooleanField(required=False, help_text="Only the ideas you support")
    sort = serializers.ChoiceField(choices=list(selectors.SORTS), required=False, default="newest")


@extend_schema_view(list=extend_schema(parameters=[IdeaFilterSerializer]))
class IdeaViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Ideas visible to you. Create a draft (or submit it at once); update your own draft."""

    serializer_class = IdeaSerializer
    queryset = Idea.objects.none()
    throttle_scope = "contribution"

    def get_throttles(self):
        return [ScopedRateThrottle()] if self.request.method not in ("GET", "HEAD", "OPTIONS") else []

    def get_queryset(self):
        params = IdeaFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        filters = selectors.IdeaFilters(
            q=data.get("q", "")[:200],
            theme=data.get("theme"),
            domain=data.get("domain"),
            campaign=data.get("campaign"),
            state=data.get("state", ""),
            mine=data.get("mine", False),
            followed=data.get("followed", False),
            voted=data.get("voted", False),
            sort=data["sort"],
        )
        return selectors.idea_list(user=self.request.user, filters=filters).prefetch_related("tags")

    def get_object(self):
        idea = self._idea_seen(self.kwargs["pk"])
        return selectors.with_viewer_flags(Idea.objects.filter(pk=idea.pk), user=self.request.user).first()

    def _idea_seen(self, pk) -> Idea:
        idea_id = as_id(pk)
        if idea_id is None:
            raise NotFound(_("No such idea, or you cannot see it."))
        try:
            return selectors.idea_get_for_user(user=self.request.user, idea_id=idea_id)
        except Http404 as exc:
            raise NotFound(str(exc)) from exc

    def _idea_to_edit(self, pk) -> Idea:
        """The idea if you may change it. One you can see but not change is refused with 403 and
        why: it was 404 "Not found." for an idea the same client had just read."""
        idea = self._idea_seen(pk)
        if not selectors.is_author(user=self.request.user, idea=idea):
            raise PermissionDenied(_("Only the authors can change an idea."))
        if not selectors.can_edit(user=self.request.user, idea=idea):
            raise PermissionDenied(_("This idea can no longer be edited."))
        return idea

    def _save(self, serializer, idea=None):
        data = serializer.validated_data

        def kept(name, current):
            """The request's ``name``, else (on PUT) the idea's: ``current()``."""
            if name in data:
                return data[name]
            return current() if idea else None

        if "tags" in data:
            tags = services.tags_from_text(",".join(data["tags"]))
        else:
            tags = list(idea.tags.all()) if idea else []
        try:
            idea = services.idea_save_draft(
                author=idea.author if idea else self.request.user,
                idea=idea,
                title=data["title"],
                body=data["body"],
                theme=data["theme"],
                target_entity=kept("target_entity", lambda: idea.target_entity),
                campaign=kept("campaign", lambda: idea.campaign),
                is_anonymous=bool(kept("is_anonymous", lambda: idea.is_anonymous)),
                estimated_gain=kept("estimated_gain", lambda: idea.estimated_gain),
                co_authors=kept("co_authors", lambda: list(idea.co_authors.all())) or [],
                tags=tags,
            )
            if data.get("submit"):
                services.idea_submit(idea=idea, actor=self.request.user)
        except DjangoValidationError as error:
            raise drf_error(error) from error
        return selectors.with_viewer_flags(Idea.objects.filter(pk=idea.pk), user=self.request.user).first()

    @extend_schema(request=IdeaWriteSerializer, responses={201: IdeaSerializer})
    def create(self, request, *args, **kwargs):
        serializer = IdeaWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rate_limit_hit(action="idea", user=request.user)
        idea = self._save(serializer)
        return Response(
            IdeaSerializer(idea, context={"request": request}).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=IdeaWriteSerializer, responses={200: IdeaSerializer})
    def update(self, request, pk=None, *args, **kwargs):
        idea = self._idea_to_edit(pk)
        serializer = IdeaWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        idea = self._save(serializer, idea=idea)
        return Response(IdeaSerializer(idea, context={"request": request}).data)

    @extend_schema(request=None, responses={200: IdeaSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None, *args, **kwargs):
        """Sends your draft (or revised idea) to moderation."""
        idea = self._idea_to_edit(pk)
        try:
            services.idea_submit(idea=idea, actor=request.user)
        except DjangoValidationError as error:
            raise drf_error(error) from error
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error)) from error
        return Response(IdeaSerializer(self.get_object(), context={"request": request}).data)

    @extend_schema(
        request=DecisionSerializer,
        responses={
            200: IdeaSerializer,
            409: OpenApiResponse(ErrorSerializer, description="The idea moved since the version you saw."),
        },
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None, *args, **kwargs):
        """A moderation or executive decision, checked by the same state machine as the pages."""
        from moderation.services import decision_record
        from moderation.workflow import IdeaMoved

        idea = self.get_object()
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            decision_record(
                idea=idea,
                actor=request.user,
                to_state=data["to_state"],
                reason=data["reason"],
                expected_version=data.get("version"),
                realised_gain=data.get("realised_gain"),
            )
        except IdeaMoved as error:
            return Response({"detail": " ".join(error.messages)}, status=status.HTTP_409_CONFLICT)
        except DjangoValidationError as error:
            raise drf_error(error) from error
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error)) from error
        return Response(IdeaSerializer(self.get_object(), context={"request": request}).data)

    @extend_schema(request=None, responses={200: IdeaSerializer})
    @action(detail=True, methods=["put", "delete"])
    def vote(self, request, pk=None, *args, **kwargs):
        """PUT supports the idea (idempotent); DELETE withdraws the vote."""
        idea = self.get_object()
        rate_limit_hit(action="vote", user=request.user)
        try:
            if request.method == "PUT":
                services.vote_cast(idea=idea, voter=request.user)
            else:
                services.vote_withdraw(idea=idea, voter=request.user)
        except DjangoValidationError as error:
            raise drf_error(error) from error
        return Response(IdeaSerializer(self.get_object(), context={"request": request}).data)

    @extend_schema(request=None, responses={200: IdeaSerializer})
    @action(detail=True, methods=["put", "delete"])
    def follow(self, request, pk=None, *args, **kwargs):
        """PUT follows the idea; DELETE stops following it."""
        idea = self.get_object()
        services.follow_set(idea=idea, user=request.user, following=request.method == "PUT")
        return Response(IdeaSerializer(self.get_object(), context={"request": request}).data)

    @extend_schema(methods=["get"], responses={200: CommentSerializer(many=True)})
    @extend_schema(methods=["post"], request=CommentWriteSerializer, responses={201: CommentSerializer})
    @action(detail=True, methods=["get", "post"])
    def comments(self, request, pk=None, *args, **kwargs):
        """The idea's comments (GET, paginated) or a new comment (POST)."""
        idea = self.get_object()
        if request.method == "GET":
            queryset = Comment.objects.filter(idea=idea).select_related("author").order_by("created_at", "id")
            page = self.paginate_queryset(queryset)
            return self.get_paginated_response(CommentSerializer(page, many=True).data)
        serializer = CommentWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rate_limit_hit(action="comment", user=request.user)
        parent = None
        if serializer.validated_data.get("parent"):
            parent = Comment.objects.filter(pk=serializer.validated_data["parent"], idea=idea).first()
            if parent is None:
                raise ValidationError({"parent": [_("No such comment on this idea.")]})
        try:
            comment = services.comment_create(
                idea=idea, author=request.user, body=serializer.validated_data["body"], parent=parent
            )
        except DjangoValidationError as error:
            raise drf_error(error) from error
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            # Not required: the form asks while the title is being typed, and no title finds nothing.
            OpenApiParameter("title", OpenApiTypes.STR, description="The title typed so far (none: no ideas)")
        ],
        responses={
            200: inline_serializer(
                "SimilarIdea",
                {
                    "id": serializers.IntegerField(),
                    "title": serializers.CharField(),
                    "state": serializers.CharField(),
                    "votes": serializers.IntegerField(),
                },
                many=True,
            )
        },
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def similar(self, request, *args, **kwargs):
        """Up to five visible ideas similar to a title being typed."""
        ideas = selectors.similar_ideas(user=request.user, title=request.query_params.get("title", ""))
        return Response(
            [{"id": i.pk, "title": i.title, "state": i.state, "votes": i.vote_count} for i in ideas]
        )


class ThemeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ThemeSerializer
    queryset = Theme.objects.order_by("name")
    pagination_class = None


class CampaignViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CampaignSerializer
    queryset = Campaign.objects.order_by("-starts_at")


class DomainSerializer(serializers.ModelSerializer):
    class Meta:
        model = Domain
        fields = ["id", "name", "slug", "sla_days"]


class DomainViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DomainSerializer
    queryset = Domain.objects.order_by("name")
    pagination_class = None
