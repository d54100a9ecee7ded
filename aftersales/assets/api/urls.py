from rest_framework.routers import SimpleRouter

from .views import AssetViewSet, ProjectViewSet

router = SimpleRouter()
router.register("projects", ProjectViewSet)
router.register("assets", AssetViewSet)
urlpatterns = router.urls
