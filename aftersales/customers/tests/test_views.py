import pytest

from aftersales.assets.models import Asset
from aftersales.catalogue.tests.factories import ProductModelFactory
from aftersales.customers.models import Contact, Customer
from aftersales.customers.tests.factories import CustomerFactory, SiteFactory

pytestmark = pytest.mark.django_db


def test_desk_creates_a_customer_and_a_bad_phone_saves_nothing(client, desk_user):
    client.force_login(desk_user)
    bad = client.post("/customers/new/", {"code": "NJ01", "name": "南京鼓楼医院", "level": "A", "phone": "12345"})
    assert bad.status_code == 200
    assert "不是有效的电话号码" in bad.content.decode() or "not a valid phone number" in bad.content.decode()
    assert not Customer.objects.filter(code="NJ01").exists()
    ok = client.post("/customers/new/", {"code": "NJ01", "name": "南京鼓楼医院", "level": "A", "phone": "025-83106666"})
    assert ok.status_code == 302
    customer = Customer.objects.get(code="NJ01")
    assert ok.url == f"/customers/{customer.pk}/"


def test_contact_form_refuses_a_landline_in_the_mobile_field(client, desk_user):
    customer = CustomerFactory()
    client.force_login(desk_user)
    response = client.post(f"/customers/{customer.pk}/contacts/new/", {"name": "李工", "mobile": "010-62345678"})
    assert response.status_code == 200
    assert not Contact.objects.filter(customer=customer).exists()


def test_asset_form_refuses_acceptance_before_installation(client, desk_user):
    site = SiteFactory()
    model = ProductModelFactory()
    client.force_login(desk_user)
    data = {"site": site.pk, "product_model": model.pk, "serial_number": "X-1", "installed_on": "2025-03-10",
            "accepted_on": "2025-03-01", "status": "in_service"}
    response = client.post(f"/assets/new/for/{site.customer_id}/", data)
    assert response.status_code == 200
    assert not Asset.objects.filter(serial_number="X-1").exists()
    ok = client.post(f"/assets/new/for/{site.customer_id}/", {**data, "accepted_on": "2025-03-12"})
    assert ok.status_code == 302
    assert Asset.objects.get(serial_number="X-1").customer == site.customer


def test_customer_user_cannot_open_forms(client, make_user):
    customer = CustomerFactory()
    user = make_user("customer", customer=customer)
    client.force_login(user)
    assert client.get("/customers/new/").status_code == 403
    assert client.get(f"/customers/{customer.pk}/edit/").status_code == 403
