"""Values and monthly totals for the stock that existed before they were kept.

Values: every movement and every stock row is valued at its part's unit cost (0 for a part without
one), whatever its kind or condition. With one cost per part the moving average of every row is that
cost, so these are exactly the values the moving-average rules would have given (no rounding: a
whole quantity times a cost of 2 places), and each row's value is exactly the sum of its
movements' values, in minus out.

Monthly totals (StockMonthTotal): the movements summed by local month, store, part, condition, kind
and side, as the movement services keep them from now on.

Set-based (UPDATEs and GROUP BYs), whatever the number of movements. Reversing leaves nothing to
undo (the previous migration drops the columns and the table).
"""

from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations
from django.db.models import (
    Case,
    CharField,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth

MONEY = DecimalField(max_digits=16, decimal_places=2)
UNIT_COST = DecimalField(max_digits=16, decimal_places=4)


def values_from_part_costs(apps, schema_editor):
    Part = apps.get_model("catalogue", "Part")
    StockBalance = apps.get_model("inventory", "StockBalance")
    StockMovement = apps.get_model("inventory", "StockMovement")
    cost = Coalesce(Subquery(Part.objects.filter(pk=OuterRef("part_id")).values("unit_cost")[:1]),
                    Value(Decimal("0.00")), output_field=MONEY)
    StockMovement.objects.update(unit_cost=ExpressionWrapper(cost, output_field=UNIT_COST),
                                 value=ExpressionWrapper(F("quantity") * cost, output_field=MONEY))
    StockBalance.objects.update(value=ExpressionWrapper(F("quantity") * cost, output_field=MONEY))


def month_totals_from_movements(apps, schema_editor):
    StockMovement = apps.get_model("inventory", "StockMovement")
    StockMonthTotal = apps.get_model("inventory", "StockMonthTotal")
    zone = ZoneInfo(settings.TIME_ZONE)
    month = TruncMonth("at", tzinfo=zone)
    given = Case(When(kind="repaired", then=Value("good")), default=F("condition"), output_field=CharField())
    sides = [
        ("in", StockMovement.objects.filter(to_location__isnull=False).annotate(m=month, loc=F("to_location_id"),
                                                                                 cond=given)),
        ("out", StockMovement.objects.filter(from_location__isnull=False).annotate(m=month,
                                                                                    loc=F("from_location_id"),
                                                                                    cond=F("condition"))),
    ]
    totals = []
    for direction, movements in sides:
        rows = (movements.values("m", "loc", "part_id", "cond", "kind").order_by()
                .annotate(q=Sum("quantity"), v=Sum("value")))
        for row in rows.iterator(chunk_size=2000):
            first_day = row["m"].astimezone(zone).date() if hasattr(row["m"], "hour") else row["m"]
            totals.append(StockMonthTotal(month=first_day, location_id=row["loc"], part_id=row["part_id"],
                                          condition=row["cond"], kind=row["kind"], direction=direction,
                                          quantity=row["q"], value=row["v"]))
    StockMonthTotal.objects.bulk_create(totals, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0002_values_locked_months_stocktakes"),
    ]

    operations = [
        migrations.RunPython(values_from_part_costs, migrations.RunPython.noop),
        migrations.RunPython(month_totals_from_movements, migrations.RunPython.noop),
    ]
