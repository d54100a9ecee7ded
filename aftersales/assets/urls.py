from django.urls import path

from . import views, warranty_card

urlpatterns = [
    path("", views.asset_list_view, name="asset-list"),
    path("<int:pk>/", views.asset_detail_view, name="asset-detail"),
    path("<int:pk>/edit/", views.asset_edit_view, name="asset-edit"),
    path("new/for/<int:customer_pk>/", views.asset_create_view, name="asset-create"),
    path("projects/", views.project_list_view, name="project-list"),
    path("projects/<int:pk>/", views.project_detail_view, name="project-detail"),
    path("projects/<int:pk>/warranty-card.pdf", warranty_card.warranty_card_download, name="project-warranty-card"),
    path("projects/<int:pk>/documents/", views.project_document_upload, name="project-document-upload"),
    path("documents/<int:pk>/download/", views.project_document_download, name="project-document-download"),
]
