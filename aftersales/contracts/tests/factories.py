import datetime as dt
from decimal import Decimal

import factory

from aftersales.contracts.choices import ContractKind
from aftersales.contracts.models import Contract
from aftersales.customers.tests.factories import CustomerFactory


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"HT-2024-{n:04d}")
    kind = ContractKind.WARRANTY
    title = "设备质保"
    customer = factory.SubFactory(CustomerFactory)
    start_date = dt.date(2024, 6, 1)
    warranty_months = 36
    price = Decimal("0")

    @factory.post_generation
    def assets(self, create, extracted, **kwargs):
        if create and extracted:
            self.assets.set(extracted)


class MaintenanceContractFactory(ContractFactory):
    kind = ContractKind.MAINTENANCE
    title = "年度维保"
    warranty_months = None
    start_date = dt.date(2027, 7, 1)
    end_date = dt.date(2028, 6, 30)
    free_parts = False
    price = Decimal("48000.00")
    original_value = Decimal("960000.00")
