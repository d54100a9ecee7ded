import factory

from aftersales.catalogue.models import (
    BomLine,
    Maker,
    Part,
    ProductCategory,
    ProductModel,
)


class ProductCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductCategory
        django_get_or_create = ("code",)

    code = "CCTV"
    name = "视频监控"


class MakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Maker
        django_get_or_create = ("name",)

    name = "海康威视"


class PartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Part

    code = factory.Sequence(lambda n: f"P{n:05d}")
    name = factory.Sequence(lambda n: f"电源模块{n}")
    service_life_months = 60


class ProductModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductModel

    code = factory.Sequence(lambda n: f"DS-2CD{n:04d}")
    name = "网络摄像机"
    category = factory.SubFactory(ProductCategoryFactory)
    maker = factory.SubFactory(MakerFactory)


class BomLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BomLine

    product_model = factory.SubFactory(ProductModelFactory)
    part = factory.SubFactory(PartFactory)
    quantity = 1


def _matrix_part(org, w) -> None:
    """The organisation's part (id ``org.pk``) for /api/v1/parts/: the stock rows of the matrix make
    it first (inventory.stockbalance); it is made here when they do not, and given a specification."""
    from aftersales.catalogue.models import Part

    if not Part.objects.filter(pk=org.pk).exists():
        PartFactory(id=org.pk, code=f"SP-{org.key}")
    Part.objects.filter(pk=org.pk).update(spec=f"规格-{org.key}")


# The who-sees-what matrix (aftersales/accounts/tests/matrix.py) makes these after its own rows.
MATRIX_FACTORIES = {"catalogue.part": _matrix_part}
