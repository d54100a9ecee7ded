"""The machinery of the who-sees-what matrix (test_matrix.py), shared with the older walks.

* ``walk`` / ``fill``: every URL pattern of the project, and a concrete path for it.
* ``Route``: one pattern, what kind of view serves it and, for the API, the model behind it.
* ``build_world``: two customer organisations A and B with a row of every customer-owned model
  (ids ``A_ID`` / ``B_ID``), every text of an organisation carrying its marker, every internal
  field carrying ``INTERNAL``; rows are made by ``FACTORIES``, so a new model must register one.
* ``Ledger``: what a request wrote to the database, row by row.
* ``write_violations`` / ``context_violations``: the oracles, derived from ROLE_PERMISSIONS and
  accounts.scoping: who may create or change a row of a model, who may be shown one.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

from django import forms
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.paginator import Page
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver

from aftersales.accounts.roles import ROLE_PERMISSIONS, Role
from aftersales.accounts.scoping import scope

A_ID = 800001  # every row of organisation A that a route can name has this id
B_ID = 900001  # every row of organisation B: ids no row of A has, so any answer for them is a leak
INTERNAL = "内部机密"  # every internal field of every row carries it (customers and dealers never see it)
_MISSING = object()


# --------------------------------------------------------------------------------------------
# Routes
# --------------------------------------------------------------------------------------------

def walk(patterns=None, prefix=""):
    """(route, pattern) for every URL pattern of the project."""
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def fill(route: str, value: int) -> str | None:
    """A concrete path: every <int:…> or (?P<pk>…) argument set to ``value``; None if not fillable."""
    if "<format>" in route:
        return None  # the same view as the route without a format suffix
    route = re.sub(r"<int:\w+>|\(\?P<\w+>\[\^/\.\]\+\)", str(value), route)
    route = route.replace("^", "").replace("$", "")
    if "<" in route or "(" in route:
        return None
    return "/" + route.replace("\\", "")


_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def _is_record_id(converter: str | None, name: str, regex: bool) -> bool:
    """An argument that names a record: <int:pk>, <int:customer_pk>, or a router's (?P<pk>…)."""
    return (converter == "int" or regex) and (name == "pk" or name.endswith("_pk") or name == "id")


@dataclass(frozen=True)
class Route:
    route: str
    pattern: URLPattern

    @property
    def name(self) -> str:
        return self.pattern.name or self.route

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    @property
    def view_class(self):
        return getattr(self.pattern.callback, "cls", None)

    @property
    def actions(self) -> dict[str, str]:
        """method -> viewset action (router routes), e.g. {"get": "list", "post": "create"}; HEAD, which
        REST framework adds once a GET was served, is GET."""
        actions = dict(getattr(self.pattern.callback, "actions", None) or {})
        return {m: a for m, a in actions.items() if m not in ("head", "options")}

    @property
    def params(self) -> list[tuple[str | None, str, bool]]:
        return [(m[0], m[1], False) if m[1] else (None, m[2], True) for m in _PARAM.findall(self.route)]

    @property
    def names_a_record(self) -> bool:
        return any(_is_record_id(*p) for p in self.params)

    @property
    def fillable(self) -> bool:
        """Every argument names a record, so the path of any row id is known."""
        return all(_is_record_id(*p) for p in self.params)

    def path(self, pk: int) -> str:
        def sub(match):
            conv, name, regex_name = match.group(1), match.group(2), match.group(3)
            return str(pk) if _is_record_id(conv, name or regex_name, regex_name is not None) else match.group(0)

        return "/" + _PARAM.sub(sub, self.route).replace("^", "").replace("$", "").replace("\\", "")

    @property
    def model(self) -> type[models.Model] | None:
        """The model behind an API view: its queryset's, or its serializer's."""
        cls = self.view_class
        queryset = getattr(cls, "queryset", None)
        if queryset is not None:
            return queryset.model
        meta = getattr(getattr(cls, "serializer_class", None), "Meta", None)
        return getattr(meta, "model", None)


@functools.lru_cache(maxsize=1)
def _routes(resolver_id: int) -> tuple[Route, ...]:
    return tuple(Route(r, p) for r, p in walk() if "<format>" not in r and "(?P<format>" not in r)


