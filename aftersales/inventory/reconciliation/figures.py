"""The figures of a month: per stock row (part, store, condition) the opening, the month's monthly
totals per kind and side, and the closing; the monthly totals kept by the movement services, and
their check against the movements themselves."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Case, CharField, F, Q, Sum, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

from aftersales.catalogue.models import Part

from ..choices import RECONCILIATION_COLUMNS, Condition, Direction, MovementKind
from ..models import (
    StockLocation,
    StockMonthTotal,
    StockMovement,
    StockPeriod,
    StockSnapshot,
)
from .months import next_month

Key = tuple[int, int, str]  # (part id, location id, condition)
ZERO = Decimal("0.00")
MANY_IDS = 900  # more parts than this: read the whole catalogue's names at once (one query either way)

IN_COLUMNS = frozenset(i for i, c in enumerate(RECONCILIATION_COLUMNS) if c[1] == Direction.IN)


class Names:
    """Codes and names of the parts and stores of a reconciliation, read once, shared by its lines."""

    def __init__(self, part_ids: set[int]):
        parts = Part.objects.all() if len(part_ids) > MANY_IDS else Part.objects.filter(pk__in=part_ids)
        self.parts = {pk: (code, name, unit) for pk, code, name, unit in parts.values_list("pk", "code", "name",
                                                                                          "unit")}
        self.places = {pk: (code, name) for pk, code, name in StockLocation.objects.values_list("pk", "code", "name")}


NO_NAMES = ("", "", "")


class Line:
    """One stock row of the month (part, store, condition): opening, the month's movements per column
    (kind and side), closing. Light on purpose: a month of every store has tens of thousands."""

    __slots__ = ("part_id", "location_id", "condition", "opening_quantity", "opening_value", "quantity_in",
                 "quantity_out", "value_in", "value_out", "_moves", "names")

    def __init__(self, part_id: int, location_id: int, condition: str):
        self.part_id, self.location_id, self.condition = part_id, location_id, condition
        self.opening_quantity, self.opening_value = 0, ZERO
        self.quantity_in = self.quantity_out = 0
        self.value_in = self.value_out = ZERO
        self._moves: dict[int, list] = {}
        self.names: Names | None = None

    def add_opening(self, quantity: int, value: Decimal) -> None:
        self.opening_quantity += quantity
        self.opening_value += value

    def add_move(self, column: int, quantity: int, value: Decimal) -> None:
        move = self._moves.setdefault(column, [0, ZERO])
        move[0] += quantity
        move[1] += value
        if column in IN_COLUMNS:
            self.quantity_in += quantity
            self.value_in += value
        else:
            self.quantity_out += quantity
            self.value_out += value

    @property
    def moves(self) -> list[list]:
        """[quantity, value] per column of RECONCILIATION_COLUMNS."""
        return [self._moves.get(i, [0, ZERO]) for i in range(len(RECONCILIATION_COLUMNS))]

    @property
    def empty(self) -> bool:
        return not (self._moves or self.opening_quantity or self.opening_value)

    @property
    def closing_quantity(self) -> int:
        return self.opening_quantity + self.quantity_in - self.quantity_out

    @property
    def closing_value(self) -> Decimal:
        return self.opening_value + self.value_in - self.value_out

    @property
    def part_code(self) -> str:
        return self._part()[0]

    @property
    def part_name(self) -> str:
        return self._part()[1]

    @property
    def unit(self) -> str:
        return self._part()[2]

    @property
    def location_code(self) -> str:
        return self.names.places.get(self.location_id, NO_NAMES)[0] if self.names else ""

    @property
    def location_name(self) -> str:
        return self.names.places.get(self.location_id, NO_NAMES)[1] if self.names else ""

    def _part(self) -> tuple:
        return self.names.parts.get(self.part_id, NO_NAMES) if self.names else NO_NAMES

    @property
    def condition_label(self) -> str:
        return str(Condition(self.condition).label) if self.condition in Condition.values else self.condition

    @property
    def negative(self) -> bool:
        """Closes below zero: a movement was dated before the stock it took had arrived."""
        return self.closing_quantity < 0 or self.closing_value < 0

    @property
    def cells(self) -> list[tuple[str, tuple]]:
        """(label, (quantity, value)) per column, for pages."""
        return [(str(c[2]), tuple(m)) for m, c in zip(self.moves, RECONCILIATION_COLUMNS)]


def _repaired_good() -> Case:
    """The condition a movement puts into its ``to_location``: a repair makes defective stock good."""
    return Case(When(kind=MovementKind.REPAIRED, then=Value(Condition.GOOD)), default=F("condition"),
                output_field=CharField())


def money(value) -> Decimal:
    """A value as read from a column or a sum of 2 places (None: 0)."""
    if value is None:
        return ZERO
    return value if isinstance(value, Decimal) else Decimal(value).quantize(Decimal("0.01"))


def _line(lines: dict[Key, Line], key: Key) -> Line:
    line = lines.get(key)
    if line is None:
        line = lines[key] = Line(*key)
    return line


# ---------------------------------------------------------------- monthly totals

COLUMN_OF = {(kind, direction): i for i, (kind, direction, _label) in enumerate(RECONCILIATION_COLUMNS)}
TOTAL_KEY = ("month", "location_id", "part_id", "condition", "kind", "direction")
TOTALS_PER_STATEMENT = 100


def month_totals_add(deltas: dict[tuple, tuple[int, Decimal]]) -> None:
    """Add to the monthly totals: {(month, location id, part id, condition, kind, direction):
    (quantity, value)}. Called by the movement services with the stock rows locked, in key order;
    one statement per hundred totals (an upsert: PostgreSQL and SQLite alike)."""
    table = connection.ops.quote_name(StockMonthTotal._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in (*TOTAL_KEY, "quantity", "value"))
    conflict = ", ".join(connection.ops.quote_name(c) for c in TOTAL_KEY)
    quantity, value = connection.ops.quote_name("quantity"), connection.ops.quote_name("value")
    items = sorted(deltas.items())
    for start in range(0, len(items), TOTALS_PER_STATEMENT):
        chunk = items[start:start + TOTALS_PER_STATEMENT]
        params: list = []
        for (month, location_id, part_id, condition, kind, direction), (q, v) in chunk:
            params += [connection.ops.adapt_datefield_value(month), location_id, part_id, condition, kind, direction,
                       q, v]
        rows = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {rows} ON CONFLICT ({conflict}) DO UPDATE SET "
                           f"{quantity} = {table}.{quantity} + EXCLUDED.{quantity}, "
                           f"{value} = {table}.{value} + EXCLUDED.{value}", params)


def month_totals_from_movements() -> dict[tuple, tuple[int, Decimal]]:
    """The monthly totals summed again from the movements themselves (a check: they must equal the
    kept ones)."""
    month = TruncMonth("at", tzinfo=timezone.get_default_timezone())
    found: dict[tuple, tuple[int, Decimal]] = {}
    for direction, movements, location, condition in (
            (Direction.IN, StockMovement.objects.filter(to_location__isnull=False), "to_location_id",
             _repaired_good()),
            (Direction.OUT, StockMovement.objects.filter(from_location__isnull=False), "from_location_id",
             F("condition"))):
        rows = (movements.annotate(m=month, loc=F(location), cond=condition).values("m", "loc", "part_id", "cond",
                                                                                    "kind")
                .order_by().annotate(q=Sum("quantity"), v=Sum("value")))
        for row in rows:
            first_day = timezone.localtime(row["m"]).date() if hasattr(row["m"], "hour") else row["m"]
            found[(first_day, row["loc"], row["part_id"], row["cond"], row["kind"], direction)] = (
                row["q"], money(row["v"]))
    return found


def month_totals_kept() -> dict[tuple, tuple[int, Decimal]]:
    return {row[:6]: (row[6], money(row[7])) for row in StockMonthTotal.objects.values_list(
        *TOTAL_KEY, "quantity", "value")}


def _totals(months: Q, location_id: int | None):
    totals = StockMonthTotal.objects.filter(months)
    return totals if location_id is None else totals.filter(location_id=location_id)


def _net(lines: dict[Key, Line], months: Q, location_id: int | None) -> None:
    """Add the totals of ``months`` to the lines' opening (in − out), summed by the database."""
    rows = (_totals(months, location_id).values("part_id", "location_id", "condition").order_by()
            .annotate(qi=Sum("quantity", filter=Q(direction=Direction.IN)),
                      qo=Sum("quantity", filter=Q(direction=Direction.OUT)),
                      vi=Sum("value", filter=Q(direction=Direction.IN)),
                      vo=Sum("value", filter=Q(direction=Direction.OUT))))
    for part_id, location_id_, condition, qi, qo, vi, vo in rows.values_list(
            "part_id", "location_id", "condition", "qi", "qo", "vi", "vo"):
        _line(lines, (part_id, location_id_, condition)).add_opening((qi or 0) - (qo or 0), money(vi) - money(vo))


