from rest_framework.routers import SimpleRouter

from .views import ContactViewSet, CustomerViewSet, SiteViewSet

router = SimpleRouter()
router.register("customers", CustomerViewSet, basename="api-customer")
router.register("sites", SiteViewSet, basename="api-site")
router.register("contacts", ContactViewSet, basename="api-contact")
urlpatterns = router.urls
