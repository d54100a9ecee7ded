"""The columns of each importable kind: header (the file format, always Chinese), whether a value
is required, how a cell is read, an example and an explanation for the template.

Rows refer to other records by business keys: customer code, site name within that customer,
model number (with the maker when two makers use the same number) and project code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.assets.choices import AssetStatus
from aftersales.assets.models import Asset, Project
from aftersales.catalogue.models import Maker, ProductModel
from aftersales.core.validators import normalise_phone, validate_cn_mobile, validate_cn_phone
from aftersales.customers.choices import CustomerLevel
from aftersales.customers.models import Contact, Customer, Site

YES, NO = "是", "否"


class CellError(Exception):
    """A cell that cannot be read; the message is translated and shown in the error report."""


def cell_text(value: Any) -> str:
    """A cell as text: numbers without a spurious “.0”, dates as YYYY-MM-DD, blanks as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


# Parsers: cell value (never blank, blanks are handled by the caller) -> Python value, or CellError.

def text(max_length: int | None) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        result = cell_text(value)
        if max_length is not None and len(result) > max_length:
            raise CellError(_("Too long: at most %(max)d characters (this has %(count)d).")
                            % {"max": max_length, "count": len(result)})
        return result

    return parse


def phone(validator: Callable[[str], None], max_length: int) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        result = text(max_length)(value)
        try:
            validator(result)
        except ValidationError as exc:
            raise CellError(" ".join(exc.messages)) from exc
        return normalise_phone(result)

    return parse


def date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = cell_text(value)
    try:
        if len(raw) == 10 and raw[4] == "-" and raw[7] == "-":
            return dt.date.fromisoformat(raw)
    except ValueError:
        pass
    raise CellError(_("“%(value)s” is not a date: use an Excel date or YYYY-MM-DD.") % {"value": raw})


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raw = cell_text(value)
    if raw in (YES, NO):
        return raw == YES
    raise CellError(_("“%(value)s” is not valid: write 是 (yes) or 否 (no).") % {"value": raw})


def level(value: Any) -> str:
    raw = cell_text(value).upper()
    if raw in CustomerLevel.values:
        return raw
    raise CellError(_("“%(value)s” is not a level: write A, B or C.") % {"value": cell_text(value)})


def status_label(value: str) -> str:
    """The Chinese label of a status: what the export writes, whatever the user's language."""
    return _status_labels()[value]


@lru_cache(maxsize=1)
def _status_labels() -> dict[str, str]:
    with translation.override("zh-hans"):
        return {code: str(label) for code, label in AssetStatus.choices}


@lru_cache(maxsize=8)
def _status_names(language: str | None) -> dict[str, str]:
    """Code, Chinese label, English label and the label in ``language`` (lower case) -> code."""
    names: dict[str, str] = {}
    for code in AssetStatus.values:
        names[code] = code
        for lang in ("zh-hans", "en", language):
            with translation.override(lang):
                names[str(AssetStatus(code).label).lower()] = code
    return names


def status(value: Any) -> str:
    raw = cell_text(value)
    found = _status_names(translation.get_language()).get(raw.lower())
    if found:
        return found
    choices = "、".join(_status_labels().values())
    raise CellError(_("“%(value)s” is not a status: use one of %(choices)s.") % {"value": raw, "choices": choices})


def _max_length(model: type[models.Model], name: str) -> int:
    return model._meta.get_field(name).max_length


@dataclass(frozen=True)
class Column:
    header: str
    field: str  # model field name, or the business key the row refers by
    parse: Callable[[Any], Any]
    help: Promise
    example: Any = ""
    required: bool = False
    default: Any = ""
    optional_column: bool = False  # files may leave the whole column out
    choices: tuple[str, ...] | Callable[[], tuple[str, ...]] = ()  # a drop-down list in the workbook
    export: Callable[[Any], Any] | None = None  # the cell of a record; by default its attribute ``field``
    needs: str = ""  # a permission the reader needs to be given this column's values in an export

    def choice_list(self) -> tuple[str, ...]:
        return self.choices() if callable(self.choices) else self.choices

    def value_of(self, record: models.Model) -> Any:
        value = self.export(record) if self.export else getattr(record, self.field)
        if isinstance(value, bool):
            return YES if value else NO
        return "" if value is None else value


@dataclass(frozen=True)
class KindSpec:
    kind: str
    model: type[models.Model]
    label: Promise
    columns: tuple[Column, ...]
    select_related: tuple[str, ...] = ()  # what the export reads besides the record
    active_paths: tuple[str, ...] = ()  # related records that must not be archived for a row to export
    ordering: tuple[str, ...] = ("customer__code", "pk")
    by_field: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_field", {c.field: c for c in self.columns})

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def header_of(self, name: str) -> str:
        column = self.by_field.get(name)
        return column.header if column else ""


def _customer_code(help_text: Promise) -> Column:
    return Column("客户编码", "customer_code", text(_max_length(Customer, "code")), help_text,
                  example="C00001", required=True, export=lambda r: r.customer.code)


BOOL_CHOICES = (YES, NO)

