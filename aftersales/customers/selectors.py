from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from aftersales.accounts.scoping import scope

from .models import Contact, Customer, Site


def customer_search(queryset: QuerySet[Customer], text: str) -> QuerySet[Customer]:
    """Customers whose Chinese name, code, phone or a contact's phone or name contains ``text``."""
    text = (text or "").strip()
    if not text:
        return queryset
    digits = text.replace("-", "").replace(" ", "")
    match = Q(name__icontains=text) | Q(code__icontains=text) | Q(city__icontains=text)
    if digits.isdigit():
        match |= Q(phone__contains=digits) | Q(contacts__mobile__contains=digits) | Q(contacts__phone__contains=digits)
        match |= Q(phone__contains=text) | Q(contacts__phone__contains=text)
    match |= Q(contacts__name__icontains=text)
    ids = queryset.filter(match).values("pk")
    return queryset.filter(pk__in=ids)


def customer_list(*, actor, text: str = "", include_archived: bool = False) -> QuerySet[Customer]:
    qs = scope(Customer.objects.all(), actor)
    if not include_archived:
        qs = qs.filter(archived_at__isnull=True)
    qs = customer_search(qs, text)
    return qs.select_related("dealer").order_by("code").annotate(
        asset_count=Count("assets", filter=Q(assets__archived_at__isnull=True), distinct=True)
    )


def customer_get_for(*, actor, pk: int) -> Customer:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(scope(Customer.objects.select_related("dealer", "account_manager"), actor), pk=pk)


def site_list(*, actor, customer: Customer) -> QuerySet[Site]:
    return scope(Site.objects.filter(customer=customer, archived_at__isnull=True), actor)


def contact_list(*, actor, customer: Customer) -> QuerySet[Contact]:
    return scope(Contact.objects.filter(customer=customer, archived_at__isnull=True), actor).select_related("site")
