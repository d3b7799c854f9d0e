from django.urls import path

from . import checkin_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("welcome/accept/", views.accept_safety_notice, name="accept-safety-notice"),
    path("rooms/<slug:slug>/", views.room, name="room"),
    path("privacy/", views.privacy, name="privacy"),
    path("privacy/delete-account/", views.delete_account, name="delete-account"),
    path("calendar/reset/", views.reset_calendar, name="calendar-reset"),
    path("moderation/", views.moderation_dashboard, name="moderation"),
    path("facilitate/", views.facilitator_home, name="facilitate"),
    path("checkins/", checkin_views.checkin_list, name="checkins"),
    path("checkins/<int:checkin_id>/", checkin_views.checkin_page, name="checkin"),
]
