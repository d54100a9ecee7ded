"""Tests for asset entitlement (SPEC W1-W5)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aftersales.contracts.entitlement import (
    AssetFacts,
    Condition,
    ContractCover,
    Coverage,
    Entitlement,
    Period,
    Rule,
    WarrantyTerm,
    entitlement_on,
    entitlement_periods,
    latent_end,
    warranty_end,
)
from aftersales.core.periods import roll_to_working_day, term_end

ONE = timedelta(days=1)
GOLDEN_WEEK = {date(2025, 10, 1) + timedelta(days=i) for i in range(8)}  # 2025-10-01..08 off


def workdays(d: date) -> bool:
    return d.weekday() < 5 and d not in GOLDEN_WEEK


def on(facts: AssetFacts, day: date) -> Entitlement:
    return entitlement_on(facts, day, is_working_day=workdays)


def periods(facts: AssetFacts) -> list[Period]:
    return entitlement_periods(facts, is_working_day=workdays)


# Accepted Monday 2023-06-12, 24-month warranty → ends Thursday 2025-06-12.
# Latent: 2025-06-13 .. 2027-06-12 (Saturday) rolled to Monday 2027-06-14.
ACCEPTED = date(2023, 6, 12)
W_END = date(2025, 6, 12)
L_END = date(2027, 6, 14)
BASE = AssetFacts(acceptance_date=ACCEPTED, warranty=WarrantyTerm(contract_id=10, months=24))


def contract(
    cid: int, start: date, end: date, *, labour: bool = True, parts: bool = False, **kw: bool
) -> ContractCover:
    return ContractCover(contract_id=cid, start=start, end=end, free_labour=labour, free_parts=parts, **kw)


# --- base lifecycle: boundary days ------------------------------------------------


def test_day_before_acceptance_is_not_covered() -> None:
    result = on(BASE, ACCEPTED - ONE)
    assert (result.coverage, result.rule, result.until) == (Coverage.NONE, Rule.BEFORE_ACCEPTANCE, None)
    assert (result.free_labour, result.free_parts, result.contract_id) == (False, False, None)
    assert result.details["next_cover_start"] == ACCEPTED


@pytest.mark.parametrize("day", [ACCEPTED, date(2024, 6, 1), W_END])
def test_warranty_days_from_acceptance_to_last_warranty_day(day: date) -> None:
    result = on(BASE, day)
    assert result.coverage is Coverage.WARRANTY
    assert result.rule is Rule.IN_WARRANTY
    assert result.until == W_END
    assert (result.free_labour, result.free_parts) == (True, True)
    assert result.conditions == Condition.MISUSE_EXCLUDED
    assert result.contract_id == 10


@pytest.mark.parametrize("day", [W_END + ONE, date(2026, 6, 1), date(2027, 6, 12), L_END])
def test_latent_defect_days_after_warranty(day: date) -> None:
    result = on(BASE, day)
    assert (result.coverage, result.rule) == (Coverage.LATENT_DEFECT, Rule.LATENT_DEFECT)
    assert result.until == L_END
    assert (result.free_labour, result.free_parts) == (True, True)
    assert result.conditions == "design_material_workmanship_only"


def test_day_after_latent_period_is_expired() -> None:
    result = on(BASE, L_END + ONE)
    assert (result.coverage, result.rule, result.until) == (Coverage.NONE, Rule.EXPIRED, None)
    assert result.details["next_cover_start"] is None


def test_details_expose_the_computed_dates() -> None:
    details = on(BASE, ACCEPTED).details
    assert details["acceptance_date"] == ACCEPTED
    assert details["warranty_end"] == details["own_warranty_end"] == W_END
    assert details["latent_end"] == L_END


def test_base_periods() -> None:
    assert [(p.coverage, p.start, p.end) for p in periods(BASE)] == [
        (Coverage.WARRANTY, ACCEPTED, W_END),
        (Coverage.LATENT_DEFECT, W_END + ONE, L_END),
    ]


# --- acceptance / no warranty -----------------------------------------------------


def test_not_accepted_means_nothing_but_contracts_covers() -> None:
    facts = AssetFacts(acceptance_date=None, warranty=WarrantyTerm(contract_id=1, months=24))
    assert warranty_end(facts, workdays) is None
    assert latent_end(facts, workdays) is None
    assert periods(facts) == []
    assert on(facts, date(2025, 1, 1)).rule is Rule.NOT_ACCEPTED
    # a maintenance contract still covers its own dates
    with_contract = AssetFacts(
        acceptance_date=None, warranty=None, contracts=(contract(5, date(2025, 1, 1), date(2025, 1, 31)),)
    )
    assert on(with_contract, date(2025, 1, 15)).coverage is Coverage.CONTRACT
    assert on(with_contract, date(2025, 2, 1)).rule is Rule.NOT_ACCEPTED


def test_no_warranty_and_nothing_else() -> None:
    facts = AssetFacts(acceptance_date=ACCEPTED, warranty=None)
    assert periods(facts) == []
    assert on(facts, ACCEPTED - ONE).rule is Rule.BEFORE_ACCEPTANCE
    assert on(facts, ACCEPTED).rule is Rule.NO_WARRANTY
    assert on(facts, date(2030, 1, 1)).rule is Rule.NO_WARRANTY


def test_no_warranty_with_a_contract_before_and_after() -> None:
    c = contract(7, date(2024, 1, 1), date(2024, 12, 31))
    facts = AssetFacts(acceptance_date=ACCEPTED, warranty=None, contracts=(c,))
    assert on(facts, date(2023, 12, 31)).rule is Rule.NO_WARRANTY
    assert on(facts, date(2023, 12, 31)).details["next_cover_start"] == date(2024, 1, 1)
    inside = on(facts, date(2024, 1, 1))
    assert (inside.coverage, inside.rule, inside.contract_id, inside.until) == (
        Coverage.CONTRACT, Rule.MAINTENANCE_CONTRACT, 7, date(2024, 12, 31)
    )
    assert (inside.free_labour, inside.free_parts, inside.conditions) == (True, False, None)
    assert on(facts, date(2025, 1, 1)).rule is Rule.EXPIRED


def test_zero_latent_months_means_no_latent_period() -> None:
    term = WarrantyTerm(contract_id=10, months=24, latent_months=0)
    facts = AssetFacts(acceptance_date=ACCEPTED, warranty=term)
    assert latent_end(facts, workdays) is None
    assert on(facts, W_END).coverage is Coverage.WARRANTY
    assert on(facts, W_END + ONE).rule is Rule.EXPIRED


def test_invalid_terms_are_rejected() -> None:
    with pytest.raises(ValueError):
        WarrantyTerm(contract_id=1, months=-1)
    with pytest.raises(ValueError):
        WarrantyTerm(contract_id=1, months=12, latent_months=-1)
    with pytest.raises(ValueError, match="before start"):
        contract(1, date(2025, 2, 1), date(2025, 1, 31))


def test_one_day_contract_is_valid() -> None:
    one_day = contract(1, date(2025, 2, 3), date(2025, 2, 3))
    facts = AssetFacts(acceptance_date=None, warranty=None, contracts=(one_day,))
    assert [(p.start, p.end) for p in periods(facts)] == [(date(2025, 2, 3), date(2025, 2, 3))]


# --- leap day and rolling ---------------------------------------------------------


def test_leap_day_acceptance() -> None:
    # 2024-02-29 + 12 months → 2025-02-28 (Friday): no roll needed
    one_year = AssetFacts(acceptance_date=date(2024, 2, 29), warranty=WarrantyTerm(contract_id=1, months=12))
    assert warranty_end(one_year, workdays) == date(2025, 2, 28)
    # latent anchored on 2025-02-28: + 24 → 2027-02-28 (Sunday) → Monday 2027-03-01
    assert latent_end(one_year, workdays) == date(2027, 3, 1)
    assert on(one_year, date(2025, 3, 1)).coverage is Coverage.LATENT_DEFECT
    # 2024-02-29 + 36 months → 2027-02-28 (Sunday): rolled to Monday, or kept with the switch off
    rolled = AssetFacts(acceptance_date=date(2024, 2, 29), warranty=WarrantyTerm(contract_id=1, months=36))
    fixed = AssetFacts(
        acceptance_date=date(2024, 2, 29),
        warranty=WarrantyTerm(contract_id=1, months=36, roll_to_working_day=False),
    )
    assert warranty_end(rolled, workdays) == date(2027, 3, 1)
    assert warranty_end(fixed, workdays) == date(2027, 2, 28)
    assert on(fixed, date(2027, 3, 1)).coverage is Coverage.LATENT_DEFECT


def test_warranty_rolls_over_a_holiday_block_unless_switched_off() -> None:
    # given acceptance 2023-10-01, + 24 months = 2025-10-01, first day of the holiday block
    accepted = date(2023, 10, 1)
    rolled = AssetFacts(acceptance_date=accepted, warranty=WarrantyTerm(contract_id=1, months=24))
    fixed = AssetFacts(
        acceptance_date=accepted, warranty=WarrantyTerm(contract_id=1, months=24, roll_to_working_day=False)
    )
    # then with rolling the warranty runs through the block to 2025-10-09
    assert warranty_end(rolled, workdays) == date(2025, 10, 9)
    assert on(rolled, date(2025, 10, 5)).coverage is Coverage.WARRANTY
    assert on(rolled, date(2025, 10, 10)).coverage is Coverage.LATENT_DEFECT
    # latent: 2025-10-09 + 24 → 2027-10-09 (Saturday) → Monday 2027-10-11
    assert latent_end(rolled, workdays) == date(2027, 10, 11)
    # and with the switch off it ends on the holiday itself, latent starting the next day
    assert warranty_end(fixed, workdays) == date(2025, 10, 1)
    assert on(fixed, date(2025, 10, 2)).coverage is Coverage.LATENT_DEFECT
    assert latent_end(fixed, workdays) == date(2027, 10, 1)  # no roll for latent either


# --- inherited warranty (replacement unit) ----------------------------------------

REPLACED_ON = date(2024, 5, 6)  # own 12-month warranty ends Tuesday 2025-05-06


def replacement(
    inherited: date | None, inherited_cid: int | None = 77, own_cid: int | None = 10
) -> AssetFacts:
    return AssetFacts(
        acceptance_date=REPLACED_ON,
        warranty=WarrantyTerm(contract_id=own_cid, months=12),
        inherited_warranty_until=inherited,
        inherited_contract_id=inherited_cid,
    )


def test_inherited_warranty_longer_than_own() -> None:
    facts = replacement(date(2026, 1, 15))
    assert warranty_end(facts, workdays) == date(2026, 1, 15)
    assert [(p.rule, p.start, p.end, p.contract_id) for p in periods(facts)] == [
        (Rule.IN_WARRANTY, REPLACED_ON, date(2025, 5, 6), 10),
        (Rule.INHERITED_WARRANTY, date(2025, 5, 7), date(2026, 1, 15), 77),
        # latent anchored at the inherited end: 2028-01-15 is a Saturday → Monday
        (Rule.LATENT_DEFECT, date(2026, 1, 16), date(2028, 1, 17), 10),
    ]
    first_inherited = on(facts, date(2025, 5, 7))
    assert (first_inherited.coverage, first_inherited.rule) == (Coverage.WARRANTY, Rule.INHERITED_WARRANTY)
    assert (first_inherited.until, first_inherited.contract_id) == (date(2026, 1, 15), 77)
    assert on(facts, date(2025, 5, 6)).until == date(2025, 5, 6)  # different contract: own run ends


def test_inherited_warranty_under_the_same_contract_reads_as_one_run() -> None:
    facts = replacement(date(2026, 1, 15), inherited_cid=10)
    result = on(facts, REPLACED_ON)
    assert (result.rule, result.until) == (Rule.IN_WARRANTY, date(2026, 1, 15))


def test_inherited_warranty_shorter_than_own_is_ignored() -> None:
    facts = replacement(date(2024, 12, 31))
    assert warranty_end(facts, workdays) == date(2025, 5, 6)
    assert all(p.rule is not Rule.INHERITED_WARRANTY for p in periods(facts))
    assert on(facts, date(2025, 1, 1)).rule is Rule.IN_WARRANTY


def test_inherited_warranty_without_own_term_uses_default_latent() -> None:
    facts = AssetFacts(
        acceptance_date=REPLACED_ON,
        warranty=None,
        inherited_warranty_until=date(2025, 3, 3),
        inherited_contract_id=77,
    )
    assert on(facts, REPLACED_ON).rule is Rule.INHERITED_WARRANTY
    assert on(facts, date(2025, 3, 4)).coverage is Coverage.LATENT_DEFECT
    assert latent_end(facts, workdays) == date(2027, 3, 3)  # default 24 months, a Wednesday


def test_inherited_warranty_ending_before_acceptance_does_not_count() -> None:
    facts = AssetFacts(acceptance_date=REPLACED_ON, warranty=None, inherited_warranty_until=date(2024, 5, 5))
    assert warranty_end(facts, workdays) is None
    assert on(facts, REPLACED_ON).rule is Rule.NO_WARRANTY


# --- maintenance contracts --------------------------------------------------------


def test_contract_overlapping_warranty_only_takes_the_days_after_it() -> None:
    c = contract(20, date(2025, 1, 1), date(2025, 12, 31), labour=True, parts=False)
    facts = AssetFacts(acceptance_date=ACCEPTED, warranty=BASE.warranty, contracts=(c,))
    assert [(p.coverage, p.start, p.end) for p in periods(facts)] == [
        (Coverage.WARRANTY, ACCEPTED, W_END),
        (Coverage.CONTRACT, W_END + ONE, date(2025, 12, 31)),
        (Coverage.LATENT_DEFECT, date(2026, 1, 1), L_END),
    ]
    assert on(facts, date(2025, 3, 1)).coverage is Coverage.WARRANTY  # warranty wins
    in_contract = on(facts, W_END + ONE)
    assert (in_contract.contract_id, in_contract.until) == (20, date(2025, 12, 31))
    assert (in_contract.free_labour, in_contract.free_parts) == (True, False)
    assert on(facts, date(2026, 1, 1)).until == L_END


def test_contract_inside_latent_period_splits_it_in_two() -> None:
    c = contract(30, date(2026, 1, 1), date(2026, 6, 30), parts=True)
    facts = AssetFacts(acceptance_date=ACCEPTED, warranty=BASE.warranty, contracts=(c,))
    assert [(p.coverage, p.start, p.end) for p in periods(facts)] == [
        (Coverage.WARRANTY, ACCEPTED, W_END),
        (Coverage.LATENT_DEFECT, W_END + ONE, date(2025, 12, 31)),
        (Coverage.CONTRACT, date(2026, 1, 1), date(2026, 6, 30)),
        (Coverage.LATENT_DEFECT, date(2026, 7, 1), L_END),
    ]
    assert on(facts, date(2025, 12, 31)).until == date(2025, 12, 31)  # latent resumes later, not continuous
    assert on(facts, date(2026, 6, 30)).rule is Rule.MAINTENANCE_CONTRACT
    assert on(facts, date(2026, 7, 1)).until == L_END


def test_two_contracts_back_to_back() -> None:
    first = contract(40, date(2028, 1, 1), date(2028, 6, 30))
    second = contract(41, date(2028, 7, 1), date(2028, 12, 31), parts=True)
    facts = AssetFacts(acceptance_date=ACCEPTED, warranty=BASE.warranty, contracts=(second, first))
    tail = periods(facts)[-2:]
    assert [(p.contract_id, p.start, p.end) for p in tail] == [
        (40, date(2028, 1, 1), date(2028, 6, 30)),
        (41, date(2028, 7, 1), date(2028, 12, 31)),
    ]
    assert on(facts, date(2028, 6, 30)).until == date(2028, 6, 30)
    assert on(facts, date(2028, 7, 1)).free_parts is True
    assert on(facts, date(2029, 1, 1)).rule is Rule.EXPIRED
    # between latent end and the first contract there is a gap
    gap = on(facts, date(2027, 12, 31))
    assert (gap.rule, gap.details["next_cover_start"]) == (Rule.EXPIRED, date(2028, 1, 1))


def test_renewal_of_the_same_contract_is_merged() -> None:
    first = contract(50, date(2028, 1, 1), date(2028, 6, 30))
    renewal = contract(50, date(2028, 7, 1), date(2028, 12, 31))
    facts = AssetFacts(acceptance_date=ACCEPTED, warranty=BASE.warranty, contracts=(first, renewal))
    assert [(p.start, p.end) for p in periods(facts) if p.coverage is Coverage.CONTRACT] == [
        (date(2028, 1, 1), date(2028, 12, 31))
    ]
    assert on(facts, date(2028, 2, 1)).until == date(2028, 12, 31)


def test_overlapping_contracts_most_generous_wins() -> None:
    labour_only = contract(60, date(2028, 1, 1), date(2028, 12, 31))
    full = contract(61, date(2028, 4, 1), date(2028, 6, 30), parts=True)
    facts = AssetFacts(acceptance_date=None, warranty=None, contracts=(labour_only, full))
    assert [(p.contract_id, p.start, p.end) for p in periods(facts)] == [
        (60, date(2028, 1, 1), date(2028, 3, 31)),
        (61, date(2028, 4, 1), date(2028, 6, 30)),
        (60, date(2028, 7, 1), date(2028, 12, 31)),
    ]


def test_contract_end_rolls_to_working_day_when_asked() -> None:
    saturday = date(2026, 3, 14)
    rolling = contract(70, date(2026, 1, 1), saturday, roll_to_working_day=True)
    rolled = AssetFacts(acceptance_date=None, warranty=None, contracts=(rolling,))
    fixed = contract(70, date(2026, 1, 1), saturday)
    plain = AssetFacts(acceptance_date=None, warranty=None, contracts=(fixed,))
    assert on(rolled, date(2026, 3, 1)).until == date(2026, 3, 16)
    assert on(plain, date(2026, 3, 1)).until == saturday


# --- properties over random facts -------------------------------------------------


@dataclass(frozen=True)
class Expected:
    coverage: Coverage
    rule: Rule
    contract_id: int | None
    free_labour: bool
    free_parts: bool
    conditions: str | None


class Oracle:
    """Day-by-day coverage computed directly from the raw facts (independent of the module)."""

    def __init__(self, facts: AssetFacts, is_working_day: Callable[[date], bool]) -> None:
        self.facts = facts
        a, w = facts.acceptance_date, facts.warranty
        self.own_end: date | None = None
        if a is not None and w is not None:
            roll = is_working_day if w.roll_to_working_day else None
            self.own_end = term_end(anchor=a, months=w.months, is_working_day=roll)
        inherited = facts.inherited_warranty_until
        self.inherited = inherited if a is not None and inherited is not None and inherited >= a else None
        ends = [d for d in (self.own_end, self.inherited) if d is not None]
        self.w_end = max(ends) if ends else None
        self.l_end: date | None = None
        if self.w_end is not None:
            months = w.latent_months if w else 24
            roll = is_working_day if (w is None or w.roll_to_working_day) else None
            self.l_end = term_end(anchor=self.w_end, months=months, is_working_day=roll)
        self.contracts = [
            (c, roll_to_working_day(c.end, is_working_day=is_working_day) if c.roll_to_working_day else c.end)
            for c in facts.contracts
        ]
        starts = [d for d in [a] + [c.start for c in facts.contracts] if d is not None]
        stops = [d for d in [a, self.w_end, self.l_end] + [end for _, end in self.contracts] if d is not None]
        fallback = date(2020, 1, 1)
        self.horizon = (min(starts, default=fallback) - 3 * ONE, max(stops, default=fallback) + 3 * ONE)

    def day(self, d: date) -> Expected | None:
        a, w = self.facts.acceptance_date, self.facts.warranty
        if self.own_end is not None and a is not None and w is not None and a <= d <= self.own_end:
            cond = Condition.MISUSE_EXCLUDED
            return Expected(Coverage.WARRANTY, Rule.IN_WARRANTY, w.contract_id, True, True, cond)
        if self.inherited is not None and a is not None and a <= d <= self.inherited:
            cid = self.facts.inherited_contract_id
            cond = Condition.MISUSE_EXCLUDED
            return Expected(Coverage.WARRANTY, Rule.INHERITED_WARRANTY, cid, True, True, cond)
        active = [c for c, end in self.contracts if c.start <= d <= end]
        if active:
            best = min(active, key=lambda c: (-(c.free_labour + c.free_parts), c.start, c.contract_id))
            flags = (best.free_labour, best.free_parts)
            return Expected(Coverage.CONTRACT, Rule.MAINTENANCE_CONTRACT, best.contract_id, *flags, None)
        if self.w_end is not None and self.l_end is not None and self.w_end < d <= self.l_end:
            cid = w.contract_id if w else self.facts.inherited_contract_id
            cond = Condition.DESIGN_MATERIAL_WORKMANSHIP_ONLY
            return Expected(Coverage.LATENT_DEFECT, Rule.LATENT_DEFECT, cid, True, True, cond)
        return None

    def none_rule(self, d: date) -> Rule:
        a = self.facts.acceptance_date
        if a is None:
            return Rule.NOT_ACCEPTED
        if d < a:
            return Rule.BEFORE_ACCEPTANCE
        probe = min(d - ONE, self.horizon[1])
        while probe >= self.horizon[0]:
            if self.day(probe) is not None:
                return Rule.EXPIRED
            probe -= ONE
        return Rule.NO_WARRANTY


HOLIDAYS = frozenset(date(2020, 1, 1) + timedelta(days=n) for n in range(0, 5000, 97))


def random_calendar(d: date) -> bool:
    return d.weekday() < 5 and d not in HOLIDAYS


dates = st.dates(date(2019, 1, 1), date(2026, 12, 31))
contract_covers = st.builds(
    lambda cid, start, length, labour, parts, roll: ContractCover(
        contract_id=cid,
        start=start,
        end=start + timedelta(days=length),
        free_labour=labour,
        free_parts=parts,
        roll_to_working_day=roll,
    ),
    st.integers(100, 103), dates, st.integers(0, 700), st.booleans(), st.booleans(), st.booleans(),
)
warranty_terms = st.builds(
    WarrantyTerm,
    contract_id=st.none() | st.integers(1, 3),
    months=st.integers(0, 48),
    latent_months=st.integers(0, 30),
    roll_to_working_day=st.booleans(),
)
query_days = st.lists(st.dates(date(2018, 6, 1), date(2032, 12, 31)), min_size=1, max_size=6)
asset_facts = st.builds(
    AssetFacts,
    acceptance_date=st.none() | dates,
    warranty=st.none() | warranty_terms,
    inherited_warranty_until=st.none() | dates,
    inherited_contract_id=st.none() | st.integers(1, 3),
    contracts=st.lists(contract_covers, max_size=4).map(tuple),
)


@settings(max_examples=80, deadline=None)
@given(facts=asset_facts)
def test_periods_are_sorted_disjoint_merged_and_match_the_oracle(facts: AssetFacts) -> None:
    result = entitlement_periods(facts, is_working_day=random_calendar)
    for p in result:
        assert p.start <= p.end
    for prev, cur in zip(result, result[1:]):
        assert prev.end < cur.start  # sorted, never overlapping
        if prev.end + ONE == cur.start:  # adjacent periods must differ in their terms
            assert (prev.coverage, prev.rule, prev.contract_id, prev.free_labour, prev.free_parts) != (
                cur.coverage, cur.rule, cur.contract_id, cur.free_labour, cur.free_parts
            )
    by_day: dict[date, Expected] = {}
    for p in result:
        d = p.start
        while d <= p.end:
            by_day[d] = Expected(p.coverage, p.rule, p.contract_id, p.free_labour, p.free_parts, p.conditions)
            d += ONE
    oracle = Oracle(facts, random_calendar)
    lo, hi = oracle.horizon
    assert all(lo < d < hi for d in by_day)  # nothing covered outside the facts' own dates
    d = lo
    while d <= hi:
        assert by_day.get(d) == oracle.day(d), d
        d += ONE


@settings(max_examples=120, deadline=None)
@given(facts=asset_facts, days=query_days)
def test_entitlement_on_agrees_with_the_oracle(facts: AssetFacts, days: list[date]) -> None:
    oracle = Oracle(facts, random_calendar)
    for day in days:
        result = entitlement_on(facts, day, is_working_day=random_calendar)
        expected = oracle.day(day)
        if expected is None:
            assert (result.coverage, result.until, result.contract_id) == (Coverage.NONE, None, None)
            assert (result.free_labour, result.free_parts) == (False, False)
            assert result.rule is oracle.none_rule(day)
            continue
        got = (result.coverage, result.rule, result.contract_id, result.free_labour, result.free_parts)
        assert Expected(*got, result.conditions) == expected
        until = day
        while (nxt := oracle.day(until + ONE)) is not None and (nxt.coverage, nxt.contract_id) == (
            expected.coverage, expected.contract_id
        ):
            until += ONE
        assert result.until == until
