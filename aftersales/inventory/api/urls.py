from rest_framework.routers import SimpleRouter

from .views import StockBalanceViewSet, StockLocationViewSet, StockMovementViewSet

router = SimpleRouter()
router.register("stock", StockBalanceViewSet, basename="api-stock")
router.register("stock-movements", StockMovementViewSet, basename="api-stock-movement")
router.register("stock-locations", StockLocationViewSet, basename="api-stock-location")
urlpatterns = router.urls
