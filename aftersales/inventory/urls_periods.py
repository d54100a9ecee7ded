"""Month-end pages under /stock/: the monthly reconciliation and stocktakes."""

from django.urls import path

from . import views_periods as views

urlpatterns = [
    path("reconciliation/", views.reconciliation_view, name="stock-reconciliation"),
    path("reconciliation/export.xlsx", views.reconciliation_export_view, name="stock-reconciliation-export"),
    path("reconciliation/lock/", views.reconciliation_lock_view, name="stock-reconciliation-lock"),
    path("stocktakes/", views.stocktake_list_view, name="stocktakes"),
    path("stocktakes/new/", views.stocktake_start_view, name="stocktake-start"),
    path("stocktakes/<int:pk>/", views.stocktake_view, name="stocktake"),
    path("stocktakes/<int:pk>/template.xlsx", views.stocktake_template_view, name="stocktake-template"),
    path("stocktakes/<int:pk>/import/", views.stocktake_import_view, name="stocktake-import"),
    path("stocktakes/<int:pk>/differences/", views.stocktake_differences_view, name="stocktake-differences"),
    path("stocktakes/<int:pk>/post/", views.stocktake_post_view, name="stocktake-post"),
    path("stocktakes/<int:pk>/cancel/", views.stocktake_cancel_view, name="stocktake-cancel"),
]
