from __future__ import annotations

from django.shortcuts import render

from aftersales.accounts.scoping import scope
from aftersales.assets.models import Asset, Project
from aftersales.contracts.models import Contract
from aftersales.core.audit import history_for
from aftersales.core.views import paginate, require_perm

from .selectors import contact_list, customer_get_for, customer_list, site_list


@require_perm("customers.view_customer")
def customer_list_view(request):
    text = request.GET.get("q", "")
    page, query = paginate(request, customer_list(actor=request.user, text=text))
    context = {"page": page, "query": query, "q": text}
    if request.headers.get("HX-Request"):
        return render(request, "customers/_rows.html", context)
    return render(request, "customers/list.html", context)


@require_perm("customers.view_customer")
def customer_detail_view(request, pk: int):
    customer = customer_get_for(actor=request.user, pk=pk)
    user = request.user
    assets = (
        scope(Asset.objects.filter(customer=customer, archived_at__isnull=True), user)
        .select_related("product_model", "site", "project")
        .order_by("site__name", "product_model__code", "serial_number")
    )
    context = {
        "customer": customer,
        "sites": site_list(actor=user, customer=customer),
        "contacts": contact_list(actor=user, customer=customer),
        "assets": assets[:100],
        "asset_count": assets.count(),
        "projects": scope(Project.objects.filter(customer=customer, archived_at__isnull=True), user),
        "contracts": scope(Contract.objects.filter(customer=customer, archived_at__isnull=True), user),
        "history": history_for(customer)[:50] if not user.is_external else [],
    }
    return render(request, "customers/detail.html", context)
