from rest_framework.routers import SimpleRouter

from .views import ProductModelViewSet

router = SimpleRouter()
router.register("product-models", ProductModelViewSet)
urlpatterns = router.urls
