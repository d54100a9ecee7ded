from rest_framework.routers import SimpleRouter

from .views import CalendarViewSet

router = SimpleRouter()
router.register("calendars", CalendarViewSet)
urlpatterns = router.urls
