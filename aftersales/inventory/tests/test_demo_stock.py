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
