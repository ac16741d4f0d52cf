# The first evaluation rule: DESIGN.md's defaults (10/50/40, 0.9, calendar months, only the lead
# unit scored, top 10 streets/towns flagged), valid for every month until an administrator adds a
# newer version.

import datetime

from django.db import migrations


def create_default_rule(apps, schema_editor):
    EvaluationRule = apps.get_model("evaluation", "EvaluationRule")
    EvaluationRule.objects.get_or_create(
        valid_from=datetime.date(2000, 1, 1),
        defaults={"note": "默认规则：北京某区实际采用的权重 (DESIGN.md defaults)"},
    )


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_initial")]

    operations = [migrations.RunPython(create_default_rule, migrations.RunPython.noop)]
