from __future__ import annotations

from django.db.models import Q
from django.shortcuts import get_object_or_404, render

from aftersales.accounts.scoping import scope
from aftersales.core.audit import history_for
from aftersales.core.views import paginate, require_perm

from .choices import ContractKind
from .models import Contract


@require_perm("contracts.view_contract")
def contract_list_view(request):
    qs = scope(Contract.objects.filter(archived_at__isnull=True), request.user).select_related("customer")
    text = request.GET.get("q", "").strip()
    if text:
        qs = qs.filter(Q(number__icontains=text) | Q(title__icontains=text) | Q(customer__name__icontains=text))
    if request.GET.get("kind") in ContractKind.values:
        qs = qs.filter(kind=request.GET["kind"])
    page, query = paginate(request, qs.order_by("-start_date", "number"))
    return render(request, "contracts/list.html", {"page": page, "query": query, "q": text,
                                                   "kinds": ContractKind.choices, "kind": request.GET.get("kind", "")})


@require_perm("contracts.view_contract")
def contract_detail_view(request, pk: int):
    qs = Contract.objects.select_related("customer", "project", "renews")
    contract = get_object_or_404(scope(qs, request.user), pk=pk)
    assets = scope(contract.assets.filter(archived_at__isnull=True), request.user).select_related("product_model", "site")
    return render(request, "contracts/detail.html", {
        "contract": contract,
        "assets": assets,
        "history": history_for(contract)[:50] if not request.user.is_external else [],
    })
