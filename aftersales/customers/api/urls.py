from rest_framework.routers import SimpleRouter

from .views import ContactViewSet, CustomerViewSet, SiteViewSet

router = SimpleRouter()
router.register("customers", CustomerViewSet)
router.register("sites", SiteViewSet)
router.register("contacts", ContactViewSet)
urlpatterns = router.urls
