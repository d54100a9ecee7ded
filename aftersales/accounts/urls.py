from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

PAGE = "registration/password_page.html"  # one page serves every step of both flows

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/otp/", views.login_otp_view, name="login-otp"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", auth_views.PasswordResetView.as_view(template_name=PAGE), name="password_reset"),
    path("password-reset/done/", auth_views.PasswordResetDoneView.as_view(template_name=PAGE), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(template_name=PAGE), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(template_name=PAGE), name="password_reset_complete"),
    path("password-change/", auth_views.PasswordChangeView.as_view(template_name=PAGE), name="password_change"),
    path("password-change/done/", auth_views.PasswordChangeDoneView.as_view(template_name=PAGE), name="password_change_done"),
    path("two-step/", views.totp_enrol_view, name="totp-enrol"),
    path("users/", views.user_list_view, name="user-list"),
    path("users/<int:pk>/", views.user_detail_view, name="user-detail"),
    path("users/<int:pk>/sessions/end/", views.user_sessions_end_view, name="user-sessions-end"),
    path("users/<int:pk>/two-step/reset/", views.user_totp_reset_view, name="user-totp-reset"),
    path("users/<int:pk>/active/", views.user_active_view, name="user-active"),
    path("users/<int:pk>/roles/", views.user_roles_view, name="user-roles"),
    path("security-log/", views.security_log_view, name="security-log"),
    path("security-policy/", views.security_policy_view, name="security-policy"),
]