def _month_moves(lines: dict[Key, Line], month: dt.date, location_id: int | None) -> None:
    """The month's totals, one per stock row, kind and side: the columns of the reconciliation."""
    for part_id, location_id_, condition, kind, direction, quantity, value in _totals(
            Q(month=month), location_id).values_list("part_id", "location_id", "condition", "kind", "direction",
                                                     "quantity", "value").order_by():
        if quantity:
            _line(lines, (part_id, location_id_, condition)).add_move(COLUMN_OF[kind, direction], quantity,
                                                                      money(value))


def _opening(lines: dict[Key, Line], month: dt.date, location_id: int | None) -> StockPeriod | None:
    """The closing snapshot of the last locked month before ``month``, plus the movements since."""
    base = StockPeriod.objects.filter(month__lt=month).order_by("-month").first()
    if base is not None:
        snapshots = StockSnapshot.objects.filter(period=base)
        if location_id is not None:
            snapshots = snapshots.filter(location_id=location_id)
        for part_id, location_id_, condition, quantity, value in snapshots.values_list(
                "part_id", "location_id", "condition", "quantity", "value").order_by():
            _line(lines, (part_id, location_id_, condition)).add_opening(quantity, money(value))
        if next_month(base.month) < month:
            _net(lines, Q(month__gt=base.month, month__lt=month), location_id)
    else:
        _net(lines, Q(month__lt=month), location_id)
    return base


