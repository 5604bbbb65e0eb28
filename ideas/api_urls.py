from rest_framework.routers import DefaultRouter

from ideas.api import CampaignViewSet, DomainViewSet, IdeaViewSet, ThemeViewSet

router = DefaultRouter()
router.register("ideas", IdeaViewSet, basename="api-idea")
router.register("themes", ThemeViewSet, basename="api-theme")
router.register("campaigns", CampaignViewSet, basename="api-campaign")
router.register("domains", DomainViewSet, basename="api-domain")
urlpatterns = router.urls
