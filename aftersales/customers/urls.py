from django.urls import path

from . import views

urlpatterns = [
    path("", views.customer_list_view, name="customer-list"),
    path("new/", views.customer_create_view, name="customer-create"),
    path("<int:pk>/", views.customer_detail_view, name="customer-detail"),
    path("<int:pk>/edit/", views.customer_edit_view, name="customer-edit"),
    path("<int:pk>/sites/new/", views.site_create_view, name="site-create"),
    path("<int:pk>/contacts/new/", views.contact_create_view, name="contact-create"),
]
