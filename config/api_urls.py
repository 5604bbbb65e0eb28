"""The REST API under /api/v1/: each app contributes its routes."""

from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token

from accounts.api import MeView
from analytics.api import AnalyticsView

urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("analytics/<str:name>/", AnalyticsView.as_view(), name="api-analytics"),
    path("", include("ideas.api_urls")),
]