def routes() -> tuple[Route, ...]:
    """Every URL pattern (a format-suffix twin is the same view)."""
    return _routes(id(get_resolver()))


def route_of(path: str) -> str | None:
    """The route (as ``walk`` spells it) that serves ``path``, or None."""
    from django.urls import Resolver404, resolve

    try:
        return resolve(path.split("?")[0]).route
    except Resolver404:
        return None


_LINK = re.compile(r"""(?:href|action)=["'](/[^"'#?]*)""")


def links(html: str) -> set[str]:
    return set(_LINK.findall(html))


# --------------------------------------------------------------------------------------------
# Permissions and scope, as the oracles read them
# --------------------------------------------------------------------------------------------

def label(model) -> str:
    return model._meta.label_lower


def perm(model, action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


@functools.cache
def governed() -> frozenset[str]:
    """Models some role holds a permission on; the others are parts of a governed parent."""
    found = set()
    for perms in ROLE_PERMISSIONS.values():
        for p in perms:
            app_label, codename = p.split(".")
            found.add(f"{app_label}.{codename.split('_', 1)[1]}")
    return frozenset(found)


def customer_owned(model) -> bool:
    path = getattr(model, "customer_path", _MISSING)
    return path is not _MISSING and path is not None


def shared(model) -> bool:
    """Reference data every signed-in user may read (accounts.scoping)."""
    return getattr(model, "customer_path", _MISSING) is None and not getattr(model, "internal_only", False)


def owned_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if customer_owned(m)]


def _parents(model, row: dict, governed_labels: set[str]) -> list[tuple[type[models.Model], object]]:
    """(governed model, id) of the rows ``row`` belongs to, through its foreign keys."""
    found = []
    for f in model._meta.concrete_fields:
        if f.is_relation and (f.many_to_one or f.one_to_one):
            target = f.related_model
            if target is not None and label(target) in governed_labels and row.get(f.attname) is not None:
                found.append((target, row[f.attname]))
    return found


# --------------------------------------------------------------------------------------------
# The world: two organisations
# --------------------------------------------------------------------------------------------

@dataclass
class Org:
    key: str  # "a" or "b"
    pk: int
    mark: str  # in every text of the organisation

    def token(self, model) -> str:
        return f"{self.mark}:{model._meta.model_name}"


@dataclass
class World:
    orgs: dict[str, Org]
    users: dict[str, object] = field(default_factory=dict)  # "customer_a", "customer_b", "dealer_a", "probe", …
    links: list[str] = field(default_factory=list)  # cross-organisation links the validation accepted
    variant: int = 1

    def other(self, org: Org) -> Org:
        return next(o for o in self.orgs.values() if o is not org)


def _dealer(org, w):
    from aftersales.dealers.tests.factories import DealerFactory

    DealerFactory(id=org.pk, code=f"D-{org.key}", name=f"经销商{org.key.upper()}")


def _customer(org, w):
    from aftersales.customers.tests.factories import CustomerFactory

    CustomerFactory(id=org.pk, code=f"C-{org.key}", dealer_id=org.pk, address="地址", is_key=True)


def _site(org, w):
    from aftersales.customers.tests.factories import SiteFactory

    SiteFactory(id=org.pk, customer_id=org.pk, notes="备注")


def _contact(org, w):
    from aftersales.customers.tests.factories import ContactFactory

    ContactFactory(id=org.pk, customer_id=org.pk, site_id=org.pk, title="主任",
                   mobile=f"1390000{org.pk % 10000:04d}")


def _user(org, w):
    """The organisation's customer user (id ``org.pk``): also the row the user pages name."""
    from aftersales.accounts.tests.factories import UserFactory

    w.users[f"customer_{org.key}"] = UserFactory(id=org.pk, username=f"customer-{org.key}", customer_id=org.pk,
                                                 display_name=org.token(apps.get_model(settings.AUTH_USER_MODEL)),
                                                 roles=[Role.CUSTOMER])


def _product_model(org, w):
    from aftersales.catalogue.tests.factories import BomLineFactory, PartFactory, ProductModelFactory

    model = ProductModelFactory(id=org.pk, code=f"PM-{org.key}")
    BomLineFactory(product_model=model, part=PartFactory(code=f"P-{org.key}"))


