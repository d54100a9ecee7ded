from django.urls import path

from . import views, views_dispatch, views_reservations

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
    path("dispatches/", views_dispatch.dispatch_list_view, name="stock-dispatches"),
    path("dispatches/new/", views_dispatch.dispatch_request_view, name="stock-dispatch-request"),
    path("dispatches/<int:pk>/leave/", views_dispatch.dispatch_step_view, {"step": "leave"},
         name="stock-dispatch-leave"),
    path("dispatches/<int:pk>/arrive/", views_dispatch.dispatch_step_view, {"step": "arrive"},
         name="stock-dispatch-arrive"),
    path("reservations/", views_reservations.reservation_list_view, name="stock-reservations"),
    path("reservations/new/", views_reservations.reservation_create_view, name="stock-reservation-create"),
    path("reservations/<int:pk>/release/", views_reservations.reservation_step_view, {"step": "release"},
         name="stock-reservation-release"),
    path("reservations/<int:pk>/collect/", views_reservations.reservation_step_view, {"step": "collect"},
         name="stock-reservation-collect"),
    path("serials/", views_reservations.serial_trail_view, name="stock-serials"),
]
