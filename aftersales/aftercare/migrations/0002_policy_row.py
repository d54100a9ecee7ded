"""The one row of the after-sales policy figures, with the defaults of SPEC W8, W10, §4 and F1."""

from django.db import migrations


def create_row(apps, schema_editor):
    PolicySetting = apps.get_model("aftercare", "PolicySetting")
    PolicySetting.objects.get_or_create(pk=1)


def remove_row(apps, schema_editor):
    apps.get_model("aftercare", "PolicySetting").objects.filter(pk=1).delete()


class Migration(migrations.Migration):
    dependencies = [("aftercare", "0001_policies_returns_depot_repairs")]
    operations = [migrations.RunPython(create_row, remove_row)]
