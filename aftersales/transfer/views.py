from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from aftersales.accounts.scoping import can
from aftersales.core.downloads import attachment_headers
from aftersales.core.errors import ServiceError

from .forms import ImportForm
from .selectors import kinds_for
from .services import export_workbook, import_workbook, template_workbook
from .specs import SPECS, KindSpec, spec_for

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS_SHOWN = 500


@require_http_methods(["GET", "POST"])
def transfer_home(request):
    importable = kinds_for(actor=request.user, action="add")
    exportable = kinds_for(actor=request.user, action="view")
    if not importable and not exportable:
        raise PermissionDenied
    form, result = ImportForm(kinds=importable), None
    if request.method == "POST":
        spec = spec_for(request.POST.get("kind", ""))
        if not importable or (spec is not None and not can(request.user, "add", spec.model)):
            raise PermissionDenied
        form = ImportForm(request.POST, request.FILES, kinds=importable)
        if form.is_valid():
            try:
                result = import_workbook(kind=form.cleaned_data["kind"], file=form.cleaned_data["file"],
                                         actor=request.user)
            except ServiceError as exc:
                form.add_error("file" if exc.field == "file" else None, exc.message)
            else:
                if result.ok:
                    messages.success(request, _imported_message(result.created, SPECS[result.kind]))
                    return redirect("transfer-home")
    context = {
        "form": form,
        "importable": importable,
        "result": result,
        "shown_errors": result.errors[:ERRORS_SHOWN] if result else [],
        "hidden_count": max(0, len(result.errors) - ERRORS_SHOWN) if result else 0,
        "kinds": [{"kind": s.kind, "label": s.label, "template": s in importable, "export": s in exportable}
                  for s in SPECS.values() if s in importable or s in exportable],
        "max_size": settings.IMPORT_MAX_BYTES,
    }
    return render(request, "transfer/home.html", context)


def _imported_message(count: int, spec: KindSpec) -> str:
    return ngettext("%(count)d row of %(kind)s was imported.", "%(count)d rows of %(kind)s were imported.",
                    count) % {"count": count, "kind": spec.label}


def _spec_or_404(kind: str) -> KindSpec:
    spec = spec_for(kind)
    if spec is None:
        raise Http404
    return spec


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    for name, value in attachment_headers(filename).items():
        response[name] = value
    return response


@require_safe
def template_download(request, kind: str):
    spec = _spec_or_404(kind)
    if not can(request.user, "add", spec.model):
        raise PermissionDenied
    return _xlsx(template_workbook(spec.kind), f"{spec.kind}-template.xlsx")


@require_safe
@never_cache
def export_download(request, kind: str):
    spec = _spec_or_404(kind)
    if not can(request.user, "view", spec.model):
        raise PermissionDenied
    content = export_workbook(kind=spec.kind, actor=request.user)
    return _xlsx(content, f"{spec.kind}-{timezone.localdate():%Y%m%d}.xlsx")
