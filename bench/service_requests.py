"""Benchmark: service requests at scale (issue 4, point 10), in a database of its own.

    make bench-service                                    # PostgreSQL, 200,000 requests
    .venv/bin/python bench/service_requests.py [--requests 200000] [--api 300] [--runs 50]
        [--server postgres://root@127.0.0.1:5432] [--sqlite] [--keep]

PostgreSQL: creates the database ``aftersales_bench`` on ``--server`` (dropped at the end unless
--keep); --sqlite uses ``var/bench/aftersales_bench.sqlite3`` instead. It migrates, seeds
requests with their clocks by bulk inserts in batches of 5,000 (not through the services: they
would take hours), and reports:

- the desk queue page (``GET /service/``): median and 95th percentile of --runs requests and its
  query count, at 2,000 requests and at --requests;
- the escalation pass with --requests open requests of which about 50 need a notice: median of
  5 runs (each rolled back, so each finds the same work), its query count, and a pass with
  nothing due (the steady state, every minute);
- registration through the API (``POST /api/v1/service-requests/``, --api requests): requests
  per second and SQL queries per creation; through ``services.request_register`` when the API
  route is not there (said in the output).
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

BENCH_DB = "aftersales_bench"
SMALL = 2_000
HOT = {"fixed_75": 30, "new_75": 10, "late": 10}  # requests that need a notice at the pass's time
LATE_NOTIFIED_SHARE = 0.01  # late, with their breach and notices already recorded

H, M = dt.timedelta(hours=1), dt.timedelta(minutes=1)


# ---------------------------------------------------------------- database


# ---------------------------------------------------------------- the world


@dataclass
class World:
    now: dt.datetime
    desk: object
    technicians: list
    managers: list
    director: object
    sites: list  # (customer_id, site_id)
    level_id: int = 0  # the default service level (7×24)
    rng: random.Random = field(default_factory=lambda: random.Random(20261123))
    numbers: dict = field(default_factory=dict)  # year -> last sequence
    ids: dict = field(default_factory=dict)  # table -> last id given

    def next_id(self, table: str) -> int:
        self.ids[table] = self.ids.get(table, 0) + 1
        return self.ids[table]


def build_world() -> World:
    from django.utils import timezone

    from aftersales.accounts.models import User
    from aftersales.accounts.tests.factories import UserFactory
    from aftersales.customers.models import Customer, Site
    from aftersales.service.models import ServiceLevel

    def person(role: str, n: int) -> User:
        return UserFactory(username=f"{role}{n}", roles=[role], email=f"{role}{n}@example.cn",
                           phone=f"139{n:08d}")

    desk = person("desk", 0)
    technicians = [person("technician", n) for n in range(1, 21)]
    managers = [person("service_manager", n) for n in range(21, 23)]
    director = person("director", 23)
    person("general_manager", 24)
    customers = Customer.objects.bulk_create([Customer(code=f"C{n:05d}", name=f"基准客户 {n:04d}", city="杭州")
                                              for n in range(1_000)])
    sites = Site.objects.bulk_create([Site(customer=c, name="主楼", address=f"文三路 {n} 号")
                                      for n, c in enumerate(customers)])
    now = timezone.now().replace(second=0, microsecond=0)
    return World(now=now, desk=desk, technicians=technicians, managers=managers, director=director,
                 sites=[(s.customer_id, s.pk) for s in sites],
                 level_id=ServiceLevel.objects.get(is_default=True).pk)


# ---------------------------------------------------------------- request plans


@dataclass
class Plan:
    kind: str  # quiet, late_notified, fixed_75, new_75, late
    reported_at: dt.datetime
    severity: int
    state: str
    assigned: bool
    clocks: list  # (clock, target minutes, due_at, met_at)
    paused_since: dt.datetime | None = None


def _clocks(r: dt.datetime, response_met, callback_met, on_site_met, fixed_due=None):
    return [("response", 30, r + 30 * M, response_met), ("callback", 180, r + 180 * M, callback_met),
            ("on_site", 1440, r + 24 * H, on_site_met), ("fixed", 4320, fixed_due or r + 72 * H, None)]


def plan_quiet(w: World) -> Plan:
    """Registered 1 to 50 hours ago; answered and called back; nothing near a threshold."""
    rng, now = w.rng, w.now
    r = now - rng.uniform(60, 50 * 60) * M
    age = now - r
    on_site = None
    if age > 17.5 * H or rng.random() < 0.5:
        on_site = r + rng.uniform(30, min(20 * 60, age / M - 1)) * M
    state = rng.choices(["in_progress", "acknowledged", "waiting"], [70, 20, 10])[0]
    plan = Plan("quiet", r, rng.choice([3, 3, 3, 4, 4]), state, rng.random() > 0.05,
                _clocks(r, r + rng.uniform(3, 25) * M, r + rng.uniform(30, 58) * M, on_site))
    if state == "waiting":
        last_met = max(met for *_, met in plan.clocks if met)
        plan.paused_since = last_met + (now - last_met) * rng.uniform(0.1, 0.9)
        plan.clocks = [(c, t, None if met is None else due, met) for c, t, due, met in plan.clocks]
    return plan


def plan_late_notified(w: World) -> Plan:
    """Fixed clock 8 to 128 hours late: breach and notices already recorded."""
    rng, now = w.rng, w.now
    r = now - rng.uniform(80, 200) * H
    return Plan("late_notified", r, rng.choice([3, 4]), "in_progress", True,
                _clocks(r, r + 10 * M, r + 40 * M, r + rng.uniform(2, 20) * H))


def plan_hot(w: World, kind: str) -> Plan:
    rng, now = w.rng, w.now
    if kind == "fixed_75":  # the last 25% of the 72 hours
        due = now + rng.uniform(30, 17.5 * 60) * M
        r = due - 72 * H
        return Plan(kind, r, rng.choice([3, 4]), "in_progress", True,
                    _clocks(r, r + 10 * M, r + 40 * M, r + 5 * H, due))
    if kind == "new_75":  # not answered, 23 to 29 minutes after the call
        r = now - rng.uniform(23.5, 29) * M
        return Plan(kind, r, 3, "new", rng.random() < 0.5, _clocks(r, None, None, None))
    r = now - 72 * H - rng.uniform(30, 120) * M  # late by half an hour to two hours, no notice yet
    return Plan(kind, r, rng.choice([3, 4]), "in_progress", True, _clocks(r, r + 10 * M, r + 40 * M, r + 5 * H))


def plans(w: World, total: int) -> list[Plan]:
    hot = [plan_hot(w, kind) for kind, count in HOT.items() for _ in range(count)]
    late = int(total * LATE_NOTIFIED_SHARE)
    rest = [plan_late_notified(w) if w.rng.random() < late / total else plan_quiet(w)
            for _ in range(total - len(hot))]
    return rest + hot


# ---------------------------------------------------------------- seeding


def seed(w: World, batch: list[Plan]) -> None:
    from django.db import transaction
    from django.utils import timezone

    from aftersales.service.models import ClockPause, RequestClock, ServiceRequest

    requests, clocks, pauses = [], [], []
    for n, plan in enumerate(batch):
        year = timezone.localtime(plan.reported_at).year
        sequence = w.numbers[year] = w.numbers.get(year, 0) + 1
        customer_id, site_id = w.sites[w.rng.randrange(len(w.sites))]
        request = w.next_id("request")
        requests.append({
            "id": request, "number": f"BX{year}-{sequence:06d}", "year": year, "sequence": sequence,
            "customer_id": customer_id, "site_id": site_id, "service_level_id": w.level_id,
            "reported_at": plan.reported_at, "reporter_name": "王工", "reporter_phone": "13800138000",
            "severity": plan.severity, "description": "三号楼监控画面全部黑屏", "state": plan.state,
            "assignee_id": w.technicians[n % len(w.technicians)].pk if plan.assigned else None,
            "registered_by_id": w.desk.pk, "paused_since": plan.paused_since,
            "next_due_at": min((due for _c, _t, due, met in plan.clocks if met is None and due is not None),
                               default=None)})
        for clock, target, due, met in plan.clocks:
            paused = int((w.now - plan.paused_since) / M) if plan.paused_since and met is None else 0
            clocks.append({"id": w.next_id("clock"), "request_id": request, "clock": clock, "target_minutes": target,
                           "started_at": plan.reported_at, "due_at": due, "met_at": met, "paused_minutes": paused})
        if plan.paused_since:
            pauses.append({"id": w.next_id("pause"), "request_id": request, "started_at": plan.paused_since,
                           "reason": "等客户确认"})
    with transaction.atomic():
        insert(ServiceRequest, requests)
        insert(RequestClock, clocks)
        insert(ClockPause, pauses)
        reset_sequences(ServiceRequest, RequestClock, ClockPause)


def seed_all(w: World, batch: list[Plan]) -> None:
    for start in range(0, len(batch), BATCH):
        seed(w, batch[start:start + BATCH])


def record_past_escalations(w: World) -> int:
    """The late requests were escalated long ago: their breach and notices exist, all sent."""
    from django.db import transaction

    from aftersales.service.models import (
        Breach,
        EscalationRule,
        Notice,
        RequestClock,
        RequestNumber,
    )

    RequestNumber.objects.bulk_create([RequestNumber(year=y, last=last) for y, last in w.numbers.items()])
    rules = list(EscalationRule.objects.filter(clock="fixed", severity__isnull=True))
    late = RequestClock.objects.filter(clock="fixed", met_at__isnull=True, due_at__lt=w.now - 8 * H,
                                       request__state="in_progress").select_related("request")
    breaches, notices = [], []
    for clock in late.iterator(chunk_size=BATCH):
        breaches.append(Breach(clock=clock, request=clock.request, owner_id=clock.request.assignee_id,
                               late_minutes=int((w.now - clock.due_at) / M)))
        for rule in rules:
            people = {"assignee": [clock.request.assignee_id], "service_manager": [u.pk for u in w.managers],
                      "director": [w.director.pk]}[rule.notify]
            notices += [Notice(rule=rule, clock=clock, recipient_id=pk, subject=f"{clock.request.number}",
                               body="-", emailed_at=w.now) for pk in people]
    with transaction.atomic():
        Breach.objects.bulk_create(breaches, batch_size=BATCH)
        Notice.objects.bulk_create(notices, batch_size=BATCH)
    return len(notices)


# ---------------------------------------------------------------- measures


def measure_queue(w: World, runs: int) -> dict:
    from django.urls import Resolver404, resolve

    try:
        resolve("/service/")
    except Resolver404:
        return {"note": "GET /service/ does not exist yet (and no selector to time): skipped"}
    client = signed_in_client(w.desk)
    answer = client.get("/service/")
    if answer.status_code != 200:
        return {"note": f"GET /service/ answered {answer.status_code}: skipped"}
    with QueryCount() as queries:
        client.get("/service/")
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get("/service/")
        times.append((time.perf_counter() - started) * 1000)
    return {"median_ms": statistics.median(times), "p95_ms": percentile(times, 0.95),
            "queries": queries.count}


def measure_escalation(w: World) -> dict:
    from django.core import mail
    from django.db import transaction

    from aftersales.service.escalation import escalation_pass

    times, counts = [], None
    for run in range(5):
        with transaction.atomic():  # rolled back: every run finds the same work
            started = time.perf_counter()
            if run == 0:
                with QueryCount() as queries:
                    counts = escalation_pass(now=w.now)
            else:
                escalation_pass(now=w.now)
            times.append((time.perf_counter() - started) * 1000)
            transaction.set_rollback(True)
    mail.outbox = []
    committed = escalation_pass(now=w.now)  # for real: notices created and e-mailed
    quiet = []
    for _ in range(5):
        started = time.perf_counter()
        nothing = escalation_pass(now=w.now)
        quiet.append((time.perf_counter() - started) * 1000)
    return {"median_ms": statistics.median(times), "max_ms": max(times), "queries": queries.count,
            "counts": counts, "emails": len(mail.outbox), "committed": committed,
            "quiet_ms": statistics.median(quiet), "quiet_counts": nothing}


def measure_creation(w: World, count: int) -> dict:
    from django.urls import Resolver404, resolve

    customer_id, site_id = w.sites[0]
    payload = {"customer": customer_id, "site": site_id, "reporter_name": "王工", "reporter_phone": "13800138000",
               "channel": "phone", "request_type": "repair", "severity": 3, "description": "录像机无法回放"}
    try:
        resolve("/api/v1/service-requests/")
        client = api_client(w)
        first = client.post("/api/v1/service-requests/", payload, format="json")
        route_note = ("" if first.status_code == 201
                      else f"the API answered {first.status_code}: {first.content[:300]!r}")
    except Resolver404:
        route_note = "/api/v1/service-requests/ does not exist yet"
    if route_note:
        return _creation_by_service(w, count, payload, route_note)
    with QueryCount() as queries:
        started = time.perf_counter()
        for _ in range(count):
            answer = client.post("/api/v1/service-requests/", payload, format="json")
            assert answer.status_code == 201, answer.content
        seconds = time.perf_counter() - started
    return {"via": "POST /api/v1/service-requests/", "count": count, "per_s": count / seconds,
            "queries": queries.count / count}


def api_client(w: World):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    token, _created = Token.objects.get_or_create(user=w.desk)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _creation_by_service(w: World, count: int, payload: dict, note: str) -> dict:
    from aftersales.customers.models import Customer, Site
    from aftersales.service.services import request_register

    data = {**payload, "customer": Customer.objects.get(pk=payload["customer"]),
            "site": Site.objects.get(pk=payload["site"])}
    with QueryCount() as queries:
        started = time.perf_counter()
        for _ in range(count):
            request_register(actor=w.desk, data=dict(data))
        seconds = time.perf_counter() - started
    return {"via": "services.request_register", "note": f"{note}: measured through the service instead",
            "count": count, "per_s": count / seconds, "queries": queries.count / count}


# ---------------------------------------------------------------- report


def report(args, vendor: str, seeded_s: float, queue_small: dict, queue_big: dict, escalation: dict,
           creation: dict) -> None:
    print()
    print(f"Service requests benchmark: {vendor}, {args.requests:,} requests, seeded in {seeded_s:.0f} s")
    print(f"{'measure':<58} {'value':>16}")
    print("-" * 75)

    def row(label, value):
        print(f"{label:<58} {value:>16}")

    for label, queue in ((f"{SMALL:,}", queue_small), (f"{args.requests:,}", queue_big)):
        if "note" in queue:
            row(f"queue page at {label} requests", "skipped")
            print(f"  note: {queue['note']}")
            continue
        row(f"queue page at {label} requests: median", f"{queue['median_ms']:.1f} ms")
        row(f"queue page at {label} requests: p95 ({args.runs} requests)", f"{queue['p95_ms']:.1f} ms")
        row(f"queue page at {label} requests: SQL queries", queue["queries"])
    counts = escalation["counts"]
    row(f"escalation pass, {args.requests:,} open: median of 5", f"{escalation['median_ms']:.0f} ms")
    row("escalation pass: slowest of 5", f"{escalation['max_ms']:.0f} ms")
    row("escalation pass: SQL queries", escalation["queries"])
    row("escalation pass: requests needing a notice", sum(HOT.values()))
    row("escalation pass: notices due (rule × clock) / created", f"{counts['due']} / {counts['notices']}")
    row("escalation pass: breaches recorded", counts["breaches"])
    row("escalation pass committed: e-mails sent", escalation["emails"])
    row("escalation pass with nothing due (every minute): median", f"{escalation['quiet_ms']:.0f} ms")
    row(f"creation via {creation['via']}: requests/s", f"{creation['per_s']:.1f}")
    row("creation: SQL queries per request", f"{creation['queries']:.1f}")
    if creation.get("note"):
        print(f"  note: {creation['note']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--api", type=int, default=300, help="requests created through the API")
    parser.add_argument("--runs", type=int, default=50, help="queue page requests timed")
    parser.add_argument("--server", default=os.environ.get("BENCH_POSTGRES", "postgres://root@127.0.0.1:5432"))
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file under var/bench/ instead")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--no-queue", action="store_true", help="do not time the queue page")
    args = parser.parse_args()
    if args.requests < SMALL + sum(HOT.values()):
        parser.error(f"--requests must be at least {SMALL + sum(HOT.values())}")

    setup_django(prepare_database(args, BENCH_DB))
    from django.db import connection

    try:
        world = build_world()
        todo = plans(world, args.requests)
        started = time.perf_counter()
        seed_all(world, todo[:SMALL])
        analyze()
        skipped = {"note": "--no-queue"}
        queue_small = skipped if args.no_queue else measure_queue(world, args.runs)
        print(f"seeded {SMALL:,} requests; seeding the rest ...", flush=True)
        seed_all(world, todo[SMALL:])
        notified = record_past_escalations(world)
        analyze()
        seeded_s = time.perf_counter() - started
        print(f"seeded {args.requests:,} requests ({notified:,} past notices) in {seeded_s:.0f} s", flush=True)
        queue_big = skipped if args.no_queue else measure_queue(world, args.runs)
        escalation = measure_escalation(world)
        creation = measure_creation(world, args.api) if args.api else {"via": "-", "per_s": 0, "queries": 0,
                                                                         "note": "--api 0: not measured"}
        report(args, connection.vendor, seeded_s, queue_small, queue_big, escalation, creation)
    finally:
        if not args.keep:
            drop_database(args, BENCH_DB)
    return 0


if __name__ == "__main__":
    sys.exit(main())