def stock_at(*, before: dt.datetime | None = None) -> dict[Key, tuple[int, Decimal]]:
    """(quantity, value) per stock row summed by the database from the movements themselves (dated
    before ``before``, or all): a check of the stock rows and of the monthly totals."""
    period = Q() if before is None else Q(at__lt=before)
    found: dict[Key, list] = {}
    for sign, movements, location, condition in (
            (1, StockMovement.objects.filter(period, to_location__isnull=False), "to_location_id", _repaired_good()),
            (-1, StockMovement.objects.filter(period, from_location__isnull=False), "from_location_id",
             F("condition"))):
        rows = (movements.annotate(loc=F(location), cond=condition).values("part_id", "loc", "cond").order_by()
                .annotate(q=Sum("quantity"), v=Sum("value")).values_list("part_id", "loc", "cond", "q", "v"))
        for part_id, location_id, cond, quantity, value in rows:
            figures = found.setdefault((part_id, location_id, cond), [0, ZERO])
            figures[0] += sign * quantity
            figures[1] += sign * money(value)
    return {key: (q, v) for key, (q, v) in found.items()}


@dataclass
class Reconciliation:
    month: dt.date
    location: StockLocation | None
    lines: list[Line]
    totals: Line
    locked: StockPeriod | None  # the lock of this month, or of a later month (which closed it too)

    @property
    def negative_lines(self) -> list[Line]:
        return [line for line in self.lines if line.negative]


def reconciliation_compute(*, month: dt.date, location: StockLocation | None = None) -> Reconciliation:
    """The reconciliation of ``month`` (its first day) for every store, or for ``location``."""
    month = month.replace(day=1)
    location_id = location.pk if location is not None else None
    lines: dict[Key, Line] = {}
    _opening(lines, month, location_id)
    _month_moves(lines, month, location_id)
    shown = [line for line in lines.values() if not line.empty]
    names = Names({line.part_id for line in shown})
    totals = Line(0, 0, "")
    for line in shown:
        line.names = names
        totals.add_opening(line.opening_quantity, line.opening_value)
        for column, (quantity, value) in line._moves.items():
            totals.add_move(column, quantity, value)
    parts, places, nothing = names.parts, names.places, NO_NAMES
    shown.sort(key=lambda line: (places.get(line.location_id, nothing)[0], parts.get(line.part_id, nothing)[0],
                                 line.condition != Condition.GOOD))
    locked = StockPeriod.objects.filter(month__gte=month).select_related("locked_by").order_by("month").first()
    return Reconciliation(month=month, location=location, lines=shown, totals=totals, locked=locked)
