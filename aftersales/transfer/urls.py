from django.urls import path

from . import views

urlpatterns = [
    path("", views.transfer_home, name="transfer-home"),
    path("template/<slug:kind>.xlsx", views.template_download, name="transfer-template"),
    path("export/<slug:kind>.xlsx", views.export_download, name="transfer-export"),
]
