"""From the cells of a sheet to unsaved records, checking every row and collecting every problem.

Lookups (customers, sites, models, projects, existing keys) are loaded once, in batches, into
dicts; each row is then checked in Python, with ``full_clean`` minus the checks that would cost
a query per row (related rows exist, uniqueness), which are done here against the dicts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext as _

from aftersales.accounts.scoping import scope
from aftersales.assets.models import Asset, Project
from aftersales.catalogue.models import ProductModel
from aftersales.customers.models import Contact, Customer, Site

from .specs import CellError, KindSpec, cell_text

BATCH = 500
# A model field that a column names by a business key.
KEY_COLUMNS = {"customer": "customer_code", "site": "site_name", "product_model": "model_code",
               "project": "project_code"}


@dataclass(frozen=True)
class RowError:
    row: int  # as Excel shows it
    column: str  # the column header; "" when the problem concerns the whole row or file
    message: str


@dataclass
class ParsedRow:
    number: int
    values: dict[str, Any] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # field -> the text that could not be read


class Report:
    """The problems found so far, one per cell at most, in the order they were found."""

    def __init__(self, spec: KindSpec):
        self.spec = spec
        self.errors: list[RowError] = []
        self._seen: set[tuple[int, str]] = set()

    def add(self, row: int, name: str, message: str) -> None:
        """A problem of a field (or a column's business key) of a row."""
        self.add_at(row, self._column(name), message)

    def add_at(self, row: int, column: str, message: str) -> None:
        """A problem of the cell under the header ``column``."""
        if (row, column) in self._seen and column:
            return
        self._seen.add((row, column))
        self.errors.append(RowError(row=row, column=column, message=str(message)))

    def _column(self, name: str) -> str:
        header = self.spec.header_of(KEY_COLUMNS.get(name, name))
        if header or name == NON_FIELD_ERRORS:
            return header
        try:
            return str(self.spec.model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            return name

    def sorted(self) -> list[RowError]:
        return sorted(self.errors, key=lambda e: e.row)


def parse_rows(spec: KindSpec, positions: dict[str, int], rows: Iterable[tuple[int, tuple]],
               report: Report) -> list[ParsedRow]:
    """Each cell read by its column's parser; blanks take the column's default or are reported."""
    parsed = []
    for number, cells in rows:
        row = ParsedRow(number)
        for column in spec.columns:
            index = positions.get(column.field)
            value = cells[index] if index is not None and index < len(cells) else None
            if cell_text(value) == "":
                if column.required:
                    report.add(number, column.field, _("A value is required."))
                    row.failed[column.field] = ""
                else:
                    row.values[column.field] = column.default
                continue
            try:
                row.values[column.field] = column.parse(value)
            except CellError as exc:
                report.add(number, column.field, str(exc))
                row.failed[column.field] = cell_text(value)
        parsed.append(row)
    return parsed


def _batches(values: Iterable[Any]) -> Iterator[list[Any]]:
    unique = sorted({v for v in values if v not in (None, "")}, key=str)
    for start in range(0, len(unique), BATCH):
        yield unique[start:start + BATCH]


def _clean(instance: models.Model, row: ParsedRow, report: Report) -> None:
    """``full_clean`` without the per-row queries: relations come from the dicts, uniqueness is checked here."""
    exclude = set(row.failed) | {f.name for f in instance._meta.concrete_fields if f.is_relation}
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                report.add(row.number, name, message)


def _customers(rows: list[ParsedRow], actor) -> dict[str, Customer]:
    found: dict[str, Customer] = {}
    for codes in _batches(r.values.get("customer_code") for r in rows):
        for customer in scope(Customer.objects.filter(code__in=codes), actor):
            found[customer.code] = customer
    return found


def _customer_of(row: ParsedRow, customers: dict[str, Customer], report: Report) -> Customer | None:
    code = row.values.get("customer_code")
    if not code:
        return None
    customer = customers.get(code)
    if customer is None:
        report.add(row.number, "customer_code", _("No customer with code “%(code)s”.") % {"code": code})
    elif customer.archived_at is not None:
        report.add(row.number, "customer_code", _("Customer “%(code)s” is archived.") % {"code": code})
        return None
    return customer


def _model_fields(spec: KindSpec, row: ParsedRow) -> dict[str, Any]:
    """The row's values for the model's own fields. A text cell that was refused keeps its text, so
    the model's rules see it filled in (an invalid landline is not also “no number at all”)."""
    fields = {f.name: f for f in spec.model._meta.concrete_fields}
    values = {k: v for k, v in row.values.items() if k in fields}
    for name, text in row.failed.items():
        if name in fields and isinstance(fields[name], (models.CharField, models.TextField)):
            values[name] = text
    return values


def build_customers(spec: KindSpec, rows: list[ParsedRow], *, actor, report: Report) -> list[Customer]:
    existing: set[str] = set()
    for codes in _batches(r.values.get("code") for r in rows):
        existing.update(Customer.objects.filter(code__in=codes).values_list("code", flat=True))
    first: dict[str, int] = {}
    built = []
    for row in rows:
        code = row.values.get("code")
        if code in existing:
            report.add(row.number, "code", _("A customer with code “%(code)s” already exists.") % {"code": code})
        elif code and code in first:
            report.add(row.number, "code", _("Code “%(code)s” also appears in row %(row)d.")
                       % {"code": code, "row": first[code]})
        elif code:
            first[code] = row.number
        customer = Customer(**_model_fields(spec, row))
        _clean(customer, row, report)
        built.append(customer)
    return built


def build_sites(spec: KindSpec, rows: list[ParsedRow], *, actor, report: Report) -> list[Site]:
    customers = _customers(rows, actor)
    taken = set(Site.objects.filter(customer__in=customers.values()).values_list("customer_id", "name"))
    first: dict[tuple[int, str], int] = {}
    built = []
    for row in rows:
        customer = _customer_of(row, customers, report)
        name = row.values.get("name")
        if customer is not None and name:
            key = (customer.pk, name)
            if key in taken:
                report.add(row.number, "name", _("Customer “%(customer)s” already has a site named “%(name)s”.")
                           % {"customer": customer.code, "name": name})
            elif key in first:
                report.add(row.number, "name", _("Site “%(name)s” of this customer also appears in row %(row)d.")
                           % {"name": name, "row": first[key]})
            else:
                first[key] = row.number
        site = Site(customer=customer, **_model_fields(spec, row))
        _clean(site, row, report)
        built.append(site)
    return built


def build_contacts(spec: KindSpec, rows: list[ParsedRow], *, actor, report: Report) -> list[Contact]:
    customers = _customers(rows, actor)
    built = []
    for row in rows:
        contact = Contact(customer=_customer_of(row, customers, report), **_model_fields(spec, row))
        _clean(contact, row, report)
        built.append(contact)
    return built


@dataclass
class AssetLookups:
    customers: dict[str, Customer]
    sites: dict[tuple[int, str], Site]
    models: dict[str, list[ProductModel]]
    projects: dict[str, Project]
    serials: set[tuple[int, str]]

    @classmethod
    def load(cls, rows: list[ParsedRow], actor) -> AssetLookups:
        customers = _customers(rows, actor)
        active = [c for c in customers.values() if c.archived_at is None]
        sites = scope(Site.objects.filter(customer__in=active, archived_at__isnull=True), actor)
        models_by_code: dict[str, list[ProductModel]] = defaultdict(list)
        for codes in _batches(r.values.get("model_code") for r in rows):
            for product_model in ProductModel.objects.filter(code__in=codes, archived_at__isnull=True) \
                    .select_related("maker"):
                models_by_code[product_model.code].append(product_model)
        projects: dict[str, Project] = {}
        for codes in _batches(r.values.get("project_code") for r in rows):
            for project in scope(Project.objects.filter(code__in=codes, archived_at__isnull=True), actor):
                projects[project.code] = project
        serials: set[tuple[int, str]] = set()
        for batch in _batches(r.values.get("serial_number") for r in rows):
            registered = Asset.objects.filter(serial_number__in=batch)
            serials.update(registered.values_list("product_model_id", "serial_number"))
        by_pk = {c.pk: c for c in active}
        site_map = {}
        for site in sites:
            site.customer = by_pk[site.customer_id]  # shared objects: no query when the site is printed
            site_map[(site.customer_id, site.name)] = site
        return cls(customers, site_map, models_by_code, projects, serials)

    def product_model(self, row: ParsedRow, report: Report) -> ProductModel | None:
        code, maker = row.values.get("model_code"), row.values.get("maker_name")
        if not code:
            return None
        candidates = self.models.get(code, [])
        if maker:
            candidates = [m for m in candidates if m.maker.name == maker]
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            message = (_("No product model “%(code)s” of maker “%(maker)s”.") if maker
                       else _("No product model “%(code)s”."))
            report.add(row.number, "model_code", message % {"code": code, "maker": maker})
        else:
            makers = "、".join(sorted(m.maker.name for m in candidates))
            report.add(row.number, "model_code", _("Model number “%(code)s” exists for several makers "
                                                   "(%(makers)s): fill in the column 厂商.")
                       % {"code": code, "makers": makers})
        return None


def build_assets(spec: KindSpec, rows: list[ParsedRow], *, actor, report: Report) -> list[Asset]:
    lookups = AssetLookups.load(rows, actor)
    first: dict[tuple[int, str], int] = {}
    built = []
    for row in rows:
        customer = _customer_of(row, lookups.customers, report)
        site = _site_of(row, customer, lookups, report)
        product_model = lookups.product_model(row, report)
        project = _project_of(row, lookups, report)
        serial = row.values.get("serial_number")
        if product_model is not None and serial:
            _check_serial(row, (product_model.pk, serial), product_model, lookups.serials, first, report)
        asset = Asset(customer=customer, site=site, product_model=product_model, project=project,
                      **_model_fields(spec, row))
        _clean(asset, row, report)
        built.append(asset)
    return built


def _site_of(row: ParsedRow, customer: Customer | None, lookups: AssetLookups, report: Report) -> Site | None:
    name = row.values.get("site_name")
    if customer is None or not name:
        return None
    site = lookups.sites.get((customer.pk, name))
    if site is None:
        report.add(row.number, "site_name", _("Customer “%(customer)s” has no site named “%(name)s”.")
                   % {"customer": customer.code, "name": name})
    return site


def _project_of(row: ParsedRow, lookups: AssetLookups, report: Report) -> Project | None:
    code = row.values.get("project_code")
    if not code:
        return None
    project = lookups.projects.get(code)
    if project is None:
        report.add(row.number, "project_code", _("No project with code “%(code)s”.") % {"code": code})
    return project


def _check_serial(row: ParsedRow, key: tuple[int, str], product_model: ProductModel, registered: set,
                  first: dict, report: Report) -> None:
    values = {"serial": key[1], "model": product_model.code}
    if key in registered:
        report.add(row.number, "serial_number",
                   _("Serial number “%(serial)s” of model %(model)s is already registered.") % values)
    elif key in first:
        report.add(row.number, "serial_number",
                   _("Serial number “%(serial)s” of model %(model)s also appears in row %(row)d.")
                   % {**values, "row": first[key]})
    else:
        first[key] = row.number


BUILDERS = {"customers": build_customers, "sites": build_sites, "contacts": build_contacts, "assets": build_assets}
