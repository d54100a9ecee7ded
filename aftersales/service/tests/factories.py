import datetime as dt

import factory
from django.utils import timezone

from aftersales.customers.tests.factories import CustomerFactory, SiteFactory
from aftersales.service.choices import Channel, RequestType, Severity
from aftersales.service.models import ServiceLevel, ServiceRequest


def request_data(**overrides) -> dict:
    """Fields for services.request_register (which numbers the request and starts its clocks)."""
    customer = overrides.pop("customer", None) or CustomerFactory()
    data = {
        "customer": customer,
        "site": overrides.pop("site", None) or SiteFactory(customer=customer),
        "reporter_name": "王工",
        "reporter_phone": "13800138000",
        "channel": Channel.PHONE,
        "request_type": RequestType.REPAIR,
        "severity": Severity.MINOR,
        "description": "三号楼监控画面全部黑屏",
        "reported_at": timezone.now() - dt.timedelta(minutes=1),
    }
    data.update(overrides)
    return data


class ServiceRequestFactory(factory.django.DjangoModelFactory):
    """A registered request, through the service (numbers and clocks as in real life)."""

    class Meta:
        model = ServiceRequest

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from aftersales.service.services import request_register

        actor = kwargs.pop("actor", None)
        return request_register(actor=actor, data=request_data(**kwargs))


def default_level() -> ServiceLevel:
    return ServiceLevel.objects.get(is_default=True)
