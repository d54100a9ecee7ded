from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from aftersales.accounts.scoping import scope

from .models import Asset, Project


def asset_list(*, actor, filters: dict) -> QuerySet[Asset]:
    qs = scope(Asset.objects.filter(archived_at__isnull=True), actor).select_related(
        "product_model", "site", "customer", "project"
    )
    text = (filters.get("q") or "").strip()
    if text:
        qs = qs.filter(
            Q(serial_number__icontains=text) | Q(name__icontains=text) | Q(product_model__code__icontains=text)
            | Q(customer__name__icontains=text)
        )
    for field in ("customer", "project", "site", "product_model"):
        value = filters.get(field)
        if value and str(value).isdigit():
            qs = qs.filter(**{f"{field}_id": int(value)})
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    return qs.order_by("customer__code", "site__name", "serial_number")


def asset_get_for(*, actor, pk: int) -> Asset:
    qs = Asset.objects.select_related(
        "product_model__category", "product_model__maker", "site", "customer", "project", "parent",
        "replaces__product_model",
    ).prefetch_related("contracts", "children__product_model", "replaced_by__product_model")
    return get_object_or_404(scope(qs, actor), pk=pk)


def project_list(*, actor, text: str = "") -> QuerySet[Project]:
    qs = scope(Project.objects.filter(archived_at__isnull=True), actor).select_related("customer", "project_manager")
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(code__icontains=text) | Q(customer__name__icontains=text))
    return qs


def project_get_for(*, actor, pk: int) -> Project:
    qs = Project.objects.select_related("customer", "site", "project_manager")
    return get_object_or_404(scope(qs, actor), pk=pk)
