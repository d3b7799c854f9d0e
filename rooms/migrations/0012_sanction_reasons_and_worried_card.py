from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("rooms", "0011_message_tombstones_and_edits")]

    operations = [
        migrations.AddField(
            model_name="membership", name="mute_reason", field=models.TextField(blank=True, default="")
        ),
        migrations.AddField(model_name="membership", name="ban_reason", field=models.TextField(blank=True, default="")),
        migrations.AddField(
            model_name="room", name="worried_card_sent_at", field=models.DateTimeField(blank=True, null=True)
        ),
    ]
