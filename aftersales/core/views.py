from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone

from aftersales.accounts.scoping import scope
from aftersales.assets.models import Asset, Project
from aftersales.contracts.models import Contract
from aftersales.customers.models import Customer


def paginate(request, queryset, per_page: int = 30):
    """A page of the list and the query string to carry to the other pages."""
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


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
