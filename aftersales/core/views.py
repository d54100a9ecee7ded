from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme

from aftersales.accounts.scoping import scope
from aftersales.assets.models import Asset, Project
from aftersales.contracts.models import Contract
from aftersales.customers.models import Customer


class CappedPaginator(Paginator):
    """A paginator that counts at most ``cap`` rows: counting every one of a long list costs more
    than showing a page of it (200,000 open requests: 25 ms for a number nobody reads). Beyond the
    cap the pager says "more than N" and offers the first N rows' pages; filters narrow the list."""

    def __init__(self, *args, cap: int, **kwargs):
        self.cap = cap
        super().__init__(*args, **kwargs)

    @cached_property
    def _counted(self) -> int:
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self._counted > self.cap

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    def page(self, number):
        """A whole page even where it crosses the cap (the plain paginator would cut it at the count)."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom:bottom + self.per_page], number, self)


def paginate(request, queryset, per_page: int = 30, *, count_cap: int | None = None):
    """A page of the list and the query string to carry to the other pages; with ``count_cap``,
    the list is counted up to that many rows only (CappedPaginator)."""
    paginator = Paginator(queryset, per_page) if count_cap is None else CappedPaginator(queryset, per_page,
                                                                                         cap=count_cap)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def safe_next(request, fallback: str) -> str:
    """Where a form posted with ``next`` goes back to: that page when it is on this site, else
    ``fallback`` (never another site: no open redirect)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


def home(request):
    user = request.user
    today = timezone.localdate()
    assets = scope(Asset.objects.filter(archived_at__isnull=True), user)
    contracts = scope(Contract.objects.filter(archived_at__isnull=True, kind="maintenance"), user)
    stats = assets.aggregate(total=Count("id"), faulty=Count("id", filter=Q(status__in=["faulty", "under_repair"])))
    context = {
        "customer_count": scope(Customer.objects.filter(archived_at__isnull=True), user).count(),
        "project_count": scope(Project.objects.filter(archived_at__isnull=True), user).count(),
        "asset_total": stats["total"],
        "asset_faulty": stats["faulty"],
        "contracts_ending": contracts.filter(end_date__gte=today, end_date__lte=today + dt.timedelta(days=60))
        .select_related("customer")
        .order_by("end_date")[:10],
    }
    return render(request, "core/home.html", context)


def require_perm(perm: str):
    """The view answers 403 unless the user's roles grant ``perm`` (rows are scoped by the view)."""
    from functools import wraps

    from django.core.exceptions import PermissionDenied

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


ARCHIVABLE_KINDS = ("customer", "site", "contact", "project", "asset", "contract")


def _archivable_models() -> dict:
    from aftersales.assets.models import Asset, Project
    from aftersales.contracts.models import Contract
    from aftersales.customers.models import Contact, Customer, Site

    return {"customer": Customer, "site": Site, "contact": Contact, "project": Project, "asset": Asset,
            "contract": Contract}


def record_archive_view(request, pk: int, kind: str):
    """POST: archive (or, with ``restore``, bring back) a record; service records are never deleted."""
    from django.contrib import messages
    from django.core.exceptions import PermissionDenied
    from django.http import Http404, HttpResponseNotAllowed
    from django.shortcuts import get_object_or_404, redirect
    from django.utils.translation import gettext as _

    from aftersales.accounts.scoping import can

    from .services import record_archive, record_restore

    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    model = _archivable_models().get(kind)
    if model is None:
        raise Http404
    instance = get_object_or_404(scope(model.objects.all(), request.user), pk=pk)
    if not can(request.user, "change", instance):
        raise PermissionDenied
    if request.POST.get("restore"):
        record_restore(instance=instance, actor=request.user)
        messages.success(request, _("Restored."))
    else:
        record_archive(instance=instance, actor=request.user)
        messages.success(request, _("Archived. It stays in the records and can be restored."))
    return redirect(instance.get_absolute_url())
