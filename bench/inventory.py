"""Benchmark: spare-parts stock at scale (the spare-parts issue, point 10), in a database of its own.

    make bench-inventory                                  # PostgreSQL: 5,000 parts, 50 stores, 1,000,000 movements
    .venv/bin/python bench/inventory.py [--parts 5000] [--movements 1000000] [--runs 50]
        [--server postgres://root@127.0.0.1:5432] [--sqlite] [--keep]

PostgreSQL: creates the database ``aftersales_bench_stock`` on ``--server`` (dropped at the end
unless --keep); --sqlite uses a file under var/bench/. It migrates, creates the stores (a central
store, 9 branch stores, 40 technicians' vans) and the parts, and seeds each part's history from
January to November by COPY (not through the services: they would take hours): receipts into the
central store, transfers to two branch stores and four vans (a part is kept where it is used),
issues to work orders, returns of unused parts, defective parts returned, repaired and scrapped;
every movement with its unit cost and value and the monthly totals the services keep with it, the
stock rows equal to the sum of the movements. Months January to September are then locked (their
closing snapshot kept), and the kept monthly totals are checked against the movements once. It
reports, first with 5% of the parts seeded and then with all of them:

- stock on hand of one part in every store (the part page's query): median and p95, queries;
- the stock list page ``GET /stock/`` (first page, a search, one store): median and p95, queries;
- the reconciliation of October (opening from September's snapshot) and of November (the open
  month), for every store and for one store: median of 3, queries; and October's Excel export.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal

from common import (
    BATCH,
    QueryCount,
    analyze,
    drop_database,
    insert,
    percentile,
    prepare_database,
    reset_sequences,
    setup_django,
    signed_in_client,
)

BENCH_DB = "aftersales_bench_stock"
YEAR = 2026
FIRST_SHARE = 0.05  # the first measure: this share of the parts seeded
LOCK_UNTIL = 9  # months January..September are locked after seeding


@dataclass
class World:
    keeper: object
    technicians: list
    central: int
    branches: list[int]
    vans: list[int]
    parts: list[tuple[int, Decimal]] = field(default_factory=list)  # (id, unit cost)
    rng: random.Random = field(default_factory=lambda: random.Random(20261123))
    movement_id: int = 0
    balance_id: int = 0
    seeded: list[int] = field(default_factory=list)  # the parts whose history is in


def build_world(parts: int) -> World:
    from aftersales.accounts.tests.factories import UserFactory
    from aftersales.catalogue.models import Part
    from aftersales.inventory.choices import LocationKind
    from aftersales.inventory.models import StockLocation

    keeper = UserFactory(username="keeper0", roles=["parts"])
    technicians = [UserFactory(username=f"technician{n}", roles=["technician"]) for n in range(40)]
    central = StockLocation.objects.create(code="ZX", name="中心库", kind=LocationKind.CENTRAL)
    branches = [StockLocation.objects.create(code=f"FK{n:02d}", name=f"分库{n:02d}", kind=LocationKind.BRANCH)
                for n in range(9)]
    vans = [StockLocation.objects.create(code=f"CZ{n:02d}", name=f"车载库{n:02d}", kind=LocationKind.VAN, holder=t)
            for n, t in enumerate(technicians)]
    rng = random.Random(5000)
    kinds = ["硬盘", "电源", "主板", "镜头"]
    rows = [{"id": n + 1, "code": f"SP{n + 1:05d}", "name": f"备件{n + 1:05d} {rng.choice(kinds)}", "unit": "个",
             "unit_cost": Decimal(rng.randrange(20, 5000)) / 4} for n in range(parts)]
    insert(Part, rows)
    reset_sequences(Part)
    return World(keeper=keeper, technicians=technicians, central=central.pk, branches=[b.pk for b in branches],
                 vans=[v.pk for v in vans], parts=[(r["id"], r["unit_cost"]) for r in rows])


# ---------------------------------------------------------------- one part's history


def _times(rng: random.Random, count: int) -> list[dt.datetime]:
    from django.utils import timezone

    start = timezone.make_aware(dt.datetime(YEAR, 1, 1, 8))
    span = (timezone.make_aware(dt.datetime(YEAR, 11, 20, 18)) - start).total_seconds()
    return sorted(start + dt.timedelta(seconds=rng.uniform(0, span)) for _ in range(count))


def part_history(w: World, part: int, cost: Decimal, count: int, actor: int) -> tuple[list[dict], dict]:
    """``count`` movements of one part, in time order, never taking stock that is not there; and the
    stock rows they leave: {(location, condition): quantity}."""
    rng = w.rng
    stock: dict[tuple[int, str], int] = {}
    good_out: set[int] = set()  # stores other than the central one holding good stock of the part
    defective: set[int] = set()  # stores holding defective stock of it
    rows = []
    # a part is kept where it is used: the central store, two branch stores and four vans
    stores = rng.sample(w.branches, 2) + rng.sample(w.vans, 4)

    def change(key: tuple[int, str], by: int) -> None:
        stock[key] = stock.get(key, 0) + by
        holders = defective if key[1] == "defective" else good_out if key[0] != w.central else None
        if holders is not None:
            (holders.add if stock[key] > 0 else holders.discard)(key[0])

    def move(kind, at, quantity, source=None, target=None, condition="good", target_condition=None):
        if source is not None:
            change((source, condition), -quantity)
        if target is not None:
            change((target, target_condition or condition), quantity)
        w.movement_id += 1
        rows.append({"id": w.movement_id, "kind": kind, "part_id": part, "quantity": quantity,
                     "from_location_id": source, "to_location_id": target, "condition": condition,
                     "reference": f"PG{YEAR}-{w.movement_id:06d}" if kind == "issue" else "",
                     "unit_cost": cost, "value": cost * quantity, "actor_id": actor, "at": at, "reason": ""})

    for at in _times(rng, count):
        roll = rng.random()
        store = rng.choice(stores)
        if roll < 0.30 and stock.get((w.central, "good"), 0) > 0:
            move("transfer", at, 1, w.central, store)
        elif roll < 0.60 and good_out:
            move("issue", at, 1, source=rng.choice(tuple(good_out)))
        elif roll < 0.67 and rows:
            move("return_unused", at, 1, target=store)
        elif roll < 0.75:
            move("defective_return", at, 1, target=store, condition="defective")
        elif roll < 0.82 and defective:
            location = rng.choice(tuple(defective))
            move("repaired", at, 1, location, location, condition="defective", target_condition="good")
        elif roll < 0.86 and defective:
            move("scrap", at, 1, source=rng.choice(tuple(defective)), condition="defective")
        else:
            move("receipt", at, rng.randrange(1, 20), target=w.central)
    return rows, stock


def month_totals(rows: list[dict], totals: dict) -> None:
    """What the movement services keep with each movement: per month, store, part, condition, kind
    and side, the quantity and value moved (the reconciliation reads these)."""
    from django.utils import timezone

    for row in rows:
        month = timezone.localtime(row["at"]).date().replace(day=1)
        if row["from_location_id"] is not None:
            key = (month, row["from_location_id"], row["part_id"], row["condition"], row["kind"], "out")
            q, v = totals.get(key, (0, Decimal("0")))
            totals[key] = (q + row["quantity"], v + row["value"])
        if row["to_location_id"] is not None:
            condition = "good" if row["kind"] == "repaired" else row["condition"]
            key = (month, row["to_location_id"], row["part_id"], condition, row["kind"], "in")
            q, v = totals.get(key, (0, Decimal("0")))
            totals[key] = (q + row["quantity"], v + row["value"])


def seed_parts(w: World, parts: list[tuple[int, Decimal]], per_part: int) -> int:
    movements, balances, totals, total = [], [], {}, 0
    for part, cost in parts:
        rows, stock = part_history(w, part, cost, per_part, w.keeper.pk)
        month_totals(rows, totals)
        movements += rows
        for (location, condition), quantity in stock.items():
            w.balance_id += 1
            balances.append({"id": w.balance_id, "part_id": part, "location_id": location, "condition": condition,
                             "quantity": quantity, "value": cost * quantity,
                             "minimum": 5 if condition == "good" and location == w.central else 0})
        if len(movements) >= 50 * BATCH:
            total += _flush(movements, balances, totals)
            movements, balances, totals = [], [], {}
    return total + _flush(movements, balances, totals)


def _flush(movements: list[dict], balances: list[dict], totals: dict) -> int:
    from django.db import transaction

    from aftersales.inventory.models import StockBalance, StockMonthTotal, StockMovement

    with transaction.atomic():
        insert(StockMovement, movements)
        insert(StockBalance, balances)
        first = StockMonthTotal.objects.count() + 1
        insert(StockMonthTotal, [{"id": first + n, "month": k[0], "location_id": k[1], "part_id": k[2],
                                  "condition": k[3], "kind": k[4], "direction": k[5], "quantity": q, "value": v}
                                 for n, (k, (q, v)) in enumerate(totals.items())])
        reset_sequences(StockMovement, StockBalance, StockMonthTotal)
    return len(movements)


def check_totals() -> None:
    """The seeded monthly totals are what the movements sum to (as the services would have kept them)."""
    from aftersales.inventory.reconciliation.figures import month_totals_from_movements, month_totals_kept

    if month_totals_from_movements() != month_totals_kept():
        raise SystemExit("the seeded monthly totals do not match the movements")


def lock_months(w: World) -> float:
    from aftersales.inventory.reconciliation import stock_period_lock

    started = time.perf_counter()
    for month in range(1, LOCK_UNTIL + 1):
        stock_period_lock(actor=w.keeper, month=dt.date(YEAR, month, 1))
    return time.perf_counter() - started


# ---------------------------------------------------------------- measures


def timed(call, runs: int) -> dict:
    with QueryCount() as queries:
        call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return {"median_ms": statistics.median(times), "p95_ms": percentile(times, 0.95), "queries": queries.count}


def measure(w: World, runs: int) -> dict:
    from aftersales.inventory.models import StockBalance
    from aftersales.inventory.reconciliation import (
        reconciliation_compute,
        reconciliation_workbook,
    )

    rng = random.Random(7)

    def on_hand():
        part = rng.choice(w.seeded)
        return list(StockBalance.objects.filter(part_id=part).select_related("location")
                    .values_list("location__code", "condition", "quantity", "value"))

    client = signed_in_client(w.keeper)

    def page(query: str):
        def get():
            answer = client.get(f"/stock/{query}")
            assert answer.status_code == 200, answer.status_code
        return get

    october, november = dt.date(YEAR, 10, 1), dt.date(YEAR, 11, 1)
    from aftersales.inventory.models import StockLocation

    van = StockLocation.objects.get(pk=w.vans[0])
    result = {
        "on_hand": timed(on_hand, runs * 4),
        "page": timed(page(""), runs),
        "page_search": timed(page("?search=SP0004"), runs),
        "page_location": timed(page(f"?location={w.branches[0]}"), runs),
        "rec_october": timed(lambda: reconciliation_compute(month=october), 3),
        "rec_november": timed(lambda: reconciliation_compute(month=november), 3),
        "rec_october_van": timed(lambda: reconciliation_compute(month=october, location=van), 3),
    }
    rows = reconciliation_compute(month=october)
    started = time.perf_counter()
    reconciliation_workbook(rows)
    result["export_ms"] = (time.perf_counter() - started) * 1000
    result["rec_rows"] = len(rows.lines)
    return result


# ---------------------------------------------------------------- report


def report(args, vendor: str, stages: list[tuple[int, dict]], seed_s: float, lock_s: float) -> None:
    print()
    print(f"Spare-parts stock benchmark: {vendor}, {args.parts:,} parts, 50 stores, "
          f"{stages[-1][0]:,} movements (seeded in {seed_s:.0f} s; 9 months locked in {lock_s:.1f} s)")
    print(f"{'measure':<62} {'value':>14}")
    print("-" * 77)

    def row(label, value):
        print(f"{label:<62} {value:>14}")

    for movements, m in stages:
        at = f"at {movements:,} movements"
        for key, label in (("on_hand", "stock of one part in every store"), ("page", "GET /stock/"),
                           ("page_search", "GET /stock/?search="), ("page_location", "GET /stock/?location=")):
            row(f"{label} {at}: median", f"{m[key]['median_ms']:.1f} ms")
            row(f"{label} {at}: p95", f"{m[key]['p95_ms']:.1f} ms")
            row(f"{label} {at}: SQL queries", m[key]["queries"])
        for key, label in (("rec_october", "reconciliation of October, every store"),
                           ("rec_november", "reconciliation of November (open), every store"),
                           ("rec_october_van", "reconciliation of October, one van")):
            row(f"{label} {at}: median", f"{m[key]['median_ms']:.0f} ms")
            row(f"{label} {at}: SQL queries", m[key]["queries"])
        row(f"October's rows / Excel export {at}", f"{m['rec_rows']:,} / {m['export_ms']:.0f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, default=5_000)
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=50, help="page requests timed per measure")
    parser.add_argument("--server", default=os.environ.get("BENCH_POSTGRES", "postgres://root@127.0.0.1:5432"))
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file under var/bench/ instead")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()
    if args.parts < 100 or args.movements < args.parts * 20:
        parser.error("give at least 100 parts and 20 movements per part")

    setup_django(prepare_database(args, BENCH_DB))
    from django.db import connection

    try:
        world = build_world(args.parts)
        per_part = args.movements // args.parts
        first = world.parts[:max(1, int(len(world.parts) * FIRST_SHARE))]
        started = time.perf_counter()
        seeded = seed_parts(world, first, per_part)
        check_totals()
        lock_s = lock_months(world)
        analyze()
        world.seeded = [p for p, _cost in first]
        stages = [(seeded, measure(world, args.runs))]
        print(f"seeded {seeded:,} movements; seeding the rest ...", flush=True)
        seeded += _seed_rest(world, world.parts[len(first):], per_part)
        seed_s = time.perf_counter() - started - lock_s
        analyze()
        world.seeded = [p for p, _cost in world.parts]
        stages.append((seeded, measure(world, args.runs)))
        report(args, connection.vendor, stages, seed_s, lock_s)
    finally:
        if not args.keep:
            drop_database(args, BENCH_DB)
    return 0


def _seed_rest(w: World, parts: list[tuple[int, Decimal]], per_part: int) -> int:
    """The other parts' histories, added under the locked months: their snapshots are taken again
    (the months are unlocked and locked once more, as if these parts had always been there)."""
    from aftersales.inventory.models import StockPeriod, StockSnapshot

    seeded = seed_parts(w, parts, per_part)
    StockSnapshot.objects.all()._raw_delete(StockSnapshot.objects.db)
    StockPeriod.objects.all()._raw_delete(StockPeriod.objects.db)
    lock_months(w)
    return seeded


if __name__ == "__main__":
    sys.exit(main())
