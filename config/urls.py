from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, re_path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from aftersales.accounts.api.views import TokenView
from aftersales.core.api import NoSuchRoute

api_v1 = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("", include("aftersales.customers.api.urls")),
    path("", include("aftersales.catalogue.api.urls")),
    path("", include("aftersales.assets.api.urls")),
    path("", include("aftersales.contracts.api.urls")),
    path("", include("aftersales.calendars.api.urls")),
    path("", include("aftersales.service.api.urls")),
    path("", include("aftersales.inventory.api.urls")),
    path("", include("aftersales.loaners.api.urls")),
    path("", include("aftersales.toolkits.api.urls")),
    path("", include("aftersales.workorders.api.urls")),
    path("", include("aftersales.charges.api.urls")),
    path("", include("aftersales.aftercare.api.urls")),
    re_path(r"^(?P<rest>.*)$", NoSuchRoute.as_view(), name="api-no-such-route"),  # keep last
]

urlpatterns = [
    path("", include("aftersales.core.urls")),
    path("accounts/", include("aftersales.accounts.urls")),
    path("customers/", include("aftersales.customers.urls")),
    path("assets/", include("aftersales.assets.urls")),
    path("contracts/", include("aftersales.contracts.urls")),
    path("calendars/", include("aftersales.calendars.urls")),
    path("service/", include("aftersales.service.urls")),
    path("stock/", include("aftersales.inventory.urls")),
    path("loaners/", include("aftersales.loaners.urls")),
    path("tools/", include("aftersales.toolkits.urls")),
    path("work-orders/", include("aftersales.workorders.urls")),
    path("charges/", include("aftersales.charges.urls")),
    path("transfer/", include("aftersales.transfer.urls")),
    path("aftercare/", include("aftersales.aftercare.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

