from django.urls import path

from . import views

urlpatterns = [path("", views.home, name="home")] + [
    # one route per kind, so that the who-sees-what walk reaches each of them
    path(f"records/{kind}/<int:pk>/archive/", views.record_archive_view, {"kind": kind}, name=f"record-archive-{kind}")
    for kind in views.ARCHIVABLE_KINDS
]
