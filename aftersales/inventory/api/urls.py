from rest_framework.routers import SimpleRouter

from .views import StockBalanceViewSet, StockLocationViewSet, StockMovementViewSet
from .views_work import SpareDispatchViewSet, StockReservationViewSet

router = SimpleRouter()
router.register("stock", StockBalanceViewSet, basename="api-stock")
router.register("stock-movements", StockMovementViewSet, basename="api-stock-movement")
router.register("stock-locations", StockLocationViewSet, basename="api-stock-location")
router.register("stock-reservations", StockReservationViewSet, basename="api-stock-reservation")
router.register("spare-dispatches", SpareDispatchViewSet, basename="api-spare-dispatch")
urlpatterns = router.urls
