import factory

from aftersales.accounts.roles import Role
from aftersales.accounts.tests.factories import UserFactory
from aftersales.catalogue.tests.factories import PartFactory
from aftersales.inventory.choices import LocationKind, MovementKind
from aftersales.inventory.models import StockBalance, StockLocation, StockMovement


class StockLocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockLocation

    code = factory.Sequence(lambda n: f"WH{n:03d}")
    name = factory.Sequence(lambda n: f"分库{n}")
    kind = LocationKind.BRANCH


class VanFactory(StockLocationFactory):
    kind = LocationKind.VAN
    holder = factory.SubFactory(UserFactory, roles=[Role.TECHNICIAN])
    name = factory.Sequence(lambda n: f"工程师车载库{n}")


class StockBalanceFactory(factory.django.DjangoModelFactory):
    """A stock row made directly (the matrix, lists): services make them in real use."""

    class Meta:
        model = StockBalance

    part = factory.SubFactory(PartFactory)
    location = factory.SubFactory(StockLocationFactory)
    quantity = 5


class StockMovementFactory(factory.django.DjangoModelFactory):
    """A receipt row made directly (the matrix, lists): services make them in real use."""

    class Meta:
        model = StockMovement

    kind = MovementKind.RECEIPT
    part = factory.SubFactory(PartFactory)
    quantity = 5
    to_location = factory.SubFactory(StockLocationFactory)
    actor = factory.SubFactory(UserFactory, roles=[Role.PARTS])
    reference = "RK-001"


def _spare_dispatch(org, w):
    from django.utils import timezone

    from aftersales.inventory.models import SpareDispatch

    SpareDispatch.objects.create(id=org.pk, part_id=org.pk, quantity=1, from_location_id=org.pk, site_id=org.pk,
                                 note="发货备注", requested_at=timezone.now(), requested_by=w.users["manager"])


def _reservation(org, w):
    from aftersales.inventory.models import StockReservation

    StockReservation.objects.create(id=org.pk, work_order_id=org.pk, part_id=org.pk, location_id=org.pk, quantity=1,
                                    note="预留备注", created_by=w.users["manager"])


MATRIX_FACTORIES = {"inventory.sparedispatch": _spare_dispatch, "inventory.stockreservation": _reservation}
