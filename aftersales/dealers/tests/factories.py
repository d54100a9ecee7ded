import factory

from aftersales.dealers.models import Dealer


class DealerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dealer

    code = factory.Sequence(lambda n: f"D{n:04d}")
    name = factory.Sequence(lambda n: f"华东经销商{n}号")
    region = "华东"
