from rest_framework.routers import SimpleRouter

from .views import ServiceLevelViewSet, ServiceRequestViewSet

router = SimpleRouter()
router.register("service-requests", ServiceRequestViewSet, basename="api-service-request")
router.register("service-levels", ServiceLevelViewSet, basename="api-service-level")
urlpatterns = router.urls
