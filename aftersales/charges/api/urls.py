from rest_framework.routers import SimpleRouter

from .views import PriceRuleViewSet, QuoteViewSet, ThirdPartyCostViewSet

router = SimpleRouter()
router.register("quotes", QuoteViewSet, basename="api-quote")
router.register("price-rules", PriceRuleViewSet, basename="api-price-rule")
router.register("third-party-costs", ThirdPartyCostViewSet, basename="api-third-party-cost")
urlpatterns = router.urls
