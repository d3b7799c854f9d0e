from django.urls import path

from . import api

urlpatterns = [
    path("actions/", api.action, name="api-moderation-action"),
    path("queue/", api.queue, name="api-moderation-queue"),
    path("audit/", api.audit, name="api-moderation-audit"),
]