def _project(org, w):
    from aftersales.assets.tests.factories import ProjectFactory

    ProjectFactory(id=org.pk, customer_id=org.pk, site_id=org.pk, project_manager=w.users["manager"],
                   responsible_people="张工 13900000000", notes="备注")


def _asset(org, w):
    from aftersales.assets.tests.factories import AssetFactory

    AssetFactory(id=org.pk, site_id=org.pk, customer_id=org.pk, project_id=org.pk, product_model_id=org.pk,
                 name="设备", notes="备注")


def _contract(org, w):
    from aftersales.assets.models import Asset
    from aftersales.contracts.tests.factories import ContractFactory

    ContractFactory(id=org.pk, customer_id=org.pk, project_id=org.pk, assets=[Asset.objects.get(pk=org.pk)],
                    price=Decimal("1000.00"))


def _document(org, w):
    from aftersales.assets.models import ProjectDocument

    content = b"%PDF-1.4 " + org.token(ProjectDocument).encode()
    document = ProjectDocument(id=org.pk, project_id=org.pk, title="验收单", original_name="doc.pdf",
                               content_type="application/pdf", size=len(content))
    document.file.save("doc", ContentFile(content), save=False)
    document.save()


def _calendar(org, w):
    from aftersales.calendars.models import WorkingCalendar

    calendar = WorkingCalendar.objects.create(id=org.pk, code=f"CAL-{org.key}", name=f"日历{org.key.upper()}")
    calendar.periods.create(start=dt.time(9), end=dt.time(17))


def _service_level(org, w):
    from aftersales.service.models import ServiceLevel

    level = ServiceLevel.objects.create(id=org.pk, code=f"SL-{org.key}", name=f"服务级别{org.key.upper()}",
                                        calendar=ServiceLevel.objects.get(is_default=True).calendar, notes="备注")
    level.targets.create(severity=1, clock="response", minutes=30)


def _service_request(org, w):
    from django.utils import timezone

    from aftersales.service.models import ServiceLevel, ServiceRequest

    ServiceRequest.objects.create(
        id=org.pk, number=f"BX-{org.key}", year=2026, sequence=org.pk, customer_id=org.pk, site_id=org.pk,
        asset_id=org.pk, contract_id=org.pk, service_level=ServiceLevel.objects.get(is_default=True),
        reported_at=timezone.now(), reporter_name="报修人", reporter_phone="13800138000", description="故障描述")


def _request_clock(org, w):
    from django.utils import timezone

    from aftersales.service.models import RequestClock

    now = timezone.now()
    RequestClock.objects.create(id=org.pk, request_id=org.pk, clock="response", target_minutes=30, started_at=now,
                                due_at=now + dt.timedelta(minutes=30))


def _clock_pause(org, w):
    from django.utils import timezone

    from aftersales.service.models import ClockPause

    now = timezone.now()
    ClockPause.objects.create(id=org.pk, request_id=org.pk, started_at=now - dt.timedelta(hours=1), ended_at=now,
                              reason="等待客户")


def _timeline_entry(org, w):
    from aftersales.service.models import TimelineEntry

    TimelineEntry.objects.create(id=org.pk, request_id=org.pk, kind="note", text="记录")


def _breach(org, w):
    from aftersales.service.models import Breach

    Breach.objects.create(id=org.pk, clock_id=org.pk, request_id=org.pk, late_minutes=5, penalty=Decimal("100"))


def _emergency_plan(org, w):
    from aftersales.service.models import EmergencyPlan

    EmergencyPlan.objects.create(id=org.pk, request_id=org.pk, expected_hours=Decimal("2"), people="张工、李工",
                                 lead=w.users["manager"], work_items="更换硬盘", estimated_cost=Decimal("800"))


def _request_attachment(org, w):
    from aftersales.service.models import RequestAttachment

    content = b"%PDF-1.4 " + org.token(RequestAttachment).encode()
    attachment = RequestAttachment(id=org.pk, request_id=org.pk, original_name="photo.pdf",
                                   content_type="application/pdf", size=len(content))
    attachment.file.save("att", ContentFile(content), save=False)
    attachment.save()


def _stock_location(org, w):
    from aftersales.inventory.tests.factories import StockLocationFactory

    StockLocationFactory(id=org.pk, code=f"WH-{org.key}", name=f"分库{org.key.upper()}", notes="备注")


