from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0007_checkins"),
    ]

    operations = [
        migrations.CreateModel(
            name="SecondLookCursor",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("last_message_id", models.BigIntegerField(default=0)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
        ),
    ]
