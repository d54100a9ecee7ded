from rest_framework.routers import SimpleRouter

from .views import ToolEventViewSet, ToolKitViewSet, ToolViewSet

router = SimpleRouter()
router.register("tools", ToolViewSet, basename="api-tool")
router.register("tool-kits", ToolKitViewSet, basename="api-tool-kit")
router.register("tool-events", ToolEventViewSet, basename="api-tool-event")
urlpatterns = router.urls