def _stock_balance(org, w):
    from aftersales.catalogue.tests.factories import PartFactory
    from aftersales.inventory.tests.factories import StockBalanceFactory

    StockBalanceFactory(id=org.pk, part=PartFactory(id=org.pk, code=f"SP-{org.key}"), location_id=org.pk,
                        quantity=5, minimum=8)


def _stock_movement(org, w):
    from aftersales.inventory.tests.factories import StockMovementFactory

    StockMovementFactory(id=org.pk, part_id=org.pk, to_location_id=org.pk, quantity=5, actor=w.users["manager"],
                         reference=f"RK-{org.key}", reason="入库")


# Every model whose rows a route can name, or that belongs to a customer (customer_path), gets a row
# of each organisation with the organisation's id, made here, in this order.
FACTORIES: dict[str, Callable[[Org, World], None]] = {
    "dealers.dealer": _dealer,
    "customers.customer": _customer,
    "accounts.user": _user,
    "customers.site": _site,
    "customers.contact": _contact,
    "catalogue.productmodel": _product_model,
    "assets.project": _project,
    "assets.asset": _asset,
    "contracts.contract": _contract,
    "assets.projectdocument": _document,
    "calendars.workingcalendar": _calendar,
    "service.servicelevel": _service_level,
    "service.servicerequest": _service_request,
    "service.requestclock": _request_clock,
    "service.clockpause": _clock_pause,
    "service.timelineentry": _timeline_entry,
    "service.breach": _breach,
    "service.emergencyplan": _emergency_plan,
    "service.requestattachment": _request_attachment,
    "inventory.stocklocation": _stock_location,
    "inventory.stockbalance": _stock_balance,
    "inventory.stockmovement": _stock_movement,
}


def _app_factories() -> None:
    """An app may keep its matrix rows beside its own factories: ``MATRIX_FACTORIES`` in
    ``aftersales.<app>.tests.factories`` (model label -> maker), made after the rows above."""
    import importlib

    for config in apps.get_app_configs():
        if not config.name.startswith("aftersales."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.tests.factories")
        except ModuleNotFoundError:
            continue
        for label, make in getattr(module, "MATRIX_FACTORIES", {}).items():
            FACTORIES.setdefault(label, make)


_app_factories()


def _plain_text(f) -> bool:
    """A text field any text may go into (no choices, no format such as a phone number)."""
    from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator

    return (
        isinstance(f, (models.CharField, models.TextField))
        and not isinstance(f, (models.EmailField, models.URLField, models.SlugField))
        and not f.choices
        and all(isinstance(v, (MaxLengthValidator, ProhibitNullCharactersValidator)) for v in f.validators)
    )


def mark_texts(w: World) -> None:
    """Every plain text field of every row of an organisation: the organisation's marker."""
    for model in owned_models():
        internal = set(getattr(model, "internal_fields", ()))
        for org in w.orgs.values():
            token = org.token(model)
            values = {f.attname: token for f in model._meta.concrete_fields
                      if _plain_text(f) and f.name not in internal and (f.max_length or 10**6) >= len(token)}
            if values:
                model._default_manager.filter(pk=org.pk).update(**values)


def _owner(instance) -> object:
    path = instance.customer_path
    if path == "":
        return instance.pk
    node = instance
    for step in path.split("__"):
        node = getattr(node, step)
    return node.pk


def link_across(w: World) -> None:
    """Every link from a row of one organisation to a row of the other that the models' validation
    accepts (and that does not simply move the row to the other organisation) is made: pages and
    answers about a row must not show what it links to on the other side."""
    from django.core.exceptions import ValidationError

    for model in owned_models():
        first_hop = model.customer_path.split("__")[0]
        for f in model._meta.concrete_fields:
            if not (f.is_relation and f.many_to_one) or f.name == first_hop or not customer_owned(f.related_model):
                continue
            for org in w.orgs.values():
                other = w.other(org)
                instance = model._default_manager.filter(pk=org.pk).first()
                target = f.related_model._default_manager.filter(pk=other.pk).first()
                if instance is None or target is None:
                    continue  # a model without a factory: test_matrix says so
                setattr(instance, f.name, target)
                try:
                    instance.full_clean()
                except ValidationError:
                    continue
                if _owner(instance) != org.pk:
                    continue
                model._default_manager.filter(pk=org.pk).update(**{f.attname: other.pk})
                w.links.append(f"{label(model)}.{f.name}: {org.key} -> {other.key}")


def internal_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if getattr(m, "internal_fields", ())]


