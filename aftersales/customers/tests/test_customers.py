import pytest
from django.core.exceptions import ValidationError

from aftersales.core.validators import validate_cn_mobile, validate_cn_phone
from aftersales.customers.tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["13812345678", "19912345678", "+86 138 1234 5678", "010-62345678",
                                   "0571-86919000", "(021)62345678", "0755-26543210-8001", "400-810-8888"])
def test_valid_phones(value):
    validate_cn_phone(value)


@pytest.mark.parametrize("value", ["12812345678", "1381234567", "62345678", "010-1234", "abc", "0571-06919000"])
def test_invalid_phones_are_refused_in_chinese(value):
    with pytest.raises(ValidationError) as exc:
        validate_cn_phone(value)
    assert "号码" in str(exc.value.messages[0]) or "phone" in str(exc.value.messages[0])


def test_mobile_must_be_mobile():
    with pytest.raises(ValidationError):
        validate_cn_mobile("010-62345678")


def test_customer_search_by_chinese_name_code_and_contact_phone(api, desk_user, client):
    target = CustomerFactory(code="SZ-088", name="深圳市南山区人民医院", phone="0755-26553111")
    CustomerFactory(name="深圳湾科技园")
    ContactFactory(customer=target, mobile="13688889999")
    client_api = api(desk_user)
    for text in ("南山区人民", "SZ-088", "26553111", "13688889999"):
        names = [c["name"] for c in client_api.get("/api/v1/customers/", {"q": text}).json()["results"]]
        assert names == ["深圳市南山区人民医院"], text
    client.force_login(desk_user)
    page = client.get("/customers/", {"q": "南山区人民"}).content.decode()
    assert "深圳市南山区人民医院" in page and "深圳湾科技园" not in page


def test_contact_needs_a_way_to_reach_them(api, desk_user):
    customer = CustomerFactory()
    response = api(desk_user).post("/api/v1/contacts/", {"customer": customer.pk, "name": "王工"}, format="json")
    assert response.status_code == 400
    assert "mobile" in response.json()


def test_account_manager_must_be_our_own_staff(api, desk_user, make_user):
    customer = CustomerFactory()
    outsider = make_user("customer", customer=customer)
    response = api(desk_user).patch(f"/api/v1/customers/{customer.pk}/", {"account_manager": outsider.pk},
                                    format="json")
    assert response.status_code == 400 and "account_manager" in response.json()
    assert api(desk_user).patch(f"/api/v1/customers/{customer.pk}/", {"account_manager": desk_user.pk},
                                format="json").status_code == 200
