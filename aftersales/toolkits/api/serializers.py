from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aftersales.accounts.scoping import scope
from aftersales.core.api import RECORD_READONLY, RecordSerializer
from aftersales.core.strict import (
    StrictCharField,
    StrictIntegerField,
    StrictModelSerializer,
    StrictPrimaryKeyRelatedField,
)

from .. import selectors
from ..models import Tool, ToolEvent, ToolKit, ToolKitLine

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}


class ToolSerializer(RecordSerializer):
    """A tool of the store. Its counts change through events only (receive, scrap, and the kits'
    actions), never by writing them."""

    in_kits = serializers.SerializerMethodField(help_text="How many are out in kits.")

    class Meta:
        model = Tool
        fields = RECORD_READONLY + ["code", "name", "spec", "unit", "unit_price", "quantity", "broken_quantity",
                                   "in_kits", "notes"]
        read_only_fields = RECORD_READONLY + ["quantity", "broken_quantity"]

    def get_in_kits(self, tool) -> int:
        if hasattr(tool, "in_kits"):
            return tool.in_kits or 0
        return tool.kit_lines.aggregate(n=Sum("quantity"))["n"] or 0


class ToolKitLineSerializer(StrictModelSerializer):
    tool_code = serializers.CharField(source="tool.code", read_only=True)
    tool_name = serializers.CharField(source="tool.name", read_only=True)
    unit = serializers.CharField(source="tool.unit", read_only=True)
    unit_price = serializers.DecimalField(source="tool.unit_price", max_digits=12, decimal_places=2, read_only=True)
    value = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True,
                                     help_text="Quantity × unit price.")

    class Meta:
        model = ToolKitLine
        fields = ["tool", "tool_code", "tool_name", "unit", "unit_price", "quantity", "value"]
        read_only_fields = fields


class ToolKitSerializer(RecordSerializer):
    """A kit and the tools it holds (read-only here: they change through the kit's actions)."""

    holder_name = serializers.CharField(source="holder.__str__", read_only=True)
    lines = serializers.SerializerMethodField(help_text="The tools the kit holds.")
    value = serializers.SerializerMethodField(help_text="What the tools held are worth at their unit prices.")
    owed = serializers.SerializerMethodField(help_text="Lost tools of this kit the holder has not paid for yet.")
    to_repay = serializers.SerializerMethodField(
        help_text="Tools bought on the road for this kit not yet paid back to the holder.")

    class Meta:
        model = ToolKit
        fields = RECORD_READONLY + ["code", "name", "holder", "holder_name", "issued_on", "notes", "lines", "value",
                                   "owed", "to_repay"]
        read_only_fields = RECORD_READONLY

    def _kit(self, kit: ToolKit) -> ToolKit:
        """The kit with its lines and open charges (a kit just saved has neither loaded)."""
        if hasattr(kit, "owed"):
            return kit
        cache = self.context.setdefault("_kits", {})
        if kit.pk not in cache:
            cache[kit.pk] = selectors.kits_with_related().get(pk=kit.pk)
        return cache[kit.pk]

    @staticmethod
    def _money(value) -> str:
        return f"{value:.2f}"

    @extend_schema_field(ToolKitLineSerializer(many=True))
    def get_lines(self, kit) -> list[dict]:
        return ToolKitLineSerializer(self._kit(kit).lines.all(), many=True, context=self.context).data

    def get_value(self, kit) -> str:
        return self._money(selectors.kit_value(self._kit(kit)))

    def get_owed(self, kit) -> str:
        return self._money(self._kit(kit).owed)

    def get_to_repay(self, kit) -> str:
        return self._money(self._kit(kit).to_repay)


class ToolEventSerializer(StrictModelSerializer):
    """One event of a tool: read-only (recorded by the actions of kits and tools)."""

    tool_code = serializers.CharField(source="tool.code", read_only=True)
    tool_name = serializers.CharField(source="tool.name", read_only=True)
    kit_code = serializers.CharField(source="kit.code", read_only=True, allow_null=True, default=None)
    holder_name = serializers.SerializerMethodField()
    actor_name = serializers.CharField(source="actor.__str__", read_only=True)
    settled_by_name = serializers.SerializerMethodField()
    is_charge = serializers.BooleanField(read_only=True,
                                         help_text="A lost tool (the holder pays) or one bought on the road "
                                                   "(paid back to the holder).")

    class Meta:
        model = ToolEvent
        fields = ["id", "kind", "tool", "tool_code", "tool_name", "kit", "kit_code", "holder", "holder_name",
                  "quantity", "amount", "reference", "note", "actor", "actor_name", "at", "created_at", "is_charge",
                  "settled_at", "settled_by", "settled_by_name", "settle_note"]
        read_only_fields = fields

    def get_holder_name(self, event) -> str | None:
        return str(event.holder) if event.holder_id else None

    def get_settled_by_name(self, event) -> str | None:
        return str(event.settled_by) if event.settled_by_id else None


# ---------------------------------------------------------------- bodies of the actions


class _Body(serializers.Serializer):
    """An action's body; the tools it names are those the caller may see."""

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        for field in fields.values():
            if isinstance(field, serializers.RelatedField) and request is not None:
                field.queryset = scope(field.queryset, request.user)
        return fields


def _tool():
    return StrictPrimaryKeyRelatedField(queryset=Tool.objects.all(), label=_("tool"))


def _quantity(default: bool = True):
    if default:
        return StrictIntegerField(min_value=1, default=1, label=_("quantity"))
    return StrictIntegerField(min_value=1, label=_("quantity"))


def _text(max_length: int | None = None, label=None):
    return StrictCharField(required=False, allow_blank=True, default="", max_length=max_length, label=label)


class ToolLineBody(_Body):
    tool = _tool()
    quantity = _quantity(default=False)


class ToolLinesBody(_Body):
    """Several tools at once: all of them are moved, or none."""

    lines = ToolLineBody(many=True, allow_empty=False, max_length=200)
    reference = _text(60, _("document reference"))
    note = _text(label=_("note"))

    def validated_arguments(self) -> dict:
        data = dict(self.validated_data)
        data["lines"] = [(line["tool"], line["quantity"]) for line in data["lines"]]
        return data


class ToolReturnBody(ToolLinesBody):
    reference = None


class ToolLostBody(_Body):
    tool = _tool()
    quantity = _quantity()
    amount = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None, label=_("amount"),
                                      help_text="What the holder pays; left out: quantity × unit price.")
    note = _text(label=_("note"))


class ToolBrokenBody(_Body):
    tool = _tool()
    quantity = _quantity()
    note = _text(label=_("note"))


class ToolBoughtBody(_Body):
    tool = _tool()
    quantity = _quantity()
    amount = serializers.DecimalField(**MONEY, label=_("amount"), help_text="The price paid, owed to the holder.")
    reference = _text(60, _("document reference"))
    note = _text(label=_("note"))


class ToolReceiveBody(_Body):
    quantity = _quantity(default=False)
    amount = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None, label=_("amount"),
                                      help_text="What the tools cost, if known.")
    reference = _text(60, _("document reference"))
    note = _text(label=_("note"))


class ToolScrapBody(_Body):
    quantity = _quantity(default=False)
    note = StrictCharField(label=_("note"), help_text="Why the tools are scrapped.")


class SettleBody(_Body):
    note = _text(200, _("settlement note"))
