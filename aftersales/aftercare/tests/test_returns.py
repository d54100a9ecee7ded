"""W10: returns and exchanges. Every condition is checked and each failed one named; only the general
manager approves; a return that is not approved leaves the cost with the customer."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from aftersales.aftercare import services
from aftersales.aftercare.choices import ReturnState
from aftersales.core.errors import ServiceError
from aftersales.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_a_return_that_meets_every_condition_waits_for_the_general_manager(desk, return_data):
    ret = services.return_register(actor=desk, data=return_data())
    assert ret.state == ReturnState.SUBMITTED
    assert ret.failed_checks == [] and not ret.customer_bears_cost
    assert AuditEvent.objects.filter(object_id=str(ret.pk), action="create").exists()


@pytest.mark.parametrize("field,value,check,words", [
    ("purchased_on", "2026-05-12", "within_days", "购买后第 8 天"),
    ("fault_by_people", True, "quality_fault", "人为损坏"),
    ("receipt_given", False, "receipt", "没有购买凭证"),
    ("packaging_intact", False, "packaging", "包装不完好"),
])
def test_each_failed_condition_refuses_the_return_with_its_reason(desk, return_data, field, value, check, words):
    import datetime as dt

    if field == "purchased_on":
        value = dt.date.fromisoformat(value)
    ret = services.return_register(actor=desk, data=return_data(**{field: value}))
    assert ret.state == ReturnState.REJECTED
    assert ret.failed_checks == [check]
    assert words in ret.reason and "费用由客户承担" in ret.reason
    assert ret.customer_bears_cost


def test_every_failed_condition_is_named(desk, return_data):
    ret = services.return_register(actor=desk, data=return_data(receipt_given=False, packaging_intact=False,
                                                                 fault_by_people=True))
    assert ret.failed_checks == ["quality_fault", "receipt", "packaging"]


def test_the_general_manager_approves_the_exchange(desk, gm, return_data):
    ret = services.return_register(actor=desk, data=return_data(wanted="exchange"))
    ret = services.return_approve(actor=gm, ret=ret, note="换同型号新机")
    ret.refresh_from_db()
    assert ret.state == ReturnState.APPROVED and ret.decided_by == gm and ret.decided_at is not None
    assert "换同型号产品" in ret.reason and "换同型号新机" in ret.reason
    assert not ret.customer_bears_cost


def test_the_general_manager_approves_the_refund(desk, gm, return_data):
    ret = services.return_approve(actor=gm, ret=services.return_register(actor=desk, data=return_data(
        wanted="refund")))
    assert ret.state == ReturnState.APPROVED and "退货退款" in ret.reason


@pytest.mark.parametrize("role", ["desk", "service_manager", "director", "admin", "finance"])
def test_nobody_but_the_general_manager_approves(make_user, desk, return_data, role):
    ret = services.return_register(actor=desk, data=return_data())
    with pytest.raises(PermissionDenied):
        services.return_approve(actor=make_user(role), ret=ret)
    with pytest.raises(PermissionDenied):
        services.return_refuse(actor=make_user(role), ret=ret, reason="不同意")
    ret.refresh_from_db()
    assert ret.state == ReturnState.SUBMITTED


def test_a_refusal_needs_a_reason_and_leaves_the_cost_with_the_customer(desk, gm, return_data):
    ret = services.return_register(actor=desk, data=return_data())
    with pytest.raises(ServiceError) as refused:
        services.return_refuse(actor=gm, ret=ret, reason="  ")
    assert refused.value.code == "reason_required"
    ret = services.return_refuse(actor=gm, ret=ret, reason="已超出质量问题范围")
    assert ret.state == ReturnState.REFUSED and ret.customer_bears_cost and ret.reason == "已超出质量问题范围"


def test_a_decided_return_is_not_decided_again(desk, gm, return_data):
    ret = services.return_register(actor=desk, data=return_data())
    services.return_refuse(actor=gm, ret=ret, reason="不同意")
    with pytest.raises(ServiceError) as again:
        services.return_approve(actor=gm, ret=ret)
    assert again.value.code == "already_decided"
    rejected = services.return_register(actor=desk, data=return_data(receipt_given=False))
    with pytest.raises(ServiceError):
        services.return_approve(actor=gm, ret=rejected)


def test_the_return_period_is_the_policys(desk, manager, return_data):
    import datetime as dt

    services.policy_update(actor=manager, data={"return_days": 15})
    ret = services.return_register(actor=desk, data=return_data(purchased_on=dt.date(2026, 5, 6)))
    assert ret.state == ReturnState.SUBMITTED


def test_equipment_of_another_customer_is_refused(desk, return_data):
    from django.core.exceptions import ValidationError

    from aftersales.assets.tests.factories import AssetFactory

    other = AssetFactory()
    with pytest.raises(ValidationError):
        services.return_register(actor=desk, data=return_data(asset=other, product_model=other.product_model))
