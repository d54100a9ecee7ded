"""Reads of the loaner pool: the units with their open loan, the units that can stand in for a
customer's equipment, open and overdue loans (the dispatch board lists the latter), a unit's history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    Case,
    Count,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.shortcuts import get_object_or_404

from aftersales.accounts.scoping import scope

from .choices import LoanerState
from .models import Loan, Loaner, LoanerEvent


def open_loans_prefetch() -> Prefetch:
    """A loaner's open loan (at most one), as ``loaner.open_loans``."""
    return Prefetch("loans", queryset=Loan.objects.filter(returned_at__isnull=True).select_related(
        "customer", "site", "service_request", "lent_by"), to_attr="open_loans")


def loaners_with_related(queryset: QuerySet | None = None) -> QuerySet:
    queryset = Loaner.objects.all() if queryset is None else queryset
    return queryset.select_related("product_model__category", "home_store").prefetch_related(open_loans_prefetch())


def current_loan(loaner: Loaner) -> Loan | None:
    """The open loan of a loaner read through loaners_with_related (no query), or looked up."""
    if hasattr(loaner, "open_loans"):
        return loaner.open_loans[0] if loaner.open_loans else None
    return Loan.objects.filter(loaner=loaner, returned_at__isnull=True).select_related(
        "customer", "site", "service_request", "lent_by").first()


def overdue_q(today: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}returned_at__isnull": True, f"{prefix}due_back__lt": today})


def loaner_list(*, actor, filters: dict[str, Any] | None = None, today: dt.date | None = None) -> QuerySet:
    """The units the actor may read; filters: search (asset tag, serial number, grade, model), state,
    grade, product_model, category, home_store, overdue (needs ``today``), archived (True: archived
    ones too; "only": archived ones alone)."""
    filters = filters or {}
    queryset = scope(Loaner.objects.all(), actor)
    archived = filters.get("archived")
    if archived == "only":
        queryset = queryset.filter(archived_at__isnull=False)
    elif not archived:
        queryset = queryset.filter(archived_at__isnull=True)
    text = (filters.get("search") or "").strip()
    if text:
        queryset = queryset.filter(Q(code__icontains=text) | Q(serial_number__icontains=text)
                                   | Q(grade__icontains=text) | Q(product_model__code__icontains=text)
                                   | Q(product_model__name__icontains=text))
    for name, lookup in (("state", "state"), ("grade", "grade"), ("product_model", "product_model"),
                         ("category", "product_model__category"), ("home_store", "home_store")):
        if filters.get(name) not in (None, ""):
            queryset = queryset.filter(**{lookup: filters[name]})
    if filters.get("overdue") and today is not None:
        queryset = queryset.filter(overdue_q(today, "loans__"))
    return loaners_with_related(queryset)


def loaner_state_counts(*, actor) -> dict[str, int]:
    """How many current units are in each state (every state present, zero included)."""
    rows = (scope(Loaner.objects.filter(archived_at__isnull=True), actor).order_by().values("state")
            .annotate(n=Count("id")))
    counts = {state: 0 for state in LoanerState.values}
    counts.update({row["state"]: row["n"] for row in rows})
    return counts


def loaner_get_for(*, actor, pk: int) -> Loaner:
    return get_object_or_404(loaners_with_related(scope(Loaner.objects.all(), actor)), pk=pk)


def loaners_available(*, actor, grade: str | None = None, product_model=None, category=None) -> QuerySet:
    """Units in store (current records) that can be lent now, narrowed by grade, product model or
    product category."""
    queryset = scope(Loaner.objects.filter(state=LoanerState.IN_STORE, archived_at__isnull=True), actor)
    if grade:
        queryset = queryset.filter(grade=grade)
    if product_model is not None:
        queryset = queryset.filter(product_model=product_model)
    if category is not None:
        queryset = queryset.filter(product_model__category=category)
    return queryset.select_related("product_model__category", "home_store")


def loaners_to_stand_in(*, actor, product_model) -> QuerySet:
    """Units in store that can stand in for equipment of ``product_model`` (SPEC D6: 同档次), best
    first: the same model (``match`` 0), the same grade as the pool's units of that model (1), the
    same product category (2)."""
    grades = Loaner.objects.filter(product_model=product_model).values("grade")
    queryset = loaners_available(actor=actor, category=product_model.category)
    return queryset.annotate(match=Case(
        When(product_model=product_model, then=Value(0)), When(grade__in=grades, then=Value(1)), default=Value(2),
        output_field=IntegerField())).order_by("match", "code")


def loans_with_related(queryset: QuerySet | None = None) -> QuerySet:
    queryset = Loan.objects.all() if queryset is None else queryset
    return queryset.select_related("loaner__product_model", "customer", "site", "asset", "service_request",
                                   "lent_by", "returned_by")


def loan_list(*, actor, filters: dict[str, Any] | None = None, today: dt.date | None = None) -> QuerySet:
    """Loans the actor may read; filters: open, overdue (needs ``today``), customer, loaner,
    service_request."""
    filters = filters or {}
    queryset = scope(Loan.objects.all(), actor)
    if filters.get("open") is not None:
        queryset = queryset.filter(returned_at__isnull=bool(filters["open"]))
    if filters.get("overdue") is not None and today is not None:
        queryset = queryset.filter(overdue_q(today)) if filters["overdue"] else queryset.exclude(overdue_q(today))
    for name in ("customer", "loaner", "service_request"):
        if filters.get(name) not in (None, ""):
            queryset = queryset.filter(**{name: filters[name]})
    return loans_with_related(queryset)


def loans_open(*, actor) -> QuerySet:
    """Loans whose unit is still out, soonest due first."""
    return loans_with_related(scope(Loan.objects.filter(returned_at__isnull=True), actor)).order_by("due_back", "id")


def loans_overdue(*, actor, today: dt.date) -> QuerySet:
    """Open loans past their due date (due before ``today``), longest overdue first: for the dispatch
    board (SPEC D6)."""
    return loans_open(actor=actor).filter(due_back__lt=today)


def loaner_loans(loaner: Loaner, *, actor) -> QuerySet:
    return loans_with_related(scope(Loan.objects.filter(loaner=loaner), actor))


def loaner_history(loaner: Loaner, *, actor) -> QuerySet:
    """The unit's events, newest first."""
    return scope(LoanerEvent.objects.filter(loaner=loaner), actor).select_related("actor", "loan__customer")
