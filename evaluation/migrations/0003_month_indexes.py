# The month's indexes, tightened after measuring at Beijing's scale (bench/evaluation.py, 2,000,000
# follow-ups and tickets a month):
# - followup_finished no longer carries ticket_id: exemptions are now counted by a join that
#   starts from the exemptions (evaluation.scoring.exempted), so the month's aggregate is the only
#   reader and reads a smaller index;
# - ticket_month_region: the requests of the month per region (evaluation.scoring.region_volumes)
#   from an index alone instead of two million ticket rows. It lives on workorders' table but only
#   evaluation reads it, so it is created here, on PostgreSQL only (INCLUDE), outside Django's
#   model state like followup_finished's INCLUDE columns.

from django.db import migrations, models

FINISHED_INDEX = models.Index(
    condition=models.Q(("finished_at__isnull", False)),
    fields=["finished_at"],
    name="followup_finished",
)
FOLLOW_UP_COVERING = (
    "unit",
    "result",
    "contacted",
    "contacted_on_time",
    "solved",
    "satisfaction",
    "confidential",
)
OLD_FOLLOW_UP_COVERING = ("unit", "ticket", *FOLLOW_UP_COVERING[1:])
VOLUME_INDEX = models.Index(fields=["registered_at"], name="ticket_month_region")
VOLUME_COVERING = ("region", "status")


def _recreate_finished(apps, schema_editor, include):
    if not schema_editor.connection.features.supports_covering_indexes:
        return  # SQLite: the plain index of 0001 stays as it is
    model = apps.get_model("evaluation", "FollowUp")
    schema_editor.remove_index(model, FINISHED_INDEX)
    index = FINISHED_INDEX.clone()
    index.include = include
    schema_editor.add_index(model, index)


def forwards(apps, schema_editor):
    _recreate_finished(apps, schema_editor, FOLLOW_UP_COVERING)
    if schema_editor.connection.features.supports_covering_indexes:
        index = VOLUME_INDEX.clone()
        index.include = VOLUME_COVERING
        schema_editor.add_index(apps.get_model("workorders", "Ticket"), index)


def backwards(apps, schema_editor):
    if schema_editor.connection.features.supports_covering_indexes:
        schema_editor.remove_index(apps.get_model("workorders", "Ticket"), VOLUME_INDEX)
    _recreate_finished(apps, schema_editor, OLD_FOLLOW_UP_COVERING)


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0002_default_rule"),
        ("workorders", "0003_evaluation_events"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
