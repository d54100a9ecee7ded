import pytest
from django.core.management import call_command

from aftersales.accounts.models import User
from aftersales.inventory import selectors
from aftersales.inventory.models import StockMovement

pytestmark = pytest.mark.django_db


def test_the_demo_stock_has_every_kind_of_movement_and_a_reorder_list():
    call_command("demo_data", stdout=__import__("io").StringIO())
    keeper = User.objects.get(username="parts")
    assert set(StockMovement.objects.values_list("kind", flat=True)) == {
        "receipt", "transfer", "issue", "return_unused", "defective_return", "repaired", "scrap", "adjustment"}
    assert selectors.reorder_list(actor=keeper).exists()
    assert selectors.stock_stored() == selectors.stock_from_movements()
    # parts held for planned work orders: one collected into a van, one released, the rest held
    from aftersales.inventory.models import StockBalance, StockReservation

    states = set(StockReservation.objects.values_list("state", flat=True))
    assert states == {"held", "collected", "released"}
    held = sum(StockReservation.objects.filter(state="held").values_list("quantity", flat=True))
    assert sum(StockBalance.objects.values_list("reserved", flat=True)) == held
    # a unit swapped out, sent to the central store and scrapped: its trail by serial number
    from aftersales.inventory import serials

    scrapped = StockMovement.objects.filter(kind="scrap").exclude(serial_number="").get()
    trail = serials.serial_trail(actor=keeper, serial=scrapped.serial_number)
    assert [m.kind for m in trail.movements] == ["defective_return", "transfer", "scrap"]
