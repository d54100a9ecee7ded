from django.urls import path

from . import views

urlpatterns = [
    path("", views.customer_list_view, name="customer-list"),
    path("<int:pk>/", views.customer_detail_view, name="customer-detail"),
]
