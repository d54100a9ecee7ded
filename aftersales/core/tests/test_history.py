import pytest

from aftersales.core.models import ArchiveRefused, AuditEvent
from aftersales.customers.models import Customer
from aftersales.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_create_and_change_are_kept_with_who_when_what(api, desk_user, client):
    created = api(desk_user).post("/api/v1/customers/", {"code": "HZ001", "name": "杭州电子科技大学",
                                                        "phone": "0571-86919000"}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    changed = api(desk_user).patch(f"/api/v1/customers/{pk}/", {"name": "杭州电子科技大学下沙校区"}, format="json")
    assert changed.status_code == 200
    events = list(AuditEvent.objects.filter(object_id=str(pk)).order_by("at", "id"))
    assert [e.action for e in events] == ["create", "update"]
    assert events[1].actor == desk_user
    assert events[1].changes == {"name": ["杭州电子科技大学", "杭州电子科技大学下沙校区"]}
    client.force_login(desk_user)
    page = client.get(f"/customers/{pk}/").content.decode()
    assert "杭州电子科技大学下沙校区" in page and str(desk_user) in page


def test_records_are_archived_never_deleted(api, desk_user):
    customer = CustomerFactory()
    client = api(desk_user)
    assert client.delete(f"/api/v1/customers/{customer.pk}/").status_code == 405
    assert client.post(f"/api/v1/customers/{customer.pk}/archive/").status_code == 200
    customer.refresh_from_db()
    assert customer.archived_at is not None
    ids = [c["id"] for c in client.get("/api/v1/customers/").json()["results"]]
    assert customer.pk not in ids
    assert customer.pk in [c["id"] for c in client.get("/api/v1/customers/?archived=only").json()["results"]]
    with pytest.raises(ArchiveRefused):
        customer.delete()
    with pytest.raises(ArchiveRefused):
        Customer.objects.filter(pk=customer.pk).delete()
    changed = client.patch(f"/api/v1/customers/{customer.pk}/", {"name": "改名"}, format="json")
    assert changed.status_code == 400
    assert client.post(f"/api/v1/customers/{customer.pk}/restore/").status_code == 200
    assert [e.action for e in AuditEvent.objects.filter(object_id=str(customer.pk)).order_by("at", "id")] == [
        "archive", "restore"]


def test_archive_and_restore_from_the_page(client, desk_user, make_user):
    customer = CustomerFactory()
    client.force_login(desk_user)
    assert client.get(f"/records/customer/{customer.pk}/archive/").status_code == 405
    assert client.post(f"/records/customer/{customer.pk}/archive/").status_code == 302
    customer.refresh_from_db()
    assert customer.archived_at is not None and Customer.objects.filter(pk=customer.pk).exists()
    assert client.post(f"/records/customer/{customer.pk}/archive/", {"restore": "1"}).status_code == 302
    customer.refresh_from_db()
    assert customer.archived_at is None
    outsider = make_user("customer", customer=CustomerFactory())
    client.force_login(outsider)
    assert client.post(f"/records/customer/{customer.pk}/archive/").status_code == 404
