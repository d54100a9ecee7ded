from rest_framework.routers import SimpleRouter

from .views import ProductModelViewSet

router = SimpleRouter()
router.register("product-models", ProductModelViewSet, basename="api-productmodel")
urlpatterns = router.urls
