from rest_framework.routers import SimpleRouter

from .views import AssetViewSet, ProjectViewSet

router = SimpleRouter()
router.register("projects", ProjectViewSet, basename="api-project")
router.register("assets", AssetViewSet, basename="api-asset")
urlpatterns = router.urls
