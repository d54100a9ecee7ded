"""What covers an asset on a given date (SPEC W1-W5).

Sources of cover, in order of precedence on any single day:

1. warranty — from the acceptance date for the warranty term (``term_end``);
   a replacement unit keeps the longer of its own warranty and the replaced
   unit's (``inherited_warranty_until``, computed by the caller);
2. maintenance contracts — explicit inclusive ``[start, end]`` date ranges;
3. latent-defect period (潜在缺陷保证期) — from the day after the (effective)
   warranty end through ``term_end(anchor=warranty_end, months=latent_months)``.

Results carry stable ``Rule`` / ``Condition`` codes, never user-facing text.
Pure Python: no Django, no database.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from aftersales.core.periods import roll_to_working_day, term_end

__all__ = [
    "DEFAULT_LATENT_MONTHS",
    "AssetFacts",
    "Condition",
    "ContractCover",
    "Coverage",
    "Entitlement",
    "Period",
    "Rule",
    "WarrantyTerm",
    "entitlement_on",
    "entitlement_periods",
    "latent_end",
    "warranty_end",
]

WorkingDayPredicate = Callable[[date], bool]

DEFAULT_LATENT_MONTHS = 24
_ONE_DAY = timedelta(days=1)


class Coverage(StrEnum):
    WARRANTY = "warranty"
    LATENT_DEFECT = "latent_defect"
    CONTRACT = "contract"
    NONE = "none"


class Rule(StrEnum):
    """Why a day is (not) covered; stable codes rendered elsewhere."""

    IN_WARRANTY = "in_warranty"
    INHERITED_WARRANTY = "inherited_warranty"
    LATENT_DEFECT = "latent_defect"
    MAINTENANCE_CONTRACT = "maintenance_contract"
    NOT_ACCEPTED = "not_accepted"
    BEFORE_ACCEPTANCE = "before_acceptance"
    NO_WARRANTY = "no_warranty"
    EXPIRED = "expired"


class Condition(StrEnum):
    """Limits attached to free service."""

    MISUSE_EXCLUDED = "misuse_excluded"
    DESIGN_MATERIAL_WORKMANSHIP_ONLY = "design_material_workmanship_only"


@dataclass(frozen=True)
class WarrantyTerm:
    contract_id: int | None
    months: int
    latent_months: int = DEFAULT_LATENT_MONTHS
    roll_to_working_day: bool = True

    def __post_init__(self) -> None:
        if self.months < 0 or self.latent_months < 0:
            raise ValueError("warranty months and latent_months must be >= 0")


@dataclass(frozen=True)
class ContractCover:
    contract_id: int
    start: date
    end: date
    free_labour: bool
    free_parts: bool
    roll_to_working_day: bool = False  # end rolled forward to a working day if True

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"contract {self.contract_id}: end {self.end} is before start {self.start}")


@dataclass(frozen=True)
class AssetFacts:
    acceptance_date: date | None
    warranty: WarrantyTerm | None
    inherited_warranty_until: date | None = None
    inherited_contract_id: int | None = None
    contracts: tuple[ContractCover, ...] = ()


@dataclass(frozen=True)
class Period:
    coverage: Coverage
    start: date
    end: date
    rule: Rule
    contract_id: int | None
    free_labour: bool
    free_parts: bool
    conditions: str | None


@dataclass(frozen=True)
class Entitlement:
    on: date
    coverage: Coverage
    until: date | None
    free_labour: bool
    free_parts: bool
    contract_id: int | None
    rule: Rule
    conditions: str | None
    details: dict[str, Any] = field(hash=False)


@dataclass(frozen=True)
class _Source:
    rank: tuple[int, ...]
    period: Period


def _own_warranty_end(facts: AssetFacts, is_working_day: WorkingDayPredicate) -> date | None:
    if facts.acceptance_date is None or facts.warranty is None:
        return None
    roll = is_working_day if facts.warranty.roll_to_working_day else None
    return term_end(anchor=facts.acceptance_date, months=facts.warranty.months, is_working_day=roll)


def _usable_inherited(facts: AssetFacts) -> date | None:
    inherited = facts.inherited_warranty_until
    if facts.acceptance_date is None or inherited is None or inherited < facts.acceptance_date:
        return None
    return inherited


def warranty_end(facts: AssetFacts, is_working_day: WorkingDayPredicate) -> date | None:
    """Last warranty day: the later of the own term end and the inherited end.

    None when the asset is not accepted or has neither a warranty term nor a
    usable inherited warranty (one ending on/after the acceptance date).
    """
    ends = (_own_warranty_end(facts, is_working_day), _usable_inherited(facts))
    return max((d for d in ends if d is not None), default=None)


def latent_end(facts: AssetFacts, is_working_day: WorkingDayPredicate) -> date | None:
    """Last latent-defect day, or None when there is no latent-defect period.

    Without an own ``WarrantyTerm`` (inherited warranty only) the defaults
    apply: ``DEFAULT_LATENT_MONTHS`` with rolling on.
    """
    anchor = warranty_end(facts, is_working_day)
    if anchor is None:
        return None
    term = facts.warranty
    months = term.latent_months if term else DEFAULT_LATENT_MONTHS
    roll = term is None or term.roll_to_working_day
    end = term_end(anchor=anchor, months=months, is_working_day=is_working_day if roll else None)
    return end if end > anchor else None


def _warranty_period(start: date, end: date, rule: Rule, contract_id: int | None) -> Period:
    return Period(
        coverage=Coverage.WARRANTY, start=start, end=end, rule=rule, contract_id=contract_id,
        free_labour=True, free_parts=True, conditions=Condition.MISUSE_EXCLUDED,
    )


def _warranty_sources(facts: AssetFacts, is_working_day: WorkingDayPredicate) -> list[_Source]:
    acceptance = facts.acceptance_date
    if acceptance is None:
        return []
    sources: list[_Source] = []
    own = _own_warranty_end(facts, is_working_day)
    if own is not None:
        contract_id = facts.warranty.contract_id if facts.warranty else None
        sources.append(_Source((0,), _warranty_period(acceptance, own, Rule.IN_WARRANTY, contract_id)))
    inherited = _usable_inherited(facts)
    if inherited is not None and (own is None or inherited > own):
        start = acceptance if own is None else own + _ONE_DAY
        period = _warranty_period(start, inherited, Rule.INHERITED_WARRANTY, facts.inherited_contract_id)
        sources.append(_Source((0,), period))
    return sources


def _contract_source(cover: ContractCover, is_working_day: WorkingDayPredicate) -> _Source:
    end = cover.end
    if cover.roll_to_working_day:
        end = roll_to_working_day(end, is_working_day=is_working_day)
    period = Period(
        coverage=Coverage.CONTRACT, start=cover.start, end=end, rule=Rule.MAINTENANCE_CONTRACT,
        contract_id=cover.contract_id, free_labour=cover.free_labour, free_parts=cover.free_parts,
        conditions=None,
    )
    # Between overlapping contracts: most generous first, then earliest start, then lowest id.
    generosity = int(cover.free_labour) + int(cover.free_parts)
    return _Source((1, -generosity, cover.start.toordinal(), cover.contract_id), period)


def _latent_sources(facts: AssetFacts, is_working_day: WorkingDayPredicate) -> list[_Source]:
    end = latent_end(facts, is_working_day)
    anchor = warranty_end(facts, is_working_day)
    if end is None or anchor is None:
        return []
    contract_id = facts.warranty.contract_id if facts.warranty else facts.inherited_contract_id
    period = Period(
        coverage=Coverage.LATENT_DEFECT, start=anchor + _ONE_DAY, end=end, rule=Rule.LATENT_DEFECT,
        contract_id=contract_id, free_labour=True, free_parts=True,
        conditions=Condition.DESIGN_MATERIAL_WORKMANSHIP_ONLY,
    )
    return [_Source((2,), period)]


def _all_sources(facts: AssetFacts, is_working_day: WorkingDayPredicate) -> list[_Source]:
    contracts = [_contract_source(cover, is_working_day) for cover in facts.contracts]
    return _warranty_sources(facts, is_working_day) + contracts + _latent_sources(facts, is_working_day)


def _same_terms(a: Period, b: Period) -> bool:
    return replace(a, start=b.start, end=b.end) == b


def _merge(periods: Iterable[Period]) -> list[Period]:
    merged: list[Period] = []
    for period in periods:
        if merged and merged[-1].end + _ONE_DAY == period.start and _same_terms(merged[-1], period):
            merged[-1] = replace(merged[-1], end=period.end)
        else:
            merged.append(period)
    return merged


def entitlement_periods(facts: AssetFacts, *, is_working_day: WorkingDayPredicate) -> list[Period]:
    """Covered periods: sorted, non-overlapping, adjacent identical terms merged.

    Each day goes to the highest-precedence source covering it (warranty >
    contract > latent defect). Adjacent periods are merged when everything but
    the dates is identical (so own vs inherited warranty stay distinct rules).
    """
    sources = _all_sources(facts, is_working_day)
    cuts = sorted({s.period.start for s in sources} | {s.period.end + _ONE_DAY for s in sources})
    pieces: list[Period] = []
    for lo, hi in zip(cuts, cuts[1:]):
        covering = [s for s in sources if s.period.start <= lo <= s.period.end]
        if covering:
            winner = min(covering, key=lambda s: s.rank)
            pieces.append(replace(winner.period, start=lo, end=hi - _ONE_DAY))
    return _merge(pieces)


def _chain_end(periods: list[Period], index: int) -> date:
    """Last day of the run of adjacent periods with the same coverage and contract."""
    current = periods[index]
    end = current.end
    for following in periods[index + 1:]:
        same = (following.coverage, following.contract_id) == (current.coverage, current.contract_id)
        if following.start != end + _ONE_DAY or not same:
            break
        end = following.end
    return end


def _none_rule(facts: AssetFacts, on: date, periods: list[Period]) -> Rule:
    if facts.acceptance_date is None:
        return Rule.NOT_ACCEPTED
    if on < facts.acceptance_date:
        return Rule.BEFORE_ACCEPTANCE
    if any(p.end < on for p in periods):
        return Rule.EXPIRED
    return Rule.NO_WARRANTY


def _details(facts: AssetFacts, is_working_day: WorkingDayPredicate) -> dict[str, Any]:
    return {
        "acceptance_date": facts.acceptance_date,
        "own_warranty_end": _own_warranty_end(facts, is_working_day),
        "inherited_warranty_until": facts.inherited_warranty_until,
        "warranty_end": warranty_end(facts, is_working_day),
        "latent_end": latent_end(facts, is_working_day),
        "next_cover_start": None,
    }


def entitlement_on(facts: AssetFacts, on: date, *, is_working_day: WorkingDayPredicate) -> Entitlement:
    """Entitlement on day ``on``; always agrees with ``entitlement_periods``."""
    periods = entitlement_periods(facts, is_working_day=is_working_day)
    details = _details(facts, is_working_day)
    index = bisect_right([p.start for p in periods], on) - 1
    if index >= 0 and periods[index].end >= on:
        p = periods[index]
        return Entitlement(
            on=on, coverage=p.coverage, until=_chain_end(periods, index), free_labour=p.free_labour,
            free_parts=p.free_parts, contract_id=p.contract_id, rule=p.rule, conditions=p.conditions,
            details=details,
        )
    details["next_cover_start"] = next((p.start for p in periods if p.start > on), None)
    return Entitlement(
        on=on, coverage=Coverage.NONE, until=None, free_labour=False, free_parts=False,
        contract_id=None, rule=_none_rule(facts, on, periods), conditions=None, details=details,
    )
