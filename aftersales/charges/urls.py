"""Pages of charges under /charges/."""

from django.urls import path

from . import views

urlpatterns = [
    path("quotes/", views.quote_list_view, name="charges-quotes"),
    path("quotes/<int:pk>/", views.quote_view, name="charges-quote"),
    path("price-rules/", views.price_rules_view, name="charges-price-rules"),
    path("finance/", views.finance_view, name="charges-finance"),
] + [
    path(f"quotes/<int:pk>/{step}/", views.quote_step_view, {"step": step}, name=f"charges-quote-{step}")
    for step in views.STEPS
]
