"""The analytics figures through the API, for the BI tools companies already use. Aggregates for
executives and community managers; the migration matrix and born innovators for community managers."""

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics import funnels, views

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
            OpenApiParameter("days", OpenApiTypes.INT, description="Window in days (default 365)"),
            OpenApiParameter("entity", OpenApiTypes.INT),
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
        try:
            return Response(views._data(request, name))
        except ValidationError as error:
            raise DRFValidationError({"detail": error.messages}) from error
