"""Pages of work orders under /work-orders/: the technician's phone pages and a work order's page
(urls_pages), the dispatch board and the service report (urls_board)."""

from django.urls import include, path

urlpatterns = [
    path("", include("aftersales.workorders.urls_pages")),
    path("", include("aftersales.workorders.urls_board")),
]
