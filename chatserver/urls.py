from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from moderation import api as moderation_api
from rooms import api as rooms_api

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", views.signup, name="signup"),
    path("admin/", admin.site.urls),
    path("calendar/rooms/<slug:slug>.ics", rooms_api.room_calendar, name="room-calendar"),
    path("calendar/u/<str:token>.ics", rooms_api.user_calendar, name="user-calendar"),
    path("api/", include("rooms.urls")),
    path("api/moderation/", include("moderation.urls")),
    path("api/checkins/", include("moderation.checkin_urls")),
    path("api/rooms/<slug:slug>/tools/", moderation_api.room_tool, name="api-room-tool"),
    path("", include("frontend.urls")),
]
