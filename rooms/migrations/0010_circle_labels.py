from django.db import migrations, models


def label_current_circles(apps, schema_editor):
    """Hands and turns from before labels were stored get the name their member shows now, once."""
    RaisedHand = apps.get_model("rooms", "RaisedHand")
    Room = apps.get_model("rooms", "Room")

    def shown(member):
        if member.is_anonymous:
            return member.alias
        user = member.user
        return f"{user.first_name} {user.last_name}".strip() or user.username

    for hand in RaisedHand.objects.select_related("member__user"):
        hand.shown_as = shown(hand.member)
        hand.save(update_fields=["shown_as"])
    for room in Room.objects.filter(circle_speaker__isnull=False).select_related("circle_speaker__user"):
        room.circle_speaker_shown_as = shown(room.circle_speaker)
        room.save(update_fields=["circle_speaker_shown_as"])


class Migration(migrations.Migration):
    dependencies = [
        ("rooms", "0009_pinned_message"),
    ]

    operations = [
        migrations.AddField(
            model_name="raisedhand",
            name="shown_as",
            field=models.CharField(default="", max_length=150),
        ),
        migrations.AddField(
            model_name="room",
            name="circle_speaker_shown_as",
            field=models.CharField(blank=True, default="", max_length=150),
        ),
        migrations.RunPython(label_current_circles, migrations.RunPython.noop),
    ]
