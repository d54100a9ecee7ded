from django.urls import path

from . import views

urlpatterns = [
    path("", views.calendar_list_view, name="calendar-list"),
    path("<int:pk>/", views.calendar_detail_view, name="calendar-detail"),
    path("years/<int:year>/", views.holiday_year_edit_view, name="calendar-year"),
]
