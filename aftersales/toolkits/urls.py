from django.urls import path

from . import views

urlpatterns = [
    path("", views.tool_list_view, name="toolkits-tools"),
    path("new/", views.tool_create_view, name="toolkits-tool-create"),
    path("<int:pk>/", views.tool_detail_view, name="toolkits-tool"),
    path("<int:pk>/edit/", views.tool_edit_view, name="toolkits-tool-edit"),
    path("kits/", views.kit_list_view, name="toolkits-kits"),
    path("kits/new/", views.kit_create_view, name="toolkits-kit-create"),
    path("kits/<int:pk>/", views.kit_detail_view, name="toolkits-kit"),
    path("kits/<int:pk>/edit/", views.kit_edit_view, name="toolkits-kit-edit"),
    path("charges/", views.charges_view, name="toolkits-charges"),
    path("events/<int:pk>/settle/", views.event_settle_view, name="toolkits-event-settle"),
] + [
    # one route per action (POST): /tools/<pk>/receive/, /tools/kits/<pk>/issue/ ...
    path(f"<int:pk>/{name}/", views.tool_action_view, {"action": name}, name=f"toolkits-tool-{name}")
    for name in views.TOOL_ACTIONS
] + [
    path(f"kits/<int:pk>/{name}/", views.kit_action_view, {"action": name}, name=f"toolkits-kit-{name}")
    for name in views.KIT_ACTIONS
]
