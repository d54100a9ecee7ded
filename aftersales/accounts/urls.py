from django.contrib.auth import views as auth_views
from django.urls import path

PAGE = "registration/password_page.html"  # one page serves every step of both flows

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", auth_views.PasswordResetView.as_view(template_name=PAGE), name="password_reset"),
    path("password-reset/done/", auth_views.PasswordResetDoneView.as_view(template_name=PAGE), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(template_name=PAGE), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(template_name=PAGE), name="password_reset_complete"),
    path("password-change/", auth_views.PasswordChangeView.as_view(template_name=PAGE), name="password_change"),
    path("password-change/done/", auth_views.PasswordChangeDoneView.as_view(template_name=PAGE), name="password_change_done"),
]
