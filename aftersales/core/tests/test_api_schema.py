import pytest

pytestmark = pytest.mark.django_db


def test_schema_lists_every_resource_and_the_entitlement(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for resource in ("customers", "sites", "contacts", "product-models", "projects", "assets", "contracts", "calendars"):
        assert f"/api/v1/{resource}/" in schema["paths"]
        assert f"/api/v1/{resource}/{{id}}/" in schema["paths"]
    entitlement = schema["paths"]["/api/v1/assets/{id}/entitlement/"]["get"]
    assert any(p["name"] == "on" for p in entitlement["parameters"])


def test_docs_page_serves_its_assets_locally(client, admin_user):
    client.force_login(admin_user)
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page
    assert "cdn" not in page.lower() and "https://" not in page.split("<body")[0]


def test_api_answers_401_without_token(client):
    assert client.get("/api/v1/customers/").status_code == 401
    assert client.get("/api/schema/").status_code == 401


def test_bad_input_is_400_with_field_messages(api, desk_user):
    response = api(desk_user).post("/api/v1/customers/", {"code": "", "name": "x" * 300, "phone": "12345"},
                                   format="json")
    assert response.status_code == 400
    body = response.json()
    assert {"code", "name", "phone"} <= set(body)


def test_a_path_that_names_no_route_answers_json_not_a_page(api, desk_user):
    assert api().get("/api/v1/no-such-thing/").status_code == 401
    response = api(desk_user).get("/api/v1/assets/0.5/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


@pytest.mark.parametrize("query", ["page_size=0", "page_size=501", "page_size=x", "page=abc", "page=¹",
                                   "customer=1.5", "customer=99999999999999999999999"])
def test_bad_list_parameters_are_400_not_ignored(api, desk_user, query):
    response = api(desk_user).get(f"/api/v1/sites/?{query}")
    assert response.status_code == 400, query
    assert response.json()


def test_a_filter_on_a_record_that_does_not_exist_gives_an_empty_list(api, desk_user):
    response = api(desk_user).get("/api/v1/sites/?customer=123456789")
    assert response.status_code == 200 and response.json()["count"] == 0


def test_a_yes_no_filter_takes_true_or_false_only(api, desk_user):
    assert api(desk_user).get("/api/v1/customers/?is_key=maybe").status_code == 400
    assert api(desk_user).get("/api/v1/customers/?is_key=true").status_code == 200
