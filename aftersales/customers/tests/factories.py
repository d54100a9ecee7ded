import factory

from aftersales.customers.models import Contact, Customer, Site


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    code = factory.Sequence(lambda n: f"C{n:05d}")
    name = factory.Sequence(lambda n: f"杭州第{n}中学")
    city = "杭州"
    phone = factory.Sequence(lambda n: f"0571-8{n % 10000000:07d}")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"校区{n}")
    city = "杭州"
    address = factory.Sequence(lambda n: f"西湖区文三路{n}号")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Faker("name", locale="zh_CN")
    mobile = factory.Sequence(lambda n: f"138{n % 100000000:08d}")
