"""The REST API under /api/v1/: each app contributes its routes."""

from django.urls import include, path, re_path

from accounts.api import MeView, TokenView
from analytics.api import AnalyticsView
from config.errors import api_not_found

urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("analytics/<str:name>/", AnalyticsView.as_view(), name="api-analytics"),
    path("", include("ideas.api_urls")),
    re_path(r"^(?P<path>.*)$", api_not_found, name="api-not-found"),  # last: what no route above takes
]
