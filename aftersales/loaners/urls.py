from django.urls import path

from . import views

urlpatterns = [
    path("", views.loaner_list_view, name="loaner-list"),
    path("new/", views.loaner_create_view, name="loaner-create"),
    path("<int:pk>/", views.loaner_detail_view, name="loaner-detail"),
    path("<int:pk>/edit/", views.loaner_edit_view, name="loaner-edit"),
    path("<int:pk>/archive/", views.loaner_archive_view, name="loaner-archive"),
] + [
    # one route per action (POST): /loaners/<pk>/lend/, /loaners/<pk>/return/ ...
    path(f"<int:pk>/{name}/", views.loaner_action_view, {"action": name}, name=f"loaner-{name}")
    for name in views.ACTIONS
]
