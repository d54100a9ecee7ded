from rest_framework.routers import SimpleRouter

from .views import DepotBatchViewSet, ReturnRequestViewSet

router = SimpleRouter()
router.register("returns", ReturnRequestViewSet, basename="api-return")
router.register("depot-batches", DepotBatchViewSet, basename="api-depot-batch")
urlpatterns = router.urls
