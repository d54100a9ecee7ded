from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from aftersales.accounts.scoping import can, scope
from aftersales.contracts.selectors import asset_entitlement, asset_periods
from aftersales.core.audit import history_for
from aftersales.core.downloads import attachment_headers
from aftersales.core.errors import ServiceError
from aftersales.core.forms import save_form
from aftersales.core.views import paginate, require_perm
from aftersales.customers.selectors import customer_get_for

from .choices import AssetStatus, DocumentKind
from .forms import AssetForm
from .models import ProjectDocument
from .selectors import asset_get_for, asset_list, project_get_for, project_list
from .services import asset_create, asset_update, project_document_add


def _date_param(request, name: str) -> tuple[dt.date, str | None]:
    raw = request.GET.get(name)
    if not raw:
        return timezone.localdate(), None
    try:
        return dt.date.fromisoformat(raw), None
    except ValueError:
        return timezone.localdate(), _("“%(value)s” is not a date (YYYY-MM-DD); today is shown.") % {"value": raw}


@require_perm("assets.view_asset")
def asset_list_view(request):
    page, query = paginate(request, asset_list(actor=request.user, filters=request.GET))
    return render(request, "assets/list.html", {"page": page, "query": query, "statuses": AssetStatus.choices,
                                                "q": request.GET.get("q", ""), "status": request.GET.get("status", "")})


@require_perm("assets.view_asset")
def asset_detail_view(request, pk: int):
    asset = asset_get_for(actor=request.user, pk=pk)
    on, date_error = _date_param(request, "on")
    sees_contracts = request.user.has_perm("contracts.view_contract")  # dealers do not
    context = {
        "asset": asset,
        "entitlement": asset_entitlement(asset=asset, on=on, show_contract=sees_contracts),
        "periods": asset_periods(asset=asset),
        "on": on,
        "date_error": date_error,
        "contracts": [c for c in asset.contracts.all() if c.archived_at is None] if sees_contracts else [],
        "children": [c for c in asset.children.all() if c.archived_at is None],
        "history": history_for(asset)[:50] if not request.user.is_external else [],
    }
    return render(request, "assets/detail.html", context)


@require_perm("assets.view_project")
def project_list_view(request):
    text = request.GET.get("q", "")
    page, query = paginate(request, project_list(actor=request.user, text=text))
    return render(request, "assets/project_list.html", {"page": page, "query": query, "q": text})


@require_perm("assets.view_project")
def project_detail_view(request, pk: int):
    project = project_get_for(actor=request.user, pk=pk)
    assets = scope(project.assets.filter(archived_at__isnull=True), request.user).select_related(
        "product_model", "site"
    )
    context = {
        "project": project,
        "assets": assets,
        "documents": scope(project.documents.filter(archived_at__isnull=True), request.user),
        "document_kinds": DocumentKind.choices,
        "contracts": scope(project.contracts.filter(archived_at__isnull=True), request.user),
        "history": history_for(project)[:50] if not request.user.is_external else [],
    }
    return render(request, "assets/project_detail.html", context)


@require_perm("assets.view_projectdocument")
def project_document_download(request, pk: int):
    document = get_object_or_404(scope(ProjectDocument.objects.filter(archived_at__isnull=True), request.user), pk=pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type="application/octet-stream")
    for name, value in attachment_headers(document.original_name).items():
        response[name] = value
    return response


def asset_create_view(request, customer_pk: int):
    customer = customer_get_for(actor=request.user, pk=customer_pk)
    return save_form(
        request, form_class=AssetForm, title=_("New equipment of %(name)s") % {"name": customer.name},
        cancel_url=customer.get_absolute_url(), form_kwargs={"customer": customer},
        save=lambda data: asset_create(actor=request.user, data=data),
    )


def asset_edit_view(request, pk: int):
    asset = asset_get_for(actor=request.user, pk=pk)
    return save_form(
        request, form_class=AssetForm, instance=asset, title=_("Change %(name)s") % {"name": str(asset)},
        cancel_url=asset.get_absolute_url(),
        save=lambda data: asset_update(actor=request.user, asset=asset, data=data),
    )


@require_http_methods(["POST"])
def project_document_upload(request, pk: int):
    project = project_get_for(actor=request.user, pk=pk)
    if not can(request.user, "add", ProjectDocument):
        raise PermissionDenied
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to upload."))
        return redirect(project.get_absolute_url())
    try:
        project_document_add(actor=request.user, project=project, upload=upload,
                             title=request.POST.get("title", ""), kind=request.POST.get("kind") or DocumentKind.OTHER)
    except ServiceError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("The document was added."))
    return redirect(project.get_absolute_url())