CUSTOMERS = KindSpec("customers", Customer, gettext_lazy("Customers"), (
    Column("客户编码", "code", text(_max_length(Customer, "code")),
           gettext_lazy("Unique code of the customer; other sheets refer to the customer by it."),
           example="C00001", required=True),
    Column("客户名称", "name", text(_max_length(Customer, "name")), gettext_lazy("Full name of the organisation."),
           example="杭州第一中学", required=True),
    Column("级别", "level", level, gettext_lazy("A, B or C; B when left empty."), example="B",
           default=CustomerLevel.B, choices=tuple(CustomerLevel.values)),
    Column("重点客户", "is_key", boolean, gettext_lazy("是 or 否; 否 when left empty."), example=NO, default=False,
           choices=BOOL_CHOICES),
    Column("非我方安装", "installed_by_others", boolean,
           gettext_lazy("是 when the system was installed by someone else; 否 when left empty."), example=NO,
           default=False, choices=BOOL_CHOICES),
    Column("城市", "city", text(_max_length(Customer, "city")), gettext_lazy("City."), example="杭州"),
    Column("地址", "address", text(_max_length(Customer, "address")), gettext_lazy("Postal address."),
           example="西湖区文三路 1 号"),
    Column("电话", "phone", phone(validate_cn_phone, _max_length(Customer, "phone")),
           gettext_lazy("Switchboard: a mobile number or a landline with area code, e.g. 0571-87654321."),
           example="0571-87654321"),
), ordering=("code",))

SITES = KindSpec("sites", Site, gettext_lazy("Sites"), (
    _customer_code(gettext_lazy("Code of an existing customer.")),
    Column("地址名称", "name", text(_max_length(Site, "name")),
           gettext_lazy("Name of the site, unique within the customer; equipment rows refer to it."),
           example="主校区", required=True),
    Column("城市", "city", text(_max_length(Site, "city")), gettext_lazy("City."), example="杭州"),
    Column("地址", "address", text(_max_length(Site, "address")), gettext_lazy("Street address of the site."),
           example="西湖区文三路 1 号", required=True),
), select_related=("customer",), active_paths=("customer",))

CONTACTS = KindSpec("contacts", Contact, gettext_lazy("Contacts"), (
    _customer_code(gettext_lazy("Code of an existing customer.")),
    Column("姓名", "name", text(_max_length(Contact, "name")), gettext_lazy("Name of the person."), example="张伟",
           required=True),
    Column("职务", "title", text(_max_length(Contact, "title")), gettext_lazy("Position."), example="总务处主任"),
    Column("手机", "mobile", phone(validate_cn_mobile, _max_length(Contact, "mobile")),
           gettext_lazy("Mainland mobile number (11 digits)."), example="13812345678"),
    Column("座机", "phone", phone(validate_cn_phone, _max_length(Contact, "phone")),
           gettext_lazy("Landline with area code, e.g. 0571-87654321."), example="0571-87654321"),
    Column("邮箱", "email", text(_max_length(Contact, "email")),
           gettext_lazy("E-mail address. Give at least a mobile, a landline or an e-mail address."),
           example="zhangwei@example.com"),
    Column("主要联系人", "is_primary", boolean, gettext_lazy("是 for the main contact; 否 when left empty."),
           example=YES, default=False, choices=BOOL_CHOICES),
), select_related=("customer",), active_paths=("customer",))

ASSETS = KindSpec("assets", Asset, gettext_lazy("Equipment"), (
    _customer_code(gettext_lazy("Code of an existing customer.")),
    Column("地址名称", "site_name", text(_max_length(Site, "name")),
           gettext_lazy("Name of an existing site of that customer."), example="主校区", required=True,
           export=lambda r: r.site.name),
    Column("型号", "model_code", text(_max_length(ProductModel, "code")),
           gettext_lazy("Model number from the product catalogue."),
           example="DS-2CD3T46", required=True, export=lambda r: r.product_model.code),
    Column("厂商", "maker_name", text(_max_length(Maker, "name")),
           gettext_lazy("Maker of the model; needed only when two makers use the same model number."),
           example="海康威视", optional_column=True, export=lambda r: r.product_model.maker.name),
    Column("序列号", "serial_number", text(_max_length(Asset, "serial_number")),
           gettext_lazy("Serial number, unique for the model."), example="SN20240001", required=True),
    Column("名称", "name", text(_max_length(Asset, "name")),
           gettext_lazy("Where or what it is, e.g. gate camera 3."), example="校门口摄像机 3"),
    Column("安装日期", "installed_on", date, gettext_lazy("An Excel date or YYYY-MM-DD."),
           example=dt.date(2024, 6, 1), default=None),
    Column("验收日期", "accepted_on", date,
           gettext_lazy("An Excel date or YYYY-MM-DD, not before the installation date; the warranty starts on it."),
           example=dt.date(2024, 6, 28), default=None),
    Column("项目编码", "project_code", text(_max_length(Project, "code")),
           gettext_lazy("Code of an existing project of the same customer."),
           example="PRJ-0001", export=lambda r: r.project.code if r.project_id else "", needs="assets.view_project"),
    Column("状态", "status", status, gettext_lazy("In service when left empty."),
           example="在用", default=AssetStatus.IN_SERVICE,
           choices=lambda: tuple(_status_labels().values()),
           export=lambda r: status_label(r.status)),
), select_related=("customer", "site", "product_model__maker", "project"), active_paths=("customer", "site"))

SPECS: dict[str, KindSpec] = {spec.kind: spec for spec in (CUSTOMERS, SITES, CONTACTS, ASSETS)}


def spec_for(kind: str) -> KindSpec | None:
    return SPECS.get(kind)
