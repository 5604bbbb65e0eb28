"""The REST API under /api/v1/: each app contributes its routes."""

from django.urls import include, path

from accounts.api import MeView

urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
    path("", include("ideas.api_urls")),
]