def set_internal(w: World, variant: int) -> None:
    """Every internal field of every row: a value of ``variant`` (1 or 2), text carrying ``INTERNAL``.
    What a customer or dealer is shown must not change between the two."""
    w.variant = variant
    for model in internal_models():
        values = {}
        for name in model.internal_fields:
            try:
                f = model._meta.get_field(name)
            except Exception:  # noqa: BLE001 - a property listed as internal: nothing to store
                continue
            if not f.concrete:
                continue
            if isinstance(f, (models.CharField, models.TextField)):
                text = f"{INTERNAL}:{model._meta.model_name}.{name}:{variant}"
                values[f.attname] = text if len(text) <= (f.max_length or 10**6) else INTERNAL[: f.max_length]
            elif isinstance(f, models.DecimalField):
                values[f.attname] = Decimal(f"0.{variant}{variant}")
            elif isinstance(f, (models.IntegerField, models.FloatField)):
                values[f.attname] = variant
            elif isinstance(f, models.BooleanField):
                values[f.attname] = variant == 1
            elif isinstance(f, models.DateField):
                values[f.attname] = dt.date(2020, 1, variant)
            elif f.is_relation and f.related_model is apps.get_model(settings.AUTH_USER_MODEL):
                values[f.attname] = w.users[f"internal_{variant}"].pk
        if values:
            model._default_manager.update(**values)


def build_world() -> World:
    from aftersales.accounts.tests.factories import UserFactory
    from aftersales.dealers.models import Dealer

    w = World(orgs={"a": Org("a", A_ID, "甲方机密"), "b": Org("b", B_ID, "乙方机密")})
    w.users["manager"] = UserFactory(roles=[Role.PROJECT_MANAGER], display_name="项目经理王工")
    for variant in (1, 2):
        w.users[f"internal_{variant}"] = UserFactory(roles=[Role.DESK], display_name=f"{INTERNAL}:经理{variant}")
    for make in FACTORIES.values():
        for org in w.orgs.values():
            make(org, w)
    mark_texts(w)
    link_across(w)
    set_internal(w, 1)
    w.users["dealer_a"] = UserFactory(username="dealer-a", dealer=Dealer.objects.get(pk=A_ID), roles=[Role.DEALER],
                                      display_name="经销商用户")
    w.users["probe"] = UserFactory(username="matrix-probe", is_superuser=True, roles=[], display_name="探针")
    return w


# --------------------------------------------------------------------------------------------
# What a request wrote
# --------------------------------------------------------------------------------------------

# Written by the system on the side of every request, login or write; not a user's change.
SIDE_EFFECTS = {"sessions.session", "authtoken.token", "core.auditevent", "accounts.securityevent",
                "contenttypes.contenttype", "auth.permission", "admin.logentry"}
_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
_NOT_COMPARED = {"last_login"}


@dataclass
class Change:
    model: type[models.Model]
    pk: object
    kind: str  # "add", "change" or "delete"
    row: dict
    fields: set[str] = field(default_factory=set)


class Ledger:
    """Snapshots of every table a user could change; ``request`` tells what a request changed."""

    def __init__(self):
        self.models = [m for m in apps.get_models(include_auto_created=True)
                       if m._meta.managed and not m._meta.proxy and label(m) not in SIDE_EFFECTS]
        self.tables = {m._meta.db_table for m in self.models}
        self.state = self.snapshot()

    def snapshot(self) -> dict:
        return {m: {row[m._meta.pk.attname]: row for row in m._base_manager.values(
                    *[f.attname for f in m._meta.concrete_fields if f.attname not in _NOT_COMPARED])}
                for m in self.models}

    def rebase(self) -> None:
        self.state = self.snapshot()

    def request(self, send: Callable[[], object]) -> tuple[object, list[Change]]:
        with CaptureQueriesContext(connection) as queries:
            response = send()
        written = {m.group(1) for q in queries.captured_queries if (m := _WRITE.match(q["sql"]))}
        if not written & self.tables:
            return response, []
        before, self.state = self.state, self.snapshot()
        return response, diff(before, self.state)


