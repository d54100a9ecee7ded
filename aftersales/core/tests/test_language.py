import pytest

pytestmark = pytest.mark.django_db


def test_pages_are_chinese_by_default_even_for_an_english_browser(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "登录" in page


def test_english_can_be_chosen(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    page = client.get("/accounts/login/").content.decode()
    assert "Log in" in page and "登录" not in page
