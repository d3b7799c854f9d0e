from django.urls import path

from . import checkin_api

urlpatterns = [
    path("", checkin_api.own_checkins, name="api-checkins"),
    path("queue/", checkin_api.queue, name="api-checkins-queue"),
]
