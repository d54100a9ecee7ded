from django.urls import path

from . import views

urlpatterns = [
    path("", views.contract_list_view, name="contract-list"),
    path("<int:pk>/", views.contract_detail_view, name="contract-detail"),
]
