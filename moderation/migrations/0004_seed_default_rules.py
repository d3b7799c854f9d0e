"""Seed the default moderation rules (abuse and slurs, personal details, flooding) as editable rows."""

from django.db import migrations


def seed(apps, schema_editor):
    from moderation.rules import default_rule_rows

    ModerationRule = apps.get_model("moderation", "ModerationRule")
    for row in default_rule_rows():
        ModerationRule.objects.get_or_create(name=row.pop("name"), defaults=row)


def unseed(apps, schema_editor):
    from moderation.rules import default_rule_rows

    names = [row["name"] for row in default_rule_rows()]
    apps.get_model("moderation", "ModerationRule").objects.filter(name__in=names).delete()


class Migration(migrations.Migration):
    dependencies = [("moderation", "0003_moderation_rules")]
    operations = [migrations.RunPython(seed, unseed)]
