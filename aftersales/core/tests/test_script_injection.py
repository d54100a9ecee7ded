"""Script payloads in every text field a user can fill come out escaped on every page that shows
them, and literally in the warranty card."""

import io

import pypdf
import pytest
from django.db import models

from aftersales.assets.models import Asset, Project
from aftersales.assets.tests.factories import AssetFactory, ProjectFactory
from aftersales.contracts.models import Contract
from aftersales.contracts.tests.factories import ContractFactory
from aftersales.customers.models import Contact, Customer, Site
from aftersales.customers.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

PAYLOADS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(2)>', "';alert(3);//", "{{7*7}}<svg/onload=alert(4)>"]
RAW = ("<script>alert(1)", "<img src=x onerror", "<svg/onload")


def fill_text_fields(instance: models.Model, payload: str) -> None:
    for field in instance._meta.concrete_fields:
        if isinstance(field, (models.CharField, models.TextField)) and not field.choices and field.editable:
            if field.name in {"phone", "mobile", "email", "code", "number", "serial_number"}:
                continue
            setattr(instance, field.name, payload[: field.max_length] if field.max_length else payload)
    instance.save()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_are_escaped_on_every_page_and_literal_in_the_pdf(client, admin_user, payload):
    asset = AssetFactory()
    project = ProjectFactory(customer=asset.customer)
    asset.project = project
    asset.save()
    contract = ContractFactory(customer=asset.customer, project=project, assets=[asset])
    ContactFactory(customer=asset.customer, site=asset.site)
    for model in (Customer, Site, Contact, Project, Asset, Contract):
        for instance in model.objects.all():
            fill_text_fields(instance, payload)
    client.force_login(admin_user)
    pages = [f"/customers/{asset.customer_id}/", f"/assets/{asset.pk}/", f"/assets/projects/{project.pk}/",
             f"/contracts/{contract.pk}/", "/customers/", "/assets/", "/assets/projects/", "/contracts/",
             f"/customers/{asset.customer_id}/edit/", f"/assets/{asset.pk}/edit/"]
    for path in pages:
        html = client.get(path).content.decode()
        assert not any(raw in html for raw in RAW), path
    pdf = client.get(f"/assets/projects/{project.pk}/warranty-card.pdf")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(b"".join(pdf.streaming_content)
                                                                                 if pdf.streaming else pdf.content)).pages)
    assert payload[:12] in text.replace("\n", "")
