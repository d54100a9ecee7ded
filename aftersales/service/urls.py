from django.urls import path

from . import views

urlpatterns = [
    path("", views.queue_view, name="service-queue"),
    path("rows/", views.queue_rows_view, name="service-queue-rows"),
    path("new/", views.intake_view, name="service-intake"),
    path("new/lookup/", views.intake_lookup_view, name="service-intake-lookup"),
    path("new/context/", views.intake_context_view, name="service-intake-context"),
    path("attachments/<int:pk>/download/", views.attachment_download_view, name="service-attachment-download"),
    path("<int:pk>/", views.request_view, name="service-request"),
    path("notices/", views.notices_view, name="service-notices"),
    path("notices/read-all/", views.notices_read_all_view, name="service-notices-read-all"),
    path("notices/<int:pk>/read/", views.notice_read_view, name="service-notice-read"),
] + [
    # one route per action (POST): /service/<pk>/acknowledge/, /service/<pk>/pause/ ...
    path(f"<int:pk>/{name}/", views.request_action_view, {"action": name}, name=f"service-request-{name}")
    for name in views.ACTIONS
]
