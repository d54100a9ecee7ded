"""The dispatch board and the service report, under /work-orders/ (the work order's own page,
"workorder-detail", is urls_pages'); the report's page for the customer, who may have it e-mailed."""

from django.urls import path

from . import reports, views_board

urlpatterns = [
    path("board/", views_board.board_view, name="workorder-board"),
    path("board/assign/<int:pk>/", views_board.board_assign_view, name="workorder-board-assign"),
    path("board/plan/<int:pk>/", views_board.board_plan_view, name="workorder-board-plan"),
    path("<int:pk>/report.pdf", reports.report_download_view, name="workorder-report"),
    path("<int:pk>/report/email/", reports.report_email_view, name="workorder-report-email"),
    path("<int:pk>/report/", reports.report_page_view, name="workorder-report-page"),
    path("<int:pk>/report/email-me/", reports.report_email_me_view, name="workorder-report-email-me"),
]
