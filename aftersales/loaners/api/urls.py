from rest_framework.routers import SimpleRouter

from .views import LoanerViewSet, LoanViewSet

router = SimpleRouter()
router.register("loaners", LoanerViewSet, basename="api-loaner")
router.register("loans", LoanViewSet, basename="api-loan")
urlpatterns = router.urls
