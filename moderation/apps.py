from django.apps import AppConfig


class ModerationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "moderation"

    def ready(self):
        # Rooms sits below this app and calls it only through the interface it defines.
        from rooms import moderation_hooks

        from .hooks import RoomHooks

        moderation_hooks.register(RoomHooks())

        # This app's export sections and eraser for a student's data rights (rooms.personal_data).
        from . import personal_data

        personal_data.register()
