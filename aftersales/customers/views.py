from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from aftersales.accounts.scoping import scope
from aftersales.assets.models import Asset, Project
from aftersales.contracts.models import Contract
from aftersales.core.audit import history_for
from aftersales.core.forms import save_form
from aftersales.core.services import record_create, record_update
from aftersales.core.views import paginate, require_perm

from .forms import ContactForm, CustomerForm, SiteForm
from .models import Contact, Customer, Site
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
        # only for roles that may view projects and contracts (dealers may not)
        "projects": scope(Project.objects.filter(customer=customer, archived_at__isnull=True), user)
        if user.has_perm("assets.view_project") else Project.objects.none(),
        "contracts": scope(Contract.objects.filter(customer=customer, archived_at__isnull=True), user)
        if user.has_perm("contracts.view_contract") else Contract.objects.none(),
        "history": history_for(customer)[:50] if not user.is_external else [],
    }
    return render(request, "customers/detail.html", context)


def customer_create_view(request):
    return save_form(
        request, form_class=CustomerForm, title=_("New customer"), cancel_url=reverse("customer-list"),
        save=lambda data: record_create(model=Customer, actor=request.user, data=data),
    )


def customer_edit_view(request, pk: int):
    customer = customer_get_for(actor=request.user, pk=pk)
    return save_form(
        request, form_class=CustomerForm, instance=customer, title=_("Change %(name)s") % {"name": customer.name},
        cancel_url=customer.get_absolute_url(),
        save=lambda data: record_update(instance=customer, actor=request.user, data=data),
    )


def site_create_view(request, pk: int):
    customer = customer_get_for(actor=request.user, pk=pk)
    return save_form(
        request, form_class=SiteForm, title=_("New site of %(name)s") % {"name": customer.name},
        cancel_url=customer.get_absolute_url(),
        save=lambda data: record_create(model=Site, actor=request.user, data={**data, "customer": customer}),
    )


def contact_create_view(request, pk: int):
    customer = customer_get_for(actor=request.user, pk=pk)
    return save_form(
        request, form_class=ContactForm, title=_("New contact of %(name)s") % {"name": customer.name},
        cancel_url=customer.get_absolute_url(), form_kwargs={"customer": customer},
        save=lambda data: record_create(model=Contact, actor=request.user, data={**data, "customer": customer}),
    )
