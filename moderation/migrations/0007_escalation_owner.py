import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def owners_from_acknowledgements(apps, schema_editor):
    """An acknowledged escalation is the case of whoever acknowledged it."""
    Escalation = apps.get_model("moderation", "Escalation")
    Escalation.objects.filter(owner__isnull=True, acknowledged_by__isnull=False).update(
        owner=models.F("acknowledged_by")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0006_escalation_about_other"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="escalation",
            name="owner",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(owners_from_acknowledgements, migrations.RunPython.noop),
    ]