def diff(before: dict, after: dict) -> list[Change]:
    changes = []
    for model, rows in after.items():
        old = before.get(model, {})
        for pk, row in rows.items():
            if pk not in old:
                changes.append(Change(model, pk, "add", row))
            elif row != old[pk]:
                changes.append(Change(model, pk, "change", row, {k for k in row if row[k] != old[pk].get(k)}))
        for pk, row in old.items():
            if pk not in rows:
                changes.append(Change(model, pk, "delete", row))
    return changes


def _m2m_owner(through) -> tuple[type[models.Model], str] | None:
    for model in apps.get_models():
        for f in model._meta.local_many_to_many:
            if f.remote_field.through is through:
                return model, f.m2m_field_name() + "_id"
    return None


# Columns of one model kept by the services of another, changed under that other model's permission:
# (model label, the columns) -> the permissions any of which allows a change of those columns only.
DERIVED_COLUMNS: dict[tuple[str, frozenset[str]], set[str]] = {
    # a stock row counts the units its held reservations hold (inventory.reservations)
    ("inventory.stockbalance", frozenset({"reserved", "updated_at"})): {"inventory.add_stockreservation",
                                                                         "inventory.change_stockreservation"},
}


def _derived(c: Change, perms: set[str]) -> bool:
    return c.kind == "change" and any(
        name == label(c.model) and c.fields <= columns and needs & perms
        for (name, columns), needs in DERIVED_COLUMNS.items())


def write_violations(changes: list[Change], actor, perms: set[str], *, allowed: dict[str, str] | None = None) -> list[str]:
    """What ``changes`` did that ``perms`` (the actor's ROLE_PERMISSIONS) does not grant.

    A row of a model some role holds permissions on needs add_/change_ of it (delete_: records are
    never deleted); a row of a model nobody holds permissions on (a spare-part line, a working
    period) is part of its governed parent, whose change_ (or add_, when the parent is new) it
    needs; a row that is the actor's own (its ``user`` is the actor: an authenticator) is
    self-service, as is the actor's own password; a row of such a model that belongs to no governed
    record (a number counter) is allowed only beside a permitted write of a governed record. An external actor may change nothing outside
    its scope. ``allowed``: labels written under a rule of their own, with the reason.
    """
    governed_labels = governed()
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    added = {(c.model, c.pk) for c in changes if c.kind == "add"}
    problems = []
    orphans = []  # rows of models nobody holds permissions on, belonging to no governed record
    permitted = 0  # governed rows written with the permission they need
    for c in changes:
        model, pk, kind, row = c.model, c.pk, c.kind, c.row
        if label(model) in (allowed or {}):
            continue
        if _derived(c, perms):
            continue
        if model._meta.auto_created:  # a many-to-many link: a change of the row that holds the field
            owner = _m2m_owner(model)
            if owner is None:
                problems.append(f"{kind} {label(model)} #{pk}: no model holds this link table")
                continue
            model, pk, kind = owner[0], row[owner[1]], "change"
            if (model, pk) in added:
                kind = "add"
        if model is user_model and pk == actor.pk and kind == "change" and c.fields <= {"password"}:
            continue  # one's own password
        if label(model) in governed_labels:
            need = perm(model, kind)
            if need not in perms:
                problems.append(f"{kind} {label(model)} #{pk} without {need}")
            elif actor.is_external and customer_owned(model) and not scope(
                    model._default_manager.filter(pk=pk), actor).exists() and kind != "delete":
                problems.append(f"{kind} {label(model)} #{pk}: a row outside the actor's organisation")
            else:
                permitted += 1
            continue
        own = [f for f in model._meta.concrete_fields
               if f.is_relation and f.related_model is user_model and row.get(f.attname) == actor.pk]
        if own:
            continue  # the actor's own (an authenticator, a recovery code)
        parents = _parents(model, row, governed_labels)
        if not parents:
            orphans.append(f"{kind} {label(model)} #{pk}: no role holds a permission on it or on a record it "
                           "belongs to, and the request wrote no record it may; grant one in ROLE_PERMISSIONS or "
                           "declare the rule in the matrix")
        for parent, parent_pk in parents:
            need = perm(parent, "add" if (parent, parent_pk) in added else "change")
            if need not in perms:
                problems.append(f"{kind} {label(model)} #{pk} (part of {label(parent)} #{parent_pk}) without {need}")
    if orphans and not (permitted and not problems):  # else: the bookkeeping of a permitted write (a counter)
        problems += orphans
    return problems


