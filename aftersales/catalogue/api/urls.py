from rest_framework.routers import SimpleRouter

from .views import PartViewSet, ProductModelViewSet

router = SimpleRouter()
router.register("product-models", ProductModelViewSet, basename="api-productmodel")
router.register("parts", PartViewSet, basename="api-part")
urlpatterns = router.urls
