"""Reading contracts and entitlement: the database side of contracts.entitlement."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from aftersales.calendars.selectors import working_day_checker

from .choices import ContractKind
from .entitlement import (
    AssetFacts,
    ContractCover,
    Coverage,
    Entitlement,
    Rule,
    WarrantyTerm,
    entitlement_on,
    entitlement_periods,
    warranty_end,
)
from .models import Contract

MAX_REPLACEMENT_CHAIN = 20


def _covering_contracts(asset) -> list[Contract]:
    cached = getattr(asset, "_prefetched_objects_cache", {}).get("contracts")
    contracts = list(cached) if cached is not None else list(asset.contracts.all())
    return [c for c in contracts if c.archived_at is None]


def _warranty_term(contracts: list[Contract]) -> WarrantyTerm | None:
    warranties = [c for c in contracts if c.kind == ContractKind.WARRANTY and c.warranty_months]
    if not warranties:
        return None
    best = max(warranties, key=lambda c: (c.warranty_months, c.start_date))
    return WarrantyTerm(
        contract_id=best.pk,
        months=best.warranty_months,
        latent_months=best.latent_defect_months,
        roll_to_working_day=best.roll_to_working_day,
    )


def asset_facts(asset, *, is_working_day, depth: int = 0) -> AssetFacts:
    """Everything the pure entitlement rules need to know about one asset."""
    contracts = _covering_contracts(asset)
    covers = tuple(
        ContractCover(
            contract_id=c.pk, start=c.start_date, end=c.end_date, free_labour=c.free_labour,
            free_parts=c.free_parts, roll_to_working_day=c.roll_to_working_day,
        )
        for c in contracts
        if c.kind == ContractKind.MAINTENANCE and c.end_date
    )
    inherited_until = inherited_contract = None
    replaced = asset.replaces
    if replaced is not None and depth < MAX_REPLACEMENT_CHAIN:
        replaced_facts = asset_facts(replaced, is_working_day=is_working_day, depth=depth + 1)
        inherited_until = warranty_end(replaced_facts, is_working_day)
        inherited_contract = replaced_facts.warranty.contract_id if replaced_facts.warranty else None
    return AssetFacts(
        acceptance_date=asset.accepted_on,
        warranty=_warranty_term(contracts),
        inherited_warranty_until=inherited_until,
        inherited_contract_id=inherited_contract,
        contracts=covers,
    )


@dataclass(frozen=True)
class EntitlementView:
    """An entitlement with its contract and a sentence a desk user can read out."""

    on: dt.date
    coverage: str
    until: dt.date | None
    free_labour: bool
    free_parts: bool
    contract: int | None
    contract_number: str | None
    rule: str
    reason: str
    conditions: str | None
    warranty_end: dt.date | None
    latent_defect_end: dt.date | None

    @property
    def coverage_label(self) -> str:
        return coverage_label(self.coverage)


def coverage_label(coverage: str) -> str:
    return {
        Coverage.WARRANTY: _("In warranty"),
        Coverage.LATENT_DEFECT: _("Latent-defect period"),
        Coverage.CONTRACT: _("Maintenance contract"),
        Coverage.NONE: _("Not covered"),
    }[Coverage(coverage)]


def _d(value: dt.date | None) -> str:
    return date_format(value, "DATE_FORMAT") if value else ""


def entitlement_reason(ent: Entitlement, contract_number: str | None) -> str:
    """The sentence for ``ent``; without ``contract_number`` (a reader who may not see contracts) it
    names no contract."""
    until, number = _d(ent.until), contract_number or ""
    if not number and ent.rule == Rule.IN_WARRANTY:
        return _("In warranty until %(until)s: labour and parts are free, except damage caused by misuse or by "
                 "people.") % {"until": until}
    if not number and ent.rule == Rule.MAINTENANCE_CONTRACT:
        return _("Covered by a maintenance contract until %(until)s.") % {"until": until}
    texts = {
        Rule.IN_WARRANTY: _("In warranty (contract %(number)s) until %(until)s: labour and parts are free, "
                            "except damage caused by misuse or by people."),
        Rule.INHERITED_WARRANTY: _("Replacement unit: it keeps the warranty of the unit it replaced until %(until)s; "
                                   "labour and parts are free, except damage caused by misuse or by people."),
        Rule.LATENT_DEFECT: _("Warranty ended on %(warranty_end)s; in the latent-defect period until %(until)s: "
                              "defects of design, material or workmanship are repaired free."),
        Rule.MAINTENANCE_CONTRACT: _("Covered by maintenance contract %(number)s until %(until)s."),
        Rule.NOT_ACCEPTED: _("No acceptance date is recorded, so the warranty has not started; paid service."),
        Rule.BEFORE_ACCEPTANCE: _("This date is before the acceptance date (%(acceptance)s); the warranty had "
                                  "not started."),
        Rule.NO_WARRANTY: _("No warranty or maintenance contract covers this asset; paid service."),
        Rule.EXPIRED: _("Warranty and contracts have ended (warranty ended %(warranty_end)s); paid service."),
    }
    return texts[ent.rule] % {
        "number": number,
        "until": until,
        "warranty_end": _d(ent.details.get("warranty_end")),
        "acceptance": _d(ent.details.get("acceptance_date")),
    }


def asset_entitlement(*, asset, on: dt.date, is_working_day=None, show_contract: bool = True) -> EntitlementView:
    """What covers ``asset`` on ``on``. ``show_contract=False`` (a reader whose role may not view
    contracts, such as a dealer): the cover without the contract that gives it."""
    is_working_day = is_working_day or working_day_checker()
    facts = asset_facts(asset, is_working_day=is_working_day)
    ent = entitlement_on(facts, on, is_working_day=is_working_day)
    number = next((c.number for c in _covering_contracts(asset) if c.pk == ent.contract_id), None)
    if ent.contract_id and number is None:  # the warranty inherited from a replaced unit
        number = Contract.objects.filter(pk=ent.contract_id).values_list("number", flat=True).first()
    contract_id = ent.contract_id if show_contract else None
    number = number if show_contract else None
    return EntitlementView(
        on=on, coverage=str(ent.coverage), until=ent.until, free_labour=ent.free_labour, free_parts=ent.free_parts,
        contract=contract_id, contract_number=number, rule=str(ent.rule), reason=entitlement_reason(ent, number),
        conditions=str(ent.conditions) if ent.conditions else None,
        warranty_end=ent.details.get("warranty_end"), latent_defect_end=ent.details.get("latent_end"),
    )


def asset_periods(*, asset, is_working_day=None) -> list[dict]:
    """The asset's whole timeline of cover, for its page: start, end, label."""
    is_working_day = is_working_day or working_day_checker()
    periods = entitlement_periods(asset_facts(asset, is_working_day=is_working_day), is_working_day=is_working_day)
    return [{"start": p.start, "end": p.end, "coverage": str(p.coverage), "label": coverage_label(p.coverage)}
            for p in periods]


