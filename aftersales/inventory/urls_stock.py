from django.urls import path

from . import views

urlpatterns = [
    path("", views.stock_list_view, name="stock-list"),
    path("parts/<int:pk>/", views.part_detail_view, name="stock-part"),
    path("locations/", views.location_list_view, name="stock-locations"),
    path("locations/new/", views.location_create_view, name="stock-location-create"),
    path("locations/<int:pk>/", views.location_detail_view, name="stock-location"),
    path("locations/<int:pk>/edit/", views.location_edit_view, name="stock-location-edit"),
    path("locations/<int:pk>/archive/", views.location_archive_view, name="stock-location-archive"),
    path("reorder/", views.reorder_view, name="stock-reorder"),
    path("reorder.csv", views.reorder_export_view, name="stock-reorder-export"),
    path("movements/new/<slug:kind>/", views.movement_create_view, name="stock-movement-create"),
    path("minimum/", views.minimum_set_view, name="stock-minimum"),
]
