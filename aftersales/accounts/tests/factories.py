import factory

from aftersales.accounts.models import User
from aftersales.accounts.roles import Role

PASSWORD = "Servi<e-Pass-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Faker("name", locale="zh_CN")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        from django.contrib.auth.models import Group

        roles = extracted if extracted is not None else [Role.DESK]
        if create:
            self.groups.set(Group.objects.filter(name__in=[str(r) for r in roles]))
            self.save()
