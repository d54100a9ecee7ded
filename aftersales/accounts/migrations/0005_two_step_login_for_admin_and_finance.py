"""Two-step login is required of administrators and finance from the start; other roles may be
switched on by an administrator (accounts/security-policy/)."""

from django.db import migrations

ROLES = ["admin", "desk", "technician", "senior_engineer", "project_manager", "service_manager", "director",
         "parts", "finance", "general_manager", "customer", "dealer"]
REQUIRED = {"admin", "finance"}


def defaults(apps, schema_editor):
    policy = apps.get_model("accounts", "RoleSecurityPolicy")
    for role in ROLES:
        policy.objects.get_or_create(role=role, defaults={"totp_required": role in REQUIRED})


def remove(apps, schema_editor):
    apps.get_model("accounts", "RoleSecurityPolicy").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_second_factor_and_security_log")]

    operations = [migrations.RunPython(defaults, remove)]
