"""The rate card of `004` (SPEC W6): yuan per person-day for each role."""

from decimal import Decimal

from django.db import migrations

CODE = "RATE-004"
RATES = [
    ("系统部署", "1200"), ("运维工程师", "1000"), ("高级开发", "1500"), ("开发", "1000"),
    ("UI部署", "1200"), ("UI制作", "1000"), ("测试", "800"), ("项目经理", "1200"),
]


def seed(apps, schema_editor):
    PriceRule = apps.get_model("charges", "PriceRule")
    RateCardLine = apps.get_model("charges", "RateCardLine")
    rule, _created = PriceRule.objects.get_or_create(
        code=CODE, defaults={"name": "人天报价（004）", "kind": "rate_card",
                             "notes": "每人天单价；差旅费另计。"})
    for role, rate in RATES:
        RateCardLine.objects.get_or_create(rule=rule, role=role, defaults={"daily_rate": Decimal(rate)})


def unseed(apps, schema_editor):
    PriceRule = apps.get_model("charges", "PriceRule")
    RateCardLine = apps.get_model("charges", "RateCardLine")
    Quote = apps.get_model("charges", "Quote")
    rule = PriceRule.objects.filter(code=CODE).first()
    if rule is None or Quote.objects.filter(rule=rule).exists():
        return  # a rule a quote was priced by is kept
    RateCardLine.objects.filter(rule=rule).delete()
    PriceRule.objects.filter(pk=rule.pk)._raw_delete(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("charges", "0001_quotes_price_rules_misuse_third_party_costs")]

    operations = [migrations.RunPython(seed, unseed)]
