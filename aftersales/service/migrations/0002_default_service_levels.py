"""The default service levels and escalation ladder of SPEC §4 (seeds 000–004), on every install."""

from django.db import migrations

# minutes per clock, by severity 1..4
TARGETS = {
    "response": (30, 30, 30, 30),  # half an hour for everything (000, 002, 003, 004)
    "callback": (180, 180, 180, 180),  # telephone reply to a repair call within 3 hours (000)
    "on_site": (120, 120, 1440, 1440),  # 2 hours for severe faults, 24 hours otherwise (002, 000)
    "fixed": (240, 1440, 4320, 4320),  # 4 hours (002); 24 hours hardware; 72 hours (003)
    "senior": (360, 360, 360, 360),  # a senior engineer on site within 6 hours (003)
    "report": (1440, 1440, None, None),  # problem report within 24 hours of fixing (003, 004)
}
LEVELS = [("STD-7X24", "标准服务 7×24", "7x24", True), ("STD-5X8", "标准服务 工作时间 5×8", "5x8", False)]
LADDER = [  # (percent, late minutes, notify, severity)
    (75, None, "assignee", None),
    (None, 0, "service_manager", None),
    (None, 60, "director", None),
    (None, 0, "general_manager", 1),
]


def seed(apps, schema_editor):
    ServiceLevel = apps.get_model("service", "ServiceLevel")
    ServiceTarget = apps.get_model("service", "ServiceTarget")
    WorkingCalendar = apps.get_model("calendars", "WorkingCalendar")
    EscalationRule = apps.get_model("service", "EscalationRule")
    db = schema_editor.connection.alias
    for code, name, calendar_code, is_default in LEVELS:
        calendar = WorkingCalendar.objects.using(db).filter(code=calendar_code).first()
        if calendar is None or ServiceLevel.objects.using(db).filter(code=code).exists():
            continue
        level = ServiceLevel.objects.using(db).create(code=code, name=name, calendar=calendar, is_default=is_default)
        ServiceTarget.objects.using(db).bulk_create([
            ServiceTarget(service_level=level, severity=severity, request_type="", clock=clock, minutes=minutes)
            for clock, figures in TARGETS.items()
            for severity, minutes in enumerate(figures, start=1)
            if minutes is not None
        ])
    if not EscalationRule.objects.using(db).exists():
        EscalationRule.objects.using(db).bulk_create([
            EscalationRule(clock=clock, percent=percent, late_minutes=late, notify=notify, severity=severity)
            for clock in ("response", "on_site", "fixed")
            for percent, late, notify, severity in LADDER
        ])


class Migration(migrations.Migration):
    dependencies = [
        ("service", "0001_initial"),
        ("calendars", "0002_seed_calendars"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
