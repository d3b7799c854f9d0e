from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0011_merge_20261130_1431"),
    ]

    operations = [
        migrations.CreateModel(
            name="SecondLookReading",
            fields=[
                ("message_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("read_at", models.DateTimeField(auto_now_add=True)),
            ],
        ),
    ]
