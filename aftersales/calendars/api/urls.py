from rest_framework.routers import SimpleRouter

from .views import CalendarViewSet

router = SimpleRouter()
router.register("calendars", CalendarViewSet, basename="api-calendar")
urlpatterns = router.urls
