from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import health

admin.site.site_header = "Ideabox administration"
handler500 = "config.errors.server_error"  # a database outage answers 503 with a message

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("healthz/live", health.healthz_live, name="healthz_live"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("me/", include("accounts.urls")),
    path("ideas/", include("ideas.urls")),
    path("moderation/", include("moderation.urls")),
    path("points/", include("gamification.urls")),
    path("analytics/", include("analytics.urls")),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # GET only: its HTML renderer has no template for an OPTIONS answer (a server error).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", http_method_names=["get", "head"]),
        name="api-docs",
    ),
    path("", include("frontend.urls")),
]
# Uploaded files are never served from MEDIA_URL, not even with DEBUG: attachments go through
# ideas.views.attachment, which checks who may see the idea (and media/ also holds the e-mail outbox).
