"""Factories of the app; MATRIX_FACTORIES: model label -> maker(org, world) for the who-sees-what matrix."""

from decimal import Decimal

import factory

from aftersales.accounts.roles import Role
from aftersales.accounts.tests.factories import UserFactory
from aftersales.toolkits.models import Tool, ToolEvent, ToolKit


class ToolFactory(factory.django.DjangoModelFactory):
    """A tool with nothing in the store: receipts (toolkits.services) put tools there."""

    class Meta:
        model = Tool

    code = factory.Sequence(lambda n: f"GJ{n:03d}")
    name = factory.Sequence(lambda n: f"工具{n}")
    unit = "把"
    unit_price = Decimal("80.00")


class ToolKitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ToolKit

    code = factory.Sequence(lambda n: f"GJB{n:03d}")
    name = "弱电工具包"
    holder = factory.SubFactory(UserFactory, roles=[Role.TECHNICIAN])


# ---------------------------------------------------------------- the matrix: one row per organisation


def _tool(org, w):
    Tool.objects.create(id=org.pk, code=f"T-{org.key}", name=f"工具{org.key.upper()}", spec="规格", quantity=5,
                        unit_price=Decimal("50.00"), notes="备注")


def _tool_kit(org, w):
    ToolKit.objects.create(id=org.pk, code=f"GJB-{org.key}", name=f"工具包{org.key.upper()}",
                           holder=w.users["manager"], notes="备注")


def _tool_event(org, w):
    """A lost tool not yet paid for: something to settle."""
    ToolEvent.objects.create(id=org.pk, kind="lost", tool_id=org.pk, kit_id=org.pk, holder=w.users["manager"],
                             quantity=1, amount=Decimal("50.00"), actor=w.users["manager"], note="丢失")


MATRIX_FACTORIES: dict = {
    "toolkits.tool": _tool,
    "toolkits.toolkit": _tool_kit,
    "toolkits.toolevent": _tool_event,
}
