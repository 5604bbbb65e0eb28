"""The analytics figures through the API, for the BI tools companies already use. Aggregates for
executives and community managers; the migration matrix and born innovators for community managers."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Entity
from analytics import funnels, views
from config.params import as_id

NAMES = [
    "participation",
    "participation-by-entity",
    "participation-over-time",
    "pipeline",
    "gains",
    "campaigns",
    "segments",
    "migration",
    "cross-silo",
    "born-innovators",
]
PEOPLE_LEVEL = {"migration", "born-innovators"}


class AnalyticsView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.PATH, enum=NAMES),
            OpenApiParameter(
                "days",
                OpenApiTypes.INT,
                description="Window in days (default 365; 1 to 3650, beyond: the bound)",
            ),
            OpenApiParameter("start", OpenApiTypes.DATE, description="First day of the window (with end)"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="Last day of the window (with start)"),
            OpenApiParameter("entity", OpenApiTypes.INT, description="Participation: one entity and below"),
        ],
        responses={200: OpenApiTypes.OBJECT},
        description="One of: " + ", ".join(NAMES),
    )
    def get(self, request, name):
        if name not in NAMES:
            raise NotFound()
        user = request.user
        if not views._can_see_aggregates(user):
            raise PermissionDenied("Aggregates are for executives and community managers.")
        if name in PEOPLE_LEVEL and not views._can_see_people(user):
            raise PermissionDenied("Shown to community managers only.")
        if name == "cross-silo":
            shares = funnels.cross_silo_share()
            top = sorted(shares.items(), key=lambda item: -item[1])[:50]
            return Response(
                {"ideas": [{"idea": pk, "share_from_other_entities": share} for pk, share in top]}
            )
        if name == "born-innovators":
            return Response({"people": funnels.born_innovators()})
        if bool(request.query_params.get("start")) != bool(request.query_params.get("end")):
            # One date alone was ignored: the default year answered for the window asked.
            raise DRFValidationError(
                {"detail": _("Give the window as days=N, or start and end dates (YYYY-MM-DD).")}
            )
        entity = request.query_params.get("entity", "")
        if entity and not Entity.objects.filter(pk=as_id(entity) or 0).exists():
            # It was ignored: the whole company's figures answered for an entity that is none.
            raise DRFValidationError({"entity": [_("No such entity.")]})
        try:
            return Response(views._data(request, name))
        except ValidationError as error:
            raise DRFValidationError({"detail": " ".join(error.messages)}) from error
