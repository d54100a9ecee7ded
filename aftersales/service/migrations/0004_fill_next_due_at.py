from django.db import migrations
from django.db.models import Min, OuterRef, Subquery


def fill(apps, schema_editor):
    """The earliest due time of each request's running clocks (services keep it from now on)."""
    ServiceRequest = apps.get_model("service", "ServiceRequest")
    RequestClock = apps.get_model("service", "RequestClock")
    db = schema_editor.connection.alias
    earliest = (RequestClock.objects.using(db).filter(request=OuterRef("pk"), met_at__isnull=True,
                                                      due_at__isnull=False)
                .order_by().values("request").annotate(first=Min("due_at")).values("first"))
    ServiceRequest.objects.using(db).update(next_due_at=Subquery(earliest[:1]))


class Migration(migrations.Migration):
    dependencies = [("service", "0003_request_next_due_at")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
