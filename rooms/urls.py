from django.urls import path

from . import account_api, api, session_api

urlpatterns = [
    path("account/export/", account_api.export_my_data, name="api-account-export"),
    path("account/delete/", account_api.delete_my_account, name="api-account-delete"),
    path("rooms/", api.room_list, name="api-rooms"),
    path("rooms/<slug:slug>/messages/", api.room_messages, name="api-room-messages"),
    path("rooms/<slug:slug>/sessions/", session_api.room_sessions, name="api-room-sessions"),
    path("sessions/<int:occurrence_id>/rsvp/", session_api.rsvp, name="api-session-rsvp"),
    path("sessions/<int:occurrence_id>/summary/", session_api.session_summary, name="api-session-summary"),
    path(
        "sessions/<int:occurrence_id>/<str:action>/",
        session_api.manage_session,
        name="api-session-action",
    ),
]
