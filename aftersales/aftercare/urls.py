from django.urls import path

from . import views

urlpatterns = [
    path("policy/", views.policy_view, name="aftercare-policy"),
    path("policy/edit/", views.policy_edit_view, name="aftercare-policy-edit"),
    path("returns/", views.return_list_view, name="aftercare-return-list"),
    path("returns/new/", views.return_create_view, name="aftercare-return-create"),
    path("returns/<int:pk>/", views.return_detail_view, name="aftercare-return-detail"),
    path("returns/<int:pk>/approve/", views.return_approve_view, name="aftercare-return-approve"),
    path("returns/<int:pk>/refuse/", views.return_refuse_view, name="aftercare-return-refuse"),
    path("depot/", views.depot_list_view, name="aftercare-depot-list"),
    path("depot/new/", views.depot_create_view, name="aftercare-depot-create"),
    path("depot/<int:pk>/", views.depot_detail_view, name="aftercare-depot-detail"),
    path("depot/<int:pk>/repaired/", views.depot_repaired_view, name="aftercare-depot-repaired"),
    path("depot/<int:pk>/returned/", views.depot_returned_view, name="aftercare-depot-returned"),
    path("depot/<int:pk>/follow-up/", views.depot_follow_up_view, name="aftercare-depot-follow-up"),
]
