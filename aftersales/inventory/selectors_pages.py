"""Reads for the stock pages (/stock/): one record fetched and authorised in one call, the rows
each page shows with what they link to joined in, so that no page asks once per row."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import ExpressionWrapper, F, IntegerField, Q, QuerySet
from django.http import Http404

from aftersales.accounts.roles import Role
from aftersales.accounts.scoping import scope
from aftersales.catalogue.models import Part, ProductModel

from . import selectors
from .choices import Condition
from .models import StockBalance, StockLocation, StockMovement

VAN_HOLDER_ROLES = (Role.TECHNICIAN, Role.SENIOR_ENGINEER)


def _get_for(queryset: QuerySet, *, actor, pk):
    found = scope(queryset, actor).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def part_get_for(*, actor, pk: int) -> Part:
    return _get_for(Part.objects.all(), actor=actor, pk=pk)


def location_get_for(*, actor, pk: int) -> StockLocation:
    return _get_for(StockLocation.objects.select_related("holder"), actor=actor, pk=pk)


def not_empty(queryset: QuerySet) -> QuerySet:
    """Rows that hold stock or carry a minimum level (a row at 0 without a minimum says nothing)."""
    return queryset.filter(Q(quantity__gt=0) | Q(minimum__gt=0))


def _balances(queryset: QuerySet, *, actor) -> QuerySet:
    """Stock rows the actor may read with their part and location, and ``shortfall``: how far good
    stock free of reservations is under the minimum level (0 or less when it is not)."""
    shortfall = ExpressionWrapper(F("minimum") + F("reserved") - F("quantity"), output_field=IntegerField())
    return selectors.balances_with_related(scope(queryset, actor)).annotate(shortfall=shortfall)


def stock_rows(*, actor) -> QuerySet:
    """Every stock row the actor may read, in part and location order, good stock before defective."""
    return _balances(StockBalance.objects.all(), actor=actor).order_by("part__code", "location__code", "-condition")


def part_stock(*, actor, part: Part) -> QuerySet:
    """The part's stock in each location (good and defective rows), by location."""
    return _balances(StockBalance.objects.filter(part=part), actor=actor).order_by("location__code", "-condition")


def part_product_models(*, actor, part: Part) -> QuerySet:
    """The current product models whose spare-part list holds the part."""
    return (scope(ProductModel.objects.filter(bom_lines__part=part, archived_at__isnull=True), actor)
            .select_related("maker").order_by("code").distinct())


def location_stock(*, actor, location: StockLocation) -> QuerySet:
    return _balances(StockBalance.objects.filter(location=location), actor=actor).order_by("part__code", "-condition")


def location_movements(*, actor, location: StockLocation) -> QuerySet:
    """Movements into or out of the location, newest first."""
    return (scope(StockMovement.objects.filter(Q(from_location=location) | Q(to_location=location)), actor)
            .select_related("part", "from_location", "to_location", "actor"))


def location_list(*, actor, archived: bool = False) -> QuerySet:
    queryset = scope(StockLocation.objects.select_related("holder"), actor)
    return queryset if archived else queryset.filter(archived_at__isnull=True)


def location_choices(*, actor) -> list[dict]:
    """Every location the actor may read as {pk, code, name, archived_at}, for a filter's drop-down
    (plain values: a list of fifty stores costs no model instances)."""
    return list(scope(StockLocation.objects.all(), actor).order_by("code")
                .values("pk", "code", "name", "archived_at"))


def live_locations(*, actor) -> QuerySet:
    """The locations stock can move into or out of (archived ones take no movement)."""
    return scope(StockLocation.objects.filter(archived_at__isnull=True), actor)


def van_holders(*, actor, current=None) -> QuerySet:
    """Staff who may hold a van's stock: technicians and senior engineers (and the current holder)."""
    users = get_user_model().objects.filter(is_active=True, customer__isnull=True, dealer__isnull=True)
    wanted = Q(groups__name__in=VAN_HOLDER_ROLES)
    if current is not None:
        wanted |= Q(pk=current.pk)
    return scope(users.filter(pk__in=users.filter(wanted).values("pk")), actor).order_by("display_name", "username")


def part_by_number(number: str) -> Part | None:
    """The part with this part number (as typed: case and surrounding spaces aside)."""
    number = (number or "").strip()
    if not number:
        return None
    return Part.objects.filter(code=number).first() or Part.objects.filter(code__iexact=number).first()


def current_minimum(*, part_id: int, location_id: int) -> int:
    """The minimum level of the part in the store (0 when none is set)."""
    row = (StockBalance.objects.filter(part_id=part_id, location_id=location_id, condition=Condition.GOOD)
           .values("minimum").first())
    return row["minimum"] if row else 0