# --------------------------------------------------------------------------------------------
# What a page was given to show
# --------------------------------------------------------------------------------------------

def _rows_of(value) -> tuple[type[models.Model], list | models.QuerySet] | None:
    if isinstance(value, Page):
        value = value.object_list
    if isinstance(value, models.Model):
        return value.__class__, [value]  # __class__: a lazy request.user too
    if isinstance(value, models.QuerySet):
        return value.model, value
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, models.Model) for v in value):
        kinds = {v.__class__ for v in value}
        if len(kinds) == 1:
            return kinds.pop(), list(value)
    return None


def page_context(response) -> dict[str, object]:
    """Every value the view gave its templates (with the includes' own), by name."""
    found: dict[str, object] = {}
    contexts = response.context
    if contexts is None:
        return found
    for context in contexts if isinstance(contexts, list) else [contexts]:
        for layer in getattr(context, "dicts", [context]):
            for key, value in layer.items():
                found.setdefault(key, value)
    return found


def page_form(response) -> forms.BaseForm | None:
    context = page_context(response)
    candidates = [v for v in context.values() if isinstance(v, forms.BaseForm)]
    preferred = context.get("form")
    return preferred if isinstance(preferred, forms.BaseForm) else (candidates[0] if candidates else None)


def context_violations(response, actor, perms: set[str]) -> list[str]:
    """Records a page was given although the actor may not view them (ROLE_PERMISSIONS), or, for a
    customer or dealer, rows outside their organisation; forms of models the actor may not add or
    change."""
    problems = []
    governed_labels = governed()
    for key, value in page_context(response).items():
        if isinstance(value, forms.BaseModelForm):
            model = value._meta.model
            action = "change" if value.instance.pk else "add"
            if label(model) in governed_labels and perm(model, action) not in perms:
                problems.append(f"form {key!r} to {action} {label(model)} without {perm(model, action)}")
            continue
        found = _rows_of(value)
        if found is None:
            continue
        model, rows = found
        if model is actor.__class__ and isinstance(rows, list) and all(r.pk == actor.pk for r in rows):
            continue  # the user themselves
        pks = list(rows.values_list("pk", flat=True)[:200]) if isinstance(rows, models.QuerySet) else [r.pk for r in rows]
        if not pks:
            continue
        if label(model) in governed_labels:
            needs = [perm(model, "view")]
        else:
            needs = sorted({perm(parent, "view") for r in model._default_manager.filter(pk__in=pks).values()
                            for parent, _pk in _parents(model, r, governed_labels)}) or [f"(nobody may view {label(model)})"]
        for need in needs:
            if need not in perms:
                problems.append(f"{key!r}: {len(pks)} {label(model)} without {need}")
        if actor.is_external and hasattr(model, "customer_path"):
            visible = scope(model._default_manager.filter(pk__in=pks), actor).count()
            if visible != len(set(pks)):
                problems.append(f"{key!r}: {len(set(pks)) - visible} {label(model)} outside the actor's organisation")
    return problems


def login(client, user) -> None:
    """A whole login, the second factor included where the project has one."""
    client.force_login(user)
    try:
        from aftersales.accounts.login_steps import mark_verified
    except ImportError:  # no two-step login
        return
    session = client.session
    mark_verified(session, user)
    session.save()


# --------------------------------------------------------------------------------------------
# Requests: bodies, and what came back as text
# --------------------------------------------------------------------------------------------

def pdf_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("matrix.pdf", b"%PDF-1.4\n%matrix\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
                              content_type="application/pdf")


def generic_body() -> dict:
    """For a page without a form: the names most forms use."""
    return {"name": "矩阵", "title": "矩阵", "notes": "矩阵", "days": "2030-01-01 休 矩阵", "kind": "other",
            "file": pdf_upload()}


_counter = iter(range(1, 10**9))


