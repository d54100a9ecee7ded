"""Numbers per year that never skip or repeat (service requests, work orders: SPEC R1, D2)."""

from __future__ import annotations


def next_in_year(counter_model, year: int) -> int:
    """The next number of ``year`` from a locked counter row (a model with ``year`` as primary key
    and ``last``): consecutive whatever happens at once, and a creation that rolls back gives its
    number back with it. Call inside the transaction that saves the numbered row."""
    counter_model.objects.bulk_create([counter_model(year=year, last=0)], ignore_conflicts=True)
    counter = counter_model.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last
