from django.apps import AppConfig


class ChatserverConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "chatserver"
    verbose_name = "Accounts"

    def ready(self):
        from . import access  # noqa: F401  (connects the signal receivers)
