from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aftersales.accounts.scoping import scope
from aftersales.assets.models import Asset
from aftersales.core.api import RECORD_READONLY, RecordSerializer
from aftersales.core.strict import (
    StrictCharField,
    StrictModelSerializer,
    StrictPrimaryKeyRelatedField,
)
from aftersales.customers.models import Customer, Site
from aftersales.service.models import ServiceRequest

from .. import services
from ..choices import LoanReason, ReturnCondition
from ..models import Loan, Loaner, LoanerEvent
from ..selectors import current_loan


class LoanSerializer(StrictModelSerializer):
    """A loan (read-only: loans are made and closed by the loaner's actions)."""

    loaner_code = serializers.CharField(source="loaner.code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    service_request_number = serializers.CharField(source="service_request.number", read_only=True,
                                                   allow_null=True)
    lent_by_name = serializers.CharField(source="lent_by.display_name", read_only=True)
    returned_by_name = serializers.CharField(source="returned_by.display_name", read_only=True, allow_null=True)
    is_open = serializers.BooleanField(read_only=True)
    days_overdue = serializers.SerializerMethodField(help_text="Days past the due date of an open loan; 0 if none.")

    class Meta:
        model = Loan
        fields = ["id", "loaner", "loaner_code", "customer", "customer_name", "site", "asset", "service_request",
                  "service_request_number", "reason", "lent_at", "due_back", "lent_by", "lent_by_name",
                  "received_by", "note", "is_open", "days_overdue", "returned_at", "returned_by",
                  "returned_by_name", "return_condition", "return_note", "created_at", "updated_at"]
        read_only_fields = fields

    def get_days_overdue(self, loan) -> int:
        return loan.days_overdue(timezone.localdate())


class LoanerEventSerializer(StrictModelSerializer):
    actor_name = serializers.CharField(source="actor.display_name", read_only=True, allow_null=True)

    class Meta:
        model = LoanerEvent
        fields = ["id", "kind", "from_state", "to_state", "at", "actor", "actor_name", "loan", "note"]
        read_only_fields = fields


class LoanerSerializer(RecordSerializer):
    """A unit of the loaner pool. Its state is read-only: it changes through the actions."""

    product_model_code = serializers.CharField(source="product_model.code", read_only=True)
    product_model_name = serializers.CharField(source="product_model.name", read_only=True)
    category = serializers.IntegerField(source="product_model.category_id", read_only=True)
    home_store_code = serializers.CharField(source="home_store.code", read_only=True, allow_null=True)
    current_loan = serializers.SerializerMethodField(help_text="The open loan while the unit is lent, else null.")

    class Meta:
        model = Loaner
        fields = RECORD_READONLY + ["code", "product_model", "product_model_code", "product_model_name", "category",
                                    "serial_number", "grade", "state", "home_store", "home_store_code",
                                    "purchase_value", "notes", "current_loan"]
        read_only_fields = RECORD_READONLY + ["state"]

    @extend_schema_field(LoanSerializer(allow_null=True))
    def get_current_loan(self, loaner):
        loan = current_loan(loaner)
        return LoanSerializer(loan, context=self.context).data if loan is not None else None

    def create(self, validated_data):
        return services.loaner_register(actor=self.context["request"].user, data=validated_data)


class LoanerDetailSerializer(LoanerSerializer):
    """A unit with its history (every change of state, newest first)."""

    history = LoanerEventSerializer(source="events", many=True, read_only=True)

    class Meta(LoanerSerializer.Meta):
        fields = LoanerSerializer.Meta.fields + ["history"]


# ---------------------------------------------------------------- bodies of the actions


class LendSerializer(serializers.Serializer):
    """The customer, request, site and equipment are offered as the caller may see them."""

    customer = StrictPrimaryKeyRelatedField(queryset=Customer.objects.all(), required=False, allow_null=True,
                                            help_text="Defaults to the service request's customer.")
    service_request = StrictPrimaryKeyRelatedField(queryset=ServiceRequest.objects.all(), required=False,
                                                   allow_null=True)
    site = StrictPrimaryKeyRelatedField(queryset=Site.objects.all(), required=False, allow_null=True)
    asset = StrictPrimaryKeyRelatedField(queryset=Asset.objects.all(), required=False, allow_null=True,
                                         help_text="The customer's equipment the unit stands in for.")
    reason = serializers.ChoiceField(choices=LoanReason.choices)
    due_back = serializers.DateField()
    received_by = StrictCharField(required=False, allow_blank=True, max_length=50)
    note = StrictCharField(required=False, allow_blank=True, max_length=2000)

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            for name in ("customer", "service_request", "site", "asset"):
                fields[name].queryset = scope(fields[name].queryset, request.user)
        return fields


class LoanReturnSerializer(serializers.Serializer):
    condition = serializers.ChoiceField(choices=ReturnCondition.choices)
    note = StrictCharField(required=False, allow_blank=True, max_length=2000,
                           help_text="Required unless the unit came back in good condition.")


class ExtendSerializer(serializers.Serializer):
    due_back = serializers.DateField()
    note = StrictCharField(required=False, allow_blank=True, max_length=2000)


class NoteSerializer(serializers.Serializer):
    note = StrictCharField(required=False, allow_blank=True, max_length=2000)


class RetireSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=2000)
