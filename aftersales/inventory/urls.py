"""Pages of the spare-parts store under /stock/: the stock pages (urls_stock) and the month-end
pages: reconciliation and stocktake (urls_periods)."""

from django.urls import include, path

urlpatterns = [
    path("", include("aftersales.inventory.urls_stock")),
    path("", include("aftersales.inventory.urls_periods")),
]
