"""The pure rules: W10 conditions and depot due dates (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from aftersales.aftercare.rules import depot_days, return_conditions
from aftersales.core.workcalendar import add_working_days


def _checks(**kw):
    base = {"purchased_on": dt.date(2026, 5, 1), "requested_on": dt.date(2026, 5, 8), "fault_by_people": False,
            "receipt_given": True, "packaging_intact": True, "days": 7}
    base.update(kw)
    return {c.code: c.passed for c in return_conditions(**base)}


def test_every_condition_met_on_the_seventh_day():
    assert all(_checks().values())


@pytest.mark.parametrize("changes,failed", [
    ({"requested_on": dt.date(2026, 5, 9)}, "within_days"),
    ({"requested_on": dt.date(2026, 4, 30)}, "within_days"),
    ({"fault_by_people": True}, "quality_fault"),
    ({"receipt_given": False}, "receipt"),
    ({"packaging_intact": False}, "packaging"),
])
def test_each_condition_fails_alone(changes, failed):
    checks = _checks(**changes)
    assert [code for code, passed in checks.items() if not passed] == [failed]


@pytest.mark.parametrize("units,days", [(1, 1), (10, 1), (11, 2), (20, 2), (21, 3), (30, 3), (31, 4)])
def test_depot_days_by_batch_size(units, days):
    assert depot_days(units, units_per_step=10, days_per_step=1) == days


def test_depot_steps_are_configurable():
    assert depot_days(6, units_per_step=5, days_per_step=2) == 4


def test_working_days_skip_the_weekend():
    friday = dt.date(2026, 5, 22)
    weekdays = lambda d: d.weekday() < 5  # noqa: E731
    assert add_working_days(friday, 1, weekdays) == dt.date(2026, 5, 25)
    assert add_working_days(friday, 2, weekdays) == dt.date(2026, 5, 26)
    assert add_working_days(friday, 1, lambda d: True) == dt.date(2026, 5, 23)
