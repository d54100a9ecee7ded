"""The work-order pages: dispatch, a work order's page, the technician's phone pages, checked images."""

from django.urls import path

from . import views
from .forms import STEP_FORMS

urlpatterns = [
    path("my/", views.my_jobs_view, name="workorder-my"),
    path("new/", views.dispatch_view, name="workorder-new"),
    path("<int:pk>/", views.detail_view, name="workorder-detail"),
    path("<int:pk>/void/", views.void_view, name="workorder-void"),
    path("<int:pk>/move/", views.move_view, name="workorder-move"),
    path("<int:pk>/visit/", views.visit_view, name="workorder-visit"),
    path("photos/<int:pk>/", views.photo_view, name="workorder-photo"),
    path("signatures/<int:pk>/", views.signature_view, name="workorder-signature"),
] + [
    # one route per step of the visit (POST): /work-orders/<pk>/visit/travel/, .../visit/sign-customer/ ...
    path(f"<int:pk>/visit/{step}/", views.visit_step_view, {"step": step}, name=f"workorder-visit-{step}")
    for step in STEP_FORMS
]