def _plausible(name: str, f: forms.Field):
    n = next(_counter)
    if isinstance(f, forms.ModelMultipleChoiceField):
        first = f.queryset.first()
        return [first.pk] if first else []
    if isinstance(f, forms.ModelChoiceField):
        first = f.queryset.first()
        return first.pk if first else ""
    if isinstance(f, forms.ChoiceField):
        return next((str(v) for v, _l in f.choices if v not in ("", None)), "")
    if isinstance(f, forms.FileField):
        return pdf_upload()
    if isinstance(f, forms.EmailField):
        return f"matrix{n}@example.com"
    if isinstance(f, forms.DateField):
        return "2025-01-02"
    if isinstance(f, forms.DecimalField | forms.FloatField | forms.IntegerField):
        return str(max(1, int(f.min_value or 1)))
    if isinstance(f, forms.BooleanField):
        return "on"
    if "mobile" in name:
        return f"1380000{n % 10000:04d}"
    if "phone" in name:
        return f"0571-8{n % 10000000:07d}"
    if "password" in name:
        return "Matrix-Pass-1"
    max_length = getattr(f, "max_length", None) or 20
    return f"矩{n}"[:max_length]


def form_body(form: forms.BaseForm) -> dict:
    """The form's own values (what the page shows), every empty required field filled plausibly and
    one text changed, so that a save that should not happen is seen."""
    data: dict = {}
    changed = False
    for name, f in form.fields.items():
        value = form[name].value()
        if isinstance(value, models.Model):
            value = value.pk
        if value in (None, "", [], ()) and (f.required or isinstance(f, forms.FileField)):
            value = _plausible(name, f)
        elif (not changed and isinstance(f, forms.CharField) and not isinstance(f, forms.EmailField)
              and not f.validators[1:] and name in {"name", "title", "notes", "address", "description"}):
            value = f"{value or ''}改"[: f.max_length or 10**6]
            changed = True
        if isinstance(f, forms.BooleanField):
            if value:
                data[form.add_prefix(name)] = "on"
            continue
        if isinstance(value, (dt.date, dt.time)):
            value = value.isoformat()
        if value is None:
            value = ""
        data[form.add_prefix(name)] = value
    return data


def api_body(serializer_class, sample: dict, request, suffix: str = "改") -> dict:
    """A body for create, update and partial update: the sample record's writable values, each free
    text with ``suffix`` (so unique codes stay unique and a save is seen)."""
    from rest_framework import serializers

    try:
        fields = serializer_class(context={"request": request}).fields
    except Exception:  # noqa: BLE001 - a serializer that needs more context: send the sample as is
        return dict(sample)
    from django.core import validators as dv
    from rest_framework.validators import ProhibitSurrogateCharactersValidator, UniqueValidator

    free = (dv.MaxLengthValidator, dv.MinLengthValidator, dv.ProhibitNullCharactersValidator,
            ProhibitSurrogateCharactersValidator, UniqueValidator)
    body = {}
    for name, f in fields.items():
        if f.read_only or name not in sample:
            continue
        value = sample[name]
        formatted = (serializers.EmailField, serializers.RegexField, serializers.SlugField, serializers.URLField,
                     serializers.IPAddressField)
        if (isinstance(f, serializers.CharField) and not isinstance(f, formatted) and value
                and all(isinstance(v, free) for v in f.validators)):
            value = f"{value}{suffix}"[: f.max_length or 10**6]
        body[name] = value
    return body


_CSRF = re.compile(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]*')


def text_of(response) -> str:
    """What the user receives, as text: pages and JSON as they are, workbooks cell by cell, PDFs
    as their text, files as bytes decoded."""
    if getattr(response, "streaming", False):
        from django.core.signals import request_finished
        from django.db import close_old_connections

        content = b"".join(response.streaming_content)
        request_finished.disconnect(close_old_connections)  # as the test client does: keep the test's transaction
        try:
            response.close()
        finally:
            request_finished.connect(close_old_connections)
    else:
        content = response.content
    ctype = response.get("Content-Type", "")
    if "spreadsheetml" in ctype:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join("\t".join("" if v is None else str(v) for v in row)
                         for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))
    if ctype.startswith("application/pdf") and content.startswith(b"%PDF"):
        from pypdf import PdfReader

        try:
            return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
        except Exception:  # noqa: BLE001 - not a PDF after all: its bytes
            pass
    if ctype.startswith("application/json"):
        try:
            return json.dumps(json.loads(content), ensure_ascii=False, sort_keys=True)
        except ValueError:
            pass
    return _CSRF.sub(r"\1", content.decode("utf-8", "replace"))
