import datetime as dt

import factory

from aftersales.assets.models import Asset, Project
from aftersales.catalogue.tests.factories import ProductModelFactory
from aftersales.customers.tests.factories import CustomerFactory, SiteFactory


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    code = factory.Sequence(lambda n: f"PRJ-{n:04d}")
    name = factory.Sequence(lambda n: f"校园监控改造工程{n}期")
    customer = factory.SubFactory(CustomerFactory)
    accepted_on = dt.date(2024, 6, 28)
    responsible_department = "售后服务部"


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Asset

    site = factory.SubFactory(SiteFactory)
    customer = factory.LazyAttribute(lambda o: o.site.customer)
    product_model = factory.SubFactory(ProductModelFactory)
    serial_number = factory.Sequence(lambda n: f"SN{n:08d}")
    installed_on = dt.date(2024, 6, 1)
    accepted_on = dt.date(2024, 6, 28)
